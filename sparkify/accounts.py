"""The run's accounts: every file read, passed over or refused, and every line of each.

Every line is accounted for: loaded + rejected + skipped (blank or not a song play) = lines.
"""

import logging
from collections import Counter
from dataclasses import dataclass, field

from sparkify.manifest import FileTally, RowSpool, TallySpool
from sparkify.rejects import RejectSpool
from sparkify.shape import Repairs

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class IntakeReport:
    """What an intake read, passed over, refused and repaired: the run's side of the summary."""

    files_read: int = 0
    files_unchanged: int = 0
    files_empty: int = 0
    rejected: int = 0
    repaired: dict[str, int] = field(default_factory=dict)


class Accounts:
    """The files of one run: tallies of those read whole, counts of the others, the rejects."""

    def __init__(self, rejects: RejectSpool) -> None:
        self.rejects = rejects
        self.read_files = TallySpool()
        self.checked = RowSpool()  # (path, modification time) of files hashed, found unchanged
        self.unchanged = 0
        self.empty = 0  # files read that hold nothing
        self.repairs: Repairs = Counter()

    def read(self, tally: FileTally) -> None:
        """Count in a file read to its end, for the manifest."""
        if tally.size == 0:
            logger.warning("%s is empty: skipped", tally.path)
            self.empty += 1
        self.read_files.add(tally)

    def repaired(self, repairs: Repairs) -> None:
        """Count in the values that shaping repaired, by field."""
        self.repairs.update(repairs)

    def reject(self, path: str, line: int, reason: str, raw: bytes) -> None:
        """Record a line of a file that cannot be loaded."""
        self.rejects.add(path, line, reason, raw)

    def pass_over(self) -> None:
        """Count a file that the manifest says is unchanged."""
        self.unchanged += 1

    def check(self, path: str, mtime_ns: int) -> None:
        """Count a file hashed and found unchanged; the manifest takes its modification time."""
        self.unchanged += 1
        self.checked.add_row((path, mtime_ns))

    def refuse(self, path: str, reason: str) -> None:
        """Record a file that cannot be read at all; it stays out of the manifest."""
        logger.warning("%s: %s", path, reason)
        self.rejects.add(path, None, reason)

    def close(self) -> None:
        """Remove the spools."""
        self.rejects.close()
        self.read_files.close()
        self.checked.close()

    def report(self) -> IntakeReport:
        """What the run read, passed over, refused and repaired so far."""
        return IntakeReport(
            files_read=self.read_files.count,
            files_unchanged=self.unchanged,
            files_empty=self.empty,
            rejected=self.rejects.count,
            repaired=dict(self.repairs),
        )
