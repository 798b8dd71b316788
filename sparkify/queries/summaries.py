"""The dashboard's summaries: songplays summed, rebuilt by every load that stages anything."""

# Songplays summed for the dashboard, so that it sums thousands of rows where
# songplays holds millions. Each load that stages anything rebuilds them from songplays, in
# its own transaction: whatever a merge changed (a play moved by a later event, plays matched
# by late songs, a user's gender), the summaries equal songplays when the load commits. They
# are emptied by delete, not truncate, so that the dashboard reads the last load meanwhile.

# Whether the summaries exist: a database made before them gets them at its next load.
summary_tables_exist = """
select to_regclass('hourly_plays') is not null
    and to_regclass('played_songs') is not null
    and to_regclass('daily_song_plays') is not null
"""

# Whether this load staged anything that can change songplays.
load_staged_anything = """
select exists (
    select
    from stage_events
) or exists (
    select
    from stage_songs
)
"""

hourly_play_delete = "delete from hourly_plays"
played_song_delete = "delete from played_songs"
daily_song_play_delete = "delete from daily_song_plays"

hourly_play_insert = """
insert into hourly_plays (
    day,
    hour,
    user_id,
    level,
    location,
    user_agent,
    plays,
    matched
)
select
    sp.start_time::date,
    date_part('hour', sp.start_time),
    sp.user_id,
    sp.level,
    sp.location,
    sp.user_agent,
    count(*),
    count(sp.song_id)
from songplays as sp
group by
    sp.start_time::date,
    date_part('hour', sp.start_time),
    sp.user_id,
    sp.level,
    sp.location,
    sp.user_agent
"""

# The played songs numbered by title then artist; an artist's key is its first song's key.
# New songs can then be numbered above these without renumbering any: an artist's key stays
# at or below the keys of all its songs, never a new song's.
played_song_insert = """
insert into played_songs (
    song_key,
    song_title,
    artist_name,
    artist_key,
    plays,
    matched
)
select
    n.song_key,
    n.song_title,
    n.artist_name,
    min(n.song_key) over (partition by n.artist_name),
    n.plays,
    n.matched
from (
    select
        row_number() over (order by p.song_title, p.artist_name) as song_key,
        p.song_title,
        p.artist_name,
        p.plays,
        p.matched
    from (
        select
            sp.song_title,
            sp.artist_name,
            count(*) as plays,
            count(sp.song_id) as matched
        from songplays as sp
        group by
            sp.song_title,
            sp.artist_name
    ) as p
) as n
"""

# Statistics of the keys just written, for the join below.
played_song_analyze = "analyze played_songs"

# The planner cannot estimate the join on coalesced text below, and would sort every play by
# title to merge-join it (4 s at 1M plays on the development machine); hashing the 58,050 keys
# of that set takes 1 s. Only this join of this transaction is told so.
merge_join_off = "set local enable_mergejoin = off"
merge_join_on = "set local enable_mergejoin = on"

daily_song_play_insert = """
insert into daily_song_plays (
    day,
    level,
    gender,
    song_key,
    artist_key,
    plays,
    matched
)
select
    sp.start_time::date,
    sp.level,
    u.gender,
    k.song_key,
    k.artist_key,
    count(*),
    count(sp.song_id)
from songplays as sp
inner join users as u
    on u.user_id = sp.user_id
inner join played_songs as k
    on coalesce(k.song_title, '') = coalesce(sp.song_title, '')
    and coalesce(k.artist_name, '') = coalesce(sp.artist_name, '')
group by
    sp.start_time::date,
    sp.level,
    u.gender,
    k.song_key,
    k.artist_key
"""

# Fresh statistics for the dashboard's plans.
summary_analyze = "analyze hourly_plays, daily_song_plays"

summary_rebuild_queries = [
    hourly_play_delete,
    hourly_play_insert,
    daily_song_play_delete,
    played_song_delete,
    played_song_insert,
    played_song_analyze,
    merge_join_off,
    daily_song_play_insert,
    merge_join_on,
    summary_analyze,
]
