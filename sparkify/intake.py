"""Intake: files in, staging rows out, with a tally per file and a reject per bad record.

It decides which files a load reads (new or changed ones, by the manifest) and accounts for
every line: loaded + rejected + skipped (blank or not a song play) = lines. Once the input
proves big, the files are read and shaped in worker processes while PostgreSQL ingests what
is ready; the results come back in input order either way.

A log file is loaded whole or not at all. The main process reads each file once, hashing it
for the manifest and noting a CRC-32 of every block; whoever shapes a block reads it again
and checks it against that CRC. A file that cannot be read to its end, or that changed while
it was read, is refused whole: its rows are held back until its last block is in, so none of
them reach the load, and the manifest only ever describes the bytes that were loaded.
"""

import csv
import hashlib
import itertools
import logging
import os
import shutil
import stat
import tempfile
import zlib
from collections import Counter, deque
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Future, ProcessPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, NamedTuple, TypeVar

from sparkify import shape
from sparkify.copytext import copy_line, copy_text
from sparkify.errors import RecordError
from sparkify.read import (
    MAX_RECORD_BYTES,
    Refusal,
    is_blank,
    not_regular,
    open_regular,
    parse_record,
    read_record_file,
    too_big,
)
from sparkify.shape import Row, event_row, is_play, song_row
from sparkify.workers import worker_pool

logger = logging.getLogger(__name__)

BLOCK_BYTES = 4 * 2**20  # log lines shaped as one unit of work: about 8,000 at once
SONG_FILES_PER_BATCH = 500  # song files read as one unit of work
READ_AHEAD = 6  # log blocks shaped while PostgreSQL merges the songs (see event_text)
IN_FLIGHT = 2 * 2  # units shaped ahead of COPY: bounds memory, keeps every worker busy
WORKERS = 2
# Read this much in this process first: for a small load, starting workers costs more than
# it saves (the real sample, 71 song files and 4 MB of logs, never starts them).
PARALLEL_FROM_BYTES = 8 * 2**20
PARALLEL_FROM_FILES = 1_000
RAW_LIMIT = 2000  # characters of a rejected record kept in etl_rejects.raw
RAW_BYTES = 4 * RAW_LIMIT  # bytes of a rejected record sent back by a worker: 2,000 characters
REJECTS_IN_MEMORY = 16 * 2**20  # bytes of rejects kept in memory before spilling to disk
HELD_IN_MEMORY = 32 * 2**20  # bytes of a big log file's rows held in memory, then on disk
HELD_CHUNK = 2**20  # characters of held rows sent to COPY at a time
CHANGED = "the file changed while it was read: the next run reads it again"

FilePath = str | Path  # json_files gives text: lighter than Path objects by the 50,000
Known = tuple[int, str] | None  # a file's (size, sha256) in the manifest, if it is there
Shaped = TypeVar("Shaped")


@dataclass(slots=True)  # one per file read: 50,000 at 1M events
class FileTally:
    """What one file gave: its identity for the manifest and where each line went."""

    path: str
    size: int
    sha256: str = ""
    lines: int = 0
    loaded: int = 0
    rejected: int = 0
    skipped: int = 0


@dataclass
class ShapedLines:
    """What shaping a block of log lines gave: COPY text, counts, rejects and repairs."""

    text: str = ""
    lines: int = 0
    loaded: int = 0
    skipped: int = 0
    rejects: list[tuple[int, str, bytes]] = field(default_factory=list)  # index in the block
    repairs: Counter[str] = field(default_factory=Counter)
    failure: str = ""  # why the block's file must be refused whole (unreadable, changed)


class Span(NamedTuple):
    """A block of whole lines of a log file, with the CRC-32 its reader checks it against."""

    offset: int
    length: int
    crc: int = 0
    too_long: int = 0  # the size of the one line it holds if over MAX_RECORD_BYTES: refused


class Block(NamedTuple):
    """A span of a log file to shape, and whether it ends the file (and how the read ended)."""

    tally: FileTally
    span: Span
    last: bool = False
    failure: str = ""  # found by the main process's own read: the file is refused whole


Pending = deque[tuple[Block, Future[ShapedLines]]]  # blocks being shaped, in file order
# Told how much work an intake took in: SONG_FILES (files) or LOG_BYTES (bytes of log files).
Progress = Callable[[str, int], None]
SONG_FILES = "song files"
LOG_BYTES = "log bytes"


def no_progress(kind: str, amount: int) -> None:
    """Show no progress (an Intake's default)."""


class SongFile(NamedTuple):
    """What reading one song file gave (kept small: it crosses from a worker process)."""

    outcome: str  # unchanged, unreadable, skipped (blank), rejected or loaded
    size: int = 0
    sha256: str = ""
    reason: str = ""  # why it was rejected or unreadable
    raw: bytes = b""  # the rejected record


@dataclass
class ShapedSongs:
    """What reading a batch of song files gave: COPY text, one SongFile each, repairs."""

    text: str
    files: list[SongFile]
    repairs: Counter[str]


def file_sha256(path: FilePath) -> str:
    """The hex SHA-256 of a file's content."""
    with open_regular(str(path)) as content:
        return hashlib.file_digest(content, "sha256").hexdigest()


def is_unchanged(path: FilePath, size: int, known: Known) -> bool:
    """Whether a file holds what the manifest says was loaded; hash only when the size agrees."""
    return known is not None and known[0] == size and known[1] == file_sha256(path)


def read_span(path: str, span: Span) -> bytes:
    """The bytes of a span of a file; of a line too long to load, only its start."""
    with open_regular(path) as file:
        file.seek(span.offset)
        return file.read(RAW_BYTES if span.too_long else span.length)


def shape_block(path: str, span: Span) -> ShapedLines:
    """Shape a block of whole lines of a log file; runs in any process.

    The block is read here rather than sent: it is in the page cache, and the main process
    then holds no lines at all, only where the blocks lie and their CRC-32, which proves
    that the bytes read here are the bytes the main process hashed for the manifest.
    """
    try:
        block = read_span(path, span)
    except OSError as exc:  # deleted, or replaced by what cannot be read, since it was listed
        return ShapedLines(failure=unreadable(exc))
    if span.too_long:  # refused with the start of the line, which is never held whole
        return ShapedLines(lines=1, rejects=[(0, too_big(span.too_long), block)])
    if len(block) != span.length or zlib.crc32(block) != span.crc:
        return ShapedLines(failure=CHANGED)
    return shape_lines(block)


def shape_lines(block: bytes) -> ShapedLines:
    """Shape the whole lines of a block of a log file into COPY text, counts and rejects."""
    repairs_before = shape.repairs.copy()
    lines = block.split(b"\n")
    if block.endswith(b"\n"):
        lines.pop()  # the empty piece after the last line break is not a line
    rows = []
    result = ShapedLines(lines=len(lines))
    for index, line in enumerate(lines):
        if len(line) > MAX_RECORD_BYTES:
            result.rejects.append((index, too_big(len(line)), line[:RAW_BYTES]))
            continue
        try:
            record = parse_record(line)
        except RecordError as exc:
            # Blank lines are rare: look for them only where the JSON parser gave up.
            if is_blank(line):
                result.skipped += 1
            else:
                result.rejects.append((index, str(exc), line[:RAW_BYTES]))
            continue
        try:
            if not is_play(record):
                result.skipped += 1
                continue
            rows.append(copy_line(event_row(record)))
        except RecordError as exc:
            result.rejects.append((index, str(exc), line[:RAW_BYTES]))
            continue
        result.loaded += 1
    result.text = "".join(rows)
    result.repairs = shape.repairs - repairs_before
    return result


def read_song_file(path: str, known: Known) -> tuple[SongFile, Row | None]:
    """Read one song file (one record) into its staging row, or say why there is none."""
    try:
        # A song file is small: reading and hashing it costs less than a stat call more.
        content, size, sha256 = read_record_file(path)
    except OSError as exc:
        return SongFile("unreadable", reason=unreadable(exc)), None
    if known == (size, sha256):
        return SongFile("unchanged"), None
    if size > MAX_RECORD_BYTES:
        return SongFile("rejected", size, sha256, too_big(size), content[:RAW_BYTES]), None
    if is_blank(content):
        return SongFile("skipped", size, sha256), None
    try:
        row = song_row(path, parse_record(content))
    except RecordError as exc:
        return SongFile("rejected", size, sha256, str(exc), content[:RAW_BYTES]), None
    return SongFile("loaded", size, sha256), row


def read_song_files(files: list[tuple[str, Known]]) -> ShapedSongs:
    """Read a batch of song files; runs in any process."""
    repairs_before = shape.repairs.copy()
    results, rows = [], []
    for path, known in files:
        result, row = read_song_file(path, known)
        results.append(result)
        if row is not None:
            rows.append(row)
    return ShapedSongs(copy_text(rows), results, shape.repairs - repairs_before)


def unreadable(exc: OSError) -> str:
    """The reject reason of a file that cannot be read."""
    return f"cannot read the file: {exc.strerror or exc}"


def line_spans(content: IO[bytes], digest: "hashlib._Hash") -> Iterator[Span]:
    """Blocks of whole lines of the content with their CRC-32, hashing it all on the way.

    Each block but the last ends with a line break (a file's last line may lack one). A line
    longer than MAX_RECORD_BYTES that spans a whole read gets a block of its own, marked
    too long, and is read past without being held.
    """
    start = end = crc = 0  # where the next block starts; how far the content is read; its CRC
    long_line = False  # whether the line from start is already too long
    while data := content.read(BLOCK_BYTES):
        digest.update(data)
        view, base, end = memoryview(data), end, end + len(data)
        if long_line:
            cut = data.find(b"\n")
            if cut < 0:
                continue
            stop = base + cut + 1
            yield Span(start, stop - start, too_long=stop - start - 1)
            start, crc, long_line, view, base = stop, 0, False, view[cut + 1 :], stop
        cut = data.rfind(b"\n", len(data) - len(view))
        if cut >= 0:
            stop = end - len(data) + cut + 1
            yield Span(start, stop - start, zlib.crc32(view[: stop - base], crc))
            start, view, base, crc = stop, view[stop - base :], stop, 0
        crc = zlib.crc32(view, crc)
        long_line = end - start > MAX_RECORD_BYTES
    if end > start:
        length = end - start
        yield Span(start, length, too_long=length) if long_line else Span(start, length, crc)


def file_state(content: IO[bytes]) -> tuple[int, int]:
    """What changes when a file is written to: its size and modification time."""
    status = os.fstat(content.fileno())
    return status.st_size, status.st_mtime_ns


class HeldFile:
    """The shaped blocks of the log file being taken, held until its last block is in.

    A file refused part-way (unreadable, changed) is dropped whole: none of its rows or line
    rejects reach the load. The usual file is one block, held as it is; the rows of a bigger
    one are spooled (in memory up to HELD_IN_MEMORY, then on disk), and so are its rejects.
    """

    def __init__(self) -> None:
        # Both closed by close(): a HeldFile lives as long as its Intake.
        self._text = tempfile.SpooledTemporaryFile(  # noqa: SIM115
            max_size=HELD_IN_MEMORY, mode="w+", newline="", encoding="utf-8"
        )
        self._rejects = tempfile.SpooledTemporaryFile(  # noqa: SIM115
            max_size=REJECTS_IN_MEMORY, mode="w+", newline="", encoding="utf-8"
        )
        self._reject_writer = csv.writer(self._rejects)
        self._spooled = False
        self.rejected = 0
        self.reset(None)

    def reset(self, tally: FileTally | None) -> None:
        """Drop what is held and start holding the blocks of another file."""
        if self._spooled:
            self._text.seek(0)
            self._text.truncate()
        if self.rejected:
            self._rejects.seek(0)
            self._rejects.truncate()
        self.tally: FileTally | None = tally
        self.failed = self._spooled = False
        self.blocks = self.lines = self.loaded = self.skipped = self.rejected = 0
        self._first = ""
        self.repairs: Counter[str] = Counter()

    def add(self, result: ShapedLines, run_id: str, path: str) -> None:
        """Hold the next block of the file."""
        for index, reason, raw in result.rejects:
            line = self.lines + 1 + index
            self._reject_writer.writerow(reject_row(run_id, path, line, reason, raw))
        self.rejected += len(result.rejects)
        self.lines += result.lines
        self.loaded += result.loaded
        self.skipped += result.skipped
        self.repairs.update(result.repairs)
        if self.blocks and not self._spooled:
            self._text.write(self._first)
            self._first, self._spooled = "", True
        if self._spooled:
            self._text.write(result.text)
        else:
            self._first = result.text
        self.blocks += 1

    def move_rejects(self, rejects: IO[str]) -> None:
        """Append the held rejects to the run's."""
        if self.rejected:
            self._rejects.seek(0)
            shutil.copyfileobj(self._rejects, rejects)

    def text(self) -> Iterator[str]:
        """The held rows as COPY text, in chunks."""
        if not self._spooled:
            yield self._first
            return
        self._text.seek(0)
        while chunk := self._text.read(HELD_CHUNK):
            yield chunk

    def close(self) -> None:
        """Remove the spools."""
        self._text.close()
        self._rejects.close()


def reject_row(run_id: str, path: FilePath, line: int | None, reason: str, raw: bytes) -> Row:
    """One reject as a row of the CSV that reject_copy reads."""
    # PostgreSQL text cannot hold NUL: show it as the replacement character.
    text = raw.decode("utf-8", "replace").rstrip("\r\n")[:RAW_LIMIT].replace("\x00", "\ufffd")
    return (run_id, str(path), line, reason, text)


class Intake:
    """Reads the files of one run into staging rows, rejects and manifest tallies."""

    def __init__(self, run_id: str, full_refresh: bool = False) -> None:
        self.run_id = run_id
        self.full_refresh = full_refresh
        self.manifest: dict[str, tuple[int, str]] = {}  # path -> (size, sha256) loaded before
        self.tallies: list[FileTally] = []
        self.unchanged = 0
        self.empty: list[str] = []
        self.rejected = 0
        self._repairs: Counter[str] = Counter()
        self._bytes_read = 0
        self._files_read = 0
        self._pool: ProcessPoolExecutor | None = None
        # Told of work as it is taken back from the workers, which run ahead, in input order.
        self.progress: Progress = no_progress
        # Closed by __exit__: an Intake lives as long as its load.
        self._rejects = tempfile.SpooledTemporaryFile(  # noqa: SIM115
            max_size=REJECTS_IN_MEMORY, mode="w+", newline="", encoding="utf-8"
        )
        self._reject_writer = csv.writer(self._rejects)
        self._held = HeldFile()

    def __enter__(self) -> "Intake":
        return self

    def __exit__(self, *exc_info: object) -> None:
        self._rejects.close()
        self._held.close()
        if self._pool is not None:
            self._pool.shutdown(cancel_futures=True)

    def song_text(self, paths: Iterable[FilePath]) -> Iterator[str]:
        """Staging rows (COPY text) of the new or changed song files, one record per file."""
        remaining = iter(paths)
        pending: deque[tuple[list[FilePath], Future[ShapedSongs]]] = deque()
        while batch := list(itertools.islice(remaining, SONG_FILES_PER_BATCH)):
            self._files_read += len(batch)
            big = self._files_read > PARALLEL_FROM_FILES
            files = [(str(path), self._known(path)) for path in batch]
            pending.append((batch, self._run(read_song_files, files, big=big)))
            if len(pending) > IN_FLIGHT:
                yield self._take_songs(*pending.popleft())
        while pending:
            yield self._take_songs(*pending.popleft())

    def event_text(self, paths: Iterable[FilePath], ahead: int = 0) -> Iterator[str]:
        """Staging rows (COPY text) of the song plays in the new or changed log files, in order.

        The first `ahead` blocks are handed to the workers at once, before any text is asked
        for: they are shaped while the caller still has the database busy with other work.
        """
        blocks = self._log_blocks(paths)
        pending = deque(self._shape(block) for block in itertools.islice(blocks, ahead))
        return self._event_chunks(blocks, pending)

    def refuse(self, refusals: Iterable[Refusal]) -> None:
        """Record folders and files that the listing could not read, as whole-file rejects."""
        for path, reason in refusals:
            self._reject_file(path, reason)

    def repaired(self) -> dict[str, int]:
        """How many values of each field this intake repaired (mis-decoded UTF-8)."""
        return dict(self._repairs)

    def reject_csv(self) -> IO[str]:
        """The rejects of this run as CSV in the column order of reject_copy."""
        self._rejects.flush()
        self._rejects.seek(0)
        return self._rejects

    def manifest_rows(self) -> Iterator[Row]:
        """One manifest row per file read, in the column order of file_stage_copy."""
        for t in self.tallies:
            yield (t.path, t.size, t.sha256, t.lines, t.loaded, t.rejected, t.skipped)

    def _known(self, path: FilePath) -> Known:
        """The manifest's entry for a file, unless the run reads every file again."""
        return None if self.full_refresh else self.manifest.get(str(path))

    def _run(self, work: Callable[..., Shaped], *args: object, big: bool) -> "Future[Shaped]":
        """Run a unit of work in a worker once the input is big (or workers run), else here."""
        if self._pool is None and big:
            self._pool = worker_pool(WORKERS)
        if self._pool is not None:
            return self._pool.submit(work, *args)
        done: Future[Shaped] = Future()
        done.set_result(work(*args))
        return done

    def _event_chunks(self, blocks: Iterator[Block], pending: Pending) -> Iterator[str]:
        """The COPY text of each file, in order, with IN_FLIGHT blocks shaped ahead."""
        for block in blocks:
            while len(pending) >= IN_FLIGHT:  # back to IN_FLIGHT after a read-ahead
                yield from self._take_lines(*pending.popleft())
            pending.append(self._shape(block))
        while pending:
            yield from self._take_lines(*pending.popleft())

    def _shape(self, block: Block) -> tuple[Block, "Future[ShapedLines]"]:
        """Shape a block of a file's lines, in a worker once the input proves big."""
        if not block.span.too_long:  # a line too long is refused, not read
            self._bytes_read += block.span.length
        big = self._bytes_read > PARALLEL_FROM_BYTES
        return block, self._run(shape_block, block.tally.path, block.span, big=big)

    def _take_songs(self, paths: list[FilePath], shaped: "Future[ShapedSongs]") -> str:
        """Count a batch of song files into tallies and rejects; return its COPY text."""
        result = shaped.result()
        self._repairs.update(result.repairs)
        for path, song in zip(paths, result.files, strict=True):
            if song.outcome == "unchanged":
                self.unchanged += 1
                continue
            if song.outcome == "unreadable":
                self._reject_file(path, song.reason)
                continue
            tally = FileTally(str(path), song.size, song.sha256, lines=1)
            setattr(tally, song.outcome, 1)  # loaded, skipped or rejected: the one line
            self._note_read(tally)
            if song.outcome == "rejected":
                self.rejected += 1
                self._write_reject(path, 1, song.reason, song.raw)
        self.progress(SONG_FILES, len(paths))
        return result.text

    def _take_lines(self, block: Block, shaped: "Future[ShapedLines]") -> Iterator[str]:
        """Hold a shaped block; at its file's last block, count the file in and give its text.

        Blocks come back in file order, so the blocks of one file arrive one after another.
        """
        result, held = shaped.result(), self._held
        self.progress(LOG_BYTES, block.span.length)
        if held.tally is not block.tally:
            held.reset(block.tally)
        failure = result.failure or block.failure
        if failure and not held.failed:
            held.failed = True
            self._reject_file(block.tally.path, failure)
        if not held.failed:
            held.add(result, self.run_id, block.tally.path)
        if block.last and not held.failed:
            tally = block.tally
            tally.lines, tally.loaded, tally.skipped = held.lines, held.loaded, held.skipped
            tally.rejected = held.rejected
            self.rejected += held.rejected
            self._repairs.update(held.repairs)
            held.move_rejects(self._rejects)
            self._note_read(tally)
            yield from held.text()

    def _open(self, path: FilePath) -> FileTally | None:
        """A tally for a log file to read, or None for one to pass over (unchanged, unreadable)."""
        try:
            status = os.stat(path)
            if not stat.S_ISREG(status.st_mode):  # refused before it is ever opened
                raise not_regular(status.st_mode)
            if is_unchanged(path, status.st_size, self._known(path)):
                self.unchanged += 1
                self.progress(LOG_BYTES, status.st_size)
                return None
        except OSError as exc:
            self._reject_file(path, unreadable(exc))
            return None
        return FileTally(str(path), status.st_size)

    def _note_read(self, tally: FileTally) -> None:
        """Keep the tally of a file read to its end, for the manifest."""
        if tally.size == 0:
            logger.warning("%s is empty: skipped", tally.path)
            self.empty.append(tally.path)
        self.tallies.append(tally)

    def _log_blocks(self, paths: Iterable[FilePath]) -> Iterator[Block]:
        """Blocks of whole lines of each file to read, the last of each marked."""
        for path in paths:
            tally = self._open(path)
            if tally is not None:
                yield from self._file_blocks(tally)

    def _file_blocks(self, tally: FileTally) -> Iterator[Block]:
        """The blocks of one log file; the last says whether the file was read whole, unchanged.

        Each block is handed on once the next is found, so that the last can be marked.
        """
        digest = hashlib.sha256()
        span, failure = None, ""
        try:
            with open_regular(tally.path) as content:
                before = file_state(content)
                for following in line_spans(content, digest):
                    if span is not None:
                        yield Block(tally, span)
                    span = following
                if file_state(content) != before:  # written to while read: mixed versions
                    failure = CHANGED
        except OSError as exc:
            failure = unreadable(exc)
        tally.size, tally.sha256 = (span.offset + span.length if span else 0), digest.hexdigest()
        if span is not None:
            yield Block(tally, span, last=True, failure=failure)
        elif failure:
            self._reject_file(tally.path, failure)
        else:
            self._note_read(tally)  # an empty file: no block to wait for

    def _reject_file(self, path: FilePath, reason: str) -> None:
        """Record a file that cannot be read at all; it stays out of the manifest."""
        logger.warning("%s: %s", path, reason)
        self.rejected += 1
        self._write_reject(path, None, reason, b"")

    def _write_reject(self, path: FilePath, line: int | None, reason: str, raw: bytes) -> None:
        """Append one reject to the spooled CSV."""
        self._reject_writer.writerow(reject_row(self.run_id, path, line, reason, raw))
