"""The manifest: which files a load has read before, and what this run tells it of each file.

A file whose size and SHA-256 are those the manifest holds is unchanged: the load passes it
over. Every file read to its end gets a tally of where its lines went, and the tallies become
the manifest's rows (etl_files) when the load commits.
"""

import hashlib
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path

from sparkify.read import open_regular
from sparkify.shape import Row

FilePath = str | Path  # json_files gives text: lighter than Path objects by the 50,000
Entry = tuple[int, str]  # a file's (size, sha256) in the manifest
Manifest = Mapping[str, Entry]  # path -> entry, of the files loaded before
Known = Entry | None  # a file's entry, if the manifest has it
NOTHING_LOADED: Manifest = {}  # the manifest of a full refresh: every file is read again


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


def file_sha256(path: FilePath) -> str:
    """The hex SHA-256 of a file's content."""
    with open_regular(str(path)) as content:
        return hashlib.file_digest(content, "sha256").hexdigest()


def is_unchanged(path: FilePath, size: int, known: Known) -> bool:
    """Whether a file holds what the manifest says was loaded; hash only when the size agrees."""
    return known is not None and known[0] == size and known[1] == file_sha256(path)


def manifest_rows(tallies: Iterable[FileTally]) -> Iterator[Row]:
    """One manifest row per file read, in the column order of file_stage_copy."""
    for t in tallies:
        yield (t.path, t.size, t.sha256, t.lines, t.loaded, t.rejected, t.skipped)
