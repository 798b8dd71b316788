"""Measuring a command: wall time from start to exit, and the peak RSS of that process itself.

Linux carries a parent's peak RSS into a child it forks (the child starts as a copy, and exec
keeps the high-water mark), so a command started by the bench itself would report the bench's
memory whenever that is larger. Each command is therefore started by a small wrapper process,
`python -m bench.measure REPORT -- COMMAND...`, which times it and reads its peak RSS with
getrusage(RUSAGE_CHILDREN): the number is the command's own, or the wrapper's ~10 MB if that
were more.
"""

import json
import resource
import subprocess
import sys
import tempfile
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
    """Run argv from the repo root through the wrapper; its output goes to log."""
    with tempfile.TemporaryDirectory(prefix="bench-measure-") as tmp, log.open("wb") as out:
        report = Path(tmp) / "report.json"
        wrapper = [sys.executable, "-m", "bench.measure", str(report), "--", *argv]
        done = subprocess.run(wrapper, cwd=REPO, stdout=out, stderr=subprocess.STDOUT)
        figures = json.loads(report.read_text()) if report.is_file() else {}
    output = log.read_text(encoding="utf-8", errors="replace")
    if done.returncode != 0 or not figures:
        command = " ".join(argv)
        raise CommandFailed(f"{command} exited {done.returncode}:\n{output[-TAIL:]}")
    return Measured(figures["seconds"], figures["peak_rss_kib"] * KIB / MB, output)


def run_and_report(report: Path, command: list[str]) -> int:
    """Run command, then write its wall time and peak RSS (KiB, as Linux gives it) to report."""
    start = time.perf_counter()
    returncode = subprocess.call(command)
    seconds = time.perf_counter() - start
    peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    report.write_text(json.dumps({"seconds": seconds, "peak_rss_kib": peak}))
    return returncode


def warm(folder: Path) -> int:
    """Read every file under folder once, so timed runs find it in the page cache; bytes read."""
    total = 0
    for path in folder.rglob("*"):
        if path.is_file():
            total += len(path.read_bytes())
    return total


def main(argv: list[str]) -> int:
    """The wrapper: python -m bench.measure REPORT -- COMMAND..."""
    if len(argv) < 3 or argv[1] != "--":
        print("usage: python -m bench.measure REPORT -- COMMAND...", file=sys.stderr)
        return 2
    return run_and_report(Path(argv[0]), argv[2:])


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
