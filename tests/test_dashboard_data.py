"""The dashboard's data functions on the real sample, each against an oracle over songplays."""

import re
import threading
from collections.abc import Iterator
from datetime import date

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

# The oracles read songplays and users, never the summary the dashboard reads.
PLAYS_IN_VIEW = """
with v as (
    select sp.*, u.gender
    from songplays sp
    join users u on u.user_id = sp.user_id
    where (%(from)s::date is null or sp.start_time >= %(from)s::date)
        and (%(to)s::date is null or sp.start_time < %(to)s::date + 1)
        and (%(level)s::text is null or sp.level = %(level)s::text)
        and (%(gender)s::text is null or u.gender = %(gender)s::text)
)
"""
ORACLE_HEADLINE = (
    PLAYS_IN_VIEW
    + """
select count(*), count(distinct user_id), count(distinct user_id) filter (where level = 'paid'),
    count(*) filter (where level = 'paid'), count(song_id), min(start_time)::date,
    max(start_time)::date
from v
"""
)
ORACLE_DAYS = PLAYS_IN_VIEW + "select start_time::date, level, count(*) from v group by 1, 2"
ORACLE_LEVELS = (
    PLAYS_IN_VIEW
    + """
select l, count(distinct v.user_id), count(v.user_id)
from unnest(array['free', 'paid']) as l left join v on v.level = l group by l order by l
"""
)
ORACLE_LOCATIONS = (
    PLAYS_IN_VIEW
    + """
select location, count(*), count(distinct user_id) from v where location is not null
group by location order by 2 desc, location limit 10
"""
)
ORACLE_SONGS = (
    PLAYS_IN_VIEW
    + """
select song_title, artist_name, count(*), count(song_id) from v where song_title is not null
group by 1, 2 order by 3 desc, 1, 2 limit 10
"""
)
ORACLE_ARTISTS = (
    PLAYS_IN_VIEW
    + """
select artist_name, count(*), count(song_id) from v where artist_name is not null
group by 1 order by 2 desc, 1 limit 10
"""
)
ORACLE_AGENTS = PLAYS_IN_VIEW + "select user_id, user_agent, count(*) from v group by 1, 2"
# platform_mix's rules, in order (sql_queries.py INSIGHT), written again in Python.
PLATFORM_RULES = [
    ("iPhone", "iPhone"),
    ("iPad", "iPad"),
    ("Android", "Android"),
    ("Windows", "Windows"),
    ("Mac", "Macintosh|Mac OS X"),
    ("Linux", "Linux|X11"),
]


@pytest.fixture(scope="module")
def reader(real_sample_dsn: str) -> Iterator[dashdata.Reader]:
    """The dashboard's reader of the real sample."""
    reader = dashdata.Reader(real_sample_dsn)
    yield reader
    reader.close()


def oracle(dsn: str, statement: str, filters: Filters) -> list[tuple]:
    """The oracle's rows under the filters."""
    return query(dsn, statement, filters.params())


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
    ((plays, listeners, paid_listeners, paid_plays, matched, first, last),) = oracle(
        real_sample_dsn, ORACLE_HEADLINE, filters
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
    assert sorted(days) == sorted(oracle(real_sample_dsn, ORACLE_DAYS, filters))
    assert sorted(hours) == sorted(hour_oracle(real_sample_dsn, filters))
    assert levels == oracle(real_sample_dsn, ORACLE_LEVELS, filters)
    assert locations == oracle(real_sample_dsn, ORACLE_LOCATIONS, filters)
    assert platforms == platform_oracle(real_sample_dsn, filters)
    assert songs == oracle(real_sample_dsn, ORACLE_SONGS, filters)
    assert artists == oracle(real_sample_dsn, ORACLE_ARTISTS, filters)


def hour_oracle(dsn: str, filters: Filters) -> list[tuple[int, int, int, int]]:
    """(weekday, hour, plays, days of that weekday with plays), summed in Python."""
    plays: dict[tuple[int, int], int] = {}
    days: dict[int, set[date]] = {}
    statement = PLAYS_IN_VIEW + "select start_time from v"
    for (start,) in query(dsn, statement, filters.params()):
        plays[start.weekday(), start.hour] = plays.get((start.weekday(), start.hour), 0) + 1
        days.setdefault(start.weekday(), set()).add(start.date())
    return [(wd, hour, n, len(days[wd])) for (wd, hour), n in plays.items()]


def platform_of(agent: str | None) -> str:
    """The platform of a user agent, by platform_mix's rules."""
    for platform, pattern in PLATFORM_RULES:
        if agent and re.search(pattern, agent):
            return platform
    return "other"


def platform_oracle(dsn: str, filters: Filters) -> list[tuple[str, int, int]]:
    """(platform, plays, listeners), the busiest first, classified in Python."""
    plays: dict[str, int] = {}
    users: dict[str, set[int]] = {}
    for user_id, agent, count in oracle(dsn, ORACLE_AGENTS, filters):
        platform = platform_of(agent)
        plays[platform] = plays.get(platform, 0) + count
        users.setdefault(platform, set()).add(user_id)
    return sorted(((p, n, len(users[p])) for p, n in plays.items()), key=lambda r: (-r[1], r[0]))


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
    assert figure.layout.annotations[0].text == "nothing loaded yet: see above"


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
