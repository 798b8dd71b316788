"""Citus against one server: the same generated data loaded into both, the loads and queries timed.

From the repo root, with a Citus coordinator database that has workers (any Citus cluster; the
loopback one of ../shared/citus/cluster.sh on this machine):

    python -m bench.citus --citus-url postgresql://postgres@127.0.0.1:9700/sparkifydb \
        --events 250000 --events 1000000

For each size it makes a fresh database on every node of the cluster (workers registered in
it) and one on the single server, checkpoints every server, times python create_tables.py
(--distributed on Citus) + python etl.py into each, checks that the five star tables hold the
same content (a count and a checksum of every row, songplay_id left out), then times each insight
query of sql_queries.py. The databases are dropped at the end.
"""

import argparse
import re
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import psycopg2
from psycopg2 import sql
from psycopg2.extensions import make_dsn, parse_dsn

import sql_queries as q
from bench.measure import CommandFailed, measure, warm
from bench.options import DEFAULT_SERVER, add_events, positive
from bench.run import (
    DATA_ROOT,
    Databases,
    Ours,
    ensure_data,
    header,
    log,
)
from tools.pg import execute, query

Node = tuple[str, int]
DEFAULT_EVENTS = (250_000, 1_000_000)
STAR_TABLES = ["songplays", "users", "songs", "artists", "time"]

# The insight queries (sql_queries.py, INSIGHT) with their parameters.
INSIGHT = {
    "plays_by_hour": {},
    "plays_by_weekday": {},
    "plays_by_level": {},
    "top_songs": {"limit": 10},
    "top_artists": {"limit": 10},
    "most_active_users": {"limit": 10},
    "top_locations": {"limit": 10},
    "platform_mix": {},
}

CITUS_NODES = """
select
    groupid = 0 as is_coordinator,
    nodename,
    nodeport
from pg_dist_node
where isactive
    and noderole = 'primary'
order by nodename, nodeport
"""

TABLE_COLUMNS = """
select column_name
from information_schema.columns
where table_schema = current_schema()
    and table_name = %s
    and column_name <> 'songplay_id'
order by ordinal_position
"""

# The load's steps that etl.py --verbose logs: "sparkify.load INFO <step>: <rows> rows, <s> s".
STEP = re.compile(r"sparkify\.load INFO (?P<step>[^:]+): (?P<rows>-?\d+) rows, (?P<s>[\d.]+) s")


def citus_nodes(url: str) -> tuple[Node, list[Node]]:
    """The coordinator and the active workers that the Citus database at url knows."""
    nodes = query(url, CITUS_NODES)
    workers = [(host, port) for is_coordinator, host, port in nodes if not is_coordinator]
    coordinator = [(host, port) for is_coordinator, host, port in nodes if is_coordinator]
    params = parse_dsn(url)
    return (coordinator or [(params["host"], int(params.get("port", 5432)))])[0], workers


@contextmanager
def fresh_citus_database(
    url: str, label: str = "test", registered: int | None = None
) -> Iterator[str]:
    """A new database on every node of url's cluster, its workers registered; dropped on exit.

    Citus keeps its nodes per database: a database made by create database alone has none.
    With registered, only that many workers are registered (the others can be added later).
    """
    coordinator, workers = citus_nodes(url)
    name = f"sparkify_{label}_{uuid.uuid4().hex[:12]}"
    made = []
    try:
        for host, port in [coordinator, *workers]:
            admin = make_dsn(url, host=host, port=port, dbname="postgres")
            execute(admin, f"create database {name}")
            made.append(admin)
            execute(make_dsn(admin, dbname=name), "create extension citus")
        dsn = make_dsn(url, dbname=name)
        execute(dsn, "select citus_set_coordinator_host(%s, %s)", coordinator)
        for worker in workers[:registered]:
            execute(dsn, "select citus_add_node(%s, %s)", worker)
        yield dsn
    finally:
        for admin in made:
            execute(admin, f"drop database if exists {name} with (force)")


def checkpoint_all(dsn: str, nodes: list[Node]) -> None:
    """Flush every node's dirty pages, so that one timed load does not pay for the last one."""
    for host, port in nodes:
        execute(make_dsn(dsn, host=host, port=port, dbname="postgres"), "checkpoint")


class Load(Ours):
    """One end-to-end load: both scripts timed, and etl.py's slowest steps."""

    def slowest_steps(self, count: int = 4) -> str:
        """etl.py's slowest logged steps, as 'step s'."""
        steps = [(float(m["s"]), m["step"]) for m in STEP.finditer(self.etl.output)]
        return ", ".join(f"{step} {s:.2f}" for s, step in sorted(steps, reverse=True)[:count])


def timed_load(dsn: str, data: Path, distributed: bool, logs: Path) -> Load:
    """Time python create_tables.py (--distributed if asked) and python etl.py --verbose."""
    python = sys.executable
    create = [python, "create_tables.py", "--dsn", dsn] + (["--distributed"] if distributed else [])
    label = "citus" if distributed else "single"
    created = measure(create, logs / f"create-{label}.log")
    etl = [python, "etl.py", "--dsn", dsn, "--data", str(data), "--verbose"]
    return Load(created, measure(etl, logs / f"etl-{label}.log"))


def content(dsn: str) -> dict[str, tuple[int, int]]:
    """Per star table: its rows and the sum of a 64-bit hash of each (songplay_id left out)."""
    sums = {}
    for table in STAR_TABLES:
        names = [name for (name,) in query(dsn, TABLE_COLUMNS, (table,))]
        row = sql.SQL("row({})::text").format(sql.SQL(", ").join(map(sql.Identifier, names)))
        summed = sql.SQL("select count(*), coalesce(sum(hashtextextended({}, 0)), 0) from {}")
        ((rows, checksum),) = query(dsn, summed.format(row, sql.Identifier(table)))
        sums[table] = (rows, int(checksum))
    return sums


def insight_times(dsn: str, repeat: int) -> dict[str, float]:
    """The fastest of repeat runs of each insight query, in seconds."""
    conn = psycopg2.connect(dsn)
    times = {}
    try:
        with conn, conn.cursor() as cur:
            for name, params in INSIGHT.items():
                runs = []
                for _ in range(repeat):
                    started = time.perf_counter()
                    cur.execute(getattr(q, name), params)
                    cur.fetchall()
                    runs.append(time.perf_counter() - started)
                times[name] = min(runs)
    finally:
        conn.close()
    return times


@dataclass
class SizeResult:
    """One data set loaded into the single server and into Citus."""

    events: int
    plays: int
    single: Load
    citus: Load
    same: bool
    single_insight: dict[str, float]
    citus_insight: dict[str, float]


def run_size(
    events: int, data: Path, server: str, citus_url: str, repeat: int, logs: Path
) -> SizeResult:
    """Load one data set into a fresh single-server and a fresh Citus database."""
    coordinator, workers = citus_nodes(citus_url)
    params = parse_dsn(server)
    single_node = [(params.get("host", "127.0.0.1"), int(params.get("port", 5432)))]
    with Databases(server) as dbs, fresh_citus_database(citus_url, "bench") as citus:
        single = dbs.create("single")
        warm(data)
        checkpoint_all(server, single_node)
        single_load = timed_load(single, data, distributed=False, logs=logs)
        log(f"{events:,} events: single server {single_load.seconds:.2f} s")
        warm(data)
        checkpoint_all(citus_url, [coordinator, *workers])
        citus_load = timed_load(citus, data, distributed=True, logs=logs)
        log(f"{events:,} events: citus {citus_load.seconds:.2f} s")
        sums = content(single)
        same = sums == content(citus)
        log(f"{events:,} events: same content: {same}")
        return SizeResult(
            events, sums["songplays"][0], single_load, citus_load, same,
            insight_times(single, repeat), insight_times(citus, repeat),
        )  # fmt: skip


def report(head: list[str], results: list[SizeResult], workers: list[Node]) -> str:
    """The printed results: header, the load table, the steps, the insight table."""
    nodes = ", ".join(f"{host}:{port}" for host, port in workers)
    lines = [*head, f"citus: coordinator + {len(workers)} workers ({nodes})", ""]
    lines += [
        "| events | plays | one server s | Citus s | Citus/one server | same tables |",
        "| --- | --- | --- | --- | --- | --- |",
    ]
    for r in results:
        lines.append(
            f"| {r.events:,} | {r.plays:,} | {r.single.seconds:.2f} | {r.citus.seconds:.2f} "
            f"| {r.citus.seconds / r.single.seconds:.2f} | {'yes' if r.same else 'NO'} |"
        )
    lines.append("")
    for r in results:
        for label, load in (("one server", r.single), ("Citus", r.citus)):
            lines.append(
                f"{r.events:,} events, {label}: create_tables.py {load.create.seconds:.2f} s, "
                f"etl.py {load.etl.seconds:.2f} s; slowest steps (s): {load.slowest_steps()}"
            )
    lines += ["", "insight queries, fastest run, ms (one server / Citus):", ""]
    lines.append("| query | " + " | ".join(f"{r.events:,} events" for r in results) + " |")
    lines.append("| --- |" + " --- |" * len(results))
    for name in INSIGHT:
        cells = [
            f"{r.single_insight[name] * 1000:.0f} / {r.citus_insight[name] * 1000:.0f}"
            for r in results
        ]
        lines.append(f"| {name} | " + " | ".join(cells) + " |")
    return "\n".join(lines)


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    """The command line."""
    parser = argparse.ArgumentParser(
        prog="python -m bench.citus",
        description="Load the same generated data (bench/data/<songs>-<events>/) into a fresh "
        "single-server database and a fresh database on a Citus cluster, time both loads "
        "and the insight queries, and check that both hold the same star tables. Exits 1 if "
        "they differ.",
    )
    parser.add_argument(
        "--citus-url", required=True, metavar="URL",
        help="a Citus coordinator database that has workers; the bench makes its own "
        "database on every node of that cluster and drops it afterwards",
    )  # fmt: skip
    parser.add_argument(
        "--dsn-server", default=DEFAULT_SERVER, metavar="DSN",
        help=f"admin DSN of the single server to compare with (default: {DEFAULT_SERVER})",
    )  # fmt: skip
    add_events(parser, DEFAULT_EVENTS)
    parser.add_argument(
        "--repeat", type=positive, default=3, metavar="N",
        help="runs of each insight query; the fastest counts (default: 3)",
    )  # fmt: skip
    return parser.parse_args(argv)


def main(argv: Sequence[str] | None = None) -> int:
    """Measure every size and print the report; 1 if the tables differ, 2 if a command failed."""
    argv = sys.argv[1:] if argv is None else argv
    args = parse_args(argv)
    head = header(args.dsn_server, argv, 1)
    head[0] = f"command: python -m bench.citus {' '.join(argv)}"
    results = []
    try:
        with tempfile.TemporaryDirectory(prefix="bench-citus-") as tmp:
            for events in args.events or DEFAULT_EVENTS:
                data = ensure_data(DATA_ROOT, max(1, events // 20), events).path
                result = run_size(
                    events, data, args.dsn_server, args.citus_url, args.repeat, Path(tmp)
                )
                results.append(result)
    except CommandFailed as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    print(report(head, results, citus_nodes(args.citus_url)[1]))
    return 0 if all(r.same for r in results) else 1


if __name__ == "__main__":
    sys.exit(main())
