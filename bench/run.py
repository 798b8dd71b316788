"""Run the benchmark: the COPY floor, our load and the row-by-row baseline, on one machine.

From the repo root: python -m bench.run --events 100000 --events 1000000
"""

import argparse
import json
import os
import platform
import shutil
import subprocess
import sys
import tempfile
import uuid
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import psutil
import psycopg2
from psycopg2 import sql
from psycopg2.extensions import make_dsn

from bench import floor
from bench.check import Difference, compare, describe
from bench.measure import REPO, CommandFailed, Measured, measure, warm
from bench.options import add_dsn_server, add_events, add_max_songs, positive
from bench.targets import bound_lines, target_lines
from tools.generate_data import generate

DATA_ROOT = REPO / "bench" / "data"
REAL_SAMPLE = REPO.parent / "shared" / "datasets" / "udacity-sparkify"
DEFAULT_EVENTS = (100_000, 250_000, 1_000_000)
SEED = 0
MARKER = ".complete"
RSS_FROM = 250_000  # the RSS growth ratio compares sizes from this many events up


@dataclass
class DataSet:
    """A generated data set in its cache folder."""

    path: Path
    songs: int
    events: int
    json_bytes: int


@dataclass
class Ours:
    """Our end-to-end load: create_tables.py, then etl.py, each a measured subprocess."""

    create: Measured
    etl: Measured

    @property
    def seconds(self) -> float:
        """Both scripts, end to end."""
        return self.create.seconds + self.etl.seconds


@dataclass
class Round:
    """One round of measurements on a data set, each on its own fresh database."""

    floor_s: float
    floor_fk_s: float
    physical_s: float
    built: floor.Timed
    ours: Ours
    ours_dsn: str


@dataclass
class SizeResult:
    """Everything measured on one data set: the fastest of its rounds count, RSS the highest."""

    events: int
    songs: int
    json_bytes: int
    rows: floor.FloorRows
    rounds: list[Round]
    differences: list[Difference]
    baseline: Measured | None = None
    baseline_plays: int | None = None

    @property
    def floor_s(self) -> float:
        """The fastest floor."""
        return min(r.floor_s for r in self.rounds)

    @property
    def floor_fk_s(self) -> float:
        """The fastest floor with foreign keys."""
        return min(r.floor_fk_s for r in self.rounds)

    @property
    def physical_s(self) -> float:
        """The fastest physical floor."""
        return min(r.physical_s for r in self.rounds)

    @property
    def built(self) -> floor.Timed:
        """The fastest schema floor."""
        return min((r.built for r in self.rounds), key=lambda built: built.seconds)

    @property
    def ours(self) -> Ours:
        """Our fastest load."""
        return min((r.ours for r in self.rounds), key=lambda ours: ours.seconds)

    @property
    def peak_rss_mb(self) -> float:
        """etl.py's highest peak RSS over the rounds."""
        return max(r.ours.etl.peak_rss_mb for r in self.rounds)


@dataclass
class SampleResult:
    """Our load of the real sample, checked against its floor rows."""

    path: Path
    events: int
    rows: floor.FloorRows
    ours: Ours
    differences: list[Difference] = field(default_factory=list)


def log(message: str) -> None:
    """Progress on stderr; the report goes to stdout."""
    print(f"[{datetime.now():%H:%M:%S}] {message}", file=sys.stderr, flush=True)


def admin(server: str, statement: sql.Composable) -> None:
    """Run one statement on the server's admin database, outside a transaction."""
    conn = psycopg2.connect(server)
    conn.autocommit = True
    try:
        with conn.cursor() as cur:
            cur.execute(statement)
    finally:
        conn.close()


class Databases:
    """Fresh bench_* databases on one server, all dropped on exit unless kept."""

    def __init__(self, server: str, keep: bool = False) -> None:
        """Name this run's databases bench_<random tag>_<label>."""
        self.server = server
        self.keep = keep
        self.tag = uuid.uuid4().hex[:8]
        self.names: list[str] = []

    def create(self, label: str) -> str:
        """A new empty database; its DSN."""
        name = f"bench_{self.tag}_{len(self.names)}_{label}"
        admin(self.server, sql.SQL("create database {}").format(sql.Identifier(name)))
        self.names.append(name)
        return make_dsn(self.server, dbname=name)

    def __enter__(self) -> "Databases":
        return self

    def __exit__(self, *exc_info: object) -> None:
        if self.keep:
            log(f"kept databases: {', '.join(self.names)}")
            return
        for name in self.names:
            drop = sql.SQL("drop database if exists {} with (force)")
            admin(self.server, drop.format(sql.Identifier(name)))


def checkpoint(server: str) -> None:
    """Flush the server's dirty pages, so that one timed run does not pay for the last one."""
    admin(server, sql.SQL("checkpoint"))


def ensure_data(root: Path, songs: int, events: int) -> DataSet:
    """The data set in root/<songs>-<events>/: reused if complete, else generated afresh."""
    path = root / f"{songs}-{events}"
    marker = path / MARKER
    if not marker.is_file():
        shutil.rmtree(path, ignore_errors=True)
        log(f"generating {events:,} events, {songs:,} songs into {path}")
        stats = generate(path, songs, events, SEED)
        marker.write_text(json.dumps({"seed": SEED, **asdict(stats)}))
    saved = json.loads(marker.read_text())
    return DataSet(path, songs, events, saved["bytes_written"])


def song_count(events: int, songs: int | None = None, max_songs: int | None = None) -> int:
    """The song files of a data set: songs if given, else events / 20, at most max_songs."""
    count = songs or max(1, events // 20)
    return min(count, max_songs) if max_songs else count


def run_ours(dsn: str, data: Path, logs: Path) -> Ours:
    """Time python create_tables.py and python etl.py as a user runs them."""
    python = sys.executable
    create = measure([python, "create_tables.py", "--dsn", dsn], logs / "create_tables.log")
    etl = measure([python, "etl.py", "--dsn", dsn, "--data", str(data)], logs / "etl.log")
    return Ours(create, etl)


def timed_floor(dsn: str, folder: Path, foreign_keys: bool) -> float:
    """Create the schema, then time the COPY of the floor rows into it."""
    floor.create_schema(dsn, foreign_keys)
    return floor.time_copy(dsn, folder).seconds


def timed_physical_floor(dsn: str, folder: Path) -> float:
    """Create the plain tables, then time the COPY of the floor rows into them."""
    floor.create_physical_schema(dsn)
    return floor.time_copy(dsn, folder).seconds


def timed_schema_floor(dsn: str, folder: Path) -> floor.Timed:
    """Create the unbuilt schema, then time the COPY of the floor rows and the builds."""
    floor.create_unbuilt_schema(dsn)
    return floor.time_copy(dsn, folder, floor.BUILD_QUERIES)


def count_plays(dsn: str) -> int:
    """How many rows songplays holds."""
    conn = psycopg2.connect(dsn)
    try:
        with conn, conn.cursor() as cur:
            cur.execute("select count(*) from songplays")
            return cur.fetchone()[0]
    finally:
        conn.close()


def measure_round(dbs: Databases, data: DataSet, logs: Path) -> Round:
    """Time the floors and ours, each after a checkpoint on a fresh database."""
    floor_dir, label = data.path / "floor", f"{data.events:,} events"
    warm(floor_dir)
    checkpoint(dbs.server)
    floor_s = timed_floor(dbs.create("floor"), floor_dir, foreign_keys=False)
    checkpoint(dbs.server)
    floor_fk_s = timed_floor(dbs.create("floorfk"), floor_dir, foreign_keys=True)
    checkpoint(dbs.server)
    physical_s = timed_physical_floor(dbs.create("physical"), floor_dir)
    checkpoint(dbs.server)
    built = timed_schema_floor(dbs.create("schema"), floor_dir)
    log(
        f"{label}: floor {floor_s:.2f} s, floor with foreign keys {floor_fk_s:.2f} s, "
        f"physical floor {physical_s:.2f} s, schema floor {built.seconds:.2f} s"
    )
    warm(data.path / "song_data")
    warm(data.path / "log_data")
    checkpoint(dbs.server)
    ours_dsn = dbs.create("ours")
    ours = run_ours(ours_dsn, data.path, logs)
    log(f"{label}: ours {ours.seconds:.2f} s, peak RSS {ours.etl.peak_rss_mb:.0f} MB")
    return Round(floor_s, floor_fk_s, physical_s, built, ours, ours_dsn)


def run_baseline(dbs: Databases, data: Path, logs: Path) -> tuple[Measured, int]:
    """Time the row-by-row baseline on a fresh database; how many plays it loaded."""
    checkpoint(dbs.server)
    dsn = dbs.create("base")
    command = [sys.executable, "-m", "bench.baseline", "--dsn", dsn, "--data", str(data)]
    return measure(command, logs / "baseline.log"), count_plays(dsn)


def run_size(
    data: DataSet, server: str, baseline_max: int, logs: Path, keep: bool = False, repeat: int = 1
) -> SizeResult:
    """Rounds of floor and ours, our fastest load checked against the floor, then the baseline."""
    floor_dir = data.path / "floor"
    log(f"{data.events:,} events: floor rows into {floor_dir}")
    rows = floor.ensure_floor(data.path, floor_dir)
    with Databases(server, keep) as dbs:
        rounds = [measure_round(dbs, data, logs) for _ in range(repeat)]
        fastest = min(rounds, key=lambda r: r.ours.seconds)
        differences = compare(fastest.ours_dsn, floor_dir)
        log(f"{data.events:,} events: check {describe(differences)}")
        result = SizeResult(data.events, data.songs, data.json_bytes, rows, rounds, differences)
        if data.events <= baseline_max:
            result.baseline, result.baseline_plays = run_baseline(dbs, data.path, logs)
            log(f"{data.events:,} events: baseline {result.baseline.seconds:.1f} s")
    return result


def count_events(data: Path) -> int:
    """How many non-blank lines the log files hold."""
    return sum(
        sum(1 for line in path.open("rb") if line.strip())
        for path in floor.json_files(data / "log_data")
    )


def run_sample(sample: Path, server: str, logs: Path, keep: bool = False) -> SampleResult:
    """Our end-to-end load of a real data folder, checked against floor rows made in a temp dir."""
    floor_dir = logs / "sample-floor"
    rows = floor.write_floor(sample, floor_dir)
    with Databases(server, keep) as dbs:
        warm(sample)
        checkpoint(server)
        dsn = dbs.create("sample")
        ours = run_ours(dsn, sample, logs)
        differences = compare(dsn, floor_dir)
    log(f"real sample: ours {ours.seconds:.2f} s, check {describe(differences)}")
    return SampleResult(sample, count_events(sample), rows, ours, differences)


def ratio(numerator: float | None, denominator: float | None) -> str:
    """a/b to two decimals, or - when either is missing."""
    if not numerator or not denominator:
        return "-"
    return f"{numerator / denominator:.2f}"


TABLE_HEAD = (
    "| events | songs | plays | physical floor s | ours/physical | schema floor s "
    "| schema/physical | ours/schema | floor s | ours s | ours/floor | floor+FKs s "
    "| ours/(floor+FKs) | baseline s | baseline/ours | plays/s | peak RSS MB | check |"
)


def table_row(r: SizeResult) -> str:
    """One size's line of the results table."""
    base = r.baseline.seconds if r.baseline else None
    cells = [
        f"{r.events:,}", f"{r.songs:,}", f"{r.rows.songplays:,}", f"{r.physical_s:.2f}",
        ratio(r.ours.seconds, r.physical_s), f"{r.built.seconds:.2f}",
        ratio(r.built.seconds, r.physical_s), ratio(r.ours.seconds, r.built.seconds),
        f"{r.floor_s:.2f}",
        f"{r.ours.seconds:.2f}", ratio(r.ours.seconds, r.floor_s), f"{r.floor_fk_s:.2f}",
        ratio(r.ours.seconds, r.floor_fk_s), f"{base:.1f}" if base else "-",
        ratio(base, r.ours.seconds), f"{r.rows.songplays / r.ours.seconds:,.0f}",
        f"{r.peak_rss_mb:.0f}", "OK" if not r.differences else "MISMATCH",
    ]  # fmt: skip
    return "| " + " | ".join(cells) + " |"


def size_details(r: SizeResult) -> list[str]:
    """What each size's data set holds and how its times split."""
    rows = r.rows
    lines = [
        f"{r.events:,} events ({r.json_bytes / 1e6:,.0f} MB of JSON): {rows.songplays:,} plays "
        f"({rows.matched:,} matched to a song), {rows.time:,} distinct timestamps, "
        f"{rows.users:,} users, {rows.songs:,} songs, {rows.artists:,} artists",
        f"  ours = create_tables.py {r.ours.create.seconds:.2f} s + etl.py "
        f"{r.ours.etl.seconds:.2f} s; check against the floor: {describe(r.differences)}",
        f"  schema floor = COPY {r.built.copy_s:.2f} s + keys, index, foreign keys, row counts "
        f"and summaries {r.built.build_s:.2f} s",
    ]
    if len(r.rounds) > 1:
        lines.append("  rounds (floor, floor+FKs, physical, schema, ours, RSS): " + "; ".join(
            f"{x.floor_s:.2f}, {x.floor_fk_s:.2f}, {x.physical_s:.2f}, {x.built.seconds:.2f}, "
            f"{x.ours.seconds:.2f} s, "
            f"{x.ours.etl.peak_rss_mb:.0f} MB" for x in r.rounds
        ))  # fmt: skip
    if r.baseline:
        lines.append(
            f"  baseline: {r.baseline_plays:,} songplays in {r.baseline.seconds:.1f} s "
            f"({r.baseline_plays / r.baseline.seconds:,.0f} plays/s), "
            f"peak RSS {r.baseline.peak_rss_mb:.0f} MB"
        )
    return lines


def rss_growth(results: list[SizeResult]) -> str | None:
    """Peak RSS of the largest size over the smallest one from RSS_FROM events up."""
    large = sorted((r for r in results if r.events >= RSS_FROM), key=lambda r: r.events)
    if len(large) < 2:
        return None
    low, high = large[0], large[-1]
    growth = high.peak_rss_mb / low.peak_rss_mb
    return (
        f"peak RSS {high.events:,} / {low.events:,} events: {high.peak_rss_mb:.0f} / "
        f"{low.peak_rss_mb:.0f} MB = {growth:.2f}x"
    )


def sample_line(s: SampleResult) -> str:
    """The real sample's line."""
    return (
        f"real sample ({s.path}, {s.events:,} events, {s.rows.songplays:,} plays): ours "
        f"{s.ours.seconds:.2f} s end to end (create_tables.py {s.ours.create.seconds:.2f} s + "
        f"etl.py {s.ours.etl.seconds:.2f} s), peak RSS {s.ours.etl.peak_rss_mb:.0f} MB, "
        f"check {describe(s.differences)}"
    )


def git(*args: str) -> str:
    """The output of a git command in the repo, or ? if git fails."""
    try:
        done = subprocess.run(["git", *args], cwd=REPO, capture_output=True, text=True, check=True)
    except (OSError, subprocess.CalledProcessError):
        return "?"
    return done.stdout.strip()


def server_version(server: str) -> str:
    """The server's PostgreSQL version."""
    conn = psycopg2.connect(server)
    try:
        with conn.cursor() as cur:
            cur.execute("show server_version")
            return f"PostgreSQL {cur.fetchone()[0]}"
    finally:
        conn.close()


def header(server: str, argv: Sequence[str], repeat: int) -> list[str]:
    """The command, when, which commit and which machine."""
    dirty = git("status", "--porcelain", "--untracked-files=no")
    commit = f"{git('rev-parse', '--short', 'HEAD')} ({git('rev-parse', '--abbrev-ref', 'HEAD')})"
    if dirty:
        commit += " with uncommitted changes"
    load = " ".join(f"{value:.2f}" for value in os.getloadavg())
    rounds = f"fastest of {repeat} rounds, highest peak RSS" if repeat > 1 else "one round"
    return [
        f"command: python -m bench.run {' '.join(argv)} ({rounds})",
        f"date: {datetime.now(UTC):%Y-%m-%d %H:%M} UTC; commit {commit}",
        f"machine: {os.cpu_count()} cores, {psutil.virtual_memory().total / 2**30:.1f} GiB RAM, "
        f"{platform.platform()}; load average at start {load}",
        f"server: {server_version(server)} at {server}; Python {platform.python_version()}",
    ]


def report(head: list[str], results: list[SizeResult], sample: SampleResult | None) -> str:
    """The printed results: header, table, details, RSS growth, real sample, targets."""
    lines = [*head, "", TABLE_HEAD, "|" + " --- |" * TABLE_HEAD.count(" | ") + " --- |"]
    lines += [table_row(r) for r in results]
    lines.append("")
    for r in results:
        lines += size_details(r)
    if growth := rss_growth(results):
        lines.append(growth)
    if sample:
        lines.append(sample_line(sample))
    load = " ".join(f"{value:.2f}" for value in os.getloadavg())
    lines.append(f"load average at the end: {load}")
    sizes = {r.events: r for r in results}
    reached = target_lines(sizes, sample.ours.seconds if sample else None)
    lines += ["", "targets (issue #12):", *(f"  {line}" for line in reached)]
    if bounds := bound_lines(sizes):
        lines += ["", "the same ratios for the schema floor, the least a load of this schema "
                  "costs with its builds:", *(f"  {line}" for line in bounds)]  # fmt: skip
    return "\n".join(lines)


NOTES = (
    "floor: the finished rows (computed by bench/floor.py, not timed) COPYed in one transaction "
    "into the project's tables with their primary keys, unique constraint and song-match index "
    "but no foreign keys; floor+FKs: the same with the project's foreign keys, as ours has them; "
    "physical floor: the same rows into plain tables with primary keys only (double precision, "
    "int, text, timestamp); schema floor: the same rows into the project's tables as a first "
    "bulk load has them before its builds (no keys on time and songplays, no played-song "
    "index, no foreign keys), then those built, the row counts taken and the dashboard's "
    "summaries built with the loader's own statements, in the same transaction: the least a "
    "load of this schema costs with those statements. "
    "ours: python create_tables.py + python etl.py as subprocesses, end to end, into a fresh "
    "database. baseline: bench/baseline.py, per play an INSERT into time, users and songplays "
    "and one song SELECT. Peak RSS: etl.py's own (getrusage in a small wrapper process); "
    "MB = 10^6 bytes."
)


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    """The command line."""
    parser = argparse.ArgumentParser(
        prog="python -m bench.run",
        description="Benchmark the load on this machine, in one run: for each size, generate "
        "the data (cached in bench/data/<songs>-<events>/), compute the finished rows and time "
        "COPYing them (the floor), time python create_tables.py + etl.py (ours) and check "
        "that our tables hold exactly the floor's rows, and time the row-by-row baseline on "
        "small sizes. Then load the real sample. Prints a table; exits 1 on a mismatch.",
        epilog=NOTES,
    )
    add_events(parser, DEFAULT_EVENTS)
    parser.add_argument(
        "--songs", type=positive, metavar="N",
        help="song files in every data set (default: events / 20, so 50,000 at 1M events)",
    )  # fmt: skip
    add_max_songs(parser)
    parser.add_argument(
        "--baseline-max", type=int, default=100_000, metavar="M",
        help="run the row-by-row baseline only on sizes of at most M events; 0: never "
        "(default: 100000; it needs minutes at 100k)",
    )  # fmt: skip
    add_dsn_server(parser)
    parser.add_argument(
        "--real-sample", type=Path, default=REAL_SAMPLE, metavar="DIR",
        help="real data folder loaded end to end after the sizes, skipped if missing "
        f"(default: {REAL_SAMPLE})",
    )  # fmt: skip
    parser.add_argument(
        "--repeat", type=positive, default=1, metavar="N",
        help="measure the floors and ours N times per size, alternating, and report the fastest "
        "of each and the highest peak RSS; helps on a busy machine (default: 1)",
    )  # fmt: skip
    parser.add_argument(
        "--keep", action="store_true",
        help="keep the bench_* databases for inspection instead of dropping them",
    )  # fmt: skip
    return parser.parse_args(argv)


def main(argv: Sequence[str] | None = None) -> int:
    """Run every measurement and print the report; 1 if a check failed, 2 if a command did."""
    argv = sys.argv[1:] if argv is None else argv
    args = parse_args(argv)
    head = header(args.dsn_server, argv, args.repeat)
    results: list[SizeResult] = []
    sample = None
    try:
        with tempfile.TemporaryDirectory(prefix="bench-") as tmp:
            logs = Path(tmp)
            for events in args.events or DEFAULT_EVENTS:
                data = ensure_data(
                    DATA_ROOT, song_count(events, args.songs, args.max_songs), events
                )
                result = run_size(
                    data, args.dsn_server, args.baseline_max, logs, args.keep, args.repeat
                )
                results.append(result)
            if args.real_sample.is_dir():
                sample = run_sample(args.real_sample, args.dsn_server, logs, args.keep)
    except CommandFailed as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    print(report(head, results, sample))
    print(f"\n{NOTES}")
    failed = any(r.differences for r in results) or (sample and sample.differences)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
