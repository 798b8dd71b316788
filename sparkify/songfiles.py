"""Song files in, staging rows out: one record per file, read in batches in any process."""

import os
from collections import Counter
from enum import StrEnum
from typing import NamedTuple

from sparkify.copytext import copy_text
from sparkify.errors import RecordError
from sparkify.manifest import FileTally, Known
from sparkify.read import (
    MAX_RECORD_BYTES,
    is_blank,
    open_regular,
    parse_record,
    read_record,
    too_big,
    unreadable,
)
from sparkify.rejects import RAW_BYTES
from sparkify.shape import Repairs, Row, song_row


class Outcome(StrEnum):
    """What reading a song file gave; the last three are a file read whole, into the manifest."""

    UNCHANGED = "unchanged"
    UNREADABLE = "unreadable"
    SKIPPED = "skipped"  # blank
    REJECTED = "rejected"
    LOADED = "loaded"


class SongFile(NamedTuple):
    """What reading one song file gave (kept small: it crosses from a worker process)."""

    outcome: Outcome
    size: int = 0
    sha256: str = ""
    reason: str = ""  # why it was rejected or unreadable
    raw: bytes = b""  # the rejected record
    mtime_ns: int | None = None  # its modification time when read

    def tally(self, path: str) -> FileTally:
        """The manifest's tally of a file read whole: its one line loaded, skipped or rejected."""
        return FileTally(
            path,
            self.size,
            self.sha256,
            lines=1,
            loaded=int(self.outcome == Outcome.LOADED),
            rejected=int(self.outcome == Outcome.REJECTED),
            skipped=int(self.outcome == Outcome.SKIPPED),
            mtime_ns=self.mtime_ns,
        )


class ShapedSongs(NamedTuple):
    """What reading a batch of song files gave: COPY text, one SongFile each, repairs."""

    text: str
    files: list[SongFile]
    repairs: Repairs


def read_song_file(path: str, known: Known, repairs: Repairs) -> tuple[SongFile, Row | None]:
    """Read one song file (one record) into its staging row, or say why there is none."""
    try:
        with open_regular(path) as file:
            status = os.fstat(file.fileno())
            content, size, sha256 = read_record(file, status.st_size)
    except OSError as exc:
        return SongFile(Outcome.UNREADABLE, reason=unreadable(exc)), None
    mtime = status.st_mtime_ns
    if known is not None and known[:2] == (size, sha256):
        return SongFile(Outcome.UNCHANGED, mtime_ns=mtime), None
    if size > MAX_RECORD_BYTES:
        reason, raw = too_big(size), content[:RAW_BYTES]
        return SongFile(Outcome.REJECTED, size, sha256, reason, raw, mtime), None
    if is_blank(content):
        return SongFile(Outcome.SKIPPED, size, sha256, mtime_ns=mtime), None
    try:
        row = song_row(path, parse_record(content), repairs)
    except RecordError as exc:
        reason, raw = str(exc), content[:RAW_BYTES]
        return SongFile(Outcome.REJECTED, size, sha256, reason, raw, mtime), None
    return SongFile(Outcome.LOADED, size, sha256, mtime_ns=mtime), row


def read_song_files(files: list[tuple[str, Known]]) -> ShapedSongs:
    """Read a batch of song files, each with its manifest entry; runs in any process."""
    repairs: Repairs = Counter()
    results, rows = [], []
    for path, known in files:
        result, row = read_song_file(path, known, repairs)
        results.append(result)
        if row is not None:
            rows.append(row)
    return ShapedSongs(copy_text(rows), results, repairs)
