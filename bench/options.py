"""The command-line options the benches share, each declared once."""

import argparse
from collections.abc import Sequence

DEFAULT_SERVER = "host=127.0.0.1 port=5432 user=postgres dbname=postgres"


def positive(text: str) -> int:
    """An argparse type: an integer >= 1."""
    value = int(text)
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be >= 1, got {value}")
    return value


def add_events(parser: argparse.ArgumentParser, default: Sequence[int]) -> None:
    """--events M, repeatable; the caller takes default when none is given."""
    parser.add_argument(
        "--events",
        type=positive,
        action="append",
        metavar="M",
        help="events in a generated data set; repeat for several sizes "
        f"(default: {', '.join(map(str, default))})",
    )


def add_max_songs(parser: argparse.ArgumentParser) -> None:
    """--max-songs N: a cap on each data set's song files."""
    parser.add_argument(
        "--max-songs",
        type=positive,
        metavar="N",
        help="at most N song files in a data set, for sizes whose events / 20 would be more "
        "(10M events: 50000 keeps the song catalogue of 1M instead of 500,000 files)",
    )


def add_dsn_server(parser: argparse.ArgumentParser) -> None:
    """--dsn-server DSN: the server the bench makes its databases on."""
    parser.add_argument(
        "--dsn-server",
        default=DEFAULT_SERVER,
        metavar="DSN",
        help="admin DSN of the PostgreSQL server to measure on; the bench creates and drops "
        f"bench_* databases there (default: {DEFAULT_SERVER})",
    )
