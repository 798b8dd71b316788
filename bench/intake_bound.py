"""How long the intake alone takes: the part of a load that no database work can shorten.

`python -m bench.intake_bound --events 1000000` reads the bench data set of that size (made by
bench.run if missing) through the load's own Intake, as etl.py does, but sends the COPY text
nowhere. It prints, per size, the wall time and the CPU seconds of this process and its
workers, for the song files and for the log files. The physical floor of bench.run, measured
in the same minutes, says what share of a ratio target the intake uses up by itself: on the
2 cores of the development machine its CPU seconds, spread over both cores, are the least time
a load can take even if PostgreSQL's work overlapped it entirely.
"""

import argparse
import contextlib
import sys
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path

import psutil

from bench.options import add_events, add_max_songs
from bench.run import DATA_ROOT, ensure_data, song_count
from sparkify.intake import Intake
from sparkify.read import json_files

DEFAULT_EVENTS = (1_000_000,)


@dataclass(frozen=True)
class Spent:
    """The rows, wall time and CPU time (this process and its workers) of one step."""

    rows: int
    wall_s: float
    cpu_s: float


def cpu_seconds() -> float:
    """CPU seconds of this process and every live descendant (the intake's workers)."""
    me = psutil.Process()
    total = sum(me.cpu_times()[:2])
    for child in me.children(recursive=True):
        with contextlib.suppress(psutil.NoSuchProcess):
            total += sum(child.cpu_times()[:2])
    return total


def spent(texts: Callable[[], Iterable[str]]) -> Spent:
    """Consume COPY text as a load would, counting its rows; how long that took."""
    wall, cpu = time.perf_counter(), cpu_seconds()
    rows = sum(text.count("\n") for text in texts())
    return Spent(rows, time.perf_counter() - wall, cpu_seconds() - cpu)


def measure(data: Path) -> tuple[Spent, Spent]:
    """The intake of a data set's song files, then of its log files, in one Intake."""
    songs = json_files(data / "song_data").files
    logs = json_files(data / "log_data").files
    with Intake("bench-intake") as intake:
        # Measured before the workers exit: their CPU time is read while they live.
        return spent(lambda: intake.song_text(songs)), spent(lambda: intake.event_text(logs))


def main(argv: list[str] | None = None) -> int:
    """Measure each size asked for and print one line per size."""
    parser = argparse.ArgumentParser(
        prog="python -m bench.intake_bound", description=__doc__.split("\n\n")[0]
    )
    add_events(parser, DEFAULT_EVENTS)
    add_max_songs(parser)
    args = parser.parse_args(argv)
    print("| events | song files wall s | CPU s | log files wall s | CPU s | total wall s |")
    print("| --- | --- | --- | --- | --- | --- |")
    for events in args.events or DEFAULT_EVENTS:
        data = ensure_data(DATA_ROOT, song_count(events, max_songs=args.max_songs), events).path
        songs, logs = measure(data)
        print(
            f"| {events:,} | {songs.wall_s:.2f} | {songs.cpu_s:.2f} | {logs.wall_s:.2f} "
            f"| {logs.cpu_s:.2f} | {songs.wall_s + logs.wall_s:.2f} |"
        )
    print(f"cores: {psutil.cpu_count()}; CPU s: this process and its worker processes")
    return 0


if __name__ == "__main__":
    sys.exit(main())
