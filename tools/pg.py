"""One-shot statements on a DSN, each on a connection of its own: for the bench and the tests."""

from collections.abc import Iterable

import psycopg2
from psycopg2 import sql

Statement = str | sql.Composable
Step = tuple[Statement, tuple | dict]  # a statement and its parameters


def query(dsn: str, statement: Statement, params: tuple | dict = ()) -> list[tuple]:
    """All rows of one query."""
    conn = psycopg2.connect(dsn)
    try:
        with conn, conn.cursor() as cur:
            cur.execute(statement, params)
            return cur.fetchall()
    finally:
        conn.close()


def execute(dsn: str, statement: Statement, params: tuple | dict = ()) -> None:
    """Run one statement outside a transaction (as create/drop database need)."""
    conn = psycopg2.connect(dsn)
    conn.autocommit = True
    try:
        with conn.cursor() as cur:
            cur.execute(statement, params)
    finally:
        conn.close()


def run_steps(dsn: str, steps: Iterable[Step]) -> None:
    """Run statements, each with its parameters, in order in one transaction."""
    conn = psycopg2.connect(dsn)
    try:
        with conn, conn.cursor() as cur:
            for statement, params in steps:
                cur.execute(statement, params)
    finally:
        conn.close()
