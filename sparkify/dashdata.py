"""What the dashboard reads: read-only connections, and one data function per panel."""

import logging
import queue
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date, datetime

import psycopg2
import psycopg2.errors
from psycopg2.extensions import connection, cursor

from sparkify import queries as q
from sparkify.db import connect
from sparkify.errors import DatabaseError, one_line
from sparkify.filters import Filters

logger = logging.getLogger(__name__)

POOL_SIZE = 8  # the page asks for its panels at once: one connection each, at most
TOP = 10  # rows of the top-N charts


class Reader:
    """A small pool of read-only connections to one database, shared by the callbacks' threads."""

    def __init__(self, dsn: str, size: int = POOL_SIZE) -> None:
        """Keep up to size connections to dsn, opened when first needed."""
        self.dsn = dsn
        self._idle: queue.LifoQueue[connection] = queue.LifoQueue()
        self._slots = threading.BoundedSemaphore(size)

    def _open(self) -> connection:
        """A new connection that cannot write and gives up on slow statements and locks."""
        conn = connect(self.dsn)
        # Plain cursors: the loader's cancel-on-Ctrl-C cursors keep one list for the whole
        # process, and these run in the server's threads; Ctrl-C stops the server instead.
        conn.cursor_factory = cursor
        conn.autocommit = True
        with conn.cursor() as cur:
            for setting in q.dashboard_session_settings:
                cur.execute(setting)
        conn.autocommit = False
        return conn

    def _take(self) -> connection:
        """An idle connection, else a new one."""
        try:
            return self._idle.get_nowait()
        except queue.Empty:
            return self._open()

    @contextmanager
    def cursor(self) -> Iterator[cursor]:
        """A cursor in a read-only transaction of its own; a broken connection is dropped."""
        with self._slots:
            conn = self._take()
            try:
                with conn, conn.cursor() as cur:
                    yield cur
            except (psycopg2.OperationalError, psycopg2.InterfaceError):
                # Lost, or cancelled mid-statement: a new connection is cheaper than doubt.
                conn.close()
                raise
            finally:
                if not conn.closed:
                    self._idle.put(conn)

    def close(self) -> None:
        """Close the idle connections."""
        while not self._idle.empty():
            self._idle.get_nowait().close()


def problem(exc: Exception) -> str:
    """What a person reads on the page when the database refused or failed a query."""
    if isinstance(exc, DatabaseError):
        return str(exc)
    if isinstance(exc, psycopg2.errors.LockNotAvailable):
        return "the tables are locked (a load or create_tables.py is running): reload in a moment"
    if isinstance(exc, psycopg2.errors.QueryCanceled):
        return "the database took too long to answer (a load may be running): reload in a moment"
    reason = one_line(str(exc)) or type(exc).__name__
    return f"the database failed a query: {reason}"


@dataclass(frozen=True)
class Status:
    """What the database holds, as the page needs to know before it shows numbers."""

    star_schema: bool
    summary: bool
    has_plays: bool

    def advice(self) -> str | None:
        """What to run before there is anything to show; None when the data is there."""
        if not self.star_schema:
            return (
                "This database holds no Sparkify schema yet. Create it and load the data: "
                "python create_tables.py && python etl.py --data DIR"
            )
        if not self.summary:
            return (
                "This database was loaded before the dashboard existed: run python etl.py "
                "once, which builds the dashboard's summary table (hourly_plays)."
            )
        if not self.has_plays:
            return "No song plays are loaded yet: run python etl.py --data DIR"
        return None


def status(cur: cursor) -> Status:
    """Whether the schema, the summary and any play are there."""
    cur.execute(q.dashboard_status)
    star_schema, summary = cur.fetchone()
    has_plays = False
    if star_schema and summary:
        cur.execute(q.dashboard_has_plays)
        has_plays = cur.fetchone()[0]
    return Status(star_schema, summary, has_plays)


@dataclass(frozen=True)
class Headline:
    """The headline numbers of one view."""

    plays: int
    listeners: int
    paid_listeners: int
    paid_plays: int
    matched: int
    first_day: date | None
    last_day: date | None
    songs: int
    artists: int
    last_loaded: datetime | None

    @property
    def paid_share(self) -> float:
        """The paid plays' share of the plays (0 when there are none)."""
        return self.paid_plays / self.plays if self.plays else 0.0

    @property
    def matched_share(self) -> float:
        """The share of plays matched to a song of song_data (0 when there are none)."""
        return self.matched / self.plays if self.plays else 0.0


def headline(cur: cursor, filters: Filters) -> Headline:
    """The headline numbers under the filters; songs, artists and last load are global."""
    cur.execute(q.dashboard_headline, filters.params())
    plays = cur.fetchone()
    cur.execute(q.dashboard_catalog)
    return Headline(*plays, *cur.fetchone())


def period(cur: cursor) -> tuple[date | None, date | None]:
    """The first and last day with plays."""
    cur.execute(q.dashboard_period)
    return cur.fetchone()


def rows(cur: cursor, statement: str, filters: Filters, **params: object) -> list[tuple]:
    """The rows of one of the dashboard's queries under the filters."""
    cur.execute(statement, {**filters.params(), **params})
    return cur.fetchall()


def plays_per_day(cur: cursor, filters: Filters) -> list[tuple[date, str, int]]:
    """(day, level, plays) for each day and level with plays."""
    return rows(cur, q.dashboard_plays_per_day, filters)


def weekday_hour(cur: cursor, filters: Filters) -> list[tuple[int, int, int, int]]:
    """(weekday 0 = Monday, hour, plays, how many days of that weekday have plays)."""
    return rows(cur, q.dashboard_weekday_hour, filters)


def levels(cur: cursor, filters: Filters) -> list[tuple[str, int, int]]:
    """(level, listeners, plays) for free and paid."""
    return rows(cur, q.dashboard_levels, filters)


def top_songs(cur: cursor, filters: Filters) -> list[tuple[str, str | None, int, int]]:
    """(title, artist, plays, matched plays) of the TOP songs played, matched or not."""
    statement = q.dashboard_top_songs_all if filters == Filters() else q.dashboard_top_songs
    return rows(cur, statement, filters, limit=TOP)


def top_artists(cur: cursor, filters: Filters) -> list[tuple[str, int, int]]:
    """(artist, plays, matched plays) of the TOP artists played, matched or not."""
    statement = q.dashboard_top_artists_all if filters == Filters() else q.dashboard_top_artists
    return rows(cur, statement, filters, limit=TOP)


def top_locations(cur: cursor, filters: Filters) -> list[tuple[str, int, int]]:
    """(location, plays, listeners) of the TOP locations by plays."""
    return rows(cur, q.dashboard_top_locations, filters, limit=TOP)


def platforms(cur: cursor, filters: Filters) -> list[tuple[str, int, int]]:
    """(platform, plays, listeners), the busiest platform first."""
    return rows(cur, q.dashboard_platforms, filters)
