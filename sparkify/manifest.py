"""The manifest: which files a load has read before, and what this run tells it of each file.

A file whose size and SHA-256 are those the manifest holds is unchanged: the load passes it
over. Every file read to its end gets a tally of where its lines went, and the tallies become
the manifest's rows (etl_files) when the load commits.
"""

import hashlib
import tempfile
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import IO

from sparkify.copytext import copy_line, unescape
from sparkify.read import open_regular

FilePath = str | Path  # json_files gives text: lighter than Path objects by the 50,000
Entry = tuple[int, str]  # a file's (size, sha256) in the manifest
Manifest = Mapping[str, Entry]  # path -> entry, of the files loaded before
Known = Entry | None  # a file's entry, if the manifest has it
NOTHING_LOADED: Manifest = {}  # the manifest of a full refresh: every file is read again
TALLIES_IN_MEMORY = 4 * 2**20  # bytes of tallies kept in memory: about 25,000 files
# Tallies written to the spool at once: a spooled file's write checks its size each time.
TALLIES_PER_WRITE = 1_000


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

    def row(self) -> tuple[str, int, str, int, int, int, int]:
        """The tally as a row of stage_files, in its column order."""
        # Not dataclasses.astuple: it deep-copies every field, 32 µs a file (1.6 s at 50,000).
        return (
            self.path,
            self.size,
            self.sha256,
            self.lines,
            self.loaded,
            self.rejected,
            self.skipped,
        )


def file_sha256(path: FilePath) -> str:
    """The hex SHA-256 of a file's content."""
    with open_regular(str(path)) as content:
        return hashlib.file_digest(content, "sha256").hexdigest()


def is_unchanged(path: FilePath, size: int, known: Known) -> bool:
    """Whether a file holds what the manifest says was loaded; hash only when the size agrees."""
    return known is not None and known[0] == size and known[1] == file_sha256(path)


class TallySpool:
    """The tallies of the files read, as the COPY text of file_stage_copy, in reading order.

    Spooled (in memory, then on disk) rather than kept as objects: a run's memory stays the
    same however many files it reads (500,000 song files at 10M events).
    """

    def __init__(self) -> None:
        # Closed by close(): a spool lives as long as its intake.
        self._file = tempfile.SpooledTemporaryFile(  # noqa: SIM115
            max_size=TALLIES_IN_MEMORY, mode="w+", newline="", encoding="utf-8"
        )
        self._lines: list[str] = []  # tallies not yet written to the spool
        self.count = 0

    def add(self, tally: FileTally) -> None:
        """Spool the tally of one file read to its end."""
        self._lines.append(copy_line(tally.row()))
        self.count += 1
        if len(self._lines) >= TALLIES_PER_WRITE:
            self._write()

    def _write(self) -> None:
        """Write the tallies held back to the spool."""
        self._file.write("".join(self._lines))
        self._lines.clear()

    def text(self) -> IO[str]:
        """The tallies as COPY text, from the start."""
        self._write()
        self._file.flush()
        self._file.seek(0)
        return self._file

    def tallies(self) -> list[FileTally]:
        """The tallies read back (to show them: the load COPYs the text)."""
        found = []
        for line in self.text():
            path, size, sha256, *counts = map(unescape, line.rstrip("\n").split("\t"))
            found.append(FileTally(path, int(size), sha256, *map(int, counts)))
        return found

    def close(self) -> None:
        """Remove the spool."""
        self._file.close()
