"""Intake: files in, staging rows out, with a tally per file and a reject per bad record.

It decides which files a load reads (new or changed ones, by the manifest) and accounts for
every line: loaded + rejected + skipped (blank or not a song play) = lines.
"""

import csv
import hashlib
import io
import itertools
import logging
import multiprocessing
import tempfile
from collections import Counter, deque
from collections.abc import Iterable, Iterator
from concurrent.futures import Future, ProcessPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO

from sparkify import shape
from sparkify.errors import RecordError
from sparkify.read import is_blank, parse_record
from sparkify.shape import Row, event_row, is_play, song_row

logger = logging.getLogger(__name__)

LINES_PER_CHUNK = 10_000  # log lines shaped as one unit of work
CHUNKS_IN_FLIGHT = 2 * 2  # shaped ahead of COPY: bounds memory, keeps every worker busy
WORKERS = 2
PARALLEL_FROM_BYTES = 32 * 2**20  # below this, starting workers costs more than it saves
RAW_LIMIT = 2000  # characters of a rejected record kept in etl_rejects.raw
REJECTS_IN_MEMORY = 16 * 2**20  # bytes of rejects kept in memory before spilling to disk


@dataclass
class ShapedLines:
    """What shaping a run of log lines gave: CSV for COPY, counts, rejects and repairs."""

    csv: str = ""
    loaded: int = 0
    skipped: int = 0
    rejects: list[tuple[int, str, bytes]] = field(default_factory=list)
    repairs: Counter[str] = field(default_factory=Counter)


def shape_lines(first_line: int, lines: list[bytes]) -> ShapedLines:
    """Shape log lines, numbered from first_line, into staging CSV; runs in any process."""
    repairs_before = shape.repairs.copy()
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    result = ShapedLines()
    for line_no, line in enumerate(lines, start=first_line):
        try:
            record = None if is_blank(line) else parse_record(line)
            if record is None or not is_play(record):
                result.skipped += 1
                continue
            writer.writerow(event_row(record))
        except RecordError as exc:
            result.rejects.append((line_no, str(exc), line))
            continue
        result.loaded += 1
    result.csv = buffer.getvalue()
    result.repairs = shape.repairs - repairs_before
    return result


@dataclass
class FileTally:
    """What one file gave: its identity for the manifest and where each line went."""

    path: Path
    size: int
    sha256: str = ""
    lines: int = 0
    loaded: int = 0
    rejected: int = 0
    skipped: int = 0


def file_sha256(path: Path) -> str:
    """The hex SHA-256 of a file's content."""
    with path.open("rb") as content:
        return hashlib.file_digest(content, "sha256").hexdigest()


class Intake:
    """Reads the files of one run into staging rows, rejects and manifest tallies."""

    def __init__(self, run_id: str, full_refresh: bool = False) -> None:
        self.run_id = run_id
        self.full_refresh = full_refresh
        self.manifest: dict[str, tuple[int, str]] = {}  # path -> (size, sha256) loaded before
        self.tallies: list[FileTally] = []
        self.unchanged = 0
        self.empty: list[Path] = []
        self.rejected = 0
        self._repairs_before = shape.repairs.copy()
        self._repairs: Counter[str] = Counter()  # repaired in worker processes
        self._bytes_read = 0
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

    def song_rows(self, paths: Iterable[Path]) -> Iterator[Row]:
        """Staging rows of the new or changed song files, one record per file."""
        for path in paths:
            tally = self._open(path)
            if tally is not None:
                yield from self._song_file(tally)

    def event_csv(self, paths: Iterable[Path]) -> Iterator[str]:
        """Staging CSV of the song plays in the new or changed log files, in file order.

        Runs of lines are shaped in worker processes once the input proves big, so that
        parsing runs on every core while PostgreSQL ingests what is ready.
        """
        pending: deque[tuple[FileTally, Future[ShapedLines]]] = deque()
        for tally, first_line, lines in self._log_chunks(paths):
            pending.append((tally, self._shape(first_line, lines)))
            if len(pending) > CHUNKS_IN_FLIGHT:
                yield self._collect(*pending.popleft())
        while pending:
            yield self._collect(*pending.popleft())

    def repaired(self) -> dict[str, int]:
        """How many values of each field this intake repaired (mis-decoded UTF-8)."""
        return dict(shape.repairs - self._repairs_before + self._repairs)

    def reject_csv(self) -> IO[str]:
        """The rejects of this run as CSV in the column order of reject_copy."""
        self._rejects.flush()
        self._rejects.seek(0)
        return self._rejects

    def _open(self, path: Path) -> FileTally | None:
        """A tally for a file to read, or None for a file to pass over (unchanged, empty)."""
        try:
            size = path.stat().st_size
            if self._is_unchanged(path, size):
                self.unchanged += 1
                return None
        except OSError as exc:
            self._reject_file(path, exc)
            return None
        if size == 0:
            logger.warning("%s is empty: skipped", path)
            self.empty.append(path)
        return FileTally(path, size)

    def _is_unchanged(self, path: Path, size: int) -> bool:
        """Whether the manifest holds this very content; hash only when the size agrees."""
        known = self.manifest.get(str(path))
        if self.full_refresh or known is None or known[0] != size:
            return False
        return known[1] == file_sha256(path)

    def _song_file(self, tally: FileTally) -> Iterator[Row]:
        """The one staging row of a song file, or its reject."""
        try:
            content = tally.path.read_bytes()
        except OSError as exc:
            self._reject_file(tally.path, exc)
            return
        tally.sha256 = hashlib.sha256(content).hexdigest()
        tally.lines = 1
        self.tallies.append(tally)
        if is_blank(content):
            tally.skipped = 1
            return
        try:
            row = song_row(str(tally.path), parse_record(content))
        except RecordError as exc:
            self._reject(tally, 1, str(exc), content)
            return
        tally.loaded = 1
        yield row

    def _log_chunks(self, paths: Iterable[Path]) -> Iterator[tuple[FileTally, int, list[bytes]]]:
        """Runs of lines of each file to read, with the number of their first line."""
        for path in paths:
            tally = self._open(path)
            if tally is None:
                continue
            digest = hashlib.sha256()
            try:
                with path.open("rb") as lines:
                    while chunk := list(itertools.islice(lines, LINES_PER_CHUNK)):
                        for line in chunk:
                            digest.update(line)
                        yield tally, tally.lines + 1, chunk
                        tally.lines += len(chunk)
            except OSError as exc:
                self._reject_file(path, exc)
                continue
            tally.sha256 = digest.hexdigest()
            self.tallies.append(tally)

    def _shape(self, first_line: int, lines: list[bytes]) -> "Future[ShapedLines]":
        """Shape lines in a worker once the input is big, else right here."""
        self._bytes_read += sum(map(len, lines))
        if self._pool is None and self._bytes_read > PARALLEL_FROM_BYTES:
            # forkserver: workers must not inherit the open database connection.
            context = multiprocessing.get_context("forkserver")
            self._pool = ProcessPoolExecutor(WORKERS, mp_context=context)
        if self._pool is not None:
            return self._pool.submit(shape_lines, first_line, lines)
        result = shape_lines(first_line, lines)
        result.repairs = Counter()  # counted already: this process's shape.repairs has them
        done: Future[ShapedLines] = Future()
        done.set_result(result)
        return done

    def _collect(self, tally: FileTally, shaped: "Future[ShapedLines]") -> str:
        """Count a shaped run of lines into its file's tally and the rejects; return its CSV."""
        result = shaped.result()
        tally.loaded += result.loaded
        tally.skipped += result.skipped
        self._repairs.update(result.repairs)
        for line_no, reason, raw in result.rejects:
            self._reject(tally, line_no, reason, raw)
        return result.csv

    def _reject(self, tally: FileTally, line: int | None, reason: str, raw: bytes) -> None:
        """Record one refused record of a file being read."""
        tally.rejected += 1
        self._write_reject(tally.path, line, reason, raw.decode("utf-8", "replace"))

    def _reject_file(self, path: Path, exc: OSError) -> None:
        """Record a file that cannot be read at all; it stays out of the manifest."""
        reason = f"cannot read the file: {exc.strerror or exc}"
        logger.warning("%s: %s", path, reason)
        self._write_reject(path, None, reason, "")

    def _write_reject(self, path: Path, line: int | None, reason: str, raw: str) -> None:
        """Append one reject to the spooled CSV."""
        self.rejected += 1
        # PostgreSQL text cannot hold NUL: show it as the replacement character.
        raw = raw.rstrip("\r\n")[:RAW_LIMIT].replace("\x00", "\ufffd")
        self._reject_writer.writerow((self.run_id, str(path), line, reason, raw))

    def manifest_rows(self) -> Iterator[Row]:
        """One manifest row per file read, in the column order of file_stage_copy."""
        for t in self.tallies:
            yield (str(t.path), t.size, t.sha256, t.lines, t.loaded, t.rejected, t.skipped)
