"""The data checks: each returns the rows that break its rule (no rows: the check passes).

A rule of a shared shape (a key, a relationship, accepted values) is declared in one line and
its SQL generated (declared_checks.py: Unique, Relationship, AcceptedValues); a rule of its own
is written by hand as SQL. `data_checks` lists them all, in the order they are reported.
"""

from psycopg2 import sql

from sparkify.queries.declared_checks import AcceptedValues, Relationship, Table, Unique

# The star tables as the declarations name them: the alias of their SQL, the key naming a row.
SONGPLAYS = Table("songplays", alias="sp", key="songplay_id")
USERS = Table("users", alias="u", key="user_id")
SONGS = Table("songs", alias="s", key="song_id")
ARTISTS = Table("artists", alias="a", key="artist_id")
TIME = Table("time", alias="t", key="start_time")

# DECLARED CHECKS

# Keys: a group of more than one row is a duplicate; the group of nulls is a missing key.
# songplay_id alone: the primary key also holds user_id (for Citus), so it does not enforce this.
check_songplay_id_unique = Unique(SONGPLAYS, ("songplay_id",)).query()
check_songplay_natural_key_unique = Unique(
    SONGPLAYS, ("user_id", "session_id", "item_in_session")
).query()
check_user_id_unique = Unique(USERS, ("user_id",)).query()
check_song_id_unique = Unique(SONGS, ("song_id",)).query()
check_artist_id_unique = Unique(ARTISTS, ("artist_id",)).query()
check_time_start_time_unique = Unique(TIME, ("start_time",)).query()

# Orphans: each names its parent's key. A null key joins nothing, so these also catch a missing
# user, start_time or song artist.
check_songplay_user_exists = Relationship(SONGPLAYS, "user_id", USERS).query()
check_songplay_time_exists = Relationship(SONGPLAYS, "start_time", TIME).query()
check_song_artist_exists = Relationship(SONGS, "artist_id", ARTISTS).query()

# A null song_id (and so artist_id) is a play that matched no song: allowed.
check_songplay_song_exists = Relationship(SONGPLAYS, "song_id", SONGS, nullable=True).query()
check_songplay_artist_exists = Relationship(SONGPLAYS, "artist_id", ARTISTS, nullable=True).query()

# Accepted values: the logs know two levels, spelled in lower case.
check_songplay_level_accepted = AcceptedValues(SONGPLAYS, "level", ("free", "paid")).query()
check_user_level_accepted = AcceptedValues(USERS, "level", ("free", "paid")).query()

# HAND-WRITTEN CHECKS: rules of their own

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
