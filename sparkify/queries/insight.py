"""What the notebooks ask of the loaded tables (times are UTC)."""

from psycopg2 import sql

# What the last runs of etl.py did, the latest first.
last_runs = """
select
    r.run_id,
    r.started_at,
    r.ended_at - r.started_at as took,
    r.outcome,
    r.reason,
    r.files_read,
    r.files_unchanged,
    r.rejected,
    r.songplays_added,
    r.users_added,
    r.songs_added,
    r.artists_added,
    r.time_added,
    r.matched_plays
from etl_runs as r
order by r.started_at desc
limit %(limit)s
"""

# The first rows of any table, in the order of its first column.
table_head = sql.SQL("select * from {} order by 1 limit %s")

# Every hour of the day appears, with 0 plays when none started in it.
plays_by_hour = """
select
    h.hour,
    coalesce(p.plays, 0) as plays
from generate_series(0, 23) as h (hour)
left join (
    select
        t.hour,
        count(*) as plays
    from songplays as sp
    inner join time as t
        on t.start_time = sp.start_time
    group by t.hour
) as p
    on p.hour = h.hour
order by h.hour
"""

# Days: how many dates of that weekday saw a play, so weekdays that occur more often in
# the period do not look busier than they are (plays_per_day).
plays_by_weekday = """
select
    d.weekday_number - 1 as weekday,
    d.day_name,
    coalesce(p.days, 0) as days,
    coalesce(p.plays, 0) as plays,
    coalesce(p.plays::double precision / p.days, 0) as plays_per_day
from unnest(
    array['Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday', 'Saturday', 'Sunday']
) with ordinality as d (day_name, weekday_number)
left join (
    select
        t.weekday,
        count(distinct t.start_time::date) as days,
        count(*) as plays
    from songplays as sp
    inner join time as t
        on t.start_time = sp.start_time
    group by t.weekday
) as p
    on p.weekday = d.weekday_number - 1
order by d.weekday_number
"""

# Users by their current level; plays by the level they were played at.
plays_by_level = """
select
    l.level,
    coalesce(u.users, 0) as users,
    coalesce(p.plays, 0) as plays
from (values ('free'), ('paid')) as l (level)
left join (
    select
        u.level,
        count(*) as users
    from users as u
    group by u.level
) as u
    on u.level = l.level
left join (
    select
        sp.level,
        count(*) as plays
    from songplays as sp
    group by sp.level
) as p
    on p.level = l.level
order by l.level
"""

# What was played, as the events name it: every play counts, matched to song_data or not
# (matched_plays says how many were).
top_songs = """
select
    sp.song_title as title,
    sp.artist_name as artist,
    count(*) as plays,
    count(sp.song_id) as matched_plays,
    count(distinct sp.user_id) as listeners
from songplays as sp
where sp.song_title is not null
group by
    sp.song_title,
    sp.artist_name
order by
    plays desc,
    sp.song_title,
    sp.artist_name
limit %(limit)s
"""

top_artists = """
select
    sp.artist_name as artist,
    count(*) as plays,
    count(sp.song_id) as matched_plays,
    count(distinct sp.user_id) as listeners
from songplays as sp
where sp.artist_name is not null
group by sp.artist_name
order by
    plays desc,
    sp.artist_name
limit %(limit)s
"""

most_active_users = """
select
    u.user_id,
    u.first_name,
    u.last_name,
    u.level,
    count(*) as plays,
    count(distinct sp.session_id) as sessions
from songplays as sp
inner join users as u
    on u.user_id = sp.user_id
group by u.user_id
order by
    plays desc,
    u.user_id
limit %(limit)s
"""

top_locations = """
select
    sp.location,
    count(*) as plays,
    count(distinct sp.user_id) as users
from songplays as sp
where sp.location is not null
group by sp.location
order by
    plays desc,
    sp.location
limit %(limit)s
"""


def platform_of(user_agent: str) -> str:
    """The platform of a user agent column, as a SQL expression (platform_mix's rules).

    The first rule that matches wins: iPhone and iPad agents also say "Mac OS X", and
    Android agents also say "Linux". No agent at all counts as other.
    """
    return f"""case
            when {user_agent} ~ 'iPhone' then 'iPhone'
            when {user_agent} ~ 'iPad' then 'iPad'
            when {user_agent} ~ 'Android' then 'Android'
            when {user_agent} ~ 'Windows' then 'Windows'
            when {user_agent} ~ 'Macintosh|Mac OS X' then 'Mac'
            when {user_agent} ~ 'Linux|X11' then 'Linux'
            else 'other'
        end"""


platform_mix = f"""
select
    p.platform,
    count(*) as plays,
    count(distinct p.user_id) as users
from (
    select
        sp.user_id,
        {platform_of("sp.user_agent")} as platform
    from songplays as sp
) as p
group by p.platform
order by
    plays desc,
    p.platform
"""
