"""The star schema and the loader's own tables: create, drop, keys and indexes, by table.

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
# The title alone: a numeric column turns off btree deduplication, so (length, title) holds
# one entry per play (407 MB at 10M plays) where the title alone holds one per title (60 MB).
# A bulk load builds it in 5.2 s instead of 9.2 s at 10M plays; the late match
# finds a title's plays through it and keeps those of the right length.
songplay_played_song_index_create = """
create index songplays_played_song_idx on songplays (song_title)
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


# THE LOADER'S TABLES

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
    loaded_at   timestamptz not null,
    mtime_ns    bigint,                -- its modification time when last read or checked (ns)
    checked_at  timestamptz            -- when a load last found it as recorded: read it, or
                                       -- hashed it and found it unchanged (null: loaded_at)
)
"""

# A manifest made before etl_files kept a column gets it at the next load. The files it lists
# without a modification time are hashed, as before, until a load reads or checks them again.
file_table_column_exists = """
select exists (
    select
    from information_schema.columns as c
    where c.table_name = 'etl_files'
        and c.column_name = %(column)s
        and c.table_schema = any (current_schemas(false))
)
"""

file_table_mtime_add = "alter table etl_files add column mtime_ns bigint"
file_table_checked_add = "alter table etl_files add column checked_at timestamptz"
file_table_column_adds = {"mtime_ns": file_table_mtime_add, "checked_at": file_table_checked_add}

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

# The rows of each star table, kept by PostgreSQL itself: statement triggers add what each
# insert, delete or truncate changes, whoever runs it, so that a load reports the tables' rows
# without counting millions of plays (a new day's load follows its file, not the database).
# A bulk load turns the insert triggers of songplays and time off and counts those two once
# (row_counters_recount). Single server only: Citus does not run triggers on its tables.
row_counter_table_create = """
create table etl_table_rows (
    table_name text primary key,
    row_count  bigint not null,
    matched    bigint             -- songplays only: its plays matched to a song
)
"""

row_counter_table_drop = "drop table if exists etl_table_rows"

# Every star table at zero: a table made by create_tables.py has no rows.
row_counter_rows_insert = """
insert into etl_table_rows (table_name, row_count, matched)
values
    ('songplays', 0, 0),
    ('users', 0, null),
    ('songs', 0, null),
    ('artists', 0, null),
    ('time', 0, null)
"""

# One function per kind of table, one branch per event: plpgsql plans a statement when it first
# runs it, so each branch names only the transition tables that its event's trigger declares.
row_count_function_create = """
create or replace function etl_count_rows() returns trigger language plpgsql as $$
begin
    if tg_op = 'INSERT' then
        update etl_table_rows
        set row_count = row_count + (select count(*) from new_rows)
        where table_name = tg_table_name;
    elsif tg_op = 'DELETE' then
        update etl_table_rows
        set row_count = row_count - (select count(*) from old_rows)
        where table_name = tg_table_name;
    else
        update etl_table_rows
        set row_count = 0
        where table_name = tg_table_name;
    end if;
    return null;
end
$$
"""

play_count_function_create = """
create or replace function etl_count_plays() returns trigger language plpgsql as $$
begin
    if tg_op = 'INSERT' then
        update etl_table_rows as c
        set row_count = c.row_count + n.plays, matched = c.matched + n.matched_plays
        from (select count(*) as plays, count(song_id) as matched_plays from new_rows) as n
        where c.table_name = 'songplays';
    elsif tg_op = 'UPDATE' then
        update etl_table_rows
        set matched = matched
            + (select count(song_id) from new_rows)
            - (select count(song_id) from old_rows)
        where table_name = 'songplays';
    elsif tg_op = 'DELETE' then
        update etl_table_rows as c
        set row_count = c.row_count - o.plays, matched = c.matched - o.matched_plays
        from (select count(*) as plays, count(song_id) as matched_plays from old_rows) as o
        where c.table_name = 'songplays';
    else
        update etl_table_rows
        set row_count = 0, matched = 0
        where table_name = 'songplays';
    end if;
    return null;
end
$$
"""


def row_count_insert_trigger(table: str, function: str) -> str:
    """The statement trigger that counts the rows inserted into a table."""
    return (
        f"create trigger {table}_count_insert after insert on {table} "
        f"referencing new table as new_rows for each statement execute function {function}()"
    )


def row_count_insert_trigger_drop(table: str) -> str:
    """The drop of row_count_insert_trigger's trigger on a table."""
    return f"drop trigger {table}_count_insert on {table}"


def row_count_triggers(table: str, function: str) -> list[str]:
    """The statement triggers that keep a table's row count (a transition table per event)."""
    after = f"on {table} {{}} for each statement execute function {function}()"
    return [
        row_count_insert_trigger(table, function),
        f"create trigger {table}_count_delete after delete "
        + after.format("referencing old table as old_rows"),
        f"create trigger {table}_count_truncate after truncate " + after.format(""),
    ]


# An update can match or unmatch plays (the late match), so songplays counts its updates too.
songplay_update_count_trigger_create = """
create trigger songplays_count_update after update on songplays
    referencing old table as old_rows new table as new_rows
    for each statement execute function etl_count_plays()
"""

row_counter_create_queries = [
    row_counter_table_create,
    row_counter_rows_insert,
    row_count_function_create,
    play_count_function_create,
    *row_count_triggers("songplays", "etl_count_plays"),
    songplay_update_count_trigger_create,
    *[
        trigger
        for table in ("users", "songs", "artists", "time")
        for trigger in row_count_triggers(table, "etl_count_rows")
    ],
]

# Every table counted once: for a database made before the counters, and after a bulk load.
row_counters_recount = """
update etl_table_rows as c
set
    row_count = n.row_count,
    matched = n.matched
from (
    select 'songplays' as table_name, count(*) as row_count, count(song_id) as matched
    from songplays
    union all
    select 'users', count(*), null from users
    union all
    select 'songs', count(*), null from songs
    union all
    select 'artists', count(*), null from artists
    union all
    select 'time', count(*), null from time
) as n
where c.table_name = n.table_name
"""

# A bulk load inserts without the insert triggers, whose transition tables would hold every
# row it inserts (at 1M plays, copying songplays took 1.9 to 3.9 s with the trigger against
# 1.2 to 1.4 s without, six runs), then counts once. The other triggers stay on. Dropped, not
# disabled: PostgreSQL fills the transition table of a disabled trigger all the same (200 MB
# written to temporary files at 1M plays).
BULK_COUNTED = {"songplays": "etl_count_plays", "time": "etl_count_rows"}  # table: function
row_count_bulk_off_queries = [row_count_insert_trigger_drop(table) for table in BULK_COUNTED]
row_count_bulk_on_queries = [
    *[row_count_insert_trigger(table, function) for table, function in BULK_COUNTED.items()],
    row_counters_recount,
]

row_counts_select = """
select
    c.table_name,
    c.row_count,
    c.matched
from etl_table_rows as c
"""

# Whether this database keeps its row counts (a database made before them gets them at its next
# load: row_counters_recount then counts every table once).
row_counters_exist = """
select to_regclass('etl_table_rows') is not null
"""

# The dashboard's summaries (kept by every load, see summaries.py). They have no foreign
# keys, so their place in the lists below does not matter.

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

# Every song as played (the event's title and artist, matched or not), numbered. A key is
# never renumbered: a song first played by a later load gets a key above the others, and an
# artist's key is the song_key of its first numbered song, so that a load adds keys without
# touching the daily rows of other songs (the dashboard breaks ties by the names, not the keys).
# Null stands for unknown: the shaper stores no empty string, so coalesce(x, '') tells null
# apart. Most loads add plays to songs played before: room on each page (fillfactor) lets those
# updates stay on it, without a new entry in each key (at 1M events, the 13,178 songs of a
# 30,000-event day were counted in 0.14 s instead of 0.44 s). A table made before keeps full
# pages: its loads are as right, a little slower.
played_song_table_create = """
create table if not exists played_songs (
    song_key    integer primary key,
    song_title  text,
    artist_name text,
    artist_key  integer not null,
    plays       integer not null,
    matched     integer not null
) with (fillfactor = 70)
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

# The keys a load looks the summaries' rows up by when it applies its changes to them (see
# summary_change_queries): a load that changes a few days reads and writes a few pages.
hourly_play_index_create = """
create index if not exists hourly_plays_day_user_idx on hourly_plays (day, user_id)
"""

# The natural key of a played song, artist first: a new song finds its artist's key by it.
played_song_index_create = """
create unique index if not exists played_songs_played_song_idx on played_songs (
    coalesce(artist_name, ''),
    coalesce(song_title, '')
)
"""

daily_song_play_index_create = """
create index if not exists daily_song_plays_day_song_idx on daily_song_plays (day, song_key)
"""

# A first build of the summaries fills them without these keys, then makes each in one pass:
# at 1M events, maintaining the daily key row by row doubles the cost of filling it.
summary_index_drop_queries = [
    "drop index if exists hourly_plays_day_user_idx",
    "drop index if exists played_songs_played_song_idx",
    "drop index if exists daily_song_plays_day_song_idx",
]
summary_index_create_queries = [
    hourly_play_index_create,
    played_song_index_create,
    daily_song_play_index_create,
]

hourly_play_table_drop = "drop table if exists hourly_plays"
played_song_table_drop = "drop table if exists played_songs"
daily_song_play_table_drop = "drop table if exists daily_song_plays"

summary_create_queries = [
    hourly_play_table_create,
    played_song_table_create,
    daily_song_play_table_create,
    *summary_index_create_queries,
]

# Parents before children.
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
    *summary_create_queries,
]
# Children before parents.
drop_table_queries = [
    file_table_drop,
    row_counter_table_drop,
    reject_table_drop,
    run_table_drop,
    songplay_table_drop,
    user_table_drop,
    song_table_drop,
    artist_table_drop,
    time_table_drop,
    hourly_play_table_drop,
    played_song_table_drop,
    daily_song_play_table_drop,
]
star_tables = ["songplays", "users", "songs", "artists", "time"]
