"""Intake: files in, staging rows out, with a tally per file and a reject per bad record.

It decides which files a load reads (new or changed ones, by the manifest) and accounts for
every line: loaded + rejected + skipped (blank or not a song play) = lines. Once the input
proves big, the files are read and shaped in worker processes while PostgreSQL ingests what
is ready; the results come back in input order either way.
"""

import csv
import hashlib
import itertools
import logging
import multiprocessing
import os
import stat
import tempfile
from collections import Counter, deque
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Future, ProcessPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, NamedTuple, TypeVar

from sparkify import shape
from sparkify.copytext import copy_line, copy_text
from sparkify.errors import RecordError
from sparkify.read import Refusal, is_blank, not_regular, open_regular, parse_record
from sparkify.shape import Row, event_row, is_play, song_row

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
REJECTS_IN_MEMORY = 16 * 2**20  # bytes of rejects kept in memory before spilling to disk

FilePath = str | Path  # json_files gives text: lighter than Path objects by the 50,000
Known = tuple[int, str] | None  # a file's (size, sha256) in the manifest, if it is there
Span = tuple[int, int]  # offset and length of a block of whole lines in a file
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


Pending = deque[tuple[FileTally, Future[ShapedLines]]]  # blocks being shaped, in file order


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


def shape_block(path: str, offset: int, length: int) -> ShapedLines:
    """Shape a block of whole lines of a log file; runs in any process.

    The block is read here rather than sent: it is in the page cache, and the main process
    then holds no lines at all, only where the blocks lie.
    """
    repairs_before = shape.repairs.copy()
    with open_regular(path) as file:
        file.seek(offset)
        block = file.read(length)
    lines = block.split(b"\n")
    if block.endswith(b"\n"):
        lines.pop()  # the empty piece after the last line break is not a line
    rows = []
    result = ShapedLines(lines=len(lines))
    for index, line in enumerate(lines):
        try:
            record = parse_record(line)
        except RecordError as exc:
            # Blank lines are rare: look for them only where the JSON parser gave up.
            if is_blank(line):
                result.skipped += 1
            else:
                result.rejects.append((index, str(exc), line))
            continue
        try:
            if not is_play(record):
                result.skipped += 1
                continue
            rows.append(copy_line(event_row(record)))
        except RecordError as exc:
            result.rejects.append((index, str(exc), line))
            continue
        result.loaded += 1
    result.text = "".join(rows)
    result.repairs = shape.repairs - repairs_before
    return result


def read_song_file(path: str, known: Known) -> tuple[SongFile, Row | None]:
    """Read one song file (one record) into its staging row, or say why there is none."""
    try:
        with open_regular(path) as file:
            content = file.read()
    except OSError as exc:
        return SongFile("unreadable", reason=unreadable(exc)), None
    # A song file is small: reading and hashing it costs less than a stat call more.
    size, sha256 = len(content), hashlib.sha256(content).hexdigest()
    if known == (size, sha256):
        return SongFile("unchanged"), None
    if is_blank(content):
        return SongFile("skipped", size, sha256), None
    try:
        row = song_row(path, parse_record(content))
    except RecordError as exc:
        return SongFile("rejected", size, sha256, str(exc), content), None
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
    """(offset, length) of blocks of whole lines of the content, hashing it all on the way.

    Each block but the last ends with a line break (a file's last line may lack one).
    """
    start = end = 0  # where the next block starts; how far the content is read
    while data := content.read(BLOCK_BYTES):
        digest.update(data)
        end += len(data)
        cut = data.rfind(b"\n")
        if cut >= 0:
            stop = end - len(data) + cut + 1
            yield start, stop - start
            start = stop
    if end > start:
        yield start, end - start


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
        # Closed by __exit__: an Intake lives as long as its load.
        self._rejects = tempfile.SpooledTemporaryFile(  # noqa: SIM115
            max_size=REJECTS_IN_MEMORY, mode="w+", newline="", encoding="utf-8"
        )
        self._reject_writer = csv.writer(self._rejects)

    def __enter__(self) -> "Intake":
        return self

    def __exit__(self, *exc_info: object) -> None:
        self._rejects.close()
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
        pending = deque(self._shape(tally, span) for tally, span in itertools.islice(blocks, ahead))
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
            # forkserver: workers must not inherit the open database connection.
            context = multiprocessing.get_context("forkserver")
            self._pool = ProcessPoolExecutor(WORKERS, mp_context=context)
        if self._pool is not None:
            return self._pool.submit(work, *args)
        done: Future[Shaped] = Future()
        done.set_result(work(*args))
        return done

    def _event_chunks(
        self, blocks: Iterator[tuple[FileTally, Span]], pending: Pending
    ) -> Iterator[str]:
        """The COPY text of each block, in order, with IN_FLIGHT blocks shaped ahead."""
        for tally, span in blocks:
            while len(pending) >= IN_FLIGHT:  # back to IN_FLIGHT after a read-ahead
                yield self._take_lines(*pending.popleft())
            pending.append(self._shape(tally, span))
        while pending:
            yield self._take_lines(*pending.popleft())

    def _shape(self, tally: FileTally, span: Span) -> tuple[FileTally, "Future[ShapedLines]"]:
        """Shape a block of a file's lines, in a worker once the input proves big."""
        offset, length = span
        self._bytes_read += length
        big = self._bytes_read > PARALLEL_FROM_BYTES
        return tally, self._run(shape_block, tally.path, offset, length, big=big)

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
        return result.text

    def _take_lines(self, tally: FileTally, shaped: "Future[ShapedLines]") -> str:
        """Count a shaped block into its file's tally and the rejects; return its COPY text."""
        result = shaped.result()
        for index, reason, raw in result.rejects:
            tally.rejected += 1
            self.rejected += 1
            self._write_reject(tally.path, tally.lines + 1 + index, reason, raw)
        tally.lines += result.lines  # blocks come back in file order
        tally.loaded += result.loaded
        tally.skipped += result.skipped
        self._repairs.update(result.repairs)
        return result.text

    def _open(self, path: FilePath) -> FileTally | None:
        """A tally for a log file to read, or None for one to pass over (unchanged, unreadable)."""
        try:
            status = os.stat(path)
            if not stat.S_ISREG(status.st_mode):  # refused before it is ever opened
                raise not_regular(status.st_mode)
            if is_unchanged(path, status.st_size, self._known(path)):
                self.unchanged += 1
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

    def _log_blocks(self, paths: Iterable[FilePath]) -> Iterator[tuple[FileTally, Span]]:
        """Blocks of whole lines of each file to read, with the file's tally."""
        for path in paths:
            tally = self._open(path)
            if tally is None:
                continue
            digest = hashlib.sha256()
            try:
                with open_regular(str(path)) as content:
                    for span in line_spans(content, digest):
                        yield tally, span
            except OSError as exc:
                self._reject_file(path, unreadable(exc))
                continue
            tally.sha256 = digest.hexdigest()
            self._note_read(tally)

    def _reject_file(self, path: FilePath, reason: str) -> None:
        """Record a file that cannot be read at all; it stays out of the manifest."""
        logger.warning("%s: %s", path, reason)
        self.rejected += 1
        self._write_reject(path, None, reason, b"")

    def _write_reject(self, path: FilePath, line: int | None, reason: str, raw: bytes) -> None:
        """Append one reject to the spooled CSV."""
        # PostgreSQL text cannot hold NUL: show it as the replacement character.
        text = raw.decode("utf-8", "replace").rstrip("\r\n")[:RAW_LIMIT].replace("\x00", "\ufffd")
        self._reject_writer.writerow((self.run_id, str(path), line, reason, text))
