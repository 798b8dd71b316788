"""The run history (etl_runs): one row per run of etl.py, committed or not."""

import logging
import uuid
from datetime import UTC, datetime

import psycopg2
from psycopg2.extensions import cursor

from sparkify import queries as q
from sparkify.db import connect
from sparkify.errors import DatabaseError, one_line
from sparkify.report import Summary

logger = logging.getLogger(__name__)


def new_run_id() -> str:
    """A run id that sorts by start time and is unique: 20181130T002207-1a2b3c."""
    return f"{datetime.now(UTC):%Y%m%dT%H%M%S}-{uuid.uuid4().hex[:6]}"


def record_run(cur: cursor, summary: Summary, before: dict[str, int], started_at: datetime) -> None:
    """Write the run's row to etl_runs, to commit with the data it describes."""
    added = {f"{table}_added": n - before[table] for table, n in summary.row_counts.items()}
    cur.execute(
        q.run_committed_insert,
        {
            "run_id": summary.run_id,
            "started_at": started_at,
            "files_read": summary.intake.files_read,
            "files_unchanged": summary.intake.files_unchanged,
            "rejected": summary.intake.rejected,
            "matched_plays": summary.matched_plays,
            **added,
        },
    )


def record_failed_run(
    dsn: str, run_id: str, started_at: datetime, outcome: str, reason: str
) -> None:
    """Write the row of a run that did not commit, in a transaction of its own, if it can."""
    params = {"run_id": run_id, "started_at": started_at, "outcome": outcome, "reason": reason}
    try:
        conn = connect(dsn)
        try:
            with conn, conn.cursor() as cur:
                cur.execute(q.run_failed_insert, params)
        finally:
            conn.close()
    except (DatabaseError, psycopg2.Error) as exc:
        # The database may be what failed: the run's own error line says what matters.
        logger.info("the run could not be recorded in etl_runs: %s", one_line(str(exc)))
