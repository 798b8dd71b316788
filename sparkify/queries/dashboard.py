"""What dashboard.py reads, read-only: the summaries under the filters, and the numbers."""

from sparkify.queries.insight import platform_of

# The dashboard's connection: read-only, so that nothing it runs can change a table, and
# bounded, so that a page never hangs on a busy server or on a load's lock.
dashboard_session_settings = [
    "set default_transaction_read_only = on",
    "set default_transaction_isolation = 'repeatable read'",  # one snapshot per page update
    "set statement_timeout = '10s'",
    "set lock_timeout = '3s'",
    "set work_mem = '32MB'",  # the song sums hash 58,050 keys at 1M plays: 4MB would spill
    # The page runs its eight queries at once: parallel workers would only make them queue.
    "set max_parallel_workers_per_gather = 0",
]

# What the database holds: the star schema, the summary, and whether any play is loaded.
dashboard_status = """
select
    to_regclass('songplays') is not null
        and to_regclass('etl_files') is not null as star_schema,
    to_regclass('hourly_plays') is not null as summary
"""

dashboard_has_plays = """
select exists (
    select
    from hourly_plays
)
"""

# The summary rows in view: days from and to (inclusive, UTC), the level played at, the
# user's gender; a null parameter leaves that filter out. Every query below starts with it.
dashboard_view = """
with v as (
    select
        h.day,
        h.hour,
        h.user_id,
        h.level,
        h.location,
        h.user_agent,
        h.plays,
        h.matched
    from hourly_plays as h
    inner join users as u
        on u.user_id = h.user_id
    where (%(from)s::date is null or h.day >= %(from)s::date)
        and (%(to)s::date is null or h.day <= %(to)s::date)
        and (%(level)s::text is null or h.level = %(level)s::text)
        and (%(gender)s::text is null or u.gender = %(gender)s::text)
)
"""

# Paid listeners: users with a paid play in view (on the Udacity sample, the 22 paid users).
dashboard_headline = (
    dashboard_view
    + """select
    coalesce(sum(v.plays), 0) as plays,
    count(distinct v.user_id) as listeners,
    count(distinct v.user_id) filter (where v.level = 'paid') as paid_listeners,
    coalesce(sum(v.plays) filter (where v.level = 'paid'), 0) as paid_plays,
    coalesce(sum(v.matched), 0) as matched,
    min(v.day) as first_day,
    max(v.day) as last_day
from v
"""
)

# What song_data holds and when the last load committed: the same whatever the filters.
dashboard_catalog = """
select
    (select count(*) from songs) as songs,
    (select count(*) from artists) as artists,
    (select max(f.loaded_at) from etl_files as f) as last_loaded
"""

# The range of days with plays, for the date picker.
dashboard_period = """
select
    min(h.day) as first_day,
    max(h.day) as last_day
from hourly_plays as h
"""

dashboard_plays_per_day = (
    dashboard_view
    + """select
    v.day,
    v.level,
    sum(v.plays) as plays
from v
group by
    v.day,
    v.level
order by
    v.day,
    v.level
"""
)

# Weekday 0 = Monday; days: how many dates of that weekday have plays in view, so that a
# weekday that occurs five times in the period does not look busier than one that occurs four.
dashboard_weekday_hour = (
    dashboard_view
    + """select
    h.weekday,
    h.hour,
    h.plays,
    w.days
from (
    select
        extract(isodow from v.day)::integer - 1 as weekday,
        v.hour,
        sum(v.plays) as plays
    from v
    group by
        extract(isodow from v.day),
        v.hour
) as h
inner join (
    select
        extract(isodow from v.day)::integer - 1 as weekday,
        count(distinct v.day) as days
    from v
    group by extract(isodow from v.day)
) as w
    on w.weekday = h.weekday
order by
    h.weekday,
    h.hour
"""
)

# Listeners by the level they played at: a user who changed level counts at both.
dashboard_levels = (
    dashboard_view
    + """select
    l.level,
    count(distinct v.user_id) as listeners,
    coalesce(sum(v.plays), 0) as plays
from (values ('free'), ('paid')) as l (level)
left join v
    on v.level = l.level
group by l.level
order by l.level
"""
)

dashboard_top_locations = (
    dashboard_view
    + """select
    v.location,
    sum(v.plays) as plays,
    count(distinct v.user_id) as listeners
from v
where v.location is not null
group by v.location
order by
    plays desc,
    v.location
limit %(limit)s
"""
)

# The rules of platform_mix (INSIGHT), applied to each user agent once rather than to each play.
dashboard_platforms = (
    dashboard_view
    + f"""select
    p.platform,
    sum(p.plays) as plays,
    count(distinct p.user_id) as listeners
from (
    select
        a.user_id,
        a.plays,
        {platform_of("a.user_agent")} as platform
    from (
        select
            v.user_id,
            v.user_agent,
            sum(v.plays) as plays
        from v
        group by
            v.user_id,
            v.user_agent
    ) as a
) as p
group by p.platform
order by
    plays desc,
    p.platform
"""
)


# The songs and artists in view, from daily_song_plays: the same filters as dashboard_view.
dashboard_song_view = """
with v as (
    select
        d.song_key,
        d.artist_key,
        d.plays,
        d.matched
    from daily_song_plays as d
    where (%(from)s::date is null or d.day >= %(from)s::date)
        and (%(to)s::date is null or d.day <= %(to)s::date)
        and (%(level)s::text is null or d.level = %(level)s::text)
        and (%(gender)s::text is null or d.gender = %(gender)s::text)
)
"""

# What top_songs (INSIGHT) asks, under the filters: every play counts, matched or not. Ties go
# by title then artist, as there (the keys follow the order songs were first played in).
dashboard_top_songs = (
    dashboard_song_view
    + """select
    k.song_title,
    k.artist_name,
    t.plays,
    t.matched
from (
    select
        v.song_key,
        sum(v.plays) as plays,
        sum(v.matched) as matched
    from v
    group by v.song_key
) as t
inner join played_songs as k
    on k.song_key = t.song_key
where k.song_title is not null
order by
    t.plays desc,
    k.song_title,
    k.artist_name
limit %(limit)s
"""
)

# The same without any filter: played_songs holds the totals.
dashboard_top_songs_all = """
select
    k.song_title,
    k.artist_name,
    k.plays,
    k.matched
from played_songs as k
where k.song_title is not null
order by
    k.plays desc,
    k.song_title,
    k.artist_name
limit %(limit)s
"""

# What top_artists (INSIGHT) asks, under the filters; ties by name, as there.
dashboard_top_artists = (
    dashboard_song_view
    + """select
    a.artist_name,
    t.plays,
    t.matched
from (
    select
        v.artist_key,
        sum(v.plays) as plays,
        sum(v.matched) as matched
    from v
    group by v.artist_key
) as t
inner join (
    select distinct
        k.artist_key,
        k.artist_name
    from played_songs as k
) as a
    on a.artist_key = t.artist_key
where a.artist_name is not null
order by
    t.plays desc,
    a.artist_name
limit %(limit)s
"""
)

dashboard_top_artists_all = """
select
    min(k.artist_name) as artist_name,
    sum(k.plays) as plays,
    sum(k.matched) as matched
from played_songs as k
where k.artist_name is not null
group by k.artist_key
order by
    plays desc,
    artist_name
limit %(limit)s
"""
