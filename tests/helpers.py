"""Helpers for the tests: queries, hand-made data folders in the real layout, and the load.

The databases they run on come from fix_db.py.
"""

import os
import subprocess
import sys
from collections import Counter
from pathlib import Path

import orjson
from psycopg2 import sql

import etl
from bench.citus import STAR_TABLES, TABLE_COLUMNS
from tools.pg import execute, query, run_steps  # noqa: F401 (the tests import them from here)

REPO = Path(__file__).resolve().parent.parent


def run_statements(dsn: str, *statements: str) -> None:
    """Run statements in one transaction (to change or corrupt a database under test)."""
    run_steps(dsn, ((statement, ()) for statement in statements))


def scalar(dsn: str, statement: str, params: tuple = ()) -> object:
    """The single value of one query."""
    return query(dsn, statement, params)[0][0]


def star_rows(dsn: str) -> dict[str, list[tuple]]:
    """Every row of the five star tables, all columns but the generated songplay_id, sorted."""
    rows = {}
    for table in STAR_TABLES:
        names = [name for (name,) in query(dsn, TABLE_COLUMNS, (table,))]
        columns = sql.SQL(", ").join(map(sql.Identifier, names))
        select = sql.SQL("select {} from {}").format(columns, sql.Identifier(table))
        rows[table] = sorted(query(dsn, select), key=repr)
    return rows


def differences(left: dict[str, list[tuple]], right: dict[str, list[tuple]]) -> dict[str, str]:
    """Per table that differs, how many rows only each side holds and the first of them."""
    found = {}
    for table in left.keys() | right.keys():
        only_left = Counter(left.get(table, [])) - Counter(right.get(table, []))
        only_right = Counter(right.get(table, [])) - Counter(left.get(table, []))
        if only_left or only_right:
            first = [min(side, key=repr) for side in (only_left, only_right) if side]
            found[table] = (
                f"{only_left.total()} rows only on the left, {only_right.total()} only on the "
                f"right, first: {first}"
            )
    return found


# The known facts of the real Udacity sample, each a query and its value once it is loaded.
FACTS = {
    "select count(*) from songplays": 6820,
    "select count(*) from users": 96,
    "select count(*) from users where level = 'paid'": 22,
    "select count(*) from songs": 71,
    "select count(*) from artists": 69,
    "select count(*) from time": 6813,
    "select count(*) from songplays where song_id is not null": 1,
}


def facts(dsn: str) -> dict[str, object]:
    """The value of each fact's query."""
    return {statement: scalar(dsn, statement) for statement in FACTS}


SONG = {
    "num_songs": 1,
    "artist_id": "ARTEST0001",
    "artist_latitude": 64.1,
    "artist_longitude": -21.9,
    "artist_location": "Reykjavík, Iceland",
    "artist_name": "Sigur Rós",
    "song_id": "SOTEST0001",
    "title": "Hoppípolla",
    "duration": 268.27,
    "year": 2005,
}

TS = 1541105830796  # the default event's ts: 2018-11-01 20:57:10.796 UTC

EVENT = {
    "artist": "Sigur Rós",
    "auth": "Logged In",
    "firstName": "Ada",
    "gender": "F",
    "itemInSession": 0,
    "lastName": "Lovelace",
    "length": 268.27,
    "level": "free",
    "location": "London, UK",
    "method": "PUT",
    "page": "NextSong",
    "registration": 1540919166796.0,
    "sessionId": 1,
    "song": "Hoppípolla",
    "status": 200,
    "ts": TS,
    "userAgent": "Mozilla/5.0",
    "userId": "7",
}


class DataDir:
    """A hand-made data folder in the real layout: song_data/ and log_data/."""

    def __init__(self, root: Path) -> None:
        self.root = root
        (root / "song_data").mkdir(parents=True)
        (root / "log_data").mkdir(parents=True)

    def song(self, **fields: object) -> dict:
        """Write one song file: the default song with fields replaced."""
        record = {**SONG, **fields}
        song_id = str(record["song_id"])
        path = self.root / "song_data" / "A" / "B" / "C" / f"{song_id}.json"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(orjson.dumps(record))
        return record

    def log(self, name: str, *events: dict) -> Path:
        """Write one log file of events, each the default event with its fields replaced."""
        path = self.root / "log_data" / "2018" / "11" / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(b"".join(orjson.dumps({**EVENT, **e}) + b"\n" for e in events))
        return path

    def append(self, path: Path, raw: bytes) -> None:
        """Append raw bytes to a file, as corrupt or odd input."""
        with path.open("ab") as file:
            file.write(raw)


def load(dsn: str, data: DataDir | Path, *options: str) -> int:
    """etl.main on a data folder (a DataDir or its path) into dsn, with options: its exit code."""
    root = data.root if isinstance(data, DataDir) else data
    return etl.main(["--dsn", dsn, "--data", str(root), *options])


def start_load(
    dsn: str, data: Path, output: int = subprocess.PIPE, temp: Path | None = None
) -> subprocess.Popen[str]:
    """Start etl.py as a terminal would: the leader of a process group of its own.

    temp: its temporary folder, for a load the test kills outright: the forkserver's socket
    folder, which only etl.py's own exit removes, is then left there, not in /tmp.
    """
    command = [sys.executable, "etl.py", "--dsn", dsn, "--data", str(data)]
    env = {**os.environ, "TMPDIR": str(temp)} if temp else None
    return subprocess.Popen(command, cwd=REPO, stdout=output, stderr=output, text=True,
                            start_new_session=True, env=env)  # fmt: skip
