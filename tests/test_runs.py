"""etl_runs: one row per run, committed with its data, or written after a rollback."""

import signal
import subprocess
import sys
import time
from pathlib import Path

import psycopg2

import sql_queries as q
from helpers import DataDir, load, query, run_statements

REPO = Path(__file__).resolve().parent.parent
RUN_COLUMNS = (
    "outcome, reason, files_read, files_unchanged, rejected, songplays_added, users_added, "
    "songs_added, artists_added, time_added, matched_plays"
)


def runs(dsn: str) -> list[tuple]:
    """The runs recorded, oldest first, without their ids and times."""
    return query(dsn, f"select {RUN_COLUMNS} from etl_runs order by started_at")


def run_etl(dsn: str, data: DataDir) -> subprocess.CompletedProcess[str]:
    """etl.py as a user runs it."""
    return subprocess.run(
        [sys.executable, "etl.py", "--dsn", dsn, "--data", str(data.root)],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_each_committed_run_records_what_it_did(schema: str, data: DataDir):
    data.song()
    data.log("a.json", {"itemInSession": 0}, {"itemInSession": 1, "userId": "8", "song": "x"})
    data.append(data.log("b.json", {"itemInSession": 2}), b"{not json\n")
    done = run_etl(schema, data)
    assert done.returncode == 0, done.stderr
    (run_id,) = query(schema, "select run_id from etl_runs")[0]
    assert f"\nthis run (id {run_id}, in etl_runs):\n" in done.stdout
    data.log("c.json", {"itemInSession": 3})
    assert load(schema, data) == 0
    assert runs(schema) == [
        ("committed", None, 3, 0, 1, 3, 2, 1, 1, 1, 2),
        ("committed", None, 1, 3, 0, 1, 0, 0, 0, 0, 3),
    ]
    started, ended = query(schema, "select started_at, ended_at from etl_runs")[0]
    assert started < ended


def test_a_run_that_rolls_back_is_recorded_after_the_rollback(schema: str, data: DataDir):
    data.log("a.json", {"itemInSession": 0})
    run_statements(schema, "alter table users add constraint no_ada check (first_name <> 'Ada')")
    done = run_etl(schema, data)
    assert done.returncode == 2
    assert done.stderr.startswith("error: the load was rolled back: new row for relation")
    ((outcome, reason, files, *_),) = runs(schema)
    assert (outcome, files) == ("rolled back", None)
    assert f"error: {reason}\n" == done.stderr
    assert query(schema, "select count(*) from songplays") == [(0,)]


def test_an_interrupted_run_is_recorded(schema: str, data: DataDir):
    data.log("a.json", {"itemInSession": 0})
    holder = psycopg2.connect(schema)  # holds the load lock, so that the run waits for it
    try:
        with holder.cursor() as cur:
            cur.execute(q.load_lock_wait)
        loader = subprocess.Popen(
            [sys.executable, "etl.py", "--dsn", schema, "--data", str(data.root)],
            cwd=REPO,
            stderr=subprocess.PIPE,
            text=True,
        )
        assert loader.stderr is not None
        assert "waiting for it" in loader.stderr.readline()
        loader.send_signal(signal.SIGINT)
        time.sleep(0.5)
    finally:
        holder.rollback()  # lets a loader that ignores Ctrl-C while it waits go on to notice it
        holder.close()
    assert loader.wait(timeout=60) == 130
    assert runs(schema)[0][:3] == ("interrupted", "interrupted (Ctrl-C)", None)
    assert query(schema, "select count(*) from songplays") == [(0,)]


def test_last_runs_lists_the_latest_first(schema: str, data: DataDir):
    data.log("a.json", {"itemInSession": 0})
    assert load(schema, data) == 0
    assert load(schema, data) == 0
    last = query(schema, q.last_runs, {"limit": 5})
    assert [row[5] for row in last] == [0, 1]  # files read: the second run read none
    assert last[0][1] > last[1][1]
