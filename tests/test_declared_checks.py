"""The declared checks: each kind's SQL fails on a row that breaks its rule and passes otherwise."""

from collections.abc import Iterator

import psycopg2
import pytest
from psycopg2 import sql

from fix_db import fresh_database
from helpers import run_statements
from sparkify.checks import run_check
from sparkify.queries.declared_checks import AcceptedValues, Relationship, Table, Unique

PARENTS = Table("parents", alias="p", key="parent_id")
CHILDREN = Table("children", alias="c", key="child_id")

# Rows that keep every rule below; a kind whose value needs quoting shows the literal is quoted.
TABLES = (
    "create table parents (parent_id integer)",
    "create table children (child_id integer, parent_id integer, kind text)",
    "insert into parents values (1), (2)",
    "insert into children values (10, 1, 'free'), (11, 2, 'it''s'), (12, 2, 'free')",
)

KEY = Unique(CHILDREN, ("child_id",))
PAIR = Unique(CHILDREN, ("parent_id", "kind"))
PARENT = Relationship(CHILDREN, "parent_id", PARENTS)
PARENT_OR_NONE = Relationship(CHILDREN, "parent_id", PARENTS, nullable=True)
KIND = AcceptedValues(CHILDREN, "kind", ("free", "it's"))
DECLARATIONS = {
    "key": KEY,
    "pair": PAIR,
    "parent": PARENT,
    "parent or none": PARENT_OR_NONE,
    "kind": KIND,
}

# Each case: the declaration, a statement breaking its rule (or not), the rows that then fail.
CASES = {
    "duplicate key": (KEY, "insert into children values (10, 2, 'it''s')", 1),
    "null key": (KEY, "insert into children values (null, 1, 'it''s')", 1),
    "duplicate pair": (PAIR, "insert into children values (13, 1, 'free')", 1),
    "same parent, other kind": (PAIR, "insert into children values (13, 1, 'it''s')", 0),
    "pair missing a part": (PAIR, "update children set kind = null where child_id = 10", 1),
    "missing parent": (PARENT, "update children set parent_id = 3", 3),
    "null parent": (PARENT, "update children set parent_id = null where child_id = 10", 1),
    "missing parent, nullable": (PARENT_OR_NONE, "update children set parent_id = 3", 3),
    "null parent, nullable": (PARENT_OR_NONE, "update children set parent_id = null", 0),
    "another value": (KIND, "update children set kind = 'paid' where child_id = 10", 1),
    "another spelling": (KIND, "update children set kind = 'Free' where child_id = 10", 1),
    "no value": (KIND, "update children set kind = null where child_id = 10", 1),
}


@pytest.fixture(scope="module")
def tables(server: str) -> Iterator[str]:
    """One database holding the two tables, for tests that roll their changes back."""
    with fresh_database(server) as dsn:
        run_statements(dsn, *TABLES)
        yield dsn


@pytest.fixture
def conn(tables: str) -> Iterator[psycopg2.extensions.connection]:
    """A connection to the tables whose changes are rolled back when the test ends."""
    conn = psycopg2.connect(tables)
    try:
        yield conn
    finally:
        conn.rollback()
        conn.close()


def failing_rows(conn: psycopg2.extensions.connection, check: sql.Composed) -> int:
    """How many rows break the check, counted as the data checks are run."""
    with conn.cursor() as cur:
        return run_check(cur, "declared", check).failing_rows


@pytest.mark.parametrize("declaration", DECLARATIONS.values(), ids=DECLARATIONS.keys())
def test_each_declaration_passes_on_rows_that_keep_its_rule(conn, declaration):
    assert failing_rows(conn, declaration.query()) == 0


@pytest.mark.parametrize(("declaration", "statement", "failing"), [
    pytest.param(declaration, statement, failing, id=case)
    for case, (declaration, statement, failing) in CASES.items()
])  # fmt: skip
def test_each_declaration_fails_on_the_rows_that_break_its_rule(
    conn, declaration, statement: str, failing: int
):
    with conn.cursor() as cur:
        cur.execute(statement)
    assert failing_rows(conn, declaration.query()) == failing


def test_the_generated_sql_reads_as_hand_written_sql(conn):
    texts = [declaration.query().as_string(conn) for declaration in (PAIR, PARENT_OR_NONE, KIND)]
    assert texts == [
        """
select
    c.parent_id,
    c.kind,
    count(*) as rows
from children as c
group by
    c.parent_id,
    c.kind
having count(*) > 1
    or c.parent_id is null
    or c.kind is null
""",
        """
select
    c.child_id,
    c.parent_id
from children as c
left join parents as p
    on p.parent_id = c.parent_id
where c.parent_id is not null
    and p.parent_id is null
""",
        """
select
    c.child_id,
    c.kind
from children as c
where c.kind is null
    or c.kind not in ('free', 'it''s')
""",
    ]
    assert PARENT.query().as_string(conn).endswith("where p.parent_id is null\n")


@pytest.mark.parametrize("bad", ["Songs", "songs; drop table songs", 'songs"', "1songs", ""])
def test_a_name_that_is_not_plain_is_refused(bad: str):
    with pytest.raises(ValueError, match="not a plain lower-case name"):
        Table(bad, alias="s", key="song_id")
    with pytest.raises(ValueError, match="not a plain lower-case name"):
        Unique(Table("songs", alias="s", key="song_id"), (bad,)).query()
