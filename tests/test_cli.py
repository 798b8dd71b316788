"""Both scripts as a user runs them: subprocesses, exit codes, exact messages, rows loaded."""

import os
import re
import subprocess
import sys
import time
from pathlib import Path

import pytest
from psycopg2.extensions import parse_dsn

from fix_db import missing_database
from helpers import DataDir, scalar

REPO = Path(__file__).resolve().parent.parent


def run(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    """Run a repo script with the test's Python; capture its output."""
    return subprocess.run(
        [sys.executable, *args], cwd=REPO, env=env, capture_output=True, text=True, timeout=300
    )


@pytest.mark.parametrize("script", ["create_tables.py", "etl.py"])
def test_help_explains_every_option(script: str):
    result = run(script, "--help")
    assert result.returncode == 0
    for option in ["--dsn", "--verbose", "DATABASE_URL", "embedded"]:
        assert option in result.stdout
    if script == "etl.py":
        assert "--data" in result.stdout


def test_create_tables_then_etl_load_and_report(dsn: str, data: DataDir):
    data.song()
    data.log("d.json", {"itemInSession": 0}, {"itemInSession": 1, "song": "Other"})
    created = run("create_tables.py", "--dsn", dsn)
    assert created.returncode == 0, created.stderr
    loaded = run("etl.py", "--dsn", dsn, "--data", str(data.root))
    assert loaded.returncode == 0, loaded.stderr
    assert re.search(r"^  songplays +2$", loaded.stdout, re.MULTILINE)
    assert "song plays matched to a song: 1 of 2 (50.00%)" in loaded.stdout
    assert scalar(dsn, "select count(*) from songplays") == 2


def test_create_tables_creates_a_missing_database(server: str):
    with missing_database(server) as missing:
        assert run("create_tables.py", "--dsn", missing).returncode == 0
        assert scalar(missing, "select count(*) from songplays") == 0
    database = parse_dsn(missing)["dbname"]
    assert scalar(server, "select count(*) from pg_database where datname = %s", (database,)) == 0


def test_etl_before_create_tables_says_what_to_do(dsn: str, data: DataDir):
    data.log("d.json", {})
    result = run("etl.py", "--dsn", dsn, "--data", str(data.root))
    assert result.returncode == 4
    assert result.stderr == "error: the star schema is missing: run python create_tables.py first\n"


def test_an_unreachable_server_fails_fast_in_one_line(data: DataDir):
    data.log("d.json", {})
    started = time.monotonic()
    result = run("etl.py", "--dsn", "postgresql://u:secret@127.0.0.1:1/x", "--data", str(data.root))
    assert time.monotonic() - started < 15
    assert result.returncode == 2
    assert result.stderr.startswith("error: cannot connect to ")
    assert result.stderr.count("\n") == 1
    assert "secret" not in result.stderr
    assert "Traceback" not in result.stderr


def test_a_dsn_that_does_not_parse_is_named(data: DataDir):
    data.log("d.json", {})
    result = run("etl.py", "--dsn", "not a dsn", "--data", str(data.root))
    assert result.returncode == 2
    assert result.stderr.startswith("error: the DSN does not parse")


def test_a_missing_data_folder_is_named(dsn: str, tmp_path: Path):
    result = run("etl.py", "--dsn", dsn, "--data", str(tmp_path / "nowhere"))
    assert result.returncode == 3
    assert result.stderr == (
        f"error: {tmp_path / 'nowhere' / 'song_data'} is not a directory: "
        "point --data at a folder holding it\n"
    )


def test_embedded_default_without_database_url(tmp_path: Path, data: DataDir):
    data.song()
    data.log("d.json", {})
    env = {k: v for k, v in os.environ.items() if k != "DATABASE_URL"}
    env["SPARKIFY_PGDATA"] = str(tmp_path / "pgdata")
    try:
        created = run("create_tables.py", env=env)
        assert created.returncode == 0, created.stderr
        assert "dbname=sparkifydb" in created.stdout
        loaded = run("etl.py", "--data", str(data.root), env=env)
        assert loaded.returncode == 0, loaded.stderr
        assert "song plays matched to a song: 1 of 1 (100.00%)" in loaded.stdout
    finally:
        stopped = run("-c", "from sparkify.db import stop_embedded; stop_embedded()", env=env)
        assert stopped.returncode == 0, stopped.stderr
