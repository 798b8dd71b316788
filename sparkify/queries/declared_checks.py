"""The data checks of a shared shape, declared: keys, relationships and accepted values.

Like the column tests of a dbt `schema.yml`: a declaration names a table, its columns and the
rule, and its `query()` generates the check, a query returning the rows that break the rule
(no rows: the check passes), laid out as the hand-written checks of `checks.py` are.
"""

import re
from dataclasses import dataclass

from psycopg2 import sql

# A check as sparkify/checks.py runs it: SQL text written by hand, or generated composed SQL.
CheckQuery = str | sql.Composable

# Names go into the SQL unquoted so that it prints as the hand-written checks read. Only plain
# lower-case names are taken, which PostgreSQL reads exactly as written: nothing else can slip in.
PLAIN_NAME = re.compile(r"[a-z_][a-z0-9_]*")

INDENT = sql.SQL("    ")


def name(identifier: str) -> sql.SQL:
    """A table, alias or column name as SQL, refused unless it is a plain lower-case name."""
    if not PLAIN_NAME.fullmatch(identifier):
        raise ValueError(f"not a plain lower-case name: {identifier!r}")
    return sql.SQL(identifier)


@dataclass(frozen=True)
class Table:
    """A table as the declarations name it: the alias its SQL uses, the key that names a row."""

    name: str
    alias: str
    key: str

    def __post_init__(self) -> None:
        for identifier in (self.name, self.alias, self.key):
            name(identifier)

    def column(self, column: str) -> sql.Composed:
        """One of its columns, by alias: sp.user_id."""
        return name(self.alias) + sql.SQL(".") + name(column)

    def source(self) -> sql.Composed:
        """The table and its alias: songplays as sp."""
        return name(self.name) + sql.SQL(" as ") + name(self.alias)


def statement(*lines: sql.Composable) -> sql.Composed:
    """The lines as one statement, framed by newlines as the hand-written ones are."""
    return sql.SQL("\n") + sql.SQL("\n").join(lines) + sql.SQL("\n")


def listed(keyword: str, items: list[sql.Composable]) -> list[sql.Composable]:
    """A keyword and its items: on one line if there is one, else one indented line each."""
    if len(items) == 1:
        return [sql.SQL(keyword + " ") + items[0]]
    return [sql.SQL(keyword), *(INDENT + item for item in commas(items))]


def commas(items: list[sql.Composable]) -> list[sql.Composable]:
    """The items, each but the last followed by a comma."""
    return [item + sql.SQL(",") for item in items[:-1]] + items[-1:]


@dataclass(frozen=True)
class Unique:
    """Unique and not null, as a key is: no two rows share the columns, none of them is null.

    The rows are grouped by the columns: a group of more than one row is a duplicate; a group
    with a null column holds rows missing part of the key.
    """

    table: Table
    columns: tuple[str, ...]

    def query(self) -> sql.Composed:
        """The groups that break the rule, with how many rows each holds."""
        columns = [self.table.column(column) for column in self.columns]
        nulls = [INDENT + sql.SQL("or ") + column + sql.SQL(" is null") for column in columns]
        return statement(
            *listed("select", [*columns, sql.SQL("count(*) as rows")]),
            sql.SQL("from ") + self.table.source(),
            *listed("group by", columns),
            sql.SQL("having count(*) > 1"),
            *nulls,
        )


@dataclass(frozen=True)
class Relationship:
    """Every row's column names a row of the parent table: its parent_column, else its key.

    A null names no row, so it breaks the rule too, unless the column is nullable: then a null
    is allowed (a play that matched no song) and only a value without its parent breaks it.
    """

    table: Table
    column: str
    parent: Table
    parent_column: str | None = None
    nullable: bool = False

    def query(self) -> sql.Composed:
        """The rows whose column names no parent: their key and the column."""
        child = self.table.column(self.column)
        parent = self.parent.column(self.parent_column or self.parent.key)
        orphan = parent + sql.SQL(" is null")
        # A null joins no parent, so it fails the orphan test; a nullable column skips nulls first.
        where = [sql.SQL("where ") + orphan]
        if self.nullable:
            where = [
                sql.SQL("where ") + child + sql.SQL(" is not null"),
                INDENT + sql.SQL("and ") + orphan,
            ]
        return statement(
            *listed("select", [self.table.column(self.table.key), child]),
            sql.SQL("from ") + self.table.source(),
            sql.SQL("left join ") + self.parent.source(),
            INDENT + sql.SQL("on ") + parent + sql.SQL(" = ") + child,
            *where,
        )


@dataclass(frozen=True)
class AcceptedValues:
    """The column holds one of the values, spelled exactly so; a null is none of them."""

    table: Table
    column: str
    values: tuple[str, ...]

    def query(self) -> sql.Composed:
        """The rows holding another value or none: their key and the column."""
        column = self.table.column(self.column)
        # The values are literals that psycopg2 quotes, never text pasted into the SQL.
        values = sql.SQL(", ").join(sql.Literal(value) for value in self.values)
        return statement(
            *listed("select", [self.table.column(self.table.key), column]),
            sql.SQL("from ") + self.table.source(),
            sql.SQL("where ") + column + sql.SQL(" is null"),
            INDENT + sql.SQL("or ") + column + sql.SQL(" not in (") + values + sql.SQL(")"),
        )
