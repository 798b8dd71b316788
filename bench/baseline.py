"""The row-by-row baseline: a faithful minimal version of the classic Udacity-style ETL.

Per song file one INSERT into songs and one into artists; per NextSong event an INSERT into
time, an upsert of the user's level, one SELECT of the song by title, artist name and duration
(songs join artists, no index but the primary keys) and an INSERT into songplays; a commit per
file. Its own simple schema, in its own database:

    python -m bench.baseline --dsn DSN --data DIR
"""

import argparse
import json
import sys
from collections.abc import Callable, Sequence
from datetime import datetime, timedelta
from pathlib import Path

import psycopg2
from psycopg2.extensions import connection, cursor

EPOCH = datetime(1970, 1, 1)

drop_tables = "drop table if exists songplays, users, songs, artists, time"

# The classic schema: serial keys, no foreign keys; duration numeric so that the match works.
create_tables = [
    """
    create table songplays (
        songplay_id serial primary key,
        start_time  timestamp not null,
        user_id     int not null,
        level       varchar,
        song_id     varchar,
        artist_id   varchar,
        session_id  int,
        location    varchar,
        user_agent  varchar
    )
    """,
    """
    create table users (
        user_id    int primary key,
        first_name varchar,
        last_name  varchar,
        gender     varchar,
        level      varchar
    )
    """,
    """
    create table songs (
        song_id   varchar primary key,
        title     varchar,
        artist_id varchar,
        year      int,
        duration  numeric
    )
    """,
    """
    create table artists (
        artist_id varchar primary key,
        name      varchar,
        location  varchar,
        latitude  float,
        longitude float
    )
    """,
    """
    create table time (
        start_time timestamp primary key,
        hour       int,
        day        int,
        week       int,
        month      int,
        year       int,
        weekday    int
    )
    """,
]

song_insert = """
insert into songs (song_id, title, artist_id, year, duration)
values (%s, %s, %s, %s, %s)
on conflict (song_id) do nothing
"""

artist_insert = """
insert into artists (artist_id, name, location, latitude, longitude)
values (%s, %s, %s, %s, %s)
on conflict (artist_id) do nothing
"""

time_insert = """
insert into time (start_time, hour, day, week, month, year, weekday)
values (%s, %s, %s, %s, %s, %s, %s)
on conflict (start_time) do nothing
"""

user_insert = """
insert into users (user_id, first_name, last_name, gender, level)
values (%s, %s, %s, %s, %s)
on conflict (user_id) do update set level = excluded.level
"""

song_select = """
select
    s.song_id,
    a.artist_id
from songs as s
inner join artists as a
    on a.artist_id = s.artist_id
where s.title = %s
    and a.name = %s
    and s.duration = %s
"""

songplay_insert = """
insert into songplays (
    start_time, user_id, level, song_id, artist_id, session_id, location, user_agent
)
values (%s, %s, %s, %s, %s, %s, %s, %s)
"""


def process_song_file(cur: cursor, path: Path) -> None:
    """Insert the song and its artist."""
    song = json.loads(path.read_bytes())
    year = song["year"] or None
    cur.execute(
        song_insert,
        (song["song_id"], song["title"], song["artist_id"], year, song["duration"]),
    )
    cur.execute(
        artist_insert,
        (
            song["artist_id"],
            song["artist_name"],
            song["artist_location"] or None,
            song["artist_latitude"],
            song["artist_longitude"],
        ),
    )


def process_event(cur: cursor, event: dict) -> None:
    """Insert one play's time, user, and the play itself after looking its song up."""
    start = EPOCH + timedelta(milliseconds=event["ts"])
    week = start.isocalendar().week
    cur.execute(
        time_insert,
        (start, start.hour, start.day, week, start.month, start.year, start.weekday()),
    )
    user_id = int(event["userId"])
    cur.execute(
        user_insert,
        (user_id, event["firstName"], event["lastName"], event["gender"], event["level"]),
    )
    cur.execute(song_select, (event["song"], event["artist"], event["length"]))
    found = cur.fetchone()
    song_id, artist_id = found if found else (None, None)
    cur.execute(
        songplay_insert,
        (
            start,
            user_id,
            event["level"],
            song_id,
            artist_id,
            event["sessionId"],
            event["location"],
            event["userAgent"],
        ),
    )


def process_log_file(cur: cursor, path: Path) -> None:
    """Load every NextSong event of one log file, row by row."""
    with path.open("rb") as lines:
        for line in lines:
            if not line.strip():
                continue
            event = json.loads(line)
            if event["page"] == "NextSong":
                process_event(cur, event)


def process_data(conn: connection, root: Path, func: Callable[[cursor, Path], None]) -> None:
    """Run func on every JSON file under root, committing after each file."""
    for path in sorted(root.rglob("*.json")):
        with conn.cursor() as cur:
            func(cur, path)
        conn.commit()


def main(argv: Sequence[str] | None = None) -> int:
    """Recreate the classic schema in --dsn and load --data into it."""
    parser = argparse.ArgumentParser(
        prog="python -m bench.baseline",
        description="The classic row-by-row Sparkify ETL, for the benchmark. "
        "Drops and recreates its own tables in DSN.",
    )
    parser.add_argument("--dsn", required=True, help="database to load (its tables are replaced)")
    parser.add_argument("--data", type=Path, required=True, help="folder of song_data/, log_data/")
    args = parser.parse_args(argv)
    conn = psycopg2.connect(args.dsn)
    try:
        with conn.cursor() as cur:
            cur.execute(drop_tables)
            for statement in create_tables:
                cur.execute(statement)
        conn.commit()
        process_data(conn, args.data / "song_data", process_song_file)
        process_data(conn, args.data / "log_data", process_log_file)
    finally:
        conn.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
