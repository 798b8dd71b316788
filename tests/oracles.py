"""Oracles of the dashboard's numbers: sums over songplays and users, never the summaries."""

import re
from datetime import date

from helpers import query
from sparkify.filters import Filters

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
HEADLINE = (
    PLAYS_IN_VIEW
    + """
select count(*), count(distinct user_id), count(distinct user_id) filter (where level = 'paid'),
    count(*) filter (where level = 'paid'), count(song_id), min(start_time)::date,
    max(start_time)::date
from v
"""
)
DAYS = PLAYS_IN_VIEW + "select start_time::date, level, count(*) from v group by 1, 2"
LEVELS = (
    PLAYS_IN_VIEW
    + """
select l, count(distinct v.user_id), count(v.user_id)
from unnest(array['free', 'paid']) as l left join v on v.level = l group by l order by l
"""
)
LOCATIONS = (
    PLAYS_IN_VIEW
    + """
select location, count(*), count(distinct user_id) from v where location is not null
group by location order by 2 desc, location limit 10
"""
)
SONGS = (
    PLAYS_IN_VIEW
    + """
select song_title, artist_name, count(*), count(song_id) from v where song_title is not null
group by 1, 2 order by 3 desc, 1, 2 limit 10
"""
)
ARTISTS = (
    PLAYS_IN_VIEW
    + """
select artist_name, count(*), count(song_id) from v where artist_name is not null
group by 1 order by 2 desc, 1 limit 10
"""
)
AGENTS = PLAYS_IN_VIEW + "select user_id, user_agent, count(*) from v group by 1, 2"
# platform_mix's rules, in order (sql_queries.py INSIGHT), written again in Python.
PLATFORM_RULES = [
    ("iPhone", "iPhone"),
    ("iPad", "iPad"),
    ("Android", "Android"),
    ("Windows", "Windows"),
    ("Mac", "Macintosh|Mac OS X"),
    ("Linux", "Linux|X11"),
]


def rows(dsn: str, statement: str, filters: Filters) -> list[tuple]:
    """An oracle's rows under the filters."""
    return query(dsn, statement, filters.params())


def hours(dsn: str, filters: Filters) -> list[tuple[int, int, int, int]]:
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


def platforms(dsn: str, filters: Filters) -> list[tuple[str, int, int]]:
    """(platform, plays, listeners), the busiest first, classified in Python."""
    plays: dict[str, int] = {}
    users: dict[str, set[int]] = {}
    for user_id, agent, count in rows(dsn, AGENTS, filters):
        platform = platform_of(agent)
        plays[platform] = plays.get(platform, 0) + count
        users.setdefault(platform, set()).add(user_id)
    return sorted(((p, n, len(users[p])) for p, n in plays.items()), key=lambda r: (-r[1], r[0]))
