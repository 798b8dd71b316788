"""The data checks: each returns the rows that break its rule (no rows: the check passes)."""

from psycopg2 import sql

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
