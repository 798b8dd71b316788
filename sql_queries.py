"""Every SQL statement of the project, as named constants grouped by table.

Times: the logs give `ts` in milliseconds since the Unix epoch, UTC. The tables store
`timestamp` (without time zone) values in UTC, keeping the milliseconds.
"""

from psycopg2 import sql

from sparkify.staging import STAGE_EVENTS, STAGE_FILES, STAGE_SONGS

# DATABASE

database_exists = """
select 1
from pg_database
where datname = %s
"""

database_create = sql.SQL("create database {}")

# The walkthrough's scratch schema (etl.ipynb): dropped with all it holds.
schema_create = sql.SQL("create schema {}")
schema_drop = sql.SQL("drop schema if exists {} cascade")

schema_loaded = """
select to_regclass('songplays') is not null
    and to_regclass('etl_files') is not null
    and to_regclass('etl_runs') is not null
"""

# DROP TABLES (children before parents)

file_table_drop = "drop table if exists etl_files"
run_table_drop = "drop table if exists etl_runs"
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
    longitude double precision,
    source_file text not null  -- the song file it is from: where files disagree, the last wins
)
"""

song_table_create = """
create table songs (
    song_id   text primary key,
    title     text not null,
    artist_id text not null references artists (artist_id),
    year      integer,           -- null: unknown (0 in the source)
    duration  numeric not null,  -- seconds, exactly as in the JSON: plays match on it
    source_file text not null    -- the song file it is from: where files disagree, the last wins
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
    user_agent      text,
    song_title      text,              -- the song as played: the event's song, artist, length
    artist_name     text,
    song_length     numeric            -- seconds, exact, like songs.duration
)
"""

# Late songs: when a load adds or changes songs, the plays of their (title, length) are matched
# again (song_match_queries). The index keeps that in proportion to the songs, not the plays.
songplay_played_song_index_create = """
create index songplays_played_song_idx on songplays (song_title, song_length)
"""

songplay_played_song_index_drop = "drop index songplays_played_song_idx"

# One constraint per statement: Citus takes a single add constraint per alter table on a
# distributed table ("cannot execute ADD CONSTRAINT command with other subcommands"). On one
# server it costs nothing: each key's index and each foreign key's check is its own pass anyway.
songplay_keys = {
    "songplays_pkey": "primary key (songplay_id, user_id)",
    "songplays_play_key": "unique (user_id, session_id, item_in_session)",
}

# A bulk load drops the foreign keys and adds them back after the merge: one validating join is
# far cheaper than a trigger lookup per inserted row (pg_restore does the same).
songplay_foreign_keys = {
    "songplays_start_time_fkey": "foreign key (start_time) references time (start_time)",
    "songplays_user_id_fkey": "foreign key (user_id) references users (user_id)",
    "songplays_song_id_fkey": "foreign key (song_id) references songs (song_id)",
    "songplays_artist_id_fkey": "foreign key (artist_id) references artists (artist_id)",
}

songplay_keys_create = [
    f"alter table songplays add constraint {name} {rule}" for name, rule in songplay_keys.items()
]
songplay_keys_drop = [f"alter table songplays drop constraint {name}" for name in songplay_keys]
songplay_foreign_keys_create = [
    f"alter table songplays add constraint {name} {rule}"
    for name, rule in songplay_foreign_keys.items()
]
songplay_foreign_keys_drop = [
    f"alter table songplays drop constraint {name}" for name in songplay_foreign_keys
]

# DISTRIBUTED (Citus): songplays sharded by user_id; the dimensions copied to every node.
# time is a reference table too, though it grows with the plays: that keeps the foreign key
# from songplays and makes every join with it local to a shard (see README, Scaling out).

citus_available = """
select count(*) > 0
from pg_available_extensions
where name = 'citus'
"""

# pg_available_extensions lists citus wherever it is installed, but only a server that preloads
# it can create the extension.
citus_preloaded = """
select 'citus' = any(
    string_to_array(replace(current_setting('shared_preload_libraries'), ' ', ''), ',')
)
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

# The nodes that hold songplays' shards, as host:port, and how many shards.
songplay_shard_placements = """
select
    count(distinct p.shardid) as shards,
    count(distinct n.nodeid) as nodes,
    string_agg(distinct n.nodename || ':' || n.nodeport, ', ') as node_names
from pg_dist_shard as s
inner join pg_dist_placement as p
    on p.shardid = s.shardid
inner join pg_dist_node as n
    on n.groupid = p.groupid
where s.logicalrelid = 'songplays'::regclass
"""

# Citus keeps its nodes per database: one made by create database knows no workers.
citus_worker_count = """
select count(*)
from citus_get_active_worker_nodes()
"""

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

# The run history: one row per run of etl.py. A committed run's row commits with its data; a
# run that failed or was interrupted gets its row after the rollback, in a transaction of its own.
run_table_create = """
create table etl_runs (
    run_id          text primary key,
    started_at      timestamptz not null,
    ended_at        timestamptz not null,
    outcome         text not null check (outcome in ('committed', 'rolled back', 'interrupted')),
    reason          text,              -- why it did not commit: the error line etl.py printed
    files_read      integer,           -- the counts are null for a run that did not commit
    files_unchanged integer,           -- files the manifest holds unchanged: not read again
    rejected        integer,           -- records (or whole files) refused, in etl_rejects
    songplays_added bigint,
    users_added     bigint,
    songs_added     bigint,
    artists_added   bigint,
    time_added      bigint,
    matched_plays   bigint             -- plays matched to a song once the run committed
)
"""

run_committed_insert = """
insert into etl_runs (
    run_id,
    started_at,
    ended_at,
    outcome,
    files_read,
    files_unchanged,
    rejected,
    songplays_added,
    users_added,
    songs_added,
    artists_added,
    time_added,
    matched_plays
)
values (
    %(run_id)s,
    %(started_at)s,
    clock_timestamp(),
    'committed',
    %(files_read)s,
    %(files_unchanged)s,
    %(rejected)s,
    %(songplays_added)s,
    %(users_added)s,
    %(songs_added)s,
    %(artists_added)s,
    %(time_added)s,
    %(matched_plays)s
)
"""

run_failed_insert = """
insert into etl_runs (
    run_id,
    started_at,
    ended_at,
    outcome,
    reason
)
values (
    %(run_id)s,
    %(started_at)s,
    clock_timestamp(),
    %(outcome)s,
    %(reason)s
)
"""

# Room for the merges' sorts and hashes, for this transaction only (the default 4MB spills).
load_work_mem_set = "set local work_mem = '256MB'"

# A load whose client died (killed, lost network) stops within a second instead of running
# its statement to the end while holding the load lock.
load_connection_check_set = "set local client_connection_check_interval = '1s'"

# On Citus, one connection per node from the start: once the load modifies the reference tables
# that songplays references, Citus runs the transaction's multi-shard commands so anyway, and a
# parallel read before that (the row counts) makes the modification fail ("cannot modify table
# artists because there was a parallel operation on a distributed table").
citus_sequential_mode_set = "set local citus.multi_shard_modify_mode to 'sequential'"

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

song_stage_create = STAGE_SONGS.create()
song_stage_copy = STAGE_SONGS.copy()
event_stage_create = STAGE_EVENTS.create()
event_stage_copy = STAGE_EVENTS.copy()

# Temporary tables have no statistics until analyzed; the merges' plans need them, for the
# columns they join and group on. Row counts and rough distinct counts are enough, not fine
# histograms: a tenth of the default sample makes the analyze ten times faster. (Set after the
# songs are analyzed: their statistics stay, for the analysts' queries.)
event_stage_statistics_set = "set local default_statistics_target = 10"

event_stage_analyze = """
analyze stage_events (ts, start_time, user_id, session_id, item_in_session, song, artist, length)
"""

# Fresh statistics of the songs just merged let the song match hash-join a big load (25 % faster
# at 1M plays than the merge join that stale estimates choose) and index-probe a small one; those
# of the song keys let the late match probe the played-song index for a few songs.
song_tables_analyze = "analyze songs, artists, stage_song_keys"

file_stage_create = STAGE_FILES.create()
file_stage_copy = STAGE_FILES.copy()

# MERGES (one set-based statement per table, from staging)

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

# Every play of those keys gets the song it matches now, or none; only changed rows are written.
songplay_song_rematch = (
    """
update songplays as sp
set
    song_id = r.song_id,
    artist_id = r.artist_id
from (
    select
        p.songplay_id,
        p.user_id,
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
    left join ("""
    + song_match
    + """) as m
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
)

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

# Whether songplays is empty, so that a load can fill it in bulk (bulk_merge_queries).
# (select 1, not an empty select list: Citus fails on that over a distributed table, "a column
# definition list is required for functions returning record".)
songplay_bulk_load = """
select not exists (
    select 1
    from songplays
)
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
    run_table_create,
    artist_table_create,
    song_table_create,
    song_match_index_create,
    time_table_create,
    time_key_create,
    user_table_create,
    songplay_table_create,
    *songplay_keys_create,
    songplay_played_song_index_create,
]
drop_table_queries = [
    file_table_drop,
    reject_table_drop,
    run_table_drop,
    songplay_table_drop,
    user_table_drop,
    song_table_drop,
    artist_table_drop,
    time_table_drop,
]
load_settings_queries = [load_work_mem_set, load_connection_check_set]
citus_load_settings_queries = [*load_settings_queries, citus_sequential_mode_set]
stage_table_queries = [song_stage_create, event_stage_create, file_stage_create]
song_merge_queries = [
    song_key_stage_create,
    song_key_old_insert,
    artist_table_insert,
    song_table_insert,
    song_key_new_insert,
    song_tables_analyze,
    songplay_song_rematch,
]
# On Citus, without the analyze: after the merges wrote the coordinator's placements of the
# reference tables (local execution), an analyze, which Citus sends to every placement, fails
# in the same transaction. Each node's autovacuum analyzes its placements instead.
citus_song_merge_queries = [s for s in song_merge_queries if s != song_tables_analyze]
event_stage_analyze_queries = [event_stage_statistics_set, event_stage_analyze]
event_merge_queries = [time_table_insert, user_table_insert, songplay_table_insert]
# A bulk load into a single server: foreign keys and keys off, plain inserts, keys rebuilt.
bulk_merge_queries = [
    *songplay_foreign_keys_drop,
    *songplay_keys_drop,
    songplay_played_song_index_drop,
    time_key_drop,
    time_table_bulk_insert,
    user_table_insert,
    songplay_table_bulk_insert,
    time_key_create,
    *songplay_keys_create,
    songplay_played_song_index_create,
    *songplay_foreign_keys_create,
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

# A matched play's played song is its song: same title, artist name and duration.
check_songplay_played_song_is_its_song = """
select
    sp.songplay_id,
    sp.song_id,
    sp.song_title,
    sp.artist_name,
    sp.song_length
from songplays as sp
inner join songs as s
    on s.song_id = sp.song_id
inner join artists as a
    on a.artist_id = s.artist_id
where sp.song_title is distinct from s.title
    or sp.artist_name is distinct from a.name
    or sp.song_length is distinct from s.duration
"""

# An unmatched play whose played song is a known song is a missed (late) match.
check_songplay_unmatched_has_no_song = """
select
    sp.songplay_id,
    sp.song_title,
    sp.artist_name,
    sp.song_length,
    s.song_id
from songplays as sp
inner join songs as s
    on s.title = sp.song_title
    and s.duration = sp.song_length
inner join artists as a
    on a.artist_id = s.artist_id
    and a.name = sp.artist_name
where sp.song_id is null
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
    "songplay played song is its song": check_songplay_played_song_is_its_song,
    "songplay unmatched only where no song matches": check_songplay_unmatched_has_no_song,
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

# DASHBOARD (dashboard.py reads these, read-only; the summaries below are kept by the loader)

# SUMMARIES: songplays summed for the dashboard, so that it sums thousands of rows where
# songplays holds millions. Each load that stages anything rebuilds them from songplays, in
# its own transaction: whatever a merge changed (a play moved by a later event, plays matched
# by late songs, a user's gender), the summaries equal songplays when the load commits. They
# are emptied by delete, not truncate, so that the dashboard reads the last load meanwhile.

# The plays by day, hour, user, level, location and user agent: a few rows per user and day.
# Every number and chart but the songs and artists is a sum over it (gender through users).
hourly_play_table_create = """
create table if not exists hourly_plays (
    day        date not null,      -- UTC, as start_time
    hour       smallint not null,  -- 0 ... 23, UTC
    user_id    integer not null,
    level      text not null,      -- the level the plays were played at
    location   text,
    user_agent text,
    plays      integer not null,
    matched    integer not null    -- of those plays, how many matched a song of song_data
)
"""

# Every song as played (the event's title and artist, matched or not), numbered in the order
# of title then artist; artist_key numbers the artist names the same way. Null stands for
# unknown: the shaper stores no empty string, so coalesce(x, '') below tells null apart.
played_song_table_create = """
create table if not exists played_songs (
    song_key    integer primary key,
    song_title  text,
    artist_name text,
    artist_key  integer not null,
    plays       integer not null,
    matched     integer not null
)
"""

# The plays of each played song by day, level and the user's gender: integer keys, so that
# the dashboard ranks songs and artists over any filter by summing small rows.
daily_song_play_table_create = """
create table if not exists daily_song_plays (
    day        date not null,
    level      text not null,
    gender     text,               -- the user's, as users holds it when the load commits
    song_key   integer not null,   -- played_songs
    artist_key integer not null,
    plays      integer not null,
    matched    integer not null
)
"""

hourly_play_table_drop = "drop table if exists hourly_plays"
played_song_table_drop = "drop table if exists played_songs"
daily_song_play_table_drop = "drop table if exists daily_song_plays"

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
    row_number() over (order by p.song_title, p.artist_name),
    p.song_title,
    p.artist_name,
    dense_rank() over (order by p.artist_name),
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

summary_create_queries = [
    hourly_play_table_create,
    played_song_table_create,
    daily_song_play_table_create,
]
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
    + """select
    p.platform,
    sum(p.plays) as plays,
    count(distinct p.user_id) as listeners
from (
    select
        a.user_id,
        a.plays,
        case
            when a.user_agent ~ 'iPhone' then 'iPhone'
            when a.user_agent ~ 'iPad' then 'iPad'
            when a.user_agent ~ 'Android' then 'Android'
            when a.user_agent ~ 'Windows' then 'Windows'
            when a.user_agent ~ 'Macintosh|Mac OS X' then 'Mac'
            when a.user_agent ~ 'Linux|X11' then 'Linux'
            else 'other'
        end as platform
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

# The summaries are part of the schema that create_tables.py builds (they have no foreign
# keys, so their place in the lists does not matter).
create_table_queries += summary_create_queries
drop_table_queries += [hourly_play_table_drop, played_song_table_drop, daily_song_play_table_drop]

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
# by title then artist, as there: song_key numbers the songs in that order.
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
    t.song_key
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
    k.song_key
limit %(limit)s
"""

# What top_artists (INSIGHT) asks, under the filters; ties by name (artist_key's order).
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
    t.artist_key
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
    k.artist_key
limit %(limit)s
"""
