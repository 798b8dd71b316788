"""Query results as pandas DataFrames, for the notebooks."""

from collections.abc import Mapping, Sequence

import pandas as pd
from psycopg2 import sql
from psycopg2.extensions import connection

import sql_queries as q
from sparkify.checks import CheckResult
from sparkify.load import Summary

Query = str | sql.Composable
Params = Sequence[object] | Mapping[str, object] | None


def query_frame(conn: connection, query: Query, params: Params = None) -> pd.DataFrame:
    """The rows of one query, with the columns it names, in a transaction of its own."""
    # A cursor rather than pandas.read_sql: pandas wants SQLAlchemy and warns on psycopg2.
    with conn, conn.cursor() as cur:
        cur.execute(query, params)
        columns = [column.name for column in cur.description]
        return pd.DataFrame(cur.fetchall(), columns=columns)


def table_head(conn: connection, table: str, rows: int = 5) -> pd.DataFrame:
    """The first rows of a table, in the order of its first column."""
    return query_frame(conn, q.table_head.format(sql.Identifier(table)), (rows,))


def summary_frame(summary: Summary) -> pd.DataFrame:
    """Rows per star table."""
    return pd.DataFrame(list(summary.row_counts.items()), columns=["table", "rows"])


def match_rate(summary: Summary) -> float:
    """The share of song plays matched to a song, 0 when there are no plays."""
    plays = summary.row_counts["songplays"]
    return summary.matched_plays / plays if plays else 0.0


def first(rows: list[tuple[object, ...]]) -> tuple[object, ...] | None:
    """The first row, or None when there is none."""
    return rows[0] if rows else None


def checks_frame(results: list[CheckResult]) -> pd.DataFrame:
    """One row per data check: PASS or FAIL, how many rows break it, and the first of them."""
    return pd.DataFrame(
        [
            (result.status, result.name, result.failing_rows, first(result.sample))
            for result in results
        ],
        columns=["result", "check", "failing rows", "example"],
    )
