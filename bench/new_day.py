"""A new day's log file on a loaded database: what its load and the summaries' upkeep cost.

Each size's generated data set (cached as bench.run makes it) is loaded into a fresh database
without its last day's log file; then a new day's file, the first K events of that last day,
is loaded on top with etl.py --verbose, as a daily load would be. The dashboard's summaries
should follow that file, not the plays the database holds. For comparison, the full rebuild of
the summaries (what every load ran before they were kept by changes) is then timed on the same
database, in a transaction that is rolled back.

    python -m bench.new_day --events 100000 --events 1000000 --day-events 3000
"""

import argparse
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
from bench.run import DATA_ROOT, DEFAULT_SERVER, Databases, checkpoint, ensure_data, log, run_ours
from sparkify import queries as q
from tools.pg import query

# The loader's --verbose lines of the summaries' upkeep: "summaries: rebuilt whole, 4.12 s",
# "summaries: plays kept before the merges, 0.01 s", "summaries: kept by ..., 0.05 s".
SUMMARY_LINE = re.compile(r"summaries: [^\n]*?, ([\d.]+) s$", re.MULTILINE)
KEPT_LINE = "summaries: kept by this load's changes"
PLAYS = "select count(*) from songplays"


def summary_seconds(output: str) -> float:
    """The seconds a load's --verbose output says its summaries' upkeep took."""
    return sum(float(seconds) for seconds in SUMMARY_LINE.findall(output))


def last_day(data: Path) -> Path:
    """The last day's log file of a data set, relative to it."""
    return max(data.glob("log_data/**/*.json")).relative_to(data)


def split_off_last_day(data: Path, work: Path) -> Path:
    """work: data hard-linked without its last day's log file; that file's path in data."""
    day = last_day(data)
    shutil.copytree(
        data,
        work,
        copy_function=os.link,
        ignore=lambda folder, names: [n for n in names if Path(folder, n) == data / day],
    )
    return day


def write_new_day(data: Path, day: Path, work: Path, events: int) -> int:
    """The first events lines of the last day's file, as a new file in work; its lines."""
    with (data / day).open("rb") as source:
        lines = [line for _, line in zip(range(events), source, strict=False)]
    (work / day).write_bytes(b"".join(lines))
    return len(lines)


def timed_rebuild(dsn: str) -> float:
    """Seconds of the summaries' full rebuild on this database, rolled back.

    As every load ran it before the summaries were kept by changes: without their keys, which
    that rebuild did not have to maintain.
    """
    conn = psycopg2.connect(dsn)
    try:
        with conn.cursor() as cur:
            for statement in [*q.load_settings_queries, *q.summary_index_drop_queries]:
                cur.execute(statement)
            started = time.perf_counter()
            for statement in q.summary_rebuild_queries:
                cur.execute(statement)
            seconds = time.perf_counter() - started
        conn.rollback()
    finally:
        conn.close()
    return seconds


def measure_size(events: int, day_events: int, server: str, work: Path) -> str:
    """Load one size without its last day, then the new day's file; the report line."""
    data = ensure_data(DATA_ROOT, max(1, events // 20), events)
    folder = work / f"data-{events}"
    day = split_off_last_day(data.path, folder)
    with Databases(server) as databases:
        dsn = databases.create(f"newday{events}")
        log(f"{events:,} events: loading all but {day.name}")
        run_ours(dsn, folder, work)
        lines = write_new_day(data.path, day, folder, day_events)
        warm(folder / "log_data")
        checkpoint(server)
        log(f"{events:,} events: loading a new day of {lines:,} events")
        etl = [sys.executable, "etl.py", "--dsn", dsn, "--data", str(folder), "--verbose"]
        run = measure(etl, work / f"new-day-{events}.log")
        kept = KEPT_LINE in run.output
        plays = query(dsn, PLAYS)[0][0]
        checkpoint(server)
        log(f"{events:,} events: timing a full rebuild of the summaries")
        rebuild_s = timed_rebuild(dsn)
    upkeep = "kept by changes" if kept else "rebuilt whole"
    return (
        f"| {events:,} | {plays:,} | {lines:,} | {upkeep} | {summary_seconds(run.output):.3f} | "
        f"{rebuild_s:.3f} | {run.seconds:.2f} |"
    )


def main(argv: Sequence[str] | None = None) -> int:
    """Measure each size; print a Markdown table."""
    parser = argparse.ArgumentParser(prog="python -m bench.new_day", description=__doc__)
    parser.add_argument(
        "--events",
        type=int,
        action="append",
        metavar="N",
        help="events of a generated data set (repeatable; default 100k and 1M)",
    )
    parser.add_argument(
        "--day-events",
        type=int,
        default=3000,
        metavar="K",
        help="events of the new day's log file (default 3000)",
    )
    parser.add_argument(
        "--dsn-server",
        default=DEFAULT_SERVER,
        metavar="DSN",
        help="server to create the bench databases on",
    )
    args = parser.parse_args(argv)
    lines = [
        "| events | plays after | new day's events | summaries | upkeep s | full rebuild s "
        "| etl.py s |",
        "| --- | --- | --- | --- | --- | --- | --- |",
    ]
    with tempfile.TemporaryDirectory(prefix="bench-new-day-") as tmp:
        for events in args.events or [100_000, 1_000_000]:
            lines.append(measure_size(events, args.day_events, args.dsn_server, Path(tmp)))
    print("\n".join(lines))
    return 0


if __name__ == "__main__":
    sys.exit(main())
