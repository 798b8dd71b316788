"""The floor: the finished rows of the five star tables, and the time COPY takes to ingest them.

The rows are computed here from the JSON files with a reader of our own, following the rules
of README.md and sql_queries.py, without the pipeline's code: they are also the oracle that our
loaded tables are checked against. Numbers are kept as their JSON text, so `numeric` stays exact.

Three floors COPY them: into the project's tables (with or without foreign keys), into plain
tables (the physical floor), and into the project's tables stripped of what a bulk load builds
after its rows, which are then built (the schema floor).
"""

import csv
import hashlib
import json
import time
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import asdict, dataclass
from datetime import datetime, timedelta
from decimal import Decimal
from functools import lru_cache
from pathlib import Path

import ftfy
import psycopg2
from psycopg2 import sql

import sql_queries as q
from sparkify.schema import schema_plan
from tools.pg import run_steps

# The five tables in COPY order (parents before children), each with the columns we write.
COLUMNS: dict[str, tuple[str, ...]] = {
    "artists": ("artist_id", "name", "location", "latitude", "longitude", "source_file"),
    "songs": ("song_id", "title", "artist_id", "year", "duration", "source_file"),
    "time": ("start_time", "hour", "day", "week", "month", "year", "weekday"),
    "users": ("user_id", "first_name", "last_name", "gender", "level", "last_played_at"),
    "songplays": (
        "start_time",
        "user_id",
        "level",
        "song_id",
        "artist_id",
        "session_id",
        "item_in_session",
        "location",
        "user_agent",
        "song_title",
        "artist_name",
        "song_length",
    ),
}
# Numbers come out as their JSON text: "337.68444" stays exactly that in a numeric column.
DECODER = json.JSONDecoder(parse_float=str)
EPOCH = datetime(1970, 1, 1)
MARKER = ".complete"
# The floor's schema drops the project's foreign keys: PostgreSQL checks each one per row with
# a lookup that also locks the referenced row, which costs more than the COPY itself.
SONG_FOREIGN_KEY_DROP = "alter table songs drop constraint songs_artist_id_fkey"
SONG_FOREIGN_KEY_ADD = """
alter table songs
    add constraint songs_artist_id_fkey foreign key (artist_id) references artists (artist_id)
"""

# The schema floor: the least this schema costs to fill from finished rows. They are COPYed into
# the project's tables stripped of what a first bulk load builds after its rows (time's and
# songplays' keys, the played-song index, the foreign keys, the insert-counting triggers), which
# are then built with the loader's own statements, with the dashboard's summaries, in the same
# transaction. No loader of this schema that uses these statements can be faster.
UNBUILT_QUERIES = [
    *q.songplay_foreign_keys_drop,
    SONG_FOREIGN_KEY_DROP,
    *q.songplay_keys_drop,
    q.songplay_played_song_index_drop,
    q.time_key_drop,
    *q.row_count_bulk_off_queries,
]
BUILD_QUERIES = [
    q.load_work_mem_set,
    *q.row_count_bulk_on_queries,
    q.time_key_create,
    *q.songplay_keys_create,
    q.songplay_played_song_index_create,
    *q.songplay_foreign_keys_create,
    SONG_FOREIGN_KEY_ADD,
    *q.summary_first_build_queries,
]

# The physical floor: the same rows into plain tables with their primary keys only, in the
# plainest types (no numeric, no unique constraint beyond the key, no index, no foreign key).
PHYSICAL_TABLES: dict[str, str] = {
    "artists": "artist_id text primary key, name text, location text, "
    "latitude double precision, longitude double precision, source_file text",
    "songs": "song_id text primary key, title text, artist_id text, year int, "
    "duration double precision, source_file text",
    "time": "start_time timestamp primary key, hour int, day int, week int, month int, year int, "
    "weekday int",
    "users": "user_id int primary key, first_name text, last_name text, gender text, level text, "
    "last_played_at timestamp",
    "songplays": "songplay_id bigint generated always as identity primary key, "
    "start_time timestamp, user_id int, level text, song_id text, artist_id text, "
    "session_id int, item_in_session int, location text, user_agent text, song_title text, "
    "artist_name text, song_length double precision",
}

Row = tuple[object, ...]
Song = tuple[str, str, str, int | None, str, str]  # song_id, title, artist_id, year, duration, file
Artist = tuple[str, str, str | None, str | None, str | None, str]  # ..., source file
User = tuple[int, str, str, str, str]  # ts, level, first and last name, gender ('' for null)
SongKey = tuple[str, str, Decimal]  # title, artist name, duration


@dataclass
class FloorRows:
    """How many rows each table of the floor holds, and how many plays matched a song."""

    artists: int = 0
    songs: int = 0
    time: int = 0
    users: int = 0
    songplays: int = 0
    matched: int = 0


@lru_cache(maxsize=65_536)
def repaired(value: str) -> str:
    """Non-ASCII text undone of double-encoded UTF-8, the project's documented rule (ftfy)."""
    return ftfy.fix_encoding(value)


def clean(value: object) -> str | None:
    """A text field as stored: empty means unknown (null), mis-decoded UTF-8 repaired."""
    if value is None or value == "":
        return None
    text = str(value)
    return text if text.isascii() else repaired(text)


def json_files(root: Path) -> list[Path]:
    """The *.json files under root, sorted by their path as text (as `order by file` does)."""
    return sorted((path for path in root.rglob("*.json") if path.is_file()), key=str)


def log_records(path: Path) -> Iterator[dict[str, object]]:
    """The objects of one newline-delimited JSON log file; blank lines are passed over."""
    with path.open(encoding="utf-8") as lines:
        for line in lines:
            if line.strip():
                yield DECODER.decode(line)


def read_songs(root: Path) -> tuple[dict[str, Song], dict[str, Artist]]:
    """Songs and artists by id; where files disagree, the one that sorts last by path wins."""
    songs: dict[str, Song] = {}
    artists: dict[str, Artist] = {}
    for path in json_files(root.resolve() / "song_data"):
        record = DECODER.decode(path.read_text(encoding="utf-8"))
        file = str(path)
        song_id, artist_id = str(clean(record["song_id"])), str(clean(record["artist_id"]))
        year = int(record["year"]) if record.get("year") else None
        title = str(clean(record["title"]))
        songs[song_id] = (song_id, title, artist_id, year, str(record["duration"]), file)
        artists[artist_id] = (
            artist_id,
            str(clean(record["artist_name"])),
            clean(record.get("artist_location")),
            number(record.get("artist_latitude")),
            number(record.get("artist_longitude")),
            file,
        )
    return songs, artists


def number(value: object) -> str | None:
    """A JSON number as its text, or None."""
    return None if value is None else str(value)


def song_index(songs: dict[str, Song], artists: dict[str, Artist]) -> dict[SongKey, Song]:
    """The song each (title, artist name, duration) matches: the lowest song_id among equals."""
    index: dict[SongKey, Song] = {}
    for song in sorted(songs.values(), reverse=True):
        key = (song[1], artists[song[2]][1], Decimal(song[4]))
        index[key] = song
    return index


def stamp(ts: int) -> datetime:
    """The UTC timestamp of ms since the epoch."""
    return EPOCH + timedelta(milliseconds=ts)


def stamp_text(moment: datetime) -> str:
    """A timestamp as COPY reads it, with milliseconds."""
    return moment.isoformat(sep=" ", timespec="milliseconds")


def time_row(ts: int) -> Row:
    """The time row of one play timestamp: ISO week, weekday 0 = Monday."""
    moment = stamp(ts)
    week = moment.isocalendar().week
    return (
        stamp_text(moment),
        moment.hour,
        moment.day,
        week,
        moment.month,
        moment.year,
        moment.weekday(),
    )


class Plays:
    """Reads the NextSong events into songplay rows, noting users and timestamps on the way."""

    def __init__(self, index: dict[SongKey, Song]) -> None:
        """Start with no users and no timestamps seen."""
        self.index = index
        self.users: dict[int, User] = {}
        self.stamps: set[int] = set()
        self.matched = 0

    def rows(self, root: Path) -> Iterator[Row]:
        """One songplay row per NextSong event of every log file under root."""
        for path in json_files(root / "log_data"):
            for record in log_records(path):
                if record.get("page") == "NextSong":
                    yield self.play(record)

    def play(self, record: dict[str, object]) -> Row:
        """The songplay row of one event, noting its user and timestamp."""
        ts, user_id = int(record["ts"]), int(record["userId"])
        item, level = int(record["itemInSession"]), str(clean(record["level"]))
        names = (clean(record.get(key)) or "" for key in ("firstName", "lastName", "gender"))
        self.note_user(user_id, (ts, level, *names))
        self.stamps.add(ts)
        song = self.match(record)
        song_id, artist_id = (song[0], song[2]) if song else (None, None)
        return (stamp_text(stamp(ts)), user_id, level, song_id, artist_id,
                int(record["sessionId"]), item, clean(record.get("location")),
                clean(record.get("userAgent")), clean(record.get("song")),
                clean(record.get("artist")), number(record.get("length")))  # fmt: skip

    def note_user(self, user_id: int, user: User) -> None:
        """Keep the user's latest play: by ts, then the greater level, names and gender."""
        known = self.users.get(user_id)
        if known is None or known < user:
            self.users[user_id] = user

    def match(self, record: dict[str, object]) -> Song | None:
        """The song whose title, artist name and duration equal the event's, if any."""
        title, artist, length = clean(record.get("song")), clean(record.get("artist")), None
        if record.get("length") is not None:
            length = Decimal(str(record["length"]))
        if title is None or artist is None or length is None:
            return None
        song = self.index.get((title, artist, length))
        self.matched += song is not None
        return song

    def user_rows(self) -> Iterator[Row]:
        """One users row per user, as of their latest play."""
        for user_id, (ts, level, first, last, gender) in sorted(self.users.items()):
            yield user_id, first or None, last or None, gender or None, level, stamp_text(stamp(ts))

    def time_rows(self) -> Iterator[Row]:
        """One time row per distinct play timestamp."""
        return (time_row(ts) for ts in sorted(self.stamps))


def write_csv(path: Path, rows: Iterable[Row]) -> int:
    """Write rows as CSV that COPY reads (None as an unquoted empty field); return how many."""
    count = 0
    with path.open("w", encoding="utf-8", newline="") as out:
        writer = csv.writer(out, lineterminator="\n")
        for row in rows:
            writer.writerow(row)
            count += 1
    return count


def write_floor(data: Path, out: Path) -> FloorRows:
    """Compute the five tables' rows from data/song_data and data/log_data into out/*.csv."""
    out.mkdir(parents=True, exist_ok=True)
    songs, artists = read_songs(data)
    counts = FloorRows()
    counts.artists = write_csv(out / "artists.csv", (artists[key] for key in sorted(artists)))
    counts.songs = write_csv(out / "songs.csv", (songs[key] for key in sorted(songs)))
    plays = Plays(song_index(songs, artists))
    counts.songplays = write_csv(out / "songplays.csv", plays.rows(data))
    counts.users = write_csv(out / "users.csv", plays.user_rows())
    counts.time = write_csv(out / "time.csv", plays.time_rows())
    counts.matched = plays.matched
    return counts


def source_digest() -> str:
    """A digest of this module's code: cached rows made by other code are made again."""
    return hashlib.sha256(Path(__file__).read_bytes()).hexdigest()


def ensure_floor(data: Path, out: Path) -> FloorRows:
    """The floor rows of data in out, reused if complete and made by this code, else written."""
    marker = out / MARKER
    if marker.is_file():
        saved = json.loads(marker.read_text())
        if saved.get("source") == source_digest():
            return FloorRows(**saved["counts"])
        marker.unlink()
    counts = write_floor(data, out)
    marker.write_text(json.dumps({"source": source_digest(), "counts": asdict(counts)}))
    return counts


def create_schema(dsn: str, foreign_keys: bool = False) -> None:
    """Our tables from the project's DDL: keys, unique constraints, index, and FKs if asked.

    Without the row counters: their triggers would make the floor's COPY keep every row in a
    transition table, which our bulk load does not do either (it counts once at the end).
    """
    plan = [
        step
        for step in schema_plan(distributed=False)
        if step[0] not in q.row_counter_create_queries
    ]
    if not foreign_keys:
        plan = [step for step in plan if step[0] not in q.songplay_foreign_keys_create]
        plan.append((SONG_FOREIGN_KEY_DROP, ()))
    run_steps(dsn, plan)


def create_unbuilt_schema(dsn: str) -> None:
    """The schema floor's tables: the project's, as a first bulk load has them before its builds."""
    run_steps(dsn, [*schema_plan(distributed=False), *((drop, ()) for drop in UNBUILT_QUERIES)])


def create_physical_schema(dsn: str) -> None:
    """The physical floor's plain tables, primary keys only (PHYSICAL_TABLES)."""
    create = sql.SQL("create table {} ({})")
    run_steps(
        dsn,
        (
            (create.format(sql.Identifier(table), sql.SQL(columns)), ())
            for table, columns in PHYSICAL_TABLES.items()
        ),
    )


def copy_statement(table: str, schema: str = "public") -> sql.Composed:
    """COPY of one table's CSV file."""
    return sql.SQL("copy {} ({}) from stdin with (format csv)").format(
        sql.Identifier(schema, table), sql.SQL(", ").join(map(sql.Identifier, COLUMNS[table]))
    )


def copy_rows(cur: psycopg2.extensions.cursor, folder: Path, schema: str = "public") -> None:
    """COPY the five CSV files into the tables of schema, parents first."""
    for table in COLUMNS:
        with (folder / f"{table}.csv").open("rb") as rows:
            cur.copy_expert(copy_statement(table, schema), rows)


@dataclass(frozen=True)
class Timed:
    """A floor's time: the COPY of the finished rows, then the builds after it, if any."""

    copy_s: float
    build_s: float = 0.0

    @property
    def seconds(self) -> float:
        """Both, in one transaction, commit included."""
        return self.copy_s + self.build_s


def time_copy(dsn: str, folder: Path, builds: Sequence[str] = ()) -> Timed:
    """COPY the five CSV files into the empty tables, then run builds, in one transaction."""
    conn = psycopg2.connect(dsn)
    try:
        start = time.perf_counter()
        with conn, conn.cursor() as cur:
            copy_rows(cur, folder)
            copied = time.perf_counter()
            for statement in builds:
                cur.execute(statement)
        return Timed(copied - start, time.perf_counter() - copied)
    finally:
        conn.close()
