"""DataFrames for the notebooks: query results, staged rows and raw records."""

import csv
import io
import re
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path

import pandas as pd
from psycopg2 import sql
from psycopg2.extensions import connection

from sparkify import queries as q
from sparkify.checks import CheckResult
from sparkify.copytext import unescape
from sparkify.errors import RecordError
from sparkify.intake import Intake
from sparkify.load import Summary
from sparkify.read import Record, is_blank, parse_record
from sparkify.staging import StagingTable

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


def rows_with_values(
    conn: connection, table: str, column: str, values: Sequence[object]
) -> pd.DataFrame:
    """The rows of a table whose column holds one of values."""
    query = q.rows_with_values.format(sql.Identifier(table), sql.Identifier(column))
    return query_frame(conn, query, (list(values),))


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


def copy_columns(copy_sql: str) -> list[str]:
    """The column list of a COPY statement: the names of a staged row's fields, in order."""
    columns = re.search(r"\(([^()]*)\)\s+from stdin", copy_sql)
    if columns is None:
        raise ValueError("not a COPY ... (columns) from stdin statement")
    return [name.strip() for name in columns.group(1).split(",")]


def staged_frame(chunks: Iterable[str], table: StagingTable) -> pd.DataFrame:
    """Staged rows as the intake streams them to COPY, under the staging table's column names."""
    text = "".join(chunks)
    if not text:
        return pd.DataFrame(columns=list(table.copied))
    frame = pd.read_csv(
        io.StringIO(text),
        sep="\t",
        header=None,
        names=list(table.copied),
        quoting=csv.QUOTE_NONE,
        keep_default_na=False,
        na_values=[""],  # COPY ... with (null ''): an empty field is null
    )
    for column in frame.columns:
        if not pd.api.types.is_numeric_dtype(frame[column]):
            frame[column] = frame[column].map(unescape, na_action="ignore")
    return frame


def log_records(path: Path) -> list[tuple[int, Record]]:
    """The record of each line of a log file that holds a JSON object, with its line number."""
    records = []
    with path.open("rb") as lines:
        for line_no, line in enumerate(lines, start=1):
            if is_blank(line):
                continue
            try:
                records.append((line_no, parse_record(line)))
            except RecordError:
                continue  # the intake rejects it; the walkthrough shows the rejects there
    return records


def records_frame(records: list[tuple[int, Record]]) -> pd.DataFrame:
    """Records as rows indexed by their line number."""
    index = pd.Index([line_no for line_no, _ in records], name="line")
    return pd.DataFrame([record for _, record in records], index=index)


def rejects_frame(intake: Intake) -> pd.DataFrame:
    """The records an intake refused so far, with the file, line and reason of each."""
    rows = list(csv.reader(intake.reject_csv()))
    return pd.DataFrame(rows, columns=copy_columns(q.reject_copy))
