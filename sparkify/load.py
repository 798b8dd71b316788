"""The loader: staging rows in, COPY into temporary tables, one merge per star table."""

import csv
import io
import itertools
import logging
from collections.abc import Iterable, Iterator
from dataclasses import dataclass

import psycopg2
from psycopg2.extensions import connection, cursor

import sql_queries as q
from sparkify.errors import DatabaseError, SchemaError
from sparkify.shape import Row

logger = logging.getLogger(__name__)

# Rows per COPY call: large enough to keep the server busy, small enough to keep memory flat.
COPY_BATCH_ROWS = 20_000


@dataclass
class Summary:
    """What the star tables hold after a load."""

    row_counts: dict[str, int]
    matched_plays: int


def batches(rows: Iterable[Row], size: int) -> Iterator[list[Row]]:
    """Consecutive lists of at most size rows."""
    iterator = iter(rows)
    while batch := list(itertools.islice(iterator, size)):
        yield batch


def copy_rows(cur: cursor, copy_sql: str, rows: Iterable[Row]) -> int:
    """COPY rows into a staging table as CSV, a batch at a time; return how many."""
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


def load(conn: connection, song_rows: Iterable[Row], event_rows: Iterable[Row]) -> Summary:
    """Stage and merge songs, then events, in one transaction that commits whole or not at all."""
    try:
        with conn, conn.cursor() as cur:
            for statement in q.stage_table_queries:
                cur.execute(statement)
            logger.info("staged %d songs", copy_rows(cur, q.song_stage_copy, song_rows))
            run_all(cur, q.song_merge_queries)
            logger.info("staged %d plays", copy_rows(cur, q.event_stage_copy, event_rows))
            cur.execute(q.event_stage_analyze)
            run_all(cur, q.event_merge_queries)
    except psycopg2.Error as exc:
        reason = " ".join(str(exc).split())
        raise DatabaseError(f"the load was rolled back: {reason}") from exc
    return summarize(conn)


def run_all(cur: cursor, statements: Iterable[str]) -> None:
    """Run statements in order, logging how many rows each touched."""
    for statement in statements:
        cur.execute(statement)
        logger.debug("%s: %d rows", statement.split("(")[0].strip(), cur.rowcount)


def summarize(conn: connection) -> Summary:
    """Row counts of the star tables and how many plays matched a song."""
    with conn, conn.cursor() as cur:
        counts = {}
        for table in q.star_tables:
            cur.execute(q.table_row_count.format(q.sql.Identifier(table)))
            counts[table] = cur.fetchone()[0]
        cur.execute(q.songplay_matched_count)
        return Summary(counts, cur.fetchone()[0])
