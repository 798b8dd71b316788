"""New days' log files on a loaded database: what their load and the summaries' upkeep cost.

Each size's generated data set (cached as bench.run makes it) is loaded into a fresh database
without its last D days' log files; then those days are loaded on top with etl.py --verbose,
as a daily load would be: the first K events of each, or whole files with --day-events 0. The
dashboard's summaries should follow those files, not the plays the database holds. For
comparison, two full rebuilds of the summaries are then timed on the same database, each in a
transaction that is rolled back: as every load ran it before the summaries were kept by
changes (without their keys, which it did not maintain), and as a load that changes more than
half the plays runs it now (keeping the keys, so that the dashboard reads them meanwhile).

    python -m bench.new_day --events 100000 --events 1000000 --day-events 3000
    python -m bench.new_day --events 1000000 --days 7 --day-events 0
"""

import argparse
import itertools
import os
import re
import shutil
import sys
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path

import psycopg2

from bench.measure import measure, warm
from bench.options import add_dsn_server, add_events, add_max_songs
from bench.run import (
    DATA_ROOT,
    Databases,
    checkpoint,
    ensure_data,
    log,
    run_ours,
    song_count,
)
from sparkify import queries as q
from tools.pg import query

# The loader's --verbose lines of the summaries' upkeep: "summaries: rebuilt whole, 4.12 s",
# "summaries: plays counted before the merges, 0.01 s", "summaries: kept by ..., 0.05 s".
SUMMARY_LINE = re.compile(r"summaries: [^\n]*?, ([\d.]+) s$", re.MULTILINE)
KEPT_LINE = "summaries: kept by this load's changes"
# Any --verbose line that ends in its seconds: "copy stage_events: 2531 rows, 0.02 s".
STEP_LINE = re.compile(r"^\S+ \S+ (\S+) INFO (.*?([\d.]+) s)$", re.MULTILINE)
SLOW_STEP_S = 0.05  # the load's steps shown, the slowest first
PLAYS = "select count(*) from songplays"
DEFAULT_EVENTS = (100_000, 1_000_000)


def summary_seconds(output: str) -> float:
    """The seconds a load's --verbose output says its summaries' upkeep took."""
    return sum(float(seconds) for seconds in SUMMARY_LINE.findall(output))


def slow_steps(output: str) -> list[str]:
    """The steps of a load's --verbose output that took SLOW_STEP_S or more, slowest first."""
    steps = [(float(s), f"{module}: {text}") for module, text, s in STEP_LINE.findall(output)]
    return [text for seconds, text in sorted(steps, reverse=True) if seconds >= SLOW_STEP_S]


def last_days(data: Path, days: int) -> list[Path]:
    """The last days' log files of a data set, relative to it."""
    return [path.relative_to(data) for path in sorted(data.glob("log_data/**/*.json"))[-days:]]


def split_off_last_days(data: Path, work: Path, days: int) -> list[Path]:
    """work: data hard-linked without its last days' log files; those files' paths in data."""
    held = {data / day for day in last_days(data, days)}
    shutil.copytree(
        data,
        work,
        copy_function=os.link,
        ignore=lambda folder, names: [n for n in names if Path(folder, n) in held],
    )
    return sorted(path.relative_to(data) for path in held)


def write_new_day(data: Path, day: Path, work: Path, events: int) -> int:
    """The first events lines of a day's file (all of them if events is 0), in work; its lines."""
    with (data / day).open("rb") as source:
        lines = list(itertools.islice(source, events or None))
    (work / day).write_bytes(b"".join(lines))
    return len(lines)


def timed_rebuild(dsn: str, keys: bool) -> float:
    """Seconds of the summaries' full rebuild on this database, rolled back; keys: kept."""
    settings = q.load_settings_queries + ([] if keys else q.summary_index_drop_queries)
    conn = psycopg2.connect(dsn)
    try:
        with conn.cursor() as cur:
            for statement in settings:
                cur.execute(statement)
            started = time.perf_counter()
            for statement in q.summary_rebuild_queries:
                cur.execute(statement)
            seconds = time.perf_counter() - started
        conn.rollback()
    finally:
        conn.close()
    return seconds


def measure_size(
    events: int, max_songs: int | None, days: int, day_events: int, server: str, work: Path
) -> str:
    """Load one size without its last days, then those days' files; the report line."""
    data = ensure_data(DATA_ROOT, song_count(events, max_songs=max_songs), events)
    folder = work / f"data-{events}-{days}"
    held = split_off_last_days(data.path, folder, days)
    with Databases(server) as databases:
        dsn = databases.create(f"newday{events}")
        log(f"{events:,} events: loading all but the last {days} days")
        run_ours(dsn, folder, work)
        before = query(dsn, PLAYS)[0][0]
        lines = sum(write_new_day(data.path, day, folder, day_events) for day in held)
        warm(folder / "log_data")
        checkpoint(server)
        log(f"{events:,} events: loading {days} new days of {lines:,} events")
        etl = [sys.executable, "etl.py", "--dsn", dsn, "--data", str(folder), "--verbose"]
        run = measure(etl, work / f"new-days-{events}-{days}.log")
        plays = query(dsn, PLAYS)[0][0]
        log(f"{events:,} events: the new days' load took {run.seconds:.2f} s; its slow steps:")
        for step in slow_steps(run.output):
            log(f"  {step}")
        log(f"{events:,} events: timing full rebuilds of the summaries")
        checkpoint(server)
        before_s = timed_rebuild(dsn, keys=False)
        checkpoint(server)
        keys_s = timed_rebuild(dsn, keys=True)
    upkeep = "kept by changes" if KEPT_LINE in run.output else "rebuilt whole"
    return (
        f"| {events:,} | {plays:,} | {days} | {lines:,} | {plays - before:,} | {upkeep} | "
        f"{summary_seconds(run.output):.3f} | {before_s:.3f} | {keys_s:.3f} | {run.seconds:.2f} |"
    )


def main(argv: Sequence[str] | None = None) -> int:
    """Measure each size; print a Markdown table."""
    parser = argparse.ArgumentParser(prog="python -m bench.new_day", description=__doc__)
    add_events(parser, DEFAULT_EVENTS)
    add_max_songs(parser)
    parser.add_argument(
        "--days",
        type=int,
        default=1,
        metavar="D",
        help="the last days held back and loaded on top (default 1)",
    )
    parser.add_argument(
        "--day-events",
        type=int,
        default=3000,
        metavar="K",
        help="events of each day's file loaded on top, from its start; 0: all (default 3000)",
    )
    add_dsn_server(parser)
    args = parser.parse_args(argv)
    lines = [
        "| events | plays after | new days | their events | new plays | summaries | upkeep s "
        "| rebuild as before s | rebuild keeping keys s | etl.py s |",
        "| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |",
    ]
    with tempfile.TemporaryDirectory(prefix="bench-new-day-") as tmp:
        for events in args.events or DEFAULT_EVENTS:
            line = measure_size(
                events, args.max_songs, args.days, args.day_events, args.dsn_server, Path(tmp)
            )
            lines.append(line)
    print("\n".join(lines))
    return 0


if __name__ == "__main__":
    sys.exit(main())
