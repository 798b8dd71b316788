"""The manifest: which files a load has read before, and what this run tells it of each file.

A file whose size and SHA-256 are those the manifest holds is unchanged: the load passes it
over, without even hashing it when its size and modification time are those it had when a
load read it or hashed it, well before that load began (see is_settled); one hashed gives the
manifest its new time. Every file read to its end gets a tally of where its lines went, and
the tallies become the manifest's rows (etl_files) when the load commits.
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
# A file's (size, sha256, settled modification time in ns) in the manifest: the time is None
# unless the file was last written well before the load that read it (file_manifest_select).
Entry = tuple[int, str, int | None]
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
    mtime_ns: int | None = None  # the modification time it had when read

    def row(self) -> tuple[str, int, str, int, int, int, int, int | None]:
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
            self.mtime_ns,
        )


def file_sha256(path: FilePath) -> str:
    """The hex SHA-256 of a file's content."""
    with open_regular(str(path)) as content:
        return hashlib.file_digest(content, "sha256").hexdigest()


def is_settled(size: int, mtime_ns: int, known: Known) -> bool:
    """Whether a file is unchanged by its size and modification time alone, without hashing it.

    Only a time that settled before the load that read or hashed it counts: a file written
    again since has a later time, whereas one written again within the file system's time
    resolution of that read could keep it (git's racy-clean rule).
    """
    return known is not None and known[0] == size and known[2] == mtime_ns


def hashes_unchanged(path: FilePath, size: int, known: Known) -> bool:
    """Whether a file holds the bytes the manifest recorded: its size, then its hash, compared."""
    return known is not None and known[0] == size and known[1] == file_sha256(path)


class RowSpool:
    """Rows as COPY text, in the order added, spooled in memory, then on disk.

    Spooled rather than kept as objects: a run's memory stays the same however many files it
    reads (500,000 song files at 10M events).
    """

    def __init__(self) -> None:
        # Closed by close(): a spool lives as long as its intake.
        self._file = tempfile.SpooledTemporaryFile(  # noqa: SIM115
            max_size=TALLIES_IN_MEMORY, mode="w+", newline="", encoding="utf-8"
        )
        self._lines: list[str] = []  # rows not yet written to the spool
        self.count = 0

    def add_row(self, row: tuple) -> None:
        """Spool one row."""
        self._lines.append(copy_line(row))
        self.count += 1
        if len(self._lines) >= TALLIES_PER_WRITE:
            self._write()

    def _write(self) -> None:
        """Write the rows held back to the spool."""
        self._file.write("".join(self._lines))
        self._lines.clear()

    def text(self) -> IO[str]:
        """The rows as COPY text, from the start."""
        self._write()
        self._file.flush()
        self._file.seek(0)
        return self._file

    def close(self) -> None:
        """Remove the spool."""
        self._file.close()


class TallySpool(RowSpool):
    """The tallies of the files read, as the COPY text of file_stage_copy, in reading order."""

    def add(self, tally: FileTally) -> None:
        """Spool the tally of one file read to its end."""
        self.add_row(tally.row())

    def tallies(self) -> list[FileTally]:
        """The tallies read back (to show them: the load COPYs the text)."""
        found = []
        for line in self.text():
            path, size, sha256, *counts, mtime_ns = map(unescape, line.rstrip("\n").split("\t"))
            mtime = int(mtime_ns) if mtime_ns else None
            found.append(FileTally(path, int(size), sha256, *map(int, counts), mtime))
        return found
