"""The merges: one set-based statement per star table, from staging; late song matches."""

from sparkify.queries.schema import (
    row_count_bulk_off_queries,
    row_count_bulk_on_queries,
    songplay_foreign_keys_create,
    songplay_foreign_keys_drop,
    songplay_keys_create,
    songplay_keys_drop,
    songplay_played_song_index_create,
    songplay_played_song_index_drop,
    time_key_create,
    time_key_drop,
)
from sparkify.queries.stage import song_tables_analyze

# Where song files disagree on an artist or a song, the file whose path sorts last speaks for
# it, within a load (distinct on ... file desc) and across loads (source_file): the tables end
# the same whatever order the files arrive in. A file read again (changed) replaces its rows.
artist_table_insert = """
insert into artists (
    artist_id,
    name,
    location,
    latitude,
    longitude,
    source_file
)
select distinct on (s.artist_id)
    s.artist_id,
    s.artist_name,
    s.artist_location,
    s.artist_latitude,
    s.artist_longitude,
    s.file
from stage_songs as s
order by s.artist_id, s.file desc
on conflict (artist_id) do update set
    name = excluded.name,
    location = excluded.location,
    latitude = excluded.latitude,
    longitude = excluded.longitude,
    source_file = excluded.source_file
where artists.source_file <= excluded.source_file
"""

song_table_insert = """
insert into songs (
    song_id,
    title,
    artist_id,
    year,
    duration,
    source_file
)
select distinct on (s.song_id)
    s.song_id,
    s.title,
    s.artist_id,
    s.year,
    s.duration,
    s.file
from stage_songs as s
order by s.song_id, s.file desc
on conflict (song_id) do update set
    title = excluded.title,
    artist_id = excluded.artist_id,
    year = excluded.year,
    duration = excluded.duration,
    source_file = excluded.source_file
where songs.source_file <= excluded.source_file
"""

# LATE SONGS: the plays a load's songs and artists can match or unmatch are those whose played
# (title, length) is a key of a staged song, or was the key of a song that the load changes,
# directly or through its artist. Their keys are kept before the merge changes them.
song_key_stage_create = """
create temporary table stage_song_keys (
    title    text not null,
    duration numeric not null
) on commit drop
"""

song_key_old_insert = """
insert into stage_song_keys (
    title,
    duration
)
select
    s.title,
    s.duration
from songs as s
where s.song_id in (select st.song_id from stage_songs as st)
    or s.artist_id in (select st.artist_id from stage_songs as st)
"""

song_key_new_insert = """
insert into stage_song_keys (
    title,
    duration
)
select
    s.title,
    s.duration
from stage_songs as s
"""

# The song each (title, duration, artist name) matches: of several, the lowest song_id.
song_match = """
    select distinct on (s.title, s.duration, a.name)
        s.song_id,
        s.artist_id,
        s.title,
        s.duration,
        a.name as artist_name
    from songs as s
    inner join artists as a
        on a.artist_id = s.artist_id
    order by s.title, s.duration, a.name, s.song_id
"""


def songplay_rematch(old_song: bool = False) -> str:
    """The late match: every play of the song keys gets the song it matches now, or none.

    Only changed rows are written. With old_song, r also holds the song each matched before.
    """
    old = "\n        p.song_id as old_song_id," if old_song else ""
    return f"""
update songplays as sp
set
    song_id = r.song_id,
    artist_id = r.artist_id
from (
    select
        p.songplay_id,
        p.user_id,{old}
        m.song_id,
        m.artist_id
    from songplays as p
    inner join (
        select distinct
            k.title,
            k.duration
        from stage_song_keys as k
    ) as k
        on k.title = p.song_title
        and k.duration = p.song_length
    left join ({song_match}) as m
        on m.title = p.song_title
        and m.duration = p.song_length
        and m.artist_name = p.artist_name
) as r
where sp.songplay_id = r.songplay_id
    and sp.user_id = r.user_id
    and (
        sp.song_id is distinct from r.song_id
        or sp.artist_id is distinct from r.artist_id
    )
"""


songplay_song_rematch = songplay_rematch()

# The plays a load's late match changed, as they are after it, with the song each matched
# before: on a single server the dashboard's summaries follow the plays it changed from these
# rows (summaries.py), without reading songplays again.
rematched_play_stage_create = """
create temporary table stage_rematched_plays (
    songplay_id bigint not null,
    user_id     integer not null,
    start_time  timestamp not null,
    level       text not null,
    location    text,
    user_agent  text,
    song_title  text,
    artist_name text,
    song_id     text,              -- the song it matches now (null: none)
    old_song_id text               -- the song it matched before (null: none)
) on commit drop
"""

songplay_song_rematch_recorded = f"""
with rematched as ({songplay_rematch(old_song=True)}returning
    sp.songplay_id,
    sp.user_id,
    sp.start_time,
    sp.level,
    sp.location,
    sp.user_agent,
    sp.song_title,
    sp.artist_name,
    sp.song_id,
    r.old_song_id
)
insert into stage_rematched_plays (
    songplay_id,
    user_id,
    start_time,
    level,
    location,
    user_agent,
    song_title,
    artist_name,
    song_id,
    old_song_id
)
select
    c.songplay_id,
    c.user_id,
    c.start_time,
    c.level,
    c.location,
    c.user_agent,
    c.song_title,
    c.artist_name,
    c.song_id,
    c.old_song_id
from rematched as c
"""

# The time rows of the staged plays, one per start time; both time merges below use it.
time_rows_insert = """
insert into time (
    start_time,
    hour,
    day,
    week,
    month,
    year,
    weekday
)
select
    t.start_time,
    date_part('hour', t.start_time),  -- date_part (double) is cheaper than extract (numeric)
    date_part('day', t.start_time),
    date_part('week', t.start_time),  -- ISO 8601 week
    date_part('month', t.start_time),
    date_part('year', t.start_time),
    date_part('isodow', t.start_time) - 1  -- 0 = Monday ... 6 = Sunday
"""

time_table_insert = f"""{time_rows_insert}from (
    select distinct e.start_time
    from stage_events as e
    order by e.start_time  -- ascending keys: the index appends instead of splitting pages
) as t
on conflict (start_time) do nothing
"""

# A bulk load's time rows: the same rows, for a table without its key (bulk_merge_queries).
# With no arbiter index there is no on conflict: the anti-join leaves out the times already
# there, which costs far less than a speculative insertion per row.
time_table_bulk_insert = f"""{time_rows_insert}from (
    select distinct e.start_time
    from stage_events as e
) as t
where not exists (
    select
    from time as x
    where x.start_time = t.start_time
)
"""

# Latest play wins: within this load and across loads (through last_played_at) by ts, so that
# a file of older events loaded later never overwrites a newer level. Between plays of the same
# ts, the greater (level, first_name, last_name, gender) wins: a rule of the rows alone, so the
# same in every order of files and loads. The latest ts per user comes from a hash aggregate:
# far cheaper than sorting every play.
user_table_insert = """
insert into users (
    user_id,
    first_name,
    last_name,
    gender,
    level,
    last_played_at
)
select distinct on (e.user_id)
    e.user_id,
    e.first_name,
    e.last_name,
    e.gender,
    e.level,
    e.start_time
from stage_events as e
inner join (
    select
        s.user_id,
        max(s.ts) as ts
    from stage_events as s
    group by s.user_id
) as latest
    on latest.user_id = e.user_id
    and latest.ts = e.ts
order by
    e.user_id,
    e.level desc,
    coalesce(e.first_name, '') desc,  -- empty text is stored as null: '' stands for it alone
    coalesce(e.last_name, '') desc,
    coalesce(e.gender, '') desc
on conflict (user_id) do update set
    first_name = excluded.first_name,
    last_name = excluded.last_name,
    gender = excluded.gender,
    level = excluded.level,
    last_played_at = excluded.last_played_at
where (
    users.last_played_at,
    users.level,
    coalesce(users.first_name, ''),
    coalesce(users.last_name, ''),
    coalesce(users.gender, '')
) <= (
    excluded.last_played_at,
    excluded.level,
    coalesce(excluded.first_name, ''),
    coalesce(excluded.last_name, ''),
    coalesce(excluded.gender, '')
)
"""

# A play matches the song whose title, artist name and duration equal the event's song, artist
# and length exactly (song_match). Big loads hash-join the songs; small ones use the index.
# Both songplays merges below use it.
songplay_rows_insert = (
    """
insert into songplays (
    start_time,
    user_id,
    level,
    song_id,
    artist_id,
    session_id,
    item_in_session,
    location,
    user_agent,
    song_title,
    artist_name,
    song_length
)
select {distinct}
    e.start_time,
    e.user_id,
    e.level,
    m.song_id,
    m.artist_id,
    e.session_id,
    e.item_in_session,
    e.location,
    e.user_agent,
    e.song,
    e.artist,
    e.length
from stage_events as e
left join ("""
    + song_match
    + """) as m
    on m.title = e.song
    and m.duration = e.length
    and m.artist_name = e.artist
"""
)

# A play is one event. Where two events share a play's key (user, session, item) with other
# content, the greater content wins, compared in this order, in a load and across loads alike.
play_content = """(
    {p}.start_time,
    {p}.level,
    coalesce({p}.{song}, ''),
    coalesce({p}.{artist}, ''),
    coalesce({p}.{length}, '-infinity'),
    coalesce({p}.location, ''),
    coalesce({p}.user_agent, '')
)"""
staged_play_content = play_content.format(p="e", song="song", artist="artist", length="length")


def played_content(table: str) -> str:
    """The content order of a play of songplays (or of its excluded row), as play_content."""
    return play_content.format(
        p=table, song="song_title", artist="artist_name", length="song_length"
    )


# On conflict, a play staged twice is inserted once, the winner of play_content. Rows come in
# natural-key order: the unique index appends instead of splitting pages.
songplay_table_insert = (
    songplay_rows_insert.format(distinct="distinct on (e.user_id, e.session_id, e.item_in_session)")
    + f"""order by
    e.user_id,
    e.session_id,
    e.item_in_session,
    {staged_play_content} desc
on conflict (user_id, session_id, item_in_session) do update set
    start_time = excluded.start_time,
    level = excluded.level,
    song_id = excluded.song_id,
    artist_id = excluded.artist_id,
    location = excluded.location,
    user_agent = excluded.user_agent,
    song_title = excluded.song_title,
    artist_name = excluded.artist_name,
    song_length = excluded.song_length
where {played_content("songplays")} < {played_content("excluded")}
"""
)

# A bulk load's plays, into an empty songplays without its keys (bulk_merge_queries), in
# staging order: a play staged twice makes building the unique key back fail, and the load
# then merges with songplay_table_insert.
songplay_table_bulk_insert = songplay_rows_insert.format(distinct="")

file_table_upsert = """
insert into etl_files (
    path,
    size,
    sha256,
    lines,
    rows_loaded,
    rejected,
    skipped,
    run_id,
    loaded_at,
    mtime_ns,
    checked_at
)
select
    f.path,
    f.size,
    f.sha256,
    f.lines,
    f.rows_loaded,
    f.rejected,
    f.skipped,
    %(run_id)s,
    now(),
    f.mtime_ns,
    now()
from stage_files as f
on conflict (path) do update set
    size = excluded.size,
    sha256 = excluded.sha256,
    lines = excluded.lines,
    rows_loaded = excluded.rows_loaded,
    rejected = excluded.rejected,
    skipped = excluded.skipped,
    run_id = excluded.run_id,
    loaded_at = excluded.loaded_at,
    mtime_ns = excluded.mtime_ns,
    checked_at = excluded.checked_at
"""

# Files hashed and found unchanged keep their rows; their new modification time is recorded,
# so that the next load passes them over without hashing them again (a copied or touched
# data folder would otherwise be hashed by every load).
checked_file_update = """
update etl_files as f
set
    mtime_ns = c.mtime_ns,
    checked_at = now()
from stage_checked as c
where f.path = c.path
"""

# A bulk merge runs inside a savepoint: if rebuilding a key fails, the load goes on without it.
bulk_merge_savepoint = "savepoint bulk_merge"
bulk_merge_rollback = "rollback to savepoint bulk_merge"
bulk_merge_release = "release savepoint bulk_merge"

# Whether songplays is empty, so that a load can fill it in bulk (bulk_merge_queries).
# (select 1, not an empty select list: Citus fails on that over a distributed table, "a column
# definition list is required for functions returning record".)
songplay_bulk_load = """
select not exists (
    select 1
    from songplays
)
"""


# The late match's temporary tables, made by every load: later steps read them, empty when the
# load staged no song (its song merges are then passed over, analyze and all).
late_match_stage_queries = [song_key_stage_create, rematched_play_stage_create]
citus_late_match_stage_queries = [song_key_stage_create]
song_merge_queries = [
    song_key_old_insert,
    artist_table_insert,
    song_table_insert,
    song_key_new_insert,
    song_tables_analyze,
    songplay_song_rematch_recorded,
]
# On Citus, without the analyze: after the merges wrote the coordinator's placements of the
# reference tables (local execution), an analyze, which Citus sends to every placement, fails
# in the same transaction. Each node's autovacuum analyzes its placements instead. Nor is the
# late match recorded there: Citus loads rebuild the summaries whole (load.py), and a data-
# modifying CTE over the distributed songplays is not among the statements known to run there.
citus_song_merge_queries = [
    song_key_old_insert,
    artist_table_insert,
    song_table_insert,
    song_key_new_insert,
    songplay_song_rematch,
]
event_merge_queries = [time_table_insert, user_table_insert, songplay_table_insert]
# A bulk load into a single server: foreign keys, keys and insert counters off, plain inserts,
# keys rebuilt and the rows counted.
bulk_merge_queries = [
    *songplay_foreign_keys_drop,
    *songplay_keys_drop,
    songplay_played_song_index_drop,
    time_key_drop,
    *row_count_bulk_off_queries,
    time_table_bulk_insert,
    user_table_insert,
    songplay_table_bulk_insert,
    *row_count_bulk_on_queries,
    time_key_create,
    *songplay_keys_create,
    songplay_played_song_index_create,
    *songplay_foreign_keys_create,
]
# A bulk load that keeps the keys (on Citus, which cannot run the bulk inserts' anti-joins, or
# after a bulk merge undone because a play is staged twice): the foreign keys off for the
# on-conflict merges, then back on in one validating pass.
keyed_bulk_merge_queries = [
    *songplay_foreign_keys_drop,
    *event_merge_queries,
    *songplay_foreign_keys_create,
]
