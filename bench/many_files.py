"""Many song files: does a load's memory grow with the number of files it walks?

For each size, a generated data set of N song files (and a small log: --events) is loaded
into a fresh database with etl.py, then loaded again: the first load reads every file, the
second finds each one in the manifest, unchanged. Both print their wall time and their own
peak RSS; the last line gives each load's peak RSS at the largest size over the smallest.

    python -m bench.many_files --songs 50000 --songs 250000
"""

import argparse
import sys
import tempfile
from collections.abc import Sequence
from pathlib import Path

from bench.measure import Measured, measure, warm
from bench.options import add_dsn_server, positive
from bench.run import DATA_ROOT, Databases, ensure_data, log

DEFAULT_SONGS = (50_000, 250_000)
DEFAULT_EVENTS = 10_000


def timed_load(dsn: str, data: Path, log_file: Path) -> Measured:
    """etl.py on data, as a user runs it."""
    return measure([sys.executable, "etl.py", "--dsn", dsn, "--data", str(data)], log_file)


def measure_size(
    songs: int, events: int, dbs: Databases, work: Path, root: Path = DATA_ROOT
) -> tuple[Measured, Measured]:
    """The first load and the unchanged reload of one size (its data set cached in root)."""
    data = ensure_data(root, songs, events)
    warm(data.path)
    dsn = dbs.create(f"files{songs}")
    measure([sys.executable, "create_tables.py", "--dsn", dsn], work / "create_tables.log")
    log(f"{songs:,} song files: the first load")
    first = timed_load(dsn, data.path, work / f"first-{songs}.log")
    log(f"{songs:,} song files: the reload, every file unchanged")
    again = timed_load(dsn, data.path, work / f"again-{songs}.log")
    if "no file read" not in again.output:
        raise RuntimeError(f"the reload of {songs:,} song files read some again:\n{again.output}")
    return first, again


def main(argv: Sequence[str] | None = None) -> int:
    """Measure each size; print a Markdown table and the RSS ratios."""
    parser = argparse.ArgumentParser(prog="python -m bench.many_files", description=__doc__)
    parser.add_argument(
        "--songs",
        type=positive,
        action="append",
        metavar="N",
        help="song files of a generated data set (repeatable; default 50,000 and 250,000)",
    )
    parser.add_argument(
        "--events",
        type=positive,
        default=DEFAULT_EVENTS,
        metavar="N",
        help=f"events of each data set (default {DEFAULT_EVENTS:,})",
    )
    add_dsn_server(parser)
    args = parser.parse_args(argv)
    sizes = sorted(set(args.songs or DEFAULT_SONGS))
    lines = [
        "| song files | first load s | its peak RSS MB | reload s | its peak RSS MB |",
        "| --- | --- | --- | --- | --- |",
    ]
    peaks = []
    with (
        tempfile.TemporaryDirectory(prefix="bench-many-files-") as tmp,
        Databases(args.dsn_server) as dbs,
    ):
        for songs in sizes:
            first, again = measure_size(songs, args.events, dbs, Path(tmp))
            peaks.append((first.peak_rss_mb, again.peak_rss_mb))
            lines.append(
                f"| {songs:,} | {first.seconds:.2f} | {first.peak_rss_mb:.0f} "
                f"| {again.seconds:.2f} | {again.peak_rss_mb:.0f} |"
            )
    print("\n".join(lines))
    if len(sizes) > 1:
        (small_first, small_again), (big_first, big_again) = peaks[0], peaks[-1]
        print(
            f"\npeak RSS at {sizes[-1]:,} song files over {sizes[0]:,}: first load "
            f"{big_first / small_first:.2f}x, reload {big_again / small_again:.2f}x"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
