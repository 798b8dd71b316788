"""Errors a careless operator meets: a DSN libpq cannot parse, an empty DSN, orphaned plays.

The scripts run as subprocesses; each test asserts the exit code and every line printed.
"""

import os
import subprocess
import sys
from pathlib import Path

import psycopg2.errors
import pytest

from helpers import DataDir, load, run_statements, scalar
from sparkify.db import database_error

REPO = Path(__file__).resolve().parent.parent
SCRIPTS = [["etl.py"], ["create_tables.py"], ["-m", "tools.readme_plot"]]
PASSWORD = "Zq7pa55"


def run(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    """Run a repo script with the test's Python; capture its output."""
    return subprocess.run(
        [sys.executable, *args], cwd=REPO, env=env, capture_output=True, text=True, timeout=120
    )


# DSNs holding PASSWORD that libpq cannot parse, or parses into something that cannot connect;
# each of libpq's messages about them quotes the input, password and all.
MALFORMED = [
    f"postgresql://me:{PASSWORD}%zz@db.example.com/sparkifydb",  # not a %-escape
    f"postgresql://me:{PASSWORD}%00@db.example.com/sparkifydb",  # a NUL escape
    f'postgresql://me:"{PASSWORD}"%zz@db.example.com/sparkifydb',  # quotes in the password
    f'postgresql://me:="{PASSWORD}%zz@db.example.com/sparkifydb',
    f"postgresql://me:{PASSWORD}@[::1/sparkifydb",  # IPv6 address not closed
    f"postgresql://me:{PASSWORD}@[::1]x/sparkifydb",  # a stray character
    f"postgresql://me:{PASSWORD}@db.example.com/sparkifydb?sslmode==require",
    f"postgresql://me:{PASSWORD}@db.example.com/sparkifydb?sslmode",
    f"postgresql://me:{PASSWORD}@db.example.com/sparkifydb?pasword=x",  # unknown parameter
    f"postgresql://me:{PASSWORD[:3]}/{PASSWORD[3:]}@127.0.0.1/sparkifydb",  # a raw "/"
    f"host=127.0.0.1 password='{PASSWORD}",  # quote not closed
    f"host=127.0.0.1 password= {PASSWORD} port=x",
    f"host=127.0.0.1 {PASSWORD}",  # no "="
]


@pytest.mark.parametrize("script", SCRIPTS[:2], ids=["etl", "create_tables"])
@pytest.mark.parametrize("dsn", MALFORMED)
def test_no_line_shows_the_password_of_a_malformed_dsn(script: list[str], dsn: str):
    for verbose in [[], ["--verbose"]]:
        result = run(*script, "--dsn", dsn, *verbose)
        assert result.returncode == 2, result.stderr
        for piece in [PASSWORD, PASSWORD[:3], PASSWORD[3:]]:
            assert piece not in result.stdout + result.stderr
        if not verbose:
            assert result.stdout == ""
            assert result.stderr.startswith("error: ")
            assert result.stderr.count("\n") == 1


def test_a_percent_that_is_no_escape_is_named_without_the_password():
    result = run("etl.py", "--dsn", "postgresql://me:50%zz@db.example.com/db")
    assert result.returncode == 2
    assert result.stderr == (
        'error: the DSN does not parse (invalid percent-encoded token: "***"): '
        "check --dsn or DATABASE_URL\n"
    )


EMPTY_DSN = (
    "error: --dsn is empty (an unset shell variable?): give a connection string, "
    "or leave --dsn out to use DATABASE_URL or the embedded PostgreSQL\n"
)
EMPTY_URL = (
    "error: DATABASE_URL is set but empty: give it a connection string, "
    "or unset it to use the embedded PostgreSQL\n"
)


@pytest.mark.parametrize("script", SCRIPTS, ids=["etl", "create_tables", "readme_plot"])
@pytest.mark.parametrize(
    ("dsn", "url", "message"),
    [("", None, EMPTY_DSN), (" ", None, EMPTY_DSN), (None, "", EMPTY_URL), (None, " ", EMPTY_URL)],
    ids=["--dsn ''", "--dsn ' '", "DATABASE_URL=''", "DATABASE_URL=' '"],
)
def test_an_empty_dsn_is_an_error_not_the_embedded_database(
    tmp_path: Path, script: list[str], dsn: str | None, url: str | None, message: str
):
    env = {k: v for k, v in os.environ.items() if k != "DATABASE_URL"}
    env["SPARKIFY_PGDATA"] = str(tmp_path / "pgdata")
    if url is not None:
        env["DATABASE_URL"] = url
    options = [] if dsn is None else ["--dsn", dsn]
    if script[-1] == "tools.readme_plot":
        options += ["--out", str(tmp_path / "chart.png")]
    try:
        result = run(*script, *options, env=env)
    finally:  # had it started the embedded server, it would be running still
        if (tmp_path / "pgdata" / "postmaster.pid").exists():
            run("-c", "from sparkify.db import stop_embedded; stop_embedded()", env=env)
    assert result.returncode == 2
    assert result.stderr == message
    assert result.stdout == ""
    assert not (tmp_path / "pgdata").exists()  # the embedded server was not even started
    assert not (tmp_path / "chart.png").exists()


def test_a_user_deleted_by_hand_sinks_no_later_load_and_the_check_finds_it(
    schema: str, data: DataDir
):
    data.log("1.json", {"itemInSession": 0}, {"userId": "8", "itemInSession": 1})
    assert load(schema, data) == 0
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
