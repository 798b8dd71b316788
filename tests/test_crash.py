"""A load killed mid-way (SIGKILL) leaves the tables as they were; a re-run finishes the job."""

import os
import signal
import subprocess
import time
from pathlib import Path

import pytest

import create_tables
from fix_db import fresh_database
from helpers import load, query, scalar, start_load

TABLES = {
    "songplays": "start_time, user_id, level, song_id, artist_id, session_id, item_in_session,"
    " location, user_agent",
    "users": "*",
    "songs": "*",
    "artists": "*",
    "time": "*",
    "etl_files": "path, size, sha256, lines, rows_loaded, rejected, skipped",
    "etl_rejects": "file, line, reason, raw",
}
ACTIVE = """
select count(*)
from pg_stat_activity
where application_name = 'sparkify'
    and state = 'active'
    and ltrim(query, e' \\n') like %s
"""


def contents(dsn: str) -> dict[str, list[tuple]]:
    """Every row of every table the loader writes, without generated ids and times."""
    return {t: sorted(query(dsn, f"select {columns} from {t}"), key=repr)
            for t, columns in TABLES.items()}  # fmt: skip


@pytest.fixture(scope="module")
def clean_load(server: str, large_data: Path) -> dict[str, list[tuple]]:
    """The tables after one uninterrupted load, in a database of their own."""
    with fresh_database(server) as dsn:
        create_tables.create_schema(dsn)
        assert load(dsn, large_data) == 0
        return contents(dsn)


def wait_for_statement(dsn: str, prefix: str, timeout: float = 120) -> None:
    """Block until the loader's session runs a statement that starts with prefix."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if scalar(dsn, ACTIVE, (prefix + "%",)):
            return
        time.sleep(0.02)
    pytest.fail(f"the load never ran {prefix!r}")


@pytest.mark.parametrize("moment", ["copy stage_events", "insert into songplays"])
def test_a_killed_load_leaves_nothing_and_a_rerun_equals_a_clean_load(
    schema: str, large_data: Path, clean_load: dict[str, list[tuple]], moment: str, tmp_path: Path
):
    # A process group of its own: killing it takes the worker processes down with it.
    victim = start_load(schema, large_data, output=subprocess.DEVNULL, temp=tmp_path)
    wait_for_statement(schema, moment)
    os.killpg(victim.pid, signal.SIGKILL)
    victim.wait()
    assert all(rows == [] for rows in contents(schema).values())
    assert load(schema, large_data) == 0
    assert len(clean_load["songplays"]) > 100_000
    assert contents(schema) == clean_load
