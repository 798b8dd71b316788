"""Load song_data and log_data into the Sparkify star schema."""

import argparse
import sys
from collections.abc import Iterable
from pathlib import Path

from tqdm import tqdm

from sparkify.checks import CheckResult, describe, run_checks
from sparkify.cli import add_common_options, configure_logging, run
from sparkify.db import connect, mask_dsn, resolve_dsn
from sparkify.errors import CheckError, DataError
from sparkify.load import Summary, check_schema, load
from sparkify.read import json_files, log_records, song_records
from sparkify.shape import event_rows, song_rows

DEFAULT_DATA = Path(__file__).resolve().parent / "data"


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    """The command line."""
    parser = argparse.ArgumentParser(
        description="Load DIR/song_data (one song per JSON file) and DIR/log_data "
        "(newline-delimited JSON events) into the star schema made by create_tables.py."
    )
    add_common_options(parser)
    parser.add_argument(
        "--data",
        type=Path,
        default=DEFAULT_DATA,
        metavar="DIR",
        help="folder holding song_data/ and log_data/ (default: data/ beside etl.py)",
    )
    parser.add_argument(
        "--check",
        action="store_true",
        help="after the load, run the data checks of sql_queries.py and print PASS or FAIL "
        "for each; exit code 5 if any check fails",
    )
    return parser.parse_args(argv)


def progress(files: list[Path], label: str) -> Iterable[Path]:
    """Files, with a progress bar on stderr."""
    # disable=None: no bar when stderr is not a terminal (cron, CI logs).
    return tqdm(files, desc=label, unit="file", disable=None)


def format_summary(summary: Summary, target: str) -> str:
    """The end-of-run report: rows per table and the song-match rate."""
    lines = [f"loaded into {target}", f"  {'table':<10} {'rows':>12}"]
    lines += [f"  {table:<10} {rows:>12,}" for table, rows in summary.row_counts.items()]
    plays = summary.row_counts["songplays"]
    rate = summary.matched_plays / plays if plays else 0.0
    lines.append(
        f"song plays matched to a song: {summary.matched_plays:,} of {plays:,} ({rate:.2%})"
    )
    return "\n".join(lines)


def report_checks(results: list[CheckResult]) -> None:
    """Print one line per data check; raise CheckError if any failed."""
    for result in results:
        print(describe(result))
    failed = [result.name for result in results if not result.passed]
    if failed:
        raise CheckError(
            f"{len(failed)} of {len(results)} data checks failed ({', '.join(failed)}): "
            "--verbose or test.ipynb shows the offending rows"
        )


def main(argv: list[str] | None = None) -> int:
    """Entry point: returns the exit code."""
    args = parse_args(argv)
    configure_logging(args.verbose)

    def job() -> int:
        song_files = json_files(args.data / "song_data")
        log_files = json_files(args.data / "log_data")
        if not song_files and not log_files:
            raise DataError(f"no *.json files under {args.data}: point --data at the data folder")
        dsn = resolve_dsn(args.dsn)
        conn = connect(dsn)
        try:
            check_schema(conn)
            songs = song_rows(song_records(progress(song_files, "song files")))
            events = event_rows(log_records(progress(log_files, "log files")))
            summary = load(conn, songs, events)
            print(format_summary(summary, mask_dsn(dsn)))
            if args.check:
                report_checks(run_checks(conn))
        finally:
            conn.close()
        return 0

    return run(job, args.verbose)


if __name__ == "__main__":
    sys.exit(main())
