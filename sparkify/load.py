"""The loader: staging rows in, COPY into temporary tables, one merge per star table."""

import csv
import io
import itertools
import logging
import sys
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import psycopg2
from psycopg2.extensions import connection, cursor

import sql_queries as q
from sparkify.errors import DatabaseError, SchemaError
from sparkify.intake import Intake
from sparkify.shape import Row

logger = logging.getLogger(__name__)

# Rows per COPY call: large enough to keep the server busy, small enough to keep memory flat.
COPY_BATCH_ROWS = 20_000


@dataclass
class Summary:
    """What a load did and what the star tables hold after it."""

    row_counts: dict[str, int]
    matched_plays: int
    files_read: int = 0
    files_unchanged: int = 0
    rejected: int = 0
    run_id: str = ""
    repaired: dict[str, int] = field(default_factory=dict)


def batches(rows: Iterable[Row], size: int) -> Iterator[list[Row]]:
    """Consecutive lists of at most size rows."""
    iterator = iter(rows)
    while batch := list(itertools.islice(iterator, size)):
        yield batch


def copy_rows(cur: cursor, copy_sql: str, rows: Iterable[Row]) -> int:
    """COPY rows into a table as CSV, a batch at a time; return how many."""
    copied = 0
    for batch in batches(rows, COPY_BATCH_ROWS):
        buffer = io.StringIO()
        csv.writer(buffer).writerows(batch)
        buffer.seek(0)
        cur.copy_expert(copy_sql, buffer)
        copied += len(batch)
    return copied


def check_schema(conn: connection) -> None:
    """Fail with a clear message when create_tables.py has not run on this database."""
    with conn, conn.cursor() as cur:
        cur.execute(q.schema_loaded)
        if not cur.fetchone()[0]:
            raise SchemaError("the star schema is missing: run python create_tables.py first")


def take_load_lock(cur: cursor) -> None:
    """Hold the database's load lock until commit, waiting for a running load if need be."""
    cur.execute(q.load_lock_try)
    if not cur.fetchone()[0]:
        print("another etl.py is loading this database: waiting for it", file=sys.stderr)
        cur.execute(q.load_lock_wait)


def read_manifest(cur: cursor) -> dict[str, tuple[int, str]]:
    """The files loaded before: path -> (size, sha256)."""
    cur.execute(q.file_manifest_select)
    return {path: (size, sha256) for path, size, sha256 in cur}


def run_all(cur: cursor, statements: Iterable[str]) -> None:
    """Run statements in order, logging how many rows each touched."""
    for statement in statements:
        cur.execute(statement)
        logger.info("%s: %d rows", statement.split("(")[0].strip(), cur.rowcount)


def load(
    conn: connection, intake: Intake, song_files: Iterable[Path], log_files: Iterable[Path]
) -> Summary:
    """Stage and merge songs, events, rejects and the manifest in one transaction."""
    try:
        with conn, conn.cursor() as cur:
            take_load_lock(cur)
            intake.manifest = read_manifest(cur)
            run_all(cur, q.stage_table_queries)
            copy_rows(cur, q.song_stage_copy, intake.song_rows(song_files))
            run_all(cur, q.song_merge_queries)
            copy_rows(cur, q.event_stage_copy, intake.event_rows(log_files))
            cur.execute(q.event_stage_analyze)
            run_all(cur, q.event_merge_queries)
            cur.copy_expert(q.reject_copy, intake.reject_csv())
            copy_rows(cur, q.file_stage_copy, intake.manifest_rows())
            cur.execute(q.file_table_upsert, {"run_id": intake.run_id})
    except psycopg2.Error as exc:
        reason = " ".join(str(exc).split())
        raise DatabaseError(f"the load was rolled back: {reason}") from exc
    summary = summarize(conn)
    summary.files_read = len(intake.tallies)
    summary.files_unchanged = intake.unchanged
    summary.rejected = intake.rejected
    summary.run_id = intake.run_id
    summary.repaired = intake.repaired()
    return summary


def summarize(conn: connection) -> Summary:
    """Row counts of the star tables and how many plays matched a song."""
    with conn, conn.cursor() as cur:
        counts = {}
        for table in q.star_tables:
            cur.execute(q.table_row_count.format(q.sql.Identifier(table)))
            counts[table] = cur.fetchone()[0]
        cur.execute(q.songplay_matched_count)
        return Summary(counts, cur.fetchone()[0])
