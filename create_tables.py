"""Create the Sparkify database if needed, then drop and recreate the star schema."""

import argparse
import sys

from sparkify.cli import add_common_options, configure_logging, run
from sparkify.db import mask_dsn, resolve_dsn
from sparkify.schema import create_schema


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    """The command line."""
    parser = argparse.ArgumentParser(
        description="Create the target database if it does not exist, then drop and "
        "recreate every table of the Sparkify star schema (all data is lost)."
    )
    add_common_options(parser)
    parser.add_argument(
        "--distributed",
        action="store_true",
        help="lay the schema out for Citus: songplays distributed by user_id, the other "
        "star tables as reference tables (the server must have the citus extension)",
    )
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    """Entry point: returns the exit code."""
    args = parse_args(argv)
    configure_logging(args.verbose)

    def job() -> int:
        dsn = resolve_dsn(args.dsn)
        layout = create_schema(dsn, distributed=args.distributed)
        print(f"created the star schema in {mask_dsn(dsn)}")
        if layout:
            print(layout.describe())
            if warning := layout.warning():
                print(warning, file=sys.stderr)
        return 0

    return run(job, args.verbose)


if __name__ == "__main__":
    sys.exit(main())
