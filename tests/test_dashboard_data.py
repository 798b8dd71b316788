"""The dashboard's data functions on the real sample, each against an oracle over songplays."""

import threading
from collections.abc import Iterator
from datetime import date

import oracles
import psycopg2
import psycopg2.errors
import pytest

import sql_queries as q
from helpers import query, run_statements, scalar
from sparkify import dashdata
from sparkify.dashapp import PANELS, show_headline, show_panel
from sparkify.filters import Filters

FILTERS = [
    Filters(),
    Filters(level="paid"),
    Filters(level="free"),
    Filters(gender="F"),
    Filters(gender="M"),
    Filters(date(2018, 11, 5), date(2018, 11, 11)),
    Filters(start=date(2018, 11, 20)),
    Filters(end=date(2018, 11, 3)),
    Filters(date(2018, 11, 5), date(2018, 11, 11), "paid", "F"),
    Filters(date(2019, 1, 1), date(2019, 1, 31)),  # no plays at all
]
IDS = [f.query_string() or "everything" for f in FILTERS]


@pytest.fixture(scope="module")
def reader(real_sample_dsn: str) -> Iterator[dashdata.Reader]:
    """The dashboard's reader of the real sample."""
    reader = dashdata.Reader(real_sample_dsn)
    yield reader
    reader.close()


def test_the_headline_of_the_real_sample_is_the_known_one(reader, real_sample_dsn):
    with reader.cursor() as cur:
        numbers = dashdata.headline(cur, Filters())
        paid = dashdata.headline(cur, Filters(level="paid"))
    assert (numbers.plays, numbers.listeners, numbers.paid_listeners) == (6820, 96, 22)
    assert (numbers.paid_plays, round(numbers.paid_share, 3), numbers.matched) == (5591, 0.82, 1)
    assert (numbers.songs, numbers.artists) == (71, 69)
    assert (numbers.first_day, numbers.last_day) == (date(2018, 11, 1), date(2018, 11, 30))
    assert numbers.last_loaded == scalar(real_sample_dsn, "select max(loaded_at) from etl_files")
    assert paid.plays == 5591


@pytest.mark.parametrize("filters", FILTERS, ids=IDS)
def test_the_headline_equals_the_oracle(reader, real_sample_dsn, filters):
    with reader.cursor() as cur:
        numbers = dashdata.headline(cur, filters)
    ((plays, listeners, paid_listeners, paid_plays, matched, first, last),) = oracles.rows(
        real_sample_dsn, oracles.HEADLINE, filters
    )
    assert (numbers.plays, numbers.listeners, numbers.paid_listeners) == (
        plays, listeners, paid_listeners)  # fmt: skip
    assert (numbers.paid_plays, numbers.matched) == (paid_plays, matched)
    assert (numbers.first_day, numbers.last_day) == (first, last)


@pytest.mark.parametrize("filters", FILTERS, ids=IDS)
def test_the_charts_rows_equal_the_oracles(reader, real_sample_dsn, filters):
    with reader.cursor() as cur:
        days = dashdata.plays_per_day(cur, filters)
        hours = dashdata.weekday_hour(cur, filters)
        levels = dashdata.levels(cur, filters)
        locations = dashdata.top_locations(cur, filters)
        platforms = dashdata.platforms(cur, filters)
        songs = dashdata.top_songs(cur, filters)
        artists = dashdata.top_artists(cur, filters)
    assert sorted(days) == sorted(oracles.rows(real_sample_dsn, oracles.DAYS, filters))
    assert sorted(hours) == sorted(oracles.hours(real_sample_dsn, filters))
    assert levels == oracles.rows(real_sample_dsn, oracles.LEVELS, filters)
    assert locations == oracles.rows(real_sample_dsn, oracles.LOCATIONS, filters)
    assert platforms == oracles.platforms(real_sample_dsn, filters)
    assert songs == oracles.rows(real_sample_dsn, oracles.SONGS, filters)
    assert artists == oracles.rows(real_sample_dsn, oracles.ARTISTS, filters)


def test_the_platforms_of_everything_are_platform_mixs(reader, real_sample_dsn):
    with reader.cursor() as cur:
        assert dashdata.platforms(cur, Filters()) == query(real_sample_dsn, q.platform_mix)


def test_the_songs_and_artists_of_everything_are_top_songs_and_top_artists(reader, real_sample_dsn):
    with reader.cursor() as cur:
        songs = dashdata.top_songs(cur, Filters())
        artists = dashdata.top_artists(cur, Filters())
    insight_songs = query(real_sample_dsn, q.top_songs, {"limit": 10})
    insight_artists = query(real_sample_dsn, q.top_artists, {"limit": 10})
    assert songs == [row[:4] for row in insight_songs]
    assert artists == [row[:3] for row in insight_artists]
    assert songs[0][2] > songs[-1][2] > 0


def test_the_dashboards_connection_cannot_write(reader):
    with reader.cursor() as cur:
        cur.execute("show default_transaction_read_only")
        assert cur.fetchone() == ("on",)
    with pytest.raises(psycopg2.errors.ReadOnlySqlTransaction), reader.cursor() as cur:
        cur.execute("delete from songplays")
    with pytest.raises(psycopg2.errors.ReadOnlySqlTransaction), reader.cursor() as cur:
        cur.execute("create table intruder (id integer)")
    with reader.cursor() as cur:  # the pool goes on after a refused statement
        assert dashdata.headline(cur, Filters()).plays == 6820


def test_the_status_says_what_to_run(dsn: str):
    reader = dashdata.Reader(dsn)
    try:
        with reader.cursor() as cur:
            assert "python create_tables.py && python etl.py" in dashdata.status(cur).advice()
        run_statements(dsn, *q.create_table_queries)
        with reader.cursor() as cur:
            assert dashdata.status(cur).advice() == (
                "No song plays are loaded yet: run python etl.py --data DIR"
            )
        run_statements(dsn, "drop table hourly_plays")
        with reader.cursor() as cur:
            assert "run python etl.py once" in dashdata.status(cur).advice()
    finally:
        reader.close()


def test_the_callbacks_show_advice_for_an_empty_database(schema: str):
    reader = dashdata.Reader(schema)
    try:
        messages, cards, view = show_headline(reader, "?level=nope")
        figure = show_panel(reader, PANELS[0], "?level=nope")
    finally:
        reader.close()
    texts = [message.children for message in messages]
    assert texts == ["No song plays are loaded yet: run python etl.py --data DIR",
                     "level='nope' is not free or paid: ignored"]  # fmt: skip
    assert (cards, view) == ([], "")
    assert figure["layout"]["annotations"][0]["text"] == "nothing loaded yet: see above"


def test_a_locked_table_gives_a_message_not_an_error(real_sample_dsn: str, reader):
    locker = psycopg2.connect(real_sample_dsn)
    locked, release = threading.Event(), threading.Event()

    def hold() -> None:
        with locker, locker.cursor() as cur:
            cur.execute("lock table hourly_plays in access exclusive mode")
            locked.set()
            release.wait(30)

    holder = threading.Thread(target=hold)
    holder.start()
    try:
        assert locked.wait(10)
        messages, cards, _ = show_headline(reader, "")
    finally:
        release.set()
        holder.join()
        locker.close()
    assert [m.children for m in messages] == [
        "the tables are locked (a load or create_tables.py is running): reload in a moment"
    ]
    assert cards == []
