"""The dashboard's summaries: songplays summed, kept by every load that stages anything."""

# Songplays summed for the dashboard, so that it sums thousands of rows where songplays holds
# millions. Every load that stages anything brings them up to date in its own transaction, so
# that they equal sums over songplays when it commits, whatever its merges changed: a play moved
# by a later event, plays matched by late songs, a user's gender. The dashboard reads the last
# load meanwhile: rows are deleted and updated, never truncated.
#
# On a single server a load keeps them by its changes (summary_change_queries): it keeps, before
# the merges, the plays they may change as the summaries count them, adds each such play as it
# is after the merges, and adds up the difference into the summaries' rows. A first load builds
# them (summary_first_build_queries); a load that changes a large share of the plays rebuilds
# them whole (summary_rebuild_queries), as does every load on Citus (citus_summary_*).

from sparkify.queries.schema import summary_index_create_queries, summary_index_drop_queries

# Whether the summaries exist, with the keys their upkeep looks rows up by: a database made
# before them (or before their keys) gets them at its next load, rebuilt whole.
summary_tables_exist = """
select to_regclass('hourly_plays') is not null
    and to_regclass('played_songs') is not null
    and to_regclass('daily_song_plays') is not null
    and to_regclass('hourly_plays_day_user_idx') is not null
    and to_regclass('played_songs_played_song_idx') is not null
    and to_regclass('daily_song_plays_day_song_idx') is not null
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

# JIT compiles a statement whose estimated cost is high. The summaries' estimates are far off
# (joins on coalesced text, sums over changes): it spent 0.22 to 0.35 s compiling the daily
# build at 1M events, and 0.47 s on an upkeep statement that read no row, for no gain.
# Here and below, a planner setting changed for some statements is then set back to the
# server's own value (to default), not to on: a server configured without JIT stays without.
jit_off = "set local jit = off"
jit_default = "set local jit to default"

# THE FULL REBUILD

hourly_play_delete = "delete from hourly_plays"
played_song_delete = "delete from played_songs"
daily_song_play_delete = "delete from daily_song_plays"

hourly_play_columns = "day, hour, user_id, level, location, user_agent, plays, matched"

hourly_play_sum = """
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

hourly_play_insert = f"insert into hourly_plays ({hourly_play_columns}){hourly_play_sum}"

# The played songs numbered by title then artist; an artist's key is its first song's key.
# Later loads number new songs above these (played_song_change_merge), which keeps an artist's
# key at or below the keys of all its songs, so that no new song's key can be an artist's.
played_song_columns = "song_key, song_title, artist_name, artist_key, plays, matched"

played_song_sum = """
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

played_song_insert = f"insert into played_songs ({played_song_columns}){played_song_sum}"

# On Citus, the statement as it ran there before played songs kept their keys: Citus loads
# rebuild the summaries whole, and their artist keys may number the names (dense_rank) as before.
citus_played_song_insert = f"""
insert into played_songs ({played_song_columns})
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
merge_join_default = "set local enable_mergejoin to default"

# With millions of groups the planner sorts the joined plays of the daily summary to group them:
# at 10M events (2.8M groups of 8.5M plays) that took 20 s, against 10 s for hashing them. The
# hash table is bounded by the load's work_mem times hash_mem_multiplier (458 MB at 10M) and
# spills to disk past it. Told so for that summary alone: the other two were as fast either way.
sort_off = "set local enable_sort = off"
sort_default = "set local enable_sort to default"

daily_song_play_columns = "day, level, gender, song_key, artist_key, plays, matched"

daily_song_play_sum = """
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

daily_song_play_insert = (
    f"insert into daily_song_plays ({daily_song_play_columns}){daily_song_play_sum}"
)

# PostgreSQL 15 runs an insert … select on one core, but the select of a create table … as with
# parallel workers. On one server, each summary of a first build or a rebuild is therefore summed
# into a temporary table, then inserted from it. With the default costs the planner keeps these
# aggregates on one core, so the costs of going parallel are lowered for them alone. At 1M events
# (etl.py --verbose, two runs each way) the first build took 2.67 s instead of 3.09 to 3.29 s.
parallel_sums_on = [
    "set local parallel_setup_cost = 0",
    "set local parallel_tuple_cost = 0.001",
]
parallel_sums_off = [
    "set local parallel_setup_cost to default",
    "set local parallel_tuple_cost to default",
]


def summed_in_parallel(table: str, columns: str, rows: str) -> list[str]:
    """A summary's rows summed by parallel workers into a temporary table, then inserted."""
    summed = f"summed_{table}"
    return [
        f"create temporary table {summed} ({columns}) on commit drop as{rows}",
        f"insert into {table} ({columns}) select {columns} from {summed}",
        f"drop table {summed}",
    ]


# Fresh statistics for the dashboard's plans.
summary_analyze = "analyze hourly_plays, daily_song_plays"

# THE UPKEEP BY CHANGES (single server)

# What each step of a load changes in the plays as the summaries count them, play by play:
# -1 for a play as it was before the step, +1 for it as it is after, and for a play the late
# match (un)matched, 0 plays and the change of its matched count. Each step is counted from the
# state the previous one left, so the rows add up to what the load changed; summed by a
# summary's key, they give the change of each row of it.
play_change_stage_create = """
create temporary table summary_play_changes (
    start_time  timestamp not null,
    user_id     integer not null,
    level       text not null,
    location    text,
    user_agent  text,
    song_title  text,
    artist_name text,
    gender      text,               -- the user's, as users held it then
    plays       smallint not null,  -- -1, 0 or 1
    matched     smallint not null   -- -1, 0 or 1
) on commit drop
"""

# The genders of the staged users before the users merge: the plays of a user whose gender it
# changes move to other rows of daily_song_plays.
user_gender_stage_create = """
create temporary table summary_user_genders (
    user_id integer primary key,
    gender  text
) on commit drop
"""

user_gender_old_insert = """
insert into summary_user_genders (
    user_id,
    gender
)
select
    u.user_id,
    u.gender
from users as u
where u.user_id in (
    select e.user_id
    from stage_events as e
)
"""

# The plays the late match of this load changed from matched to unmatched or back, from its
# record (the summaries count matched plays, not which song they matched).
rematched_play_change_insert = """
insert into summary_play_changes (
    start_time,
    user_id,
    level,
    location,
    user_agent,
    song_title,
    artist_name,
    gender,
    plays,
    matched
)
select
    r.start_time,
    r.user_id,
    r.level,
    r.location,
    r.user_agent,
    r.song_title,
    r.artist_name,
    u.gender,
    0,
    case when r.song_id is null then -1 else 1 end
from stage_rematched_plays as r
inner join users as u
    on u.user_id = r.user_id
where (r.old_song_id is null) <> (r.song_id is null)
"""


# The plays of the staged keys: as they are before the merges of users and songplays (-1), and
# after (+1).
def staged_play_change_insert(sign: int) -> str:
    """The plays of the staged keys as they are now, counted sign times."""
    return f"""
insert into summary_play_changes (
    start_time,
    user_id,
    level,
    location,
    user_agent,
    song_title,
    artist_name,
    gender,
    plays,
    matched
)
select
    sp.start_time,
    sp.user_id,
    sp.level,
    sp.location,
    sp.user_agent,
    sp.song_title,
    sp.artist_name,
    u.gender,
    {sign},
    case when sp.song_id is null then 0 else {sign} end
from songplays as sp
inner join users as u
    on u.user_id = sp.user_id
where (sp.user_id, sp.session_id, sp.item_in_session) in (
    select
        e.user_id,
        e.session_id,
        e.item_in_session
    from stage_events as e
)
"""


staged_play_old_insert = staged_play_change_insert(-1)
staged_play_new_insert = staged_play_change_insert(1)

# After the merges: every other play of a user whose gender changed, once with the gender it
# had (-1) and once with the new one (+1); those of a staged key are counted above. The lateral
# join reads the plays of those users alone, by songplays' play key (user first): most loads
# change no gender, and a hash join would read every play to find none.
regendered_play_change_insert = """
insert into summary_play_changes (
    start_time,
    user_id,
    level,
    location,
    user_agent,
    song_title,
    artist_name,
    gender,
    plays,
    matched
)
select
    sp.start_time,
    sp.user_id,
    sp.level,
    sp.location,
    sp.user_agent,
    sp.song_title,
    sp.artist_name,
    s.gender,
    s.plays,
    case when sp.song_id is null then 0 else s.plays end
from summary_user_genders as g
inner join users as u
    on u.user_id = g.user_id
cross join lateral (
    values
        (g.gender, -1),
        (u.gender, 1)
) as s (gender, plays)
cross join lateral (
    select
        p.start_time,
        p.user_id,
        p.level,
        p.location,
        p.user_agent,
        p.song_title,
        p.artist_name,
        p.song_id
    from songplays as p
    where p.user_id = g.user_id
        and not exists (
            select
            from stage_events as e
            where e.user_id = p.user_id
                and e.session_id = p.session_id
                and e.item_in_session = p.item_in_session
        )
) as sp
where u.gender is distinct from g.gender
"""

# Row counts for the plans below.
play_change_analyze = "analyze summary_play_changes"

# The statements below look each changed row of a summary up by its key. The planner, which
# cannot estimate how many rows the sums leave nor joins on coalesced text, would rather sort
# or hash the whole summary (70 ms for hourly_plays and 50 ms for played_songs at 1M events,
# growing with the database, for a day of 2,500 plays): only these statements are told not to.
change_joins_by_key = [
    "set local enable_hashjoin = off",
    "set local enable_mergejoin = off",
]
change_joins_by_default = [
    "set local enable_hashjoin to default",
    "set local enable_mergejoin to default",
]

# Each summary row the changes touch, by how much; a row they bring to no play is deleted.
hourly_play_change_merge = """
merge into hourly_plays as h
using (
    select
        v.start_time::date as day,
        date_part('hour', v.start_time)::smallint as hour,
        v.user_id,
        v.level,
        v.location,
        v.user_agent,
        sum(v.plays) as plays,
        sum(v.matched) as matched
    from summary_play_changes as v
    group by
        v.start_time::date,
        date_part('hour', v.start_time)::smallint,
        v.user_id,
        v.level,
        v.location,
        v.user_agent
    having sum(v.plays) <> 0
        or sum(v.matched) <> 0
) as d
    on h.day = d.day
    and h.user_id = d.user_id
    and h.hour = d.hour
    and h.level = d.level
    and h.location is not distinct from d.location
    and h.user_agent is not distinct from d.user_agent
when matched and h.plays + d.plays = 0 then
    delete
when matched then
    update set
        plays = h.plays + d.plays,
        matched = h.matched + d.matched
when not matched then
    insert (
        day,
        hour,
        user_id,
        level,
        location,
        user_agent,
        plays,
        matched
    )
    values (
        d.day,
        d.hour,
        d.user_id,
        d.level,
        d.location,
        d.user_agent,
        d.plays,
        d.matched
    )
"""

# A song played for the first time gets a key above every key given (gaps do not matter); its
# artist's key if the artist has one, else the lowest of the keys of the artist's new songs.
# A song the load brings to no play stays until daily_song_plays has let go of its key
# (played_song_unplayed_delete).
played_song_change_merge = """
merge into played_songs as k
using (
    select
        n.song_title,
        n.artist_name,
        n.plays,
        n.matched,
        n.song_key,
        coalesce(
            n.artist_key,
            min(n.song_key) over (partition by coalesce(n.artist_name, ''))
        ) as artist_key
    from (
        select
            d.song_title,
            d.artist_name,
            d.plays,
            d.matched,
            m.song_key + row_number() over () as song_key,
            a.artist_key
        from (
            select
                v.song_title,
                v.artist_name,
                sum(v.plays) as plays,
                sum(v.matched) as matched
            from summary_play_changes as v
            group by
                v.song_title,
                v.artist_name
            having sum(v.plays) <> 0
                or sum(v.matched) <> 0
        ) as d
        cross join (
            select coalesce(max(p.song_key), 0) as song_key
            from played_songs as p
        ) as m
        left join lateral (
            select p.artist_key
            from played_songs as p
            where coalesce(p.artist_name, '') = coalesce(d.artist_name, '')
            limit 1
        ) as a
            on true
    ) as n
) as d
    on coalesce(k.artist_name, '') = coalesce(d.artist_name, '')
    and coalesce(k.song_title, '') = coalesce(d.song_title, '')
when matched then
    update set
        plays = k.plays + d.plays,
        matched = k.matched + d.matched
when not matched then
    insert (
        song_key,
        song_title,
        artist_name,
        artist_key,
        plays,
        matched
    )
    values (
        d.song_key,
        d.song_title,
        d.artist_name,
        d.artist_key,
        d.plays,
        d.matched
    )
"""

daily_song_play_change_merge = """
merge into daily_song_plays as t
using (
    select
        v.start_time::date as day,
        v.level,
        v.gender,
        k.song_key,
        k.artist_key,
        sum(v.plays) as plays,
        sum(v.matched) as matched
    from summary_play_changes as v
    inner join played_songs as k
        on coalesce(k.artist_name, '') = coalesce(v.artist_name, '')
        and coalesce(k.song_title, '') = coalesce(v.song_title, '')
    group by
        v.start_time::date,
        v.level,
        v.gender,
        k.song_key,
        k.artist_key
    having sum(v.plays) <> 0
        or sum(v.matched) <> 0
) as d
    on t.day = d.day
    and t.song_key = d.song_key
    and t.level = d.level
    and t.gender is not distinct from d.gender
when matched and t.plays + d.plays = 0 then
    delete
when matched then
    update set
        plays = t.plays + d.plays,
        matched = t.matched + d.matched
when not matched then
    insert (
        day,
        level,
        gender,
        song_key,
        artist_key,
        plays,
        matched
    )
    values (
        d.day,
        d.level,
        d.gender,
        d.song_key,
        d.artist_key,
        d.plays,
        d.matched
    )
"""

played_song_unplayed_delete = """
delete from played_songs as k
where k.plays = 0
    and (coalesce(k.artist_name, ''), coalesce(k.song_title, '')) in (
        select
            coalesce(v.artist_name, ''),
            coalesce(v.song_title, '')
        from summary_play_changes as v
    )
"""

# How much a load may change, against the plays there are (an estimate: pg_class, no count).
summary_change_size = """
select
    (select count(*) from stage_events)
        + (select count(*) from stage_rematched_plays) as changed,
    (select c.reltuples from pg_class as c where c.oid = 'songplays'::regclass) as plays
"""

# How many plays the gender changes of this load move, against the plays there are.
summary_regendered_play_count = """
select
    coalesce(sum(n.plays), 0) as changed,
    (select c.reltuples from pg_class as c where c.oid = 'songplays'::regclass) as plays
from summary_user_genders as g
inner join users as u
    on u.user_id = g.user_id
cross join lateral (
    select count(*) as plays
    from songplays as p
    where p.user_id = g.user_id
) as n
where u.gender is distinct from g.gender
"""

# Whether the summaries hold nothing: a first load builds them (summary_first_build_queries).
summaries_empty = """
select not exists (
    select
    from hourly_plays
) and not exists (
    select
    from played_songs
) and not exists (
    select
    from daily_song_plays
)
"""

summary_build_queries = [
    *parallel_sums_on,
    *summed_in_parallel("hourly_plays", hourly_play_columns, hourly_play_sum),
    *summed_in_parallel("played_songs", played_song_columns, played_song_sum),
    played_song_analyze,
    merge_join_off,
    sort_off,
    *summed_in_parallel("daily_song_plays", daily_song_play_columns, daily_song_play_sum),
    sort_default,
    merge_join_default,
    *parallel_sums_off,
]
# On Citus, plain inserts (the workers sum their shards), the played songs numbered as before.
citus_summary_build_queries = [
    hourly_play_insert,
    citus_played_song_insert,
    played_song_analyze,
    merge_join_off,
    daily_song_play_insert,
    merge_join_default,
]


def rebuild(build: list[str]) -> list[str]:
    """A rebuild: rows deleted, not truncated, and the keys kept (the dashboard reads meanwhile)."""
    return [
        jit_off,
        hourly_play_delete,
        daily_song_play_delete,
        played_song_delete,
        *build,
        summary_analyze,
        jit_default,
    ]


def first_build(build: list[str]) -> list[str]:
    """A first build: empty summaries are filled without their keys, made afterwards in one pass.

    Dropping a key locks its table until the load commits, but the dashboard has nothing to read.
    """
    return [
        jit_off,
        *summary_index_drop_queries,
        *build,
        *summary_index_create_queries,
        summary_analyze,
        jit_default,
    ]


summary_rebuild_queries = rebuild(summary_build_queries)
summary_first_build_queries = first_build(summary_build_queries)
citus_summary_rebuild_queries = rebuild(citus_summary_build_queries)
citus_summary_first_build_queries = first_build(citus_summary_build_queries)

# Before the merges of time, users and songplays (the late match has recorded its plays).
summary_change_keep_queries = [
    jit_off,
    play_change_stage_create,
    user_gender_stage_create,
    user_gender_old_insert,
    rematched_play_change_insert,
    staged_play_old_insert,
    jit_default,
]
# After them.
summary_change_queries = [
    jit_off,
    regendered_play_change_insert,
    staged_play_new_insert,
    play_change_analyze,
    *change_joins_by_key,
    hourly_play_change_merge,
    played_song_change_merge,
    daily_song_play_change_merge,
    played_song_unplayed_delete,
    *change_joins_by_default,
    jit_default,
]
