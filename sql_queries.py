"""Every SQL statement of the project, as named constants grouped by table.

Times: the logs give `ts` in milliseconds since the Unix epoch, UTC. The tables store
`timestamp` (without time zone) values in UTC, keeping the milliseconds.
"""

from psycopg2 import sql

# DATABASE

database_exists = """
select 1
from pg_database
where datname = %s
"""

database_create = sql.SQL("create database {}")

schema_loaded = """
select to_regclass('songplays') is not null
    and to_regclass('etl_files') is not null
"""

# DROP TABLES (children before parents)

file_table_drop = "drop table if exists etl_files"
reject_table_drop = "drop table if exists etl_rejects"
songplay_table_drop = "drop table if exists songplays"
user_table_drop = "drop table if exists users"
song_table_drop = "drop table if exists songs"
artist_table_drop = "drop table if exists artists"
time_table_drop = "drop table if exists time"

# CREATE TABLES (parents before children)

artist_table_create = """
create table artists (
    artist_id text primary key,
    name      text not null,
    location  text,              -- null: unknown (empty in the source)
    latitude  double precision,
    longitude double precision
)
"""

song_table_create = """
create table songs (
    song_id   text primary key,
    title     text not null,
    artist_id text not null references artists (artist_id),
    year      integer,           -- null: unknown (0 in the source)
    duration  numeric not null   -- seconds, exactly as in the JSON: plays match on it
)
"""

# The song match looks songs up by title and duration, then checks the artist's name.
song_match_index_create = """
create index songs_title_duration_idx on songs (title, duration)
"""

time_table_create = """
create table time (
    start_time timestamp primary key,  -- UTC, millisecond precision
    hour       smallint not null,
    day        smallint not null,
    week       smallint not null,      -- ISO 8601 week
    month      smallint not null,
    year       smallint not null,
    weekday    smallint not null       -- 0 = Monday ... 6 = Sunday
)
"""

user_table_create = """
create table users (
    user_id        integer primary key,
    first_name     text,
    last_name      text,
    gender         text,
    level          text not null,      -- the level of the user's latest play
    last_played_at timestamp not null  -- when that latest play started: later loads compare it
)
"""

# Every unique key holds user_id, the column songplays is distributed by on Citus. The foreign
# keys come after the table (songplay_foreign_keys_create): Citus needs it distributed first.
songplay_table_create = """
create table songplays (
    songplay_id     bigint generated always as identity,
    start_time      timestamp not null,
    user_id         integer not null,
    level           text not null,
    song_id         text,
    artist_id       text,
    session_id      integer not null,
    item_in_session integer not null,
    location        text,
    user_agent      text,
    primary key (songplay_id, user_id),
    unique (user_id, session_id, item_in_session)
)
"""

songplay_foreign_keys_create = """
alter table songplays
    add constraint songplays_start_time_fkey foreign key (start_time) references time (start_time),
    add constraint songplays_user_id_fkey foreign key (user_id) references users (user_id),
    add constraint songplays_song_id_fkey foreign key (song_id) references songs (song_id),
    add constraint songplays_artist_id_fkey foreign key (artist_id) references artists (artist_id)
"""

# A bulk load drops the keys and adds them back after the merge: one validating join is far
# cheaper than a trigger lookup per inserted row (pg_restore does the same).
songplay_foreign_keys_drop = """
alter table songplays
    drop constraint songplays_start_time_fkey,
    drop constraint songplays_user_id_fkey,
    drop constraint songplays_song_id_fkey,
    drop constraint songplays_artist_id_fkey
"""

# DISTRIBUTED (Citus): songplays sharded by user_id; the dimensions copied to every node.
# time is a reference table too, though it grows with the plays: that keeps the foreign key
# from songplays and makes every join with it local to a shard (see README, Scaling out).

citus_available = """
select count(*) > 0
from pg_available_extensions
where name = 'citus'
"""

citus_extension_create = "create extension if not exists citus"

reference_table_create = "select create_reference_table(%s)"

songplay_table_distribute = "select create_distributed_table('songplays', 'user_id')"

reference_tables = ["artists", "songs", "users", "time"]

# LOADER BOOKKEEPING

# The manifest: one row per file loaded, so that re-runs read only new or changed files.
file_table_create = """
create table etl_files (
    path        text primary key,
    size        bigint not null,       -- bytes
    sha256      text not null,         -- of the content: a changed file is read again
    lines       integer not null,      -- = rows_loaded + rejected + skipped
    rows_loaded integer not null,
    rejected    integer not null,
    skipped     integer not null,      -- blank lines and events that are not song plays
    run_id      text not null,
    loaded_at   timestamptz not null
)
"""

# Records a load refused, one row each, so that nothing is dropped silently.
reject_table_create = """
create table etl_rejects (
    reject_id   bigint generated always as identity primary key,
    run_id      text not null,
    rejected_at timestamptz not null default now(),
    file        text not null,
    line        integer,               -- 1-based; null when the whole file is refused
    reason      text not null,
    raw         text                   -- the record as read, cut to 2,000 characters
)
"""

# Room for the merges' sorts and hashes, for this transaction only (the default 4MB spills).
load_work_mem_set = "set local work_mem = '256MB'"

# A load whose client died (killed, lost network) stops within a second instead of running
# its statement to the end while holding the load lock.
load_connection_check_set = "set local client_connection_check_interval = '1s'"

# One load at a time per database: a second run waits for the first to commit.
load_lock_try = """
select pg_try_advisory_xact_lock(hashtext('sparkify.etl'))
"""

load_lock_wait = """
select pg_advisory_xact_lock(hashtext('sparkify.etl'))
"""

file_manifest_select = """
select
    path,
    size,
    sha256
from etl_files
"""

reject_copy = """
copy etl_rejects (
    run_id,
    file,
    line,
    reason,
    raw
) from stdin with (format csv)
"""

# STAGING (temporary: one load's parsed rows, gone at commit)

song_stage_create = """
create temporary table stage_songs (
    file             text not null,
    song_id          text,
    title            text,
    artist_id        text,
    year             integer,
    duration         numeric,
    artist_name      text,
    artist_location  text,
    artist_latitude  double precision,
    artist_longitude double precision
) on commit drop
"""

song_stage_copy = """
copy stage_songs (
    file,
    song_id,
    title,
    artist_id,
    year,
    duration,
    artist_name,
    artist_location,
    artist_latitude,
    artist_longitude
) from stdin with (format csv)
"""

event_stage_create = """
create temporary table stage_events (
    ts              bigint not null,   -- ms since the epoch, UTC
    user_id         integer not null,
    first_name      text,
    last_name       text,
    gender          text,
    level           text not null,
    song            text,
    artist          text,
    length          numeric,
    session_id      integer not null,
    item_in_session integer not null,
    location        text,
    user_agent      text,
    start_time      timestamp generated always as (
        timestamp 'epoch' + ts * interval '1 millisecond'
    ) stored
) on commit drop
"""

event_stage_copy = """
copy stage_events (
    ts,
    user_id,
    first_name,
    last_name,
    gender,
    level,
    song,
    artist,
    length,
    session_id,
    item_in_session,
    location,
    user_agent
) from stdin with (format csv)
"""

# Temporary tables have no statistics until analyzed; the merges' plans need them.
event_stage_analyze = "analyze stage_events"

file_stage_create = """
create temporary table stage_files (
    path        text not null,
    size        bigint not null,
    sha256      text not null,
    lines       integer not null,
    rows_loaded integer not null,
    rejected    integer not null,
    skipped     integer not null
) on commit drop
"""

file_stage_copy = """
copy stage_files (
    path,
    size,
    sha256,
    lines,
    rows_loaded,
    rejected,
    skipped
) from stdin with (format csv)
"""

# MERGES (one set-based statement per table, from staging)

# Several songs may name the same artist: the file that sorts last speaks for it.
artist_table_insert = """
insert into artists (
    artist_id,
    name,
    location,
    latitude,
    longitude
)
select distinct on (s.artist_id)
    s.artist_id,
    s.artist_name,
    s.artist_location,
    s.artist_latitude,
    s.artist_longitude
from stage_songs as s
order by s.artist_id, s.file desc
on conflict (artist_id) do update set
    name = excluded.name,
    location = excluded.location,
    latitude = excluded.latitude,
    longitude = excluded.longitude
"""

song_table_insert = """
insert into songs (
    song_id,
    title,
    artist_id,
    year,
    duration
)
select distinct on (s.song_id)
    s.song_id,
    s.title,
    s.artist_id,
    s.year,
    s.duration
from stage_songs as s
order by s.song_id, s.file desc
on conflict (song_id) do update set
    title = excluded.title,
    artist_id = excluded.artist_id,
    year = excluded.year,
    duration = excluded.duration
"""

time_table_insert = """
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
from (
    select distinct e.start_time
    from stage_events as e
    order by e.start_time  -- ascending keys: the index appends instead of splitting pages
) as t
on conflict (start_time) do nothing
"""

# Latest play wins: within this load by ts, and across loads through last_played_at,
# so files of older events loaded later never overwrite a newer level.
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
order by e.user_id, e.ts desc, e.item_in_session desc
on conflict (user_id) do update set
    first_name = excluded.first_name,
    last_name = excluded.last_name,
    gender = excluded.gender,
    level = excluded.level,
    last_played_at = excluded.last_played_at
where users.last_played_at <= excluded.last_played_at
"""

# A play matches the song whose title, artist name and duration equal the event's song, artist
# and length exactly. Rows come in natural-key order, lowest song_id first, and on conflict
# keeps the first: a play that matches several songs takes the lowest song_id, and a play
# staged twice is inserted once. Big loads hash-join the songs; small ones use the index.
songplay_table_insert = """
insert into songplays (
    start_time,
    user_id,
    level,
    song_id,
    artist_id,
    session_id,
    item_in_session,
    location,
    user_agent
)
select
    e.start_time,
    e.user_id,
    e.level,
    m.song_id,
    m.artist_id,
    e.session_id,
    e.item_in_session,
    e.location,
    e.user_agent
from stage_events as e
left join (
    select
        s.song_id,
        s.artist_id,
        s.title,
        s.duration,
        a.name as artist_name
    from songs as s
    inner join artists as a
        on a.artist_id = s.artist_id
) as m
    on m.title = e.song
    and m.duration = e.length
    and m.artist_name = e.artist
order by e.user_id, e.session_id, e.item_in_session, m.song_id  -- ascending keys: see time
on conflict (user_id, session_id, item_in_session) do nothing
"""

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
    loaded_at
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
    loaded_at = excluded.loaded_at
"""

# Whether songplays holds no more rows than a load stages (counting no further than that).
songplay_bulk_load = """
select count(*) <= %(staged)s
from (
    select 1
    from songplays
    limit %(staged)s + 1
) as existing
"""

# SUMMARY

table_row_count = sql.SQL("select count(*) from {}")

songplay_matched_count = """
select count(*)
from songplays
where song_id is not null
"""

# QUERY LISTS

create_table_queries = [
    file_table_create,
    reject_table_create,
    artist_table_create,
    song_table_create,
    song_match_index_create,
    time_table_create,
    user_table_create,
    songplay_table_create,
]
drop_table_queries = [
    file_table_drop,
    reject_table_drop,
    songplay_table_drop,
    user_table_drop,
    song_table_drop,
    artist_table_drop,
    time_table_drop,
]
load_settings_queries = [load_work_mem_set, load_connection_check_set]
stage_table_queries = [song_stage_create, event_stage_create, file_stage_create]
song_merge_queries = [artist_table_insert, song_table_insert]
event_merge_queries = [time_table_insert, user_table_insert, songplay_table_insert]
star_tables = ["songplays", "users", "songs", "artists", "time"]
