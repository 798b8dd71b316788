"""The log file being taken: its shaped blocks held until its last block is in.

A log file is loaded whole or not at all: a file refused part-way (unreadable, changed) is
dropped whole, and none of its rows or line rejects reach the load.
"""

import tempfile
from collections import Counter
from collections.abc import Iterator

from sparkify.logblocks import ShapedLines
from sparkify.manifest import FileTally
from sparkify.rejects import RejectSpool
from sparkify.shape import Repairs

HELD_IN_MEMORY = 32 * 2**20  # bytes of a big log file's rows held in memory, then on disk
HELD_CHUNK = 2**20  # characters of held rows sent to COPY at a time


class HeldFile:
    """The shaped blocks of one log file at a time, with its counts, rejects and repairs.

    The usual file is one block, held as it is; the rows of a bigger one are spooled (in
    memory up to HELD_IN_MEMORY, then on disk), and so are its rejects.
    """

    def __init__(self, run_id: str) -> None:
        # Both closed by close(): a HeldFile lives as long as its intake.
        self._text = tempfile.SpooledTemporaryFile(  # noqa: SIM115
            max_size=HELD_IN_MEMORY, mode="w+", newline="", encoding="utf-8"
        )
        self.rejects = RejectSpool(run_id)
        self._spooled = False
        self.hold(FileTally("", 0))  # no file yet

    def hold(self, tally: FileTally) -> None:
        """Drop what is held and start holding the blocks of another file."""
        if self._spooled:
            self._text.seek(0)
            self._text.truncate()
        self.rejects.clear()
        self.tally = tally
        self.failed = self._spooled = False
        self.blocks = 0
        self._first = ""
        self.repairs: Repairs = Counter()

    def add(self, result: ShapedLines) -> None:
        """Hold the next block of the file: its rows, counts, rejects and repairs."""
        tally = self.tally
        for index, reason, raw in result.rejects:
            self.rejects.add(tally.path, tally.lines + 1 + index, reason, raw)
        tally.lines += result.lines
        tally.loaded += result.loaded
        tally.skipped += result.skipped
        tally.rejected += len(result.rejects)
        self.repairs.update(result.repairs)
        if self.blocks and not self._spooled:
            self._text.write(self._first)
            self._first, self._spooled = "", True
        if self._spooled:
            self._text.write(result.text)
        else:
            self._first = result.text
        self.blocks += 1

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
        self.rejects.close()
