"""The check: our loaded tables hold exactly the floor's rows, compared with `except all` both ways.

The floor's CSV files are copied into a schema `floor` of the database our load filled, so one
query per table and direction compares them. songplay_id is the loader's own number and is left
out; users are compared on user_id, names, gender and level.
"""

from dataclasses import dataclass, field
from pathlib import Path

import psycopg2
from psycopg2 import sql

from bench.floor import COLUMNS, copy_rows

FLOOR_SCHEMA = "floor"
COMPARED = {
    table: tuple(column for column in columns if column != "last_played_at")
    for table, columns in COLUMNS.items()
}
EXAMPLES = 5


@dataclass
class Difference:
    """Rows of one table found on one side only, counted, with a few examples."""

    table: str
    only_ours: int
    only_floor: int
    examples: list[str] = field(default_factory=list)


def load_floor_copy(cur: psycopg2.extensions.cursor, folder: Path) -> None:
    """Create schema floor afresh with our tables' column types and COPY the floor rows in."""
    schema = sql.Identifier(FLOOR_SCHEMA)
    cur.execute(sql.SQL("drop schema if exists {} cascade").format(schema))
    cur.execute(sql.SQL("create schema {}").format(schema))
    for table, columns in COLUMNS.items():
        cur.execute(
            sql.SQL("create table {} as select {} from {} with no data").format(
                sql.Identifier(FLOOR_SCHEMA, table),
                sql.SQL(", ").join(map(sql.Identifier, columns)),
                sql.Identifier("public", table),
            )
        )
    copy_rows(cur, folder, FLOOR_SCHEMA)


def only_in(table: str, first: str, second: str) -> sql.Composed:
    """The compared columns of rows in first.table that second.table lacks (as a multiset)."""
    columns = sql.SQL(", ").join(map(sql.Identifier, COMPARED[table]))
    return sql.SQL("select {columns} from {a} except all select {columns} from {b}").format(
        columns=columns, a=sql.Identifier(first, table), b=sql.Identifier(second, table)
    )


def count(cur: psycopg2.extensions.cursor, query: sql.Composed) -> int:
    """How many rows a query returns."""
    cur.execute(sql.SQL("select count(*) from ({}) as d").format(query))
    return cur.fetchone()[0]


def examples(cur: psycopg2.extensions.cursor, table: str) -> list[str]:
    """A few rows from each side that the other lacks, for the report."""
    found = []
    for side, first, second in (
        ("ours", "public", FLOOR_SCHEMA),
        ("floor", FLOOR_SCHEMA, "public"),
    ):
        cur.execute(
            sql.SQL("{} limit {}").format(only_in(table, first, second), sql.Literal(EXAMPLES))
        )
        found += [f"only in {side}: {row}" for row in cur.fetchall()]
    return found


def compare(dsn: str, folder: Path) -> list[Difference]:
    """The tables where our rows and the floor's differ; empty when they are equal."""
    conn = psycopg2.connect(dsn)
    try:
        with conn, conn.cursor() as cur:
            load_floor_copy(cur, folder)
            differences = []
            for table in COMPARED:
                ours = count(cur, only_in(table, "public", FLOOR_SCHEMA))
                floor = count(cur, only_in(table, FLOOR_SCHEMA, "public"))
                if ours or floor:
                    differences.append(Difference(table, ours, floor, examples(cur, table)))
            return differences
    finally:
        conn.close()


def describe(differences: list[Difference]) -> str:
    """OK, or per table how many rows differ and a few of them."""
    if not differences:
        return "OK"
    lines = ["MISMATCH"]
    for d in differences:
        lines.append(
            f"  {d.table}: {d.only_ours:,} rows only in ours, {d.only_floor:,} only in the floor"
        )
        lines += [f"    {example}" for example in d.examples]
    return "\n".join(lines)
