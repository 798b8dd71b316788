"""Intake: files in, staging rows out, with a tally per file and a reject per bad record.

It decides which files a load reads (new or changed ones, by the manifest) and accounts for
every line: loaded + rejected + skipped (blank or not a song play) = lines.
"""

import csv
import hashlib
import logging
import tempfile
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import IO

from sparkify import shape
from sparkify.errors import RecordError
from sparkify.read import is_blank, numbered_lines, parse_record
from sparkify.shape import Row, event_row, is_play, song_row

logger = logging.getLogger(__name__)

RAW_LIMIT = 2000  # characters of a rejected record kept in etl_rejects.raw
REJECTS_IN_MEMORY = 16 * 2**20  # bytes of rejects kept in memory before spilling to disk


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
        # Closed by __exit__: an Intake lives as long as its load.
        self._rejects = tempfile.SpooledTemporaryFile(  # noqa: SIM115
            max_size=REJECTS_IN_MEMORY, mode="w+", newline="", encoding="utf-8"
        )
        self._reject_writer = csv.writer(self._rejects)

    def __enter__(self) -> "Intake":
        return self

    def __exit__(self, *exc_info: object) -> None:
        self._rejects.close()

    def song_rows(self, paths: Iterable[Path]) -> Iterator[Row]:
        """Staging rows of the new or changed song files, one record per file."""
        for path in paths:
            tally = self._open(path)
            if tally is not None:
                yield from self._song_file(tally)

    def event_rows(self, paths: Iterable[Path]) -> Iterator[Row]:
        """Staging rows of the song plays in the new or changed log files."""
        for path in paths:
            tally = self._open(path)
            if tally is not None:
                yield from self._log_file(tally)

    def repaired(self) -> dict[str, int]:
        """How many values of each field this intake repaired (mis-decoded UTF-8)."""
        return dict(shape.repairs - self._repairs_before)

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

    def _log_file(self, tally: FileTally) -> Iterator[Row]:
        """The staging rows of the song plays in a log file, hashing it on the way."""
        digest = hashlib.sha256()
        try:
            with tally.path.open("rb") as lines:
                for line_no, line in numbered_lines(lines):
                    digest.update(line)
                    tally.lines += 1
                    row = self._event(tally, line_no, line)
                    if row is not None:
                        yield row
        except OSError as exc:
            self._reject_file(tally.path, exc)
            return
        tally.sha256 = digest.hexdigest()
        self.tallies.append(tally)

    def _event(self, tally: FileTally, line_no: int, line: bytes) -> Row | None:
        """The staging row of one log line, or None when it is skipped or rejected."""
        if is_blank(line):
            tally.skipped += 1
            return None
        try:
            record = parse_record(line)
            if not is_play(record):
                tally.skipped += 1
                return None
            row = event_row(record)
        except RecordError as exc:
            self._reject(tally, line_no, str(exc), line)
            return None
        tally.loaded += 1
        return row

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
