"""Intake: files in, staging rows out, with the run's rejects and a tally per file read.

It passes over the files the manifest says are loaded and unchanged, reads the others (song
files in batches, log files in blocks of whole lines, see songfiles and logblocks), and gives
their rows as COPY text in input order. Once the input proves big, the reading and shaping
run in worker processes while PostgreSQL ingests what is ready. A log file is loaded whole
or not at all (see held). What the load records afterwards: the rejects, the manifest's rows
and a report of the run.
"""

import itertools
import os
import stat
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Future
from typing import IO

from sparkify.accounts import Accounts, IntakeReport
from sparkify.held import HeldFile
from sparkify.logblocks import Block, ShapedLines, file_blocks, shape_block
from sparkify.manifest import (
    NOTHING_LOADED,
    FilePath,
    FileTally,
    Manifest,
    hashes_unchanged,
    is_settled,
)
from sparkify.read import Refusal, not_regular, unreadable
from sparkify.rejects import RejectSpool
from sparkify.songfiles import Outcome, ShapedSongs, read_song_files
from sparkify.workers import Window, Workers

SONG_FILES_PER_BATCH = 500  # song files read as one unit of work
READ_AHEAD = 6  # log blocks shaped at once, while PostgreSQL merges the songs (see event_text)
IN_FLIGHT = 2 * 2  # units shaped ahead of COPY: bounds memory, keeps every worker busy
WORKERS = 2
# Read this much in this process first: for a small load, starting workers costs more than
# it saves (the real sample, 71 song files and 4 MB of logs, never starts them).
PARALLEL_FROM_BYTES = 8 * 2**20
PARALLEL_FROM_FILES = 1_000

# Told how much work an intake took in: SONG_FILES (files) or LOG_BYTES (bytes of log files).
Progress = Callable[[str, int], None]
SONG_FILES = "song files"
LOG_BYTES = "log bytes"


def no_progress(kind: str, amount: int) -> None:
    """Show no progress (an Intake's default)."""


class Intake:
    """Reads the files of one run into staging rows, rejects and manifest tallies.

    Progress is told of work as it is taken back from the workers, in input order.
    """

    def __init__(self, run_id: str, progress: Progress = no_progress) -> None:
        self.run_id = run_id
        self._progress = progress
        # Closed by __exit__: an Intake lives as long as its load.
        self._accounts = Accounts(RejectSpool(run_id))
        self._held = HeldFile(run_id)
        self._workers = Workers(WORKERS)
        self._files_read = self._bytes_read = 0

    def __enter__(self) -> "Intake":
        return self

    def __exit__(self, *exc_info: object) -> None:
        self._workers.close()
        self._accounts.close()
        self._held.close()

    # What to stage

    def song_text(
        self, paths: Iterable[FilePath], manifest: Manifest = NOTHING_LOADED
    ) -> Iterator[str]:
        """Staging rows (COPY text) of the new or changed song files, one record per file."""
        remaining = (path for path in paths if not self._passed_over(path, manifest))
        batches = iter(lambda: list(itertools.islice(remaining, SONG_FILES_PER_BATCH)), [])
        for batch, shaped in Window(batches, lambda b: self._read_songs(b, manifest), IN_FLIGHT):
            yield self._take_songs(batch, shaped)

    def event_text(
        self, paths: Iterable[FilePath], manifest: Manifest = NOTHING_LOADED
    ) -> Iterator[str]:
        """Staging rows (COPY text) of the song plays in the new or changed log files, in order.

        The first READ_AHEAD blocks are handed to the workers at once, before any text is
        asked for: they are shaped while the caller still has the database busy.
        """
        blocks = (block for path in paths for block in self._blocks(path, manifest))
        window = Window(blocks, self._shape, IN_FLIGHT, ahead=READ_AHEAD)
        return (text for block, shaped in window for text in self._take_lines(block, shaped))

    def refuse(self, refusals: Iterable[Refusal]) -> None:
        """Record folders and files that the listing could not read, as whole-file rejects."""
        for path, reason in refusals:
            self._accounts.refuse(path, reason)

    # What to record

    def reject_csv(self) -> IO[str]:
        """The rejects of this run as CSV in the column order of reject_copy."""
        return self._accounts.rejects.csv()

    def manifest_text(self) -> IO[str]:
        """One manifest row per file read, as the COPY text of file_stage_copy."""
        return self._accounts.read_files.text()

    def checked_text(self) -> IO[str]:
        """The files hashed and found unchanged, with their time, for checked_stage_copy."""
        return self._accounts.checked.text()

    def report(self) -> IntakeReport:
        """What this run read, passed over, refused and repaired."""
        return self._accounts.report()

    @property
    def tallies(self) -> list[FileTally]:
        """The tally of each file read to its end, in the order read."""
        return self._accounts.read_files.tallies()

    @property
    def rejected(self) -> int:
        """How many records and files this run refused."""
        return self._accounts.rejects.count

    # Song files

    def _passed_over(self, path: FilePath, manifest: Manifest) -> bool:
        """Count in, unread, a song file whose size and settled time the manifest holds."""
        known = manifest.get(str(path))
        if known is None or known[2] is None:  # a new file, or one only its hash can vouch for
            return False
        try:
            status = os.stat(path)
        except OSError:
            return False  # its reader says why it cannot be read
        if not stat.S_ISREG(status.st_mode):
            return False
        if not is_settled(status.st_size, status.st_mtime_ns, known):
            return False
        self._accounts.pass_over()
        self._progress(SONG_FILES, 1)
        return True

    def _read_songs(self, batch: list[FilePath], manifest: Manifest) -> "Future[ShapedSongs]":
        """Start reading a batch of song files, in a worker once they prove many."""
        self._files_read += len(batch)
        files = [(str(path), manifest.get(str(path))) for path in batch]
        return self._workers.submit(
            read_song_files, files, big=self._files_read > PARALLEL_FROM_FILES
        )

    def _take_songs(self, paths: list[FilePath], shaped: ShapedSongs) -> str:
        """Count a batch of song files into the accounts; return its COPY text."""
        accounts = self._accounts
        for path, song in zip(paths, shaped.files, strict=True):
            if song.outcome == Outcome.UNCHANGED:  # hashed: settled ones never reach a reader
                accounts.check(str(path), song.mtime_ns)
            elif song.outcome == Outcome.UNREADABLE:
                accounts.refuse(str(path), song.reason)
            else:
                accounts.read(song.tally(str(path)))
                if song.outcome == Outcome.REJECTED:
                    accounts.reject(str(path), 1, song.reason, song.raw)
        accounts.repaired(shaped.repairs)
        self._progress(SONG_FILES, len(paths))
        return shaped.text

    # Log files

    def _blocks(self, path: FilePath, manifest: Manifest) -> Iterator[Block]:
        """The blocks of a log file to read; none for one unchanged or unreadable."""
        try:
            status = os.stat(path)
            if not stat.S_ISREG(status.st_mode):  # refused before it is ever opened
                raise not_regular(status.st_mode)
            known = manifest.get(str(path))
            if is_settled(status.st_size, status.st_mtime_ns, known):
                self._accounts.pass_over()
            elif hashes_unchanged(path, status.st_size, known):
                self._accounts.check(str(path), status.st_mtime_ns)
            else:
                return file_blocks(FileTally(str(path), status.st_size))
            self._progress(LOG_BYTES, status.st_size)
            return iter(())
        except OSError as exc:
            self._accounts.refuse(str(path), unreadable(exc))
            return iter(())

    def _shape(self, block: Block) -> "Future[ShapedLines]":
        """Start shaping a block of a file's lines, in a worker once the input proves big."""
        if not block.span.too_long:  # a line too long is refused, not read
            self._bytes_read += block.span.length
        big = self._bytes_read > PARALLEL_FROM_BYTES
        return self._workers.submit(shape_block, block.tally.path, block.span, big=big)

    def _take_lines(self, block: Block, shaped: ShapedLines) -> Iterator[str]:
        """Hold a shaped block; at its file's last block, count the file in and give its text.

        Blocks come back in file order, so the blocks of one file arrive one after another.
        """
        held = self._held
        self._progress(LOG_BYTES, block.span.length)
        if held.tally is not block.tally:
            held.hold(block.tally)
        failure = shaped.failure or block.failure
        if failure and not held.failed:
            held.failed = True
            self._accounts.refuse(block.tally.path, failure)
        if held.failed:
            return
        held.add(shaped)
        if block.last:
            held.rejects.move_to(self._accounts.rejects)
            self._accounts.read(block.tally)
            self._accounts.repaired(held.repairs)
            yield from held.text()
