"""Create the Sparkify database if needed, then drop and recreate the star schema."""

import argparse
import sys

from psycopg2.extensions import cursor

import sql_queries as q
from sparkify.cli import add_common_options, configure_logging, run
from sparkify.db import connect, ensure_database, mask_dsn, resolve_dsn


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    """The command line."""
    parser = argparse.ArgumentParser(
        description="Create the target database if it does not exist, then drop and "
        "recreate every table of the Sparkify star schema (all data is lost)."
    )
    add_common_options(parser)
    return parser.parse_args(argv)


def drop_tables(cur: cursor) -> None:
    """Drop every table of the schema."""
    for statement in q.drop_table_queries:
        cur.execute(statement)


def create_tables(cur: cursor) -> None:
    """Create every table of the schema."""
    for statement in q.create_table_queries:
        cur.execute(statement)


def create_schema(dsn: str) -> None:
    """Create the database if it is missing, then the tables, in one transaction."""
    ensure_database(dsn)
    conn = connect(dsn)
    try:
        with conn, conn.cursor() as cur:
            drop_tables(cur)
            create_tables(cur)
    finally:
        conn.close()


def main(argv: list[str] | None = None) -> int:
    """Entry point: returns the exit code."""
    args = parse_args(argv)
    configure_logging(args.verbose)

    def job() -> int:
        dsn = resolve_dsn(args.dsn)
        create_schema(dsn)
        print(f"created the star schema in {mask_dsn(dsn)}")
        return 0

    return run(job, args.verbose)


if __name__ == "__main__":
    sys.exit(main())
