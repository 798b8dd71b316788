"""What a load shows on a terminal while it works: one line at a time, on stderr.

A bar for the song files, then one for the bytes of the log files, each moved as the rows of
the files go to COPY (not as files are handed to the workers, which run ahead); between them
and after them, a line saying which step runs (the merges take seconds without reading a
file). Only one line is ever drawn, so nothing of it is left over when the summary follows.
Nothing is drawn when stderr is not a terminal (cron, CI logs).
"""

import os
import sys
from collections.abc import Iterable
from contextlib import suppress

from tqdm import tqdm

from sparkify.intake import LOG_BYTES, SONG_FILES
from sparkify.manifest import FilePath

BARS = {  # how each kind of work is drawn: label and tqdm options
    SONG_FILES: {"desc": "song files", "unit": "file"},
    LOG_BYTES: {"desc": "log files", "unit": "B", "unit_scale": True, "unit_divisor": 1024},
}


def total_bytes(paths: Iterable[FilePath]) -> int:
    """The size of the files together; a file that cannot be read counts for nothing."""
    total = 0
    for path in paths:
        with suppress(OSError):
            total += os.stat(path).st_size
    return total


class Display:
    """The one line a load draws on the terminal: a progress bar, or the step that runs."""

    def __init__(self, song_files: int, log_bytes: int, enabled: bool = True) -> None:
        self._totals = {SONG_FILES: song_files, LOG_BYTES: log_bytes}
        self._done = dict.fromkeys(self._totals, 0)
        # None: draw only on a terminal; True: never draw (for --verbose, whose log says it).
        self._disable = None if enabled else True
        self._line: tqdm | None = None
        self._kind = ""

    def advance(self, kind: str, amount: int) -> None:
        """Count amount of work of a kind done (an Intake's progress)."""
        self._done[kind] += amount
        if kind != self._kind:
            self._show(kind)
            return
        self._line.update(amount)

    def status(self, text: str) -> None:
        """Say which step runs now (the load's status)."""
        self._show("")
        self._line = tqdm(desc=text, bar_format="{desc}...", leave=False, disable=self._disable)

    def note(self, text: str) -> None:
        """Say something on a line of its own, which stays (a wait, say)."""
        self.close()
        print(text, file=sys.stderr, flush=True)

    def close(self) -> None:
        """Take the line down; a bar that is full stays on the screen, as a record."""
        if self._line is not None:
            self._line.leave = self._line.total is not None and self._line.n >= self._line.total
            self._line.close()
        self._line = None
        self._kind = ""

    def _show(self, kind: str) -> None:
        """Replace the line by the bar of a kind of work ("" for none)."""
        self.close()
        if kind:
            self._line = tqdm(total=self._totals[kind], initial=self._done[kind],
                              disable=self._disable, **BARS[kind])  # fmt: skip
            self._kind = kind
