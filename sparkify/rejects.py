"""The run's rejects: a CSV row per record or file refused, spooled until the load records them."""

import csv
import shutil
import tempfile
from typing import IO

from sparkify.shape import Row

RAW_LIMIT = 2000  # characters of a rejected record kept in etl_rejects.raw
RAW_BYTES = 4 * RAW_LIMIT  # bytes of a rejected record sent back by a worker: 2,000 characters
REJECTS_IN_MEMORY = 16 * 2**20  # bytes of rejects kept in memory before spilling to disk


def reject_row(run_id: str, path: str, line: int | None, reason: str, raw: bytes) -> Row:
    """One reject as a row of the CSV that reject_copy reads."""
    # PostgreSQL text cannot hold NUL: show it as the replacement character.
    text = raw.decode("utf-8", "replace").rstrip("\r\n")[:RAW_LIMIT].replace("\x00", "\ufffd")
    return (run_id, path, line, reason, text)


class RejectSpool:
    """Rejects as CSV in the column order of reject_copy: in memory, then on disk when many."""

    def __init__(self, run_id: str) -> None:
        self.run_id = run_id
        self.count = 0
        # Closed by close(): a spool lives as long as its intake.
        self._file = tempfile.SpooledTemporaryFile(  # noqa: SIM115
            max_size=REJECTS_IN_MEMORY, mode="w+", newline="", encoding="utf-8"
        )
        self._writer = csv.writer(self._file)

    def add(self, path: str, line: int | None, reason: str, raw: bytes = b"") -> None:
        """Spool one reject: of a line of a file, or (line None) of the whole file."""
        self._writer.writerow(reject_row(self.run_id, path, line, reason, raw))
        self.count += 1

    def move_to(self, other: "RejectSpool") -> None:
        """Append every reject held here to another spool, and hold none."""
        if self.count:
            self._file.seek(0)
            shutil.copyfileobj(self._file, other._file)
            other.count += self.count
            self.clear()

    def clear(self) -> None:
        """Drop every reject held."""
        if self.count:
            self._file.seek(0)
            self._file.truncate()
            self.count = 0

    def csv(self) -> IO[str]:
        """The rejects as CSV, from the start."""
        self._file.flush()
        self._file.seek(0)
        return self._file

    def close(self) -> None:
        """Remove the spool."""
        self._file.close()
