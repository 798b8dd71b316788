"""The data checks: all pass on correct loads, each fails on the corruption it targets."""

import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import psycopg2
import pytest
from psycopg2 import sql

import sql_queries as q
from fix_db import loaded_database
from helpers import DataDir, load, run_statements
from sparkify.checks import CheckResult, describe, evaluate, run_check, run_checks
from sparkify.errors import DatabaseError

REPO = Path(__file__).resolve().parent.parent


def write_sample(data: DataDir) -> None:
    """Two songs by two artists; user 7 plays the first, user 8 plays something unknown."""
    data.song(song_id="SO1")
    data.song(song_id="SO2", artist_id="ARTEST0002", artist_name="Múm", title="Grasi", duration=9.0)
    data.log(
        "d.json",
        {"itemInSession": 0},
        {"itemInSession": 1, "ts": 1541105831796, "song": "Unknown"},
        {"userId": "8", "level": "paid", "sessionId": 2, "song": "Unknown"},
    )


@pytest.fixture
def loaded(schema: str, data: DataDir) -> str:
    """A database holding the small hand-made sample, loaded through helpers.load."""
    write_sample(data)
    assert load(schema, data) == 0
    return schema


@pytest.fixture(scope="module")
def shared_sample(server: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """One database holding the hand-made sample for tests that roll their changes back."""
    data = DataDir(tmp_path_factory.mktemp("shared") / "data")
    write_sample(data)
    with loaded_database(server, data) as dsn:
        yield dsn


def check(dsn: str) -> list[CheckResult]:
    """Run every data check on dsn."""
    conn = psycopg2.connect(dsn)
    try:
        return run_checks(conn)
    finally:
        conn.close()


def failed(dsn: str) -> set[str]:
    """The names of the checks that fail on dsn."""
    return {result.name for result in check(dsn) if not result.passed}


def test_every_check_constant_is_in_the_list():
    # Checks are text (hand-written) or sql.Composed (declared); the wrappers are sql.SQL.
    constants = [
        value
        for name, value in vars(q).items()
        if name.startswith("check_") and isinstance(value, str | sql.Composed)
    ]
    # Composed SQL is not hashable, so no sets: as many constants as checks, each one listed.
    assert len(constants) == len(q.data_checks) == 17
    assert all(constant in q.data_checks.values() for constant in constants)


def test_all_checks_pass_on_an_empty_schema(schema: str):
    assert [result.status for result in check(schema)] == ["PASS"] * len(q.data_checks)


def test_all_checks_pass_on_a_hand_made_load(shared_sample: str):
    results = check(shared_sample)
    assert [result.name for result in results] == list(q.data_checks)
    assert all(result.passed and result.sample == [] for result in results)


def test_all_checks_pass_on_the_real_sample(schema: str, real_sample: Path):
    assert load(schema, real_sample) == 0
    assert failed(schema) == set()


# Each case: the checks it must fail, and the statements that break the data.
# Constraints are dropped first where the schema itself would refuse the corruption.
CORRUPTIONS = {
    "duplicate songplay_id": (
        {"songplay_id unique and not null"},
        "insert into songplays (songplay_id, start_time, user_id, level, session_id, "
        "item_in_session) overriding system value "
        "select songplay_id, start_time, 8, 'paid', 9, 9 from songplays where song_id = 'SO1'",
    ),
    "duplicate natural key": (
        {"songplay natural key unique and not null"},
        "alter table songplays drop constraint songplays_play_key",
        "insert into songplays (start_time, user_id, level, session_id, item_in_session) "
        "select start_time, user_id, level, session_id, item_in_session "
        "from songplays where user_id = 8",
    ),
    "duplicate user": (
        {"user_id unique and not null"},
        "alter table users drop constraint users_pkey cascade",
        "insert into users select * from users where user_id = 8",
    ),
    "null user_id": (
        {"user_id unique and not null"},
        "alter table users drop constraint users_pkey cascade",
        "alter table users alter column user_id drop not null",
        "insert into users (level, last_played_at) values ('free', now())",
    ),
    "duplicate song": (
        {"song_id unique and not null"},
        "alter table songs drop constraint songs_pkey cascade",
        "insert into songs select * from songs where song_id = 'SO2'",
    ),
    "duplicate artist": (
        {"artist_id unique and not null"},
        "alter table artists drop constraint artists_pkey cascade",
        "insert into artists select * from artists where artist_id = 'ARTEST0002'",
    ),
    "duplicate start_time": (
        {"time start_time unique and not null"},
        "alter table time drop constraint time_pkey cascade",
        "insert into time select * from time limit 1",
    ),
    "songplay of a missing user": (
        {"songplay user in users"},
        "alter table songplays drop constraint songplays_user_id_fkey",
        "delete from users where user_id = 8",
    ),
    "songplay of a missing time": (
        {"songplay start_time in time"},
        "alter table songplays drop constraint songplays_start_time_fkey",
        "delete from time where start_time = (select min(start_time) from time)",
    ),
    "songplay of a missing song": (
        {"songplay song in songs"},
        "alter table songplays drop constraint songplays_song_id_fkey",
        "delete from songs where song_id = 'SO1'",
    ),
    # A played artist that is gone is also gone for its song: two rules break.
    "songplay of a missing artist": (
        {"songplay artist in artists", "song artist in artists"},
        "alter table songplays drop constraint songplays_artist_id_fkey",
        "alter table songs drop constraint songs_artist_id_fkey",
        "delete from artists where artist_id = 'ARTEST0001'",
    ),
    "songplay of another artist": (
        {"songplay artist is its song's artist"},
        "update songplays set artist_id = 'ARTEST0002' where song_id = 'SO1'",
    ),
    "unmatched songplay with an artist": (
        {"songplay artist is its song's artist"},
        "update songplays set artist_id = 'ARTEST0002' where song_id is null",
    ),
    "matched play of another length": (
        {"songplay played song is its song"},
        "update songplays set song_length = song_length + 1 where song_id = 'SO1'",
    ),
    "missed match": (
        {"songplay unmatched only where no song matches"},
        "update songplays set song_id = null, artist_id = null where song_id = 'SO1'",
    ),
    "song of a missing artist": (
        {"song artist in artists"},
        "alter table songs drop constraint songs_artist_id_fkey",
        "delete from artists where artist_id = 'ARTEST0002'",
    ),
    "songplay level gold": (
        {"songplay level free or paid"},
        "update songplays set level = 'gold' where user_id = 8",
    ),
    "user level Paid": (
        {"user level free or paid"},
        "update users set level = 'Paid' where user_id = 8",
    ),
    "time hour off by one": (
        {"time columns match start_time"},
        "update time set hour = (hour + 1) % 24 where start_time = (select min(start_time) "
        "from time)",
    ),
    "time weekday counted from Sunday": (
        {"time columns match start_time"},
        "update time set weekday = (weekday + 1) % 7",
    ),
}


@pytest.mark.parametrize(("expected", "statements"), [
    pytest.param(expected, statements, id=case)
    for case, (expected, *statements) in CORRUPTIONS.items()
])  # fmt: skip
def test_each_check_fails_on_the_corruption_it_targets(
    shared_sample: str, expected: set[str], statements: list[str]
):
    # Corrupt and check in one transaction, then roll back: the next case finds the sample intact.
    conn = psycopg2.connect(shared_sample)
    try:
        with conn.cursor() as cur:
            for statement in statements:
                cur.execute(statement)
            results = evaluate(cur)
    finally:
        conn.rollback()
        conn.close()
    assert {result.name for result in results if not result.passed} == expected


def test_every_check_has_a_corruption_that_fails_it():
    targeted = set().union(*(expected for expected, *_ in CORRUPTIONS.values()))
    assert targeted == set(q.data_checks)


def test_a_failed_check_counts_every_row_and_keeps_a_sample(loaded: str):
    run_statements(loaded, "update songplays set level = 'gold'")
    conn = psycopg2.connect(loaded)
    try:
        with conn, conn.cursor() as cur:
            result = run_check(cur, "levels", q.check_songplay_level_accepted, sample_rows=2)
    finally:
        conn.close()
    assert result == CheckResult("levels", 3, [(1, "gold"), (2, "gold")])
    assert describe(result) == "FAIL levels (3 rows)"


def test_describe_says_pass_and_the_count():
    assert describe(CheckResult("x", 0, [])) == "PASS x (0 rows)"
    assert describe(CheckResult("x", 1, [(1,)])) == "FAIL x (1 row)"
    assert describe(CheckResult("x", 12345, [(1,)])) == "FAIL x (12,345 rows)"


def test_checks_on_a_database_without_the_schema_name_the_problem(dsn: str):
    conn = psycopg2.connect(dsn)
    try:
        with pytest.raises(DatabaseError, match=r"^the data checks could not run: .*songplays"):
            run_checks(conn)
    finally:
        conn.close()


def run_etl(*args: str) -> subprocess.CompletedProcess[str]:
    """Run etl.py as a user does."""
    return subprocess.run(
        [sys.executable, "etl.py", *args], cwd=REPO, capture_output=True, text=True, timeout=300
    )


def test_etl_check_prints_a_pass_line_per_check_and_exits_0(schema: str, data: DataDir):
    write_sample(data)
    result = run_etl("--dsn", schema, "--data", str(data.root), "--check")
    assert result.returncode == 0, result.stderr
    lines = [line for line in result.stdout.splitlines() if line.startswith(("PASS", "FAIL"))]
    assert lines == [f"PASS {name} (0 rows)" for name in q.data_checks]
    assert result.stderr == ""


def test_etl_check_exits_5_and_names_the_failed_check(loaded: str, data: DataDir):
    run_statements(loaded, "update songplays set level = 'gold'")
    result = run_etl("--dsn", loaded, "--data", str(data.root), "--check")
    assert result.returncode == 5
    assert "FAIL songplay level free or paid (3 rows)\n" in result.stdout
    assert result.stdout.count("FAIL") == 1
    assert result.stderr == (
        "error: 1 of 17 data checks failed (songplay level free or paid): "
        "--verbose or test.ipynb shows the offending rows\n"
    )


def test_etl_without_check_runs_no_checks(loaded: str, data: DataDir):
    run_statements(loaded, "update songplays set level = 'gold'")
    result = run_etl("--dsn", loaded, "--data", str(data.root))
    assert result.returncode == 0, result.stderr
    assert "PASS" not in result.stdout
    assert "FAIL" not in result.stdout
