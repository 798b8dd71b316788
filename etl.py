"""Load song_data and log_data into the Sparkify star schema."""

import argparse
import sys
from collections.abc import Iterable
from datetime import UTC, datetime
from pathlib import Path

from psycopg2.extensions import connection

from sparkify.checks import CheckResult, describe, run_checks
from sparkify.cli import add_common_options, configure_logging, run
from sparkify.db import connect, mask_dsn, resolve_dsn
from sparkify.errors import DataError, EtlError
from sparkify.intake import Intake
from sparkify.load import check_schema, load
from sparkify.progress import Display, total_bytes
from sparkify.read import Listed, Listing, count_listed, files_only, json_files, walk_json
from sparkify.report import Summary, format_summary
from sparkify.runs import new_run_id, record_failed_run

DEFAULT_DATA = Path(__file__).resolve().parent / "data"


class RejectsUnderStrict(EtlError):
    """--strict was given and the load refused records (the valid rows are loaded)."""

    exit_code = 6


class ChecksFailed(EtlError):
    """--check was given and a data check found rows that break its rule (the load stays)."""

    exit_code = 5


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    """The command line."""
    parser = argparse.ArgumentParser(
        description="Load DIR/song_data (one song per JSON file) and DIR/log_data "
        "(newline-delimited JSON events) into the star schema made by create_tables.py. "
        "Files loaded before and unchanged since are skipped; records that cannot be "
        "loaded are recorded in the table etl_rejects.",
        epilog="exit status: 0 loaded (even with rejects), 2 database problem, "
        "3 data folder problem, 4 schema missing, 5 a data check failed under --check, "
        "6 rejects under --strict, 130 interrupted",
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
        "--full-refresh",
        action="store_true",
        help="read every file again, even those the manifest (etl_files) says are loaded",
    )
    parser.add_argument(
        "--strict",
        action="store_true",
        help="exit with status 6 when any record was rejected (after loading the valid ones)",
    )
    parser.add_argument(
        "--check",
        action="store_true",
        help="after the load, run the data checks of sql_queries.py and print PASS or FAIL "
        "for each; exit with status 5 if any check fails",
    )
    return parser.parse_args(argv)


def report_checks(results: list[CheckResult]) -> None:
    """Print one line per data check; raise ChecksFailed if any failed."""
    for result in results:
        print(describe(result))
    failed = [result.name for result in results if not result.passed]
    if failed:
        raise ChecksFailed(
            f"{len(failed)} of {len(results)} data checks failed ({', '.join(failed)}): "
            "--verbose or test.ipynb shows the offending rows"
        )


def load_recorded(
    dsn: str,
    conn: connection,
    songs: Iterable[Listed],
    logs: Listing,
    full_refresh: bool,
    display: Display,
) -> Summary:
    """Load in a run of its own; a run that does not commit is recorded in etl_runs after all.

    What the walks refused (unreadable folders, odd files) is recorded as rejects of the run.
    """
    run_id, started_at = new_run_id(), datetime.now(UTC)
    try:
        with Intake(run_id, progress=display.advance) as intake:
            intake.refuse(logs.refused)
            return load(
                conn,
                intake,
                files_only(songs, intake.refuse),
                logs.files,
                full_refresh=full_refresh,
                started_at=started_at,
                status=display.status,
                notice=display.note,
            )
    except EtlError as exc:
        record_failed_run(dsn, run_id, started_at, "rolled back", str(exc))
        raise
    except KeyboardInterrupt:
        record_failed_run(dsn, run_id, started_at, "interrupted", "interrupted (Ctrl-C)")
        raise


def main(argv: list[str] | None = None) -> int:
    """Entry point: returns the exit code."""
    args = parse_args(argv)
    configure_logging(args.verbose)

    def job() -> int:
        song_data = args.data / "song_data"
        # Counted in a first walk, for the progress bar: the load walks them again as it reads.
        song_files, song_refusals = count_listed(walk_json(song_data))
        logs = json_files(args.data / "log_data")
        if not (song_files or song_refusals or logs.files or logs.refused):
            raise DataError(f"no *.json files under {args.data}: point --data at the data folder")
        dsn = resolve_dsn(args.dsn)
        conn = connect(dsn)
        try:
            check_schema(conn)
            display = Display(song_files, total_bytes(logs.files), enabled=not args.verbose)
            songs = walk_json(song_data)
            try:
                summary = load_recorded(dsn, conn, songs, logs, args.full_refresh, display)
            finally:
                display.close()  # before the summary or the error line
            print(format_summary(summary, mask_dsn(dsn)))
            if args.check:
                report_checks(run_checks(conn))
        finally:
            conn.close()
        if args.strict and summary.intake.rejected:
            raise RejectsUnderStrict(f"{summary.intake.rejected:,} records rejected (--strict)")
        return 0

    return run(job, args.verbose)


if __name__ == "__main__":
    sys.exit(main())
