"""Measuring a command: wall time from start to exit, and the peak RSS of that process itself."""

import os
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
KIB = 1024
MB = 1_000_000
TAIL = 2000  # characters of a failed command's output shown in the error


class CommandFailed(RuntimeError):
    """A measured command exited with a non-zero status."""


@dataclass
class Measured:
    """One finished command: its wall time, its own peak RSS and what it printed."""

    seconds: float
    peak_rss_mb: float
    output: str


def measure(argv: list[str], log: Path) -> Measured:
    """Run argv from the repo root to its end; its output goes to log.

    The peak RSS comes from wait4() on this very child, so it is the child's own high-water
    mark (including any children it waited for), exact rather than sampled, and never the
    bench's own memory.
    """
    with log.open("wb") as out:
        start = time.perf_counter()
        child = subprocess.Popen(argv, cwd=REPO, stdout=out, stderr=subprocess.STDOUT)
        _, status, usage = os.wait4(child.pid, 0)
        seconds = time.perf_counter() - start
    child.returncode = os.waitstatus_to_exitcode(status)
    output = log.read_text(encoding="utf-8", errors="replace")
    if child.returncode != 0:
        command = " ".join(argv)
        raise CommandFailed(f"{command} exited {child.returncode}:\n{output[-TAIL:]}")
    # Linux gives ru_maxrss in KiB; reported in MB of 10^6 bytes.
    return Measured(seconds, usage.ru_maxrss * KIB / MB, output)


def warm(folder: Path) -> int:
    """Read every file under folder once, so timed runs find it in the page cache; bytes read."""
    total = 0
    for path in folder.rglob("*"):
        if path.is_file():
            total += len(path.read_bytes())
    return total
