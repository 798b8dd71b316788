"""Data checks: run the zero-row queries of sparkify/queries/checks.py; report what each found."""

import logging
from collections.abc import Mapping
from dataclasses import dataclass

import psycopg2
from psycopg2 import sql
from psycopg2.extensions import connection, cursor

from sparkify import queries as q
from sparkify.db import database_error
from sparkify.queries.declared_checks import CheckQuery

logger = logging.getLogger(__name__)

# Offending rows kept per failed check: enough to see the pattern, small enough to print.
SAMPLE_ROWS = 5


@dataclass(frozen=True)
class CheckResult:
    """One check's outcome: how many rows break its rule, and the first few of them."""

    name: str
    failing_rows: int
    sample: list[tuple[object, ...]]

    @property
    def passed(self) -> bool:
        """Whether no row breaks the rule."""
        return self.failing_rows == 0

    @property
    def status(self) -> str:
        """PASS or FAIL."""
        return "PASS" if self.passed else "FAIL"


def run_check(
    cur: cursor, name: str, check: CheckQuery, sample_rows: int = SAMPLE_ROWS
) -> CheckResult:
    """Count the rows that break one check and keep a sample of them."""
    # Hand-written checks are text; declared ones come generated as composed SQL already.
    query = sql.SQL(check) if isinstance(check, str) else check
    cur.execute(q.check_failure_count.format(query))
    failing = cur.fetchone()[0]
    sample: list[tuple[object, ...]] = []
    if failing:
        cur.execute(q.check_failure_sample.format(query), (sample_rows,))
        sample = cur.fetchall()
    for row in sample:
        logger.info("%s: for example %r", name, row)
    return CheckResult(name, failing, sample)


def evaluate(cur: cursor, checks: Mapping[str, CheckQuery] = q.data_checks) -> list[CheckResult]:
    """Run the checks in order with cur, inside whatever transaction it is in."""
    return [run_check(cur, name, check) for name, check in checks.items()]


def run_checks(
    conn: connection, checks: Mapping[str, CheckQuery] = q.data_checks
) -> list[CheckResult]:
    """Run the checks in order, in one read-only transaction; by default all of them."""
    try:
        with conn, conn.cursor() as cur:
            cur.execute(q.checks_read_only)
            return evaluate(cur, checks)
    except psycopg2.Error as exc:
        raise database_error(exc, "the data checks could not run") from exc


def describe(result: CheckResult) -> str:
    """One line: PASS or FAIL, the check's name and how many rows break it."""
    unit = "row" if result.failing_rows == 1 else "rows"
    return f"{result.status} {result.name} ({result.failing_rows:,} {unit})"
