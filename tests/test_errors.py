"""Errors a careless operator meets: plays whose user was deleted by hand.

The scripts run as subprocesses; each test asserts the exit code and every line printed.
"""

import subprocess
import sys
from pathlib import Path

import psycopg2.errors
import pytest

import etl
from helpers import DataDir, run_statements, scalar
from sparkify.db import database_error

REPO = Path(__file__).resolve().parent.parent


def run(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    """Run a repo script with the test's Python; capture its output."""
    return subprocess.run(
        [sys.executable, *args], cwd=REPO, env=env, capture_output=True, text=True, timeout=120
    )


def test_a_user_deleted_by_hand_sinks_no_later_load_and_the_check_finds_it(
    schema: str, data: DataDir
):
    data.log("1.json", {"itemInSession": 0}, {"userId": "8", "itemInSession": 1})
    assert etl.main(["--dsn", schema, "--data", str(data.root)]) == 0
    # User 8 deleted by hand, past the foreign key (as a superuser's replica mode also can).
    run_statements(
        schema,
        "alter table songplays drop constraint songplays_user_id_fkey",
        "delete from users where user_id = 8",
        "alter table songplays add constraint songplays_user_id_fkey"
        " foreign key (user_id) references users (user_id) not valid",
    )
    # As many new plays as the table holds: once a bulk load, which rebuilt the foreign keys
    # and failed on the orphan, load after load.
    data.log("2.json", {"sessionId": 2}, {"sessionId": 2, "itemInSession": 1})
    result = run("etl.py", "--dsn", schema, "--data", str(data.root), "--check")
    assert result.returncode == 5, result.stderr
    assert "FAIL songplay user in users (1 row)\n" in result.stdout
    assert scalar(schema, "select count(*) from songplays") == 4
    # The repair the error names: the files still hold user 8's play.
    repaired = run("etl.py", "--dsn", schema, "--data", str(data.root), "--full-refresh", "--check")
    assert repaired.returncode == 0, repaired.stderr
    assert "PASS songplay user in users (0 rows)\n" in repaired.stdout


def test_a_play_of_a_missing_user_is_named_with_its_repair(schema: str):
    run_statements(schema, "insert into time values ('2018-11-01', 0, 1, 44, 11, 2018, 3)")
    with pytest.raises(psycopg2.errors.ForeignKeyViolation) as failed:
        run_statements(
            schema,
            "insert into songplays (start_time, user_id, level, session_id, item_in_session)"
            " values ('2018-11-01', 8, 'free', 1, 0)",
        )
    assert str(database_error(failed.value, "the load was rolled back")) == (
        "the load was rolled back: songplays holds plays of user_id 8, which users does not "
        "hold (deleted by hand?): delete those plays, or load again with --full-refresh to "
        "restore the users row from the files (the data check 'songplay user in users' "
        "lists such plays)"
    )
