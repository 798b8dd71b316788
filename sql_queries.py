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
    start_time timestamp not null,     -- UTC, millisecond precision; the key: time_key_create
    hour       smallint not null,
    day        smallint not null,
    week       smallint not null,      -- ISO 8601 week
    month      smallint not null,
    year       smallint not null,
    weekday    smallint not null       -- 0 = Monday ... 6 = Sunday
)
"""

# The keys of time and songplays are added after their tables, so that a bulk load can drop
# them and build them back in one pass each (see bulk_merge_queries) from this one definition.
time_key_create = """
alter table time
    add constraint time_pkey primary key (start_time)
"""

time_key_drop = """
alter table time
    drop constraint time_pkey
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

# Every unique key holds user_id, the column songplays is distributed by on Citus (see
# songplay_keys_create). The foreign keys come after the table (songplay_foreign_keys_create):
# Citus needs it distributed first.
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
    user_agent      text
)
"""

songplay_keys_create = """
alter table songplays
    add constraint songplays_pkey primary key (songplay_id, user_id),
    add constraint songplays_play_key unique (user_id, session_id, item_in_session)
"""

songplay_keys_drop = """
alter table songplays
    drop constraint songplays_pkey,
    drop constraint songplays_play_key
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

# Whether this database uses Citus: its loads keep to the statements known to run there.
citus_installed = """
select count(*) > 0
from pg_extension
where extname = 'citus'
"""

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
) from stdin with (null '')  -- text format: see sparkify/copytext.py
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
) from stdin with (null '')  -- text format: see sparkify/copytext.py
"""

# Temporary tables have no statistics until analyzed; the merges' plans need them, for the
# columns they join and group on. Row counts and rough distinct counts are enough, not fine
# histograms: a tenth of the default sample makes the analyze ten times faster. (Set after the
# songs are analyzed: their statistics stay, for the analysts' queries.)
event_stage_statistics_set = "set local default_statistics_target = 10"

event_stage_analyze = """
analyze stage_events (ts, start_time, user_id, session_id, item_in_session, song, artist, length)
"""

# Fresh statistics of the songs just merged let the song match hash-join a big load (25 % faster
# at 1M plays than the merge join that stale estimates choose) and index-probe a small one.
song_tables_analyze = "analyze songs, artists"

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
) from stdin with (null '')  -- text format: see sparkify/copytext.py
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

time_table_insert = (
    time_rows_insert
    + """from (
    select distinct e.start_time
    from stage_events as e
    order by e.start_time  -- ascending keys: the index appends instead of splitting pages
) as t
on conflict (start_time) do nothing
"""
)

# A bulk load's time rows: the same rows, for a table without its key (bulk_merge_queries).
# With no arbiter index there is no on conflict: the anti-join leaves out the times already
# there, which costs far less than a speculative insertion per row.
time_table_bulk_insert = (
    time_rows_insert
    + """from (
    select distinct e.start_time
    from stage_events as e
) as t
where not exists (
    select
    from time as x
    where x.start_time = t.start_time
)
"""
)

# Latest play wins: within this load by ts (then item_in_session), and across loads through
# last_played_at, so that a file of older events loaded later never overwrites a newer level.
# The latest ts per user comes from a hash aggregate: far cheaper than sorting every play.
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
order by e.user_id, e.item_in_session desc
on conflict (user_id) do update set
    first_name = excluded.first_name,
    last_name = excluded.last_name,
    gender = excluded.gender,
    level = excluded.level,
    last_played_at = excluded.last_played_at
where users.last_played_at <= excluded.last_played_at
"""

# A play matches the song whose title, artist name and duration equal the event's song, artist
# and length exactly; of several such songs, the one with the lowest song_id. Big loads
# hash-join the songs; small ones use the index. Both songplays merges below use it.
songplay_rows_insert = """
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
) as m
    on m.title = e.song
    and m.duration = e.length
    and m.artist_name = e.artist
"""

# On conflict, a play staged twice is inserted once. Rows come in natural-key order: the unique
# index appends instead of splitting pages.
songplay_table_insert = (
    songplay_rows_insert
    + """order by e.user_id, e.session_id, e.item_in_session
on conflict (user_id, session_id, item_in_session) do nothing
"""
)

# A bulk load's plays: the same rows, for a table without its keys (bulk_merge_queries), in
# staging order. The anti-join leaves out plays already there; a play staged twice makes
# building the unique key back fail, and the load then merges with songplay_table_insert.
songplay_table_bulk_insert = (
    songplay_rows_insert
    + """where not exists (
    select
    from songplays as p
    where p.user_id = e.user_id
        and p.session_id = e.session_id
        and p.item_in_session = e.item_in_session
)
"""
)

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

# A bulk merge runs inside a savepoint: if rebuilding a key fails, the load goes on without it.
bulk_merge_savepoint = "savepoint bulk_merge"
bulk_merge_rollback = "rollback to savepoint bulk_merge"
bulk_merge_release = "release savepoint bulk_merge"

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
    time_key_create,
    user_table_create,
    songplay_table_create,
    songplay_keys_create,
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
song_merge_queries = [artist_table_insert, song_table_insert, song_tables_analyze]
event_stage_analyze_queries = [event_stage_statistics_set, event_stage_analyze]
event_merge_queries = [time_table_insert, user_table_insert, songplay_table_insert]
# A bulk load into a single server: foreign keys and keys off, plain inserts, keys rebuilt.
bulk_merge_queries = [
    songplay_foreign_keys_drop,
    songplay_keys_drop,
    time_key_drop,
    time_table_bulk_insert,
    user_table_insert,
    songplay_table_bulk_insert,
    time_key_create,
    songplay_keys_create,
    songplay_foreign_keys_create,
]
star_tables = ["songplays", "users", "songs", "artists", "time"]

# DATA CHECKS (each returns the rows that break its rule: no rows means the check passes)

# Keys: a group of more than one row is a duplicate; the group of nulls is a missing key.
# songplay_id alone: the primary key also holds user_id (for Citus), so it does not enforce this.
check_songplay_id_unique = """
select
    sp.songplay_id,
    count(*) as rows
from songplays as sp
group by sp.songplay_id
having count(*) > 1
    or sp.songplay_id is null
"""

check_songplay_natural_key_unique = """
select
    sp.user_id,
    sp.session_id,
    sp.item_in_session,
    count(*) as rows
from songplays as sp
group by
    sp.user_id,
    sp.session_id,
    sp.item_in_session
having count(*) > 1
    or sp.user_id is null
    or sp.session_id is null
    or sp.item_in_session is null
"""

check_user_id_unique = """
select
    u.user_id,
    count(*) as rows
from users as u
group by u.user_id
having count(*) > 1
    or u.user_id is null
"""

check_song_id_unique = """
select
    s.song_id,
    count(*) as rows
from songs as s
group by s.song_id
having count(*) > 1
    or s.song_id is null
"""

check_artist_id_unique = """
select
    a.artist_id,
    count(*) as rows
from artists as a
group by a.artist_id
having count(*) > 1
    or a.artist_id is null
"""

check_time_start_time_unique = """
select
    t.start_time,
    count(*) as rows
from time as t
group by t.start_time
having count(*) > 1
    or t.start_time is null
"""

# Orphans: a null key joins nothing, so these also catch a missing user or start_time.
check_songplay_user_exists = """
select
    sp.songplay_id,
    sp.user_id
from songplays as sp
left join users as u
    on u.user_id = sp.user_id
where u.user_id is null
"""

check_songplay_time_exists = """
select
    sp.songplay_id,
    sp.start_time
from songplays as sp
left join time as t
    on t.start_time = sp.start_time
where t.start_time is null
"""

# A null song_id is a play that matched no song: allowed.
check_songplay_song_exists = """
select
    sp.songplay_id,
    sp.song_id
from songplays as sp
left join songs as s
    on s.song_id = sp.song_id
where sp.song_id is not null
    and s.song_id is null
"""

check_songplay_artist_exists = """
select
    sp.songplay_id,
    sp.artist_id
from songplays as sp
left join artists as a
    on a.artist_id = sp.artist_id
where sp.artist_id is not null
    and a.artist_id is null
"""

# A matched play names its song's artist; an unmatched play names no artist.
check_songplay_artist_is_song_artist = """
select
    sp.songplay_id,
    sp.song_id,
    sp.artist_id,
    s.artist_id as song_artist_id
from songplays as sp
left join songs as s
    on s.song_id = sp.song_id
where (sp.song_id is null) <> (sp.artist_id is null)
    or s.artist_id <> sp.artist_id
"""

check_song_artist_exists = """
select
    s.song_id,
    s.artist_id
from songs as s
left join artists as a
    on a.artist_id = s.artist_id
where a.artist_id is null
"""

# Accepted values: the logs know two levels, spelled in lower case.
check_songplay_level_accepted = """
select
    sp.songplay_id,
    sp.level
from songplays as sp
where sp.level is null
    or sp.level not in ('free', 'paid')
"""

check_user_level_accepted = """
select
    u.user_id,
    u.level
from users as u
where u.level is null
    or u.level not in ('free', 'paid')
"""

# The time columns are parts of start_time: ISO week, weekday 0 = Monday.
check_time_parts_match_start_time = """
select
    t.start_time,
    t.hour,
    t.day,
    t.week,
    t.month,
    t.year,
    t.weekday
from time as t
where t.hour is distinct from extract(hour from t.start_time)
    or t.day is distinct from extract(day from t.start_time)
    or t.week is distinct from extract(week from t.start_time)
    or t.month is distinct from extract(month from t.start_time)
    or t.year is distinct from extract(year from t.start_time)
    or t.weekday is distinct from extract(isodow from t.start_time) - 1
"""

# Every data check by a name people read, in the order they are reported.
data_checks = {
    "songplay_id unique and not null": check_songplay_id_unique,
    "songplay natural key unique and not null": check_songplay_natural_key_unique,
    "user_id unique and not null": check_user_id_unique,
    "song_id unique and not null": check_song_id_unique,
    "artist_id unique and not null": check_artist_id_unique,
    "time start_time unique and not null": check_time_start_time_unique,
    "songplay user in users": check_songplay_user_exists,
    "songplay start_time in time": check_songplay_time_exists,
    "songplay song in songs": check_songplay_song_exists,
    "songplay artist in artists": check_songplay_artist_exists,
    "songplay artist is its song's artist": check_songplay_artist_is_song_artist,
    "song artist in artists": check_song_artist_exists,
    "songplay level free or paid": check_songplay_level_accepted,
    "user level free or paid": check_user_level_accepted,
    "time columns match start_time": check_time_parts_match_start_time,
}

# The checks run in one transaction that cannot write, whoever calls them.
checks_read_only = "set transaction read only"

# Any check, wrapped: how many rows break it, and the first few of them.
check_failure_count = sql.SQL("select count(*) from ({}) as failures")
check_failure_sample = sql.SQL("select * from ({}) as failures limit %s")

# INSIGHT (what the notebooks ask; times are UTC)

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

# Only plays matched to a song count: an unmatched play has no song_id.
top_songs = """
select
    s.title,
    a.name as artist,
    count(*) as plays,
    count(distinct sp.user_id) as listeners
from songplays as sp
inner join songs as s
    on s.song_id = sp.song_id
inner join artists as a
    on a.artist_id = s.artist_id
group by
    s.song_id,
    a.artist_id
order by
    plays desc,
    s.song_id
limit %(limit)s
"""

top_artists = """
select
    a.name as artist,
    count(*) as plays,
    count(distinct sp.user_id) as listeners
from songplays as sp
inner join artists as a
    on a.artist_id = sp.artist_id
group by a.artist_id
order by
    plays desc,
    a.artist_id
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

# The first rule that matches wins: iPhone and iPad agents also say "Mac OS X", and
# Android agents also say "Linux". No agent at all counts as other.
platform_mix = """
select
    p.platform,
    count(*) as plays,
    count(distinct p.user_id) as users
from (
    select
        sp.user_id,
        case
            when sp.user_agent ~ 'iPhone' then 'iPhone'
            when sp.user_agent ~ 'iPad' then 'iPad'
            when sp.user_agent ~ 'Android' then 'Android'
            when sp.user_agent ~ 'Windows' then 'Windows'
            when sp.user_agent ~ 'Macintosh|Mac OS X' then 'Mac'
            when sp.user_agent ~ 'Linux|X11' then 'Linux'
            else 'other'
        end as platform
    from songplays as sp
) as p
group by p.platform
order by
    plays desc,
    p.platform
"""

# WALKTHROUGH (etl.ipynb: the rows that one song file and one log file gave each table)

# The rows of any table whose column holds one of the values given as a list.
rows_with_values = sql.SQL("select * from {} where {} = any(%s) order by 1")

# The plays of the given natural keys, each with the song and artist it matched, if any.
# The three lists are parallel: the i-th user_id, session_id and item_in_session make a key.
songplays_with_match = """
select
    sp.songplay_id,
    sp.start_time,
    sp.user_id,
    sp.session_id,
    sp.item_in_session,
    sp.level,
    sp.song_id,
    s.title,
    sp.artist_id,
    a.name as artist_name
from unnest(
    %(user_ids)s::integer[],
    %(session_ids)s::integer[],
    %(items)s::integer[]
) as k (user_id, session_id, item_in_session)
inner join songplays as sp
    on sp.user_id = k.user_id
    and sp.session_id = k.session_id
    and sp.item_in_session = k.item_in_session
left join songs as s
    on s.song_id = sp.song_id
left join artists as a
    on a.artist_id = sp.artist_id
order by
    sp.start_time,
    sp.user_id,
    sp.item_in_session
"""
