"""Micro-benchmark of shaping one block of log lines, in a few seconds on one core.

`python -m bench.shape_micro [LOG_FILE]` reads the first block (logblocks.BLOCK_BYTES) of a
log file, by default one of the 1M-event bench data set, and prints the best of several runs:
shape_lines per line, orjson's parse per line, per play event_row + copy_line (the shapers'
own path), and, when the sparkify measured has the typed path, msgspec's typed decode per line
and shape_lines with that path turned off. It says which sparkify it imported, so that an
older one can be measured from another folder on PYTHONPATH.
"""

import sys
import time
from collections import Counter
from collections.abc import Callable
from pathlib import Path
from unittest import mock

import orjson

import sparkify
from sparkify import logblocks
from sparkify.copytext import copy_line
from sparkify.shape import Repairs, event_row, is_play

DEFAULT_LOG = (
    Path(__file__).resolve().parent / "data/50000-1000000/log_data/2018/11/2018-11-30-events.json"
)
RUNS = 9  # the best of these is kept: the machine's other work only ever adds time


def best_seconds(work: Callable[[], object], runs: int = RUNS) -> float:
    """The shortest wall time of several runs of work."""
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        work()
        times.append(time.perf_counter() - start)
    return min(times)


def first_block(path: Path) -> bytes:
    """The whole lines of the first block of a log file."""
    with path.open("rb") as file:
        data = file.read(logblocks.BLOCK_BYTES)
    return data[: data.rfind(b"\n") + 1]


def shapers_only(shape: Callable[[bytes], object], block: bytes) -> object:
    """Shape a block with the typed path turned off, as the sparkify before it did."""
    with mock.patch.object(logblocks, "typed_event", return_value=None):
        return shape(block)


def main(path: Path) -> None:
    """Print the figures for one block of the log file."""
    block = first_block(path)
    lines = block.split(b"\n")[:-1]
    plays = [record for record in map(orjson.loads, lines) if is_play(record)]
    repairs: Repairs = Counter()
    print(f"sparkify: {sparkify.__file__}")
    print(f"{path.name}: {len(block):,} bytes, {len(lines):,} lines, {len(plays):,} plays")
    per_line, per_play = 1e6 / len(lines), 1e6 / len(plays)
    figures = {
        "shape_lines (us/line)": (lambda: logblocks.shape_lines(block), per_line),
        "orjson.loads (us/line)": (lambda: [orjson.loads(line) for line in lines], per_line),
        "event_row + copy_line (us/play)": (
            lambda: [copy_line(event_row(record, repairs)) for record in plays],
            per_play,
        ),
    }
    if hasattr(logblocks, "typed_event"):  # the typed path, and shape_lines without it
        typed_event = logblocks.typed_event
        figures["typed_event (us/line)"] = (lambda: [typed_event(line) for line in lines], per_line)
        figures["shape_lines, shapers only (us/line)"] = (
            lambda: shapers_only(logblocks.shape_lines, block),
            per_line,
        )
    for name, (work, scale) in figures.items():
        print(f"{name:<34}{best_seconds(work) * scale:6.2f}")


if __name__ == "__main__":
    main(Path(sys.argv[1]) if len(sys.argv) > 1 else DEFAULT_LOG)
