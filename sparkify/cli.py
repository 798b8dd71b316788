"""What both scripts share on the command line: the DSN option, logging, errors to exit codes."""

import argparse
import logging
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager

import psycopg2

from sparkify import interrupt
from sparkify.db import database_error
from sparkify.errors import EtlError

logger = logging.getLogger(__name__)

DSN_HELP = (
    "PostgreSQL connection string (URI or key=value) of the target database. "
    "Default: the DATABASE_URL environment variable, else the embedded PostgreSQL "
    "that the scripts start on demand (data in .pgdata/, database sparkifydb)."
)
INTERRUPTED = "error: interrupted; nothing of the unfinished load was committed"


def add_common_options(parser: argparse.ArgumentParser) -> None:
    """Add --dsn and --verbose."""
    parser.add_argument("--dsn", help=DSN_HELP)
    parser.add_argument(
        "--verbose", action="store_true", help="log each step and show tracebacks on errors"
    )


def configure_logging(verbose: bool) -> None:
    """Log to stderr: steps with --verbose, else warnings only."""
    logging.basicConfig(
        level=logging.DEBUG if verbose else logging.WARNING,
        format="%(asctime)s %(name)s %(levelname)s %(message)s",
    )


@contextmanager
def driver_reports_logged() -> Iterator[None]:
    """Within: what psycopg2 prints itself (PyErr_Print) goes to the debug log instead.

    It does so when the server sends a second error while it raises the first, as a server
    shut down during a COPY does: SystemError lines beside the one error the script reports.
    """
    previous = sys.excepthook
    sys.excepthook = lambda *exc_info: logger.debug("psycopg2 reported", exc_info=exc_info)
    try:
        yield
    finally:
        sys.excepthook = previous


def run(job: Callable[[], int], verbose: bool) -> int:
    """Run job; turn a named error into one line on stderr and its exit code."""
    try:
        with interrupt.interruptible(), driver_reports_logged():
            try:
                return job()
            except psycopg2.Error as exc:  # one that no step named: classified all the same
                raise database_error(exc, "a database statement failed") from exc
    except EtlError as exc:
        if interrupt.interrupted():  # the error is what the interrupt left behind
            print(INTERRUPTED, file=sys.stderr)
            return 130
        if verbose:
            logger.exception("failed")
        print(f"error: {exc}", file=sys.stderr)
        return exc.exit_code
    except KeyboardInterrupt:
        if verbose:
            logger.exception("interrupted")
        print(INTERRUPTED, file=sys.stderr)
        return 130
