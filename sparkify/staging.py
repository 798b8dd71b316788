"""The staging tables, each declared once: its columns in order, with their types.

The DDL, the COPY statement and the order of the shapers' rows are all derived from these
declarations, so a column is added (or moved) in one place and two fields can never swap.
"""

from dataclasses import dataclass


@dataclass(frozen=True)
class Column:
    """One column of a staging table; a computed one is not sent by COPY."""

    name: str
    type: str
    computed: bool = False


@dataclass(frozen=True)
class StagingTable:
    """A temporary table that one load COPYs its rows into, dropped at commit."""

    name: str
    columns: tuple[Column, ...]

    @property
    def copied(self) -> tuple[str, ...]:
        """The columns COPY fills, in the order of a staged row."""
        return tuple(column.name for column in self.columns if not column.computed)

    def create(self) -> str:
        """The create temporary table statement."""
        body = ",\n".join(f"    {column.name} {column.type}" for column in self.columns)
        return f"create temporary table {self.name} (\n{body}\n) on commit drop\n"

    def copy(self, freeze: bool = False) -> str:
        """The COPY statement of its rows in the text format (see sparkify/copytext.py).

        freeze: the rows are written frozen, their pages all-visible (COPY FREEZE), which needs
        the table made in this transaction and no cursor open in it.
        """
        names = ",\n".join(f"    {name}" for name in self.copied)
        options = "null '', freeze" if freeze else "null ''"
        return f"copy {self.name} (\n{names}\n) from stdin with ({options})\n"


STAGE_SONGS = StagingTable(
    "stage_songs",
    (
        Column("file", "text not null"),  # the song file: where files disagree, the last wins
        Column("song_id", "text"),
        Column("title", "text"),
        Column("artist_id", "text"),
        Column("year", "integer"),
        Column("duration", "numeric"),
        Column("artist_name", "text"),
        Column("artist_location", "text"),
        Column("artist_latitude", "double precision"),
        Column("artist_longitude", "double precision"),
    ),
)

STAGE_EVENTS = StagingTable(
    "stage_events",
    (
        Column("ts", "bigint not null"),  # ms since the epoch, UTC
        Column("user_id", "integer not null"),
        Column("first_name", "text"),
        Column("last_name", "text"),
        Column("gender", "text"),
        Column("level", "text not null"),
        Column("song", "text"),
        Column("artist", "text"),
        Column("length", "numeric"),
        Column("session_id", "integer not null"),
        Column("item_in_session", "integer not null"),
        Column("location", "text"),
        Column("user_agent", "text"),
        Column(
            "start_time",
            "timestamp generated always as (timestamp 'epoch' + ts * interval '1 millisecond') "
            "stored",
            computed=True,
        ),
    ),
)

STAGE_FILES = StagingTable(
    "stage_files",
    (
        Column("path", "text not null"),
        Column("size", "bigint not null"),
        Column("sha256", "text not null"),
        Column("lines", "integer not null"),
        Column("rows_loaded", "integer not null"),
        Column("rejected", "integer not null"),
        Column("skipped", "integer not null"),
        Column("mtime_ns", "bigint"),
    ),
)

# Files a load hashed and found unchanged, with the modification time they have now.
STAGE_CHECKED = StagingTable(
    "stage_checked",
    (
        Column("path", "text not null"),
        Column("mtime_ns", "bigint not null"),
    ),
)
