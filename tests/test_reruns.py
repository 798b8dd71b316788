"""Re-runs: unchanged files are skipped, changed files merge, concurrent loads serialize."""

import logging
import os
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import psycopg2
import pytest
from psycopg2.extensions import make_dsn

import etl
import sparkify.load
import sql_queries as q
from helpers import DataDir, load, query, run_statements, scalar
from sparkify.db import connect
from sparkify.intake import Intake
from sparkify.load import ManifestScan
from sparkify.load import load as load_files
from sparkify.manifest import Manifest
from sparkify.read import Listed, walk_json

REPO = Path(__file__).resolve().parent.parent
WAITING = "another etl.py is loading this database: waiting for it\n"
TABLES = ["songplays", "users", "songs", "artists", "time"]


def snapshot(dsn: str) -> dict[str, list[tuple]]:
    """Every row of the star tables, without the generated songplay_id."""
    tables = {t: query(dsn, f"select * from {t} order by 1") for t in TABLES if t != "songplays"}
    tables["songplays"] = query(
        dsn,
        "select start_time, user_id, level, song_id, artist_id, session_id, item_in_session,"
        " location, user_agent from songplays order by user_id, session_id, item_in_session",
    )
    return tables


def test_a_rerun_skips_unchanged_files(schema: str, data: DataDir, capsys):
    data.song()
    data.log("d.json", {})
    assert load(schema, data) == 0
    first = scalar(schema, "select max(loaded_at) from etl_files")
    assert load(schema, data) == 0
    assert "files: 0 read, 2 unchanged and skipped" in capsys.readouterr().out
    assert scalar(schema, "select max(loaded_at) from etl_files") == first


def test_a_changed_file_is_read_again_and_merges(schema: str, data: DataDir):
    path = data.log("d.json", {"itemInSession": 0})
    assert load(schema, data) == 0
    data.append(path, path.read_bytes().replace(b'"itemInSession":0', b'"itemInSession":1'))
    assert load(schema, data) == 0
    assert scalar(schema, "select count(*) from songplays") == 2
    assert query(schema, "select lines, rows_loaded from etl_files") == [(2, 2)]


def test_full_refresh_reads_everything_and_doubles_nothing(schema: str, data: DataDir, capsys):
    data.song()
    data.log("d.json", {}, {"itemInSession": 1})
    assert load(schema, data) == 0
    before = snapshot(schema)
    assert load(schema, data, "--full-refresh") == 0
    assert "files: 2 read, 0 unchanged and skipped" in capsys.readouterr().out
    assert snapshot(schema) == before


def test_two_loads_at_once_serialize_and_double_nothing(schema: str, data: DataDir):
    data.song()
    for day in range(1, 11):
        events = [
            {"ts": 1541000000000 + day * 86_400_000 + n, "itemInSession": n} for n in range(300)
        ]
        data.log(f"2018-11-{day:02}-events.json", *({**e, "sessionId": day} for e in events))
    command = [sys.executable, "etl.py", "--dsn", schema, "--data", str(data.root)]
    runs = [subprocess.Popen(command, cwd=REPO, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                             text=True) for _ in range(2)]  # fmt: skip
    outputs = [run.communicate(timeout=120) for run in runs]
    assert [run.returncode for run in runs] == [0, 0], outputs
    assert scalar(schema, "select count(*) from songplays") == 3000
    # The second run waited for the first, then found every file loaded.
    files = [
        next(line for line in out.split("\n") if line.startswith("  files:")) for out, _ in outputs
    ]
    assert sorted(files) == [
        "  files: 0 read, 11 unchanged and skipped",
        "  files: 11 read, 0 unchanged and skipped",
    ]
    assert scalar(schema, "select count(*) from etl_files") == 11


def test_a_load_waits_for_the_one_holding_the_lock(schema: str, data: DataDir):
    data.log("d.json", {})
    holder = psycopg2.connect(schema)
    try:
        with holder.cursor() as cur:
            cur.execute(q.load_lock_wait)
        command = [sys.executable, "etl.py", "--dsn", schema, "--data", str(data.root)]
        waiting = subprocess.Popen(command, cwd=REPO, stdout=subprocess.PIPE,
                                   stderr=subprocess.PIPE, text=True)  # fmt: skip
        assert (
            waiting.stderr.readline() == "another etl.py is loading this database: waiting for it\n"
        )
        assert waiting.poll() is None
        assert scalar(schema, "select count(*) from songplays") == 0
    finally:
        holder.rollback()
        holder.close()
    assert waiting.wait(timeout=60) == 0
    assert scalar(schema, "select count(*) from songplays") == 1


def test_passwords_are_masked_in_the_summary(schema: str, data: DataDir, capsys):
    data.log("d.json", {})
    with_password = schema.replace("user=postgres", "user=postgres password=hunter2")
    assert load(with_password, data) == 0
    out = capsys.readouterr().out
    assert "hunter2" not in out
    assert "password=***" in out


def test_verbose_shows_the_traceback(data: DataDir):
    data.log("d.json", {})
    command = [sys.executable, "etl.py", "--dsn", "host=127.0.0.1 port=1", "--verbose"]
    result = subprocess.run([*command, "--data", str(data.root)], cwd=REPO,
                            capture_output=True, text=True)  # fmt: skip
    assert result.returncode == 2
    assert "Traceback" in result.stderr
    assert result.stderr.endswith(
        "\nerror: cannot connect to " + result.stderr.split("error: cannot connect to ")[-1]
    )


def constraints(dsn: str) -> list[str]:
    """Names of the keys and foreign keys of songplays and time."""
    tables = "'songplays'::regclass, 'time'::regclass"
    rows = query(dsn, f"select conname from pg_constraint where conrelid in ({tables}) order by 1")
    return [name for (name,) in rows]


def foreign_keys(dsn: str) -> list[str]:
    """Names of the foreign keys of songplays."""
    rows = query(dsn, "select conname from pg_constraint where conrelid = 'songplays'::regclass "
                      "and contype = 'f' order by 1")  # fmt: skip
    return [name for (name,) in rows]


def test_foreign_keys_stand_after_bulk_and_incremental_loads(schema: str, tmp_path: Path):
    keys = foreign_keys(schema)
    assert len(keys) == 4
    big, small = DataDir(tmp_path / "big"), DataDir(tmp_path / "small")
    big.log("b.json", *({"itemInSession": n, "ts": 1541105830796 + n} for n in range(5)))
    small.log("s.json", {"itemInSession": 99})
    assert load(schema, big) == 0  # into an empty songplays: keys dropped and added back
    assert foreign_keys(schema) == keys
    assert load(schema, small) == 0  # 1 play onto 5: keys kept throughout
    assert foreign_keys(schema) == keys
    assert scalar(schema, "select count(*) from songplays") == 6


def test_a_bulk_load_staging_a_play_twice_merges_again_and_keeps_every_key(
    schema: str, data: DataDir, caplog: pytest.LogCaptureFixture
):
    kept = constraints(schema)
    data.log("a.json", {"itemInSession": 0, "level": "free"})
    data.log("b.json", {"itemInSession": 0, "level": "free"}, {"itemInSession": 1})
    with caplog.at_level(logging.INFO, logger="sparkify.load"):
        assert load(schema, data) == 0
    assert "a play is staged twice: merging again, with on conflict" in caplog.messages
    assert scalar(schema, "select count(*) from songplays") == 2
    assert constraints(schema) == kept
    assert len(kept) == 7  # 2 keys of songplays, 4 foreign keys, the key of time


def rewrite_keeping_time(path: Path, old: bytes, new: bytes) -> None:
    """Replace bytes of a file by as many others, then give it back its modification time."""
    status = path.stat()
    assert len(old) == len(new)
    path.write_bytes(path.read_bytes().replace(old, new))
    os.utime(path, ns=(status.st_atime_ns, status.st_mtime_ns))


def age(*paths: Path, seconds: int = 3600) -> int:
    """Date files back (an hour), as files written long before the load that reads them.

    Returns their new modification time in ns.
    """
    then = time.time_ns() - seconds * 10**9
    for path in paths:
        os.utime(path, ns=(then, then))
    return then


def settled_song_and_log(data: DataDir) -> tuple[Path, Path]:
    """A song file (title "Aaa") and a log file (one play, item 1), dated an hour back."""
    song = data.song(song_id="SO1", title="Aaa")
    songs = data.root / "song_data" / "A" / "B" / "C" / f"{song['song_id']}.json"
    log = data.log("d.json", {"itemInSession": 1})
    age(songs, log)
    return songs, log


def test_a_file_settled_before_its_load_is_passed_over_by_size_and_time_alone(
    schema: str, data: DataDir, capsys
):
    songs, log = settled_song_and_log(data)
    assert load(schema, data) == 0
    # Bytes changed behind the same size and time: not hashed, so not seen (as make or rsync).
    rewrite_keeping_time(songs, b'"Aaa"', b'"Bbb"')
    rewrite_keeping_time(log, b'"itemInSession":1', b'"itemInSession":2')
    capsys.readouterr()
    assert load(schema, data) == 0
    assert "files: 0 read, 2 unchanged and skipped" in capsys.readouterr().out
    assert query(schema, "select title from songs") == [("Aaa",)]
    assert query(schema, "select item_in_session from songplays") == [(1,)]
    # A new time makes them unsure again: hashed, found changed, read again.
    age(songs, log)
    assert load(schema, data) == 0
    assert "files: 2 read, 0 unchanged and skipped" in capsys.readouterr().out
    assert query(schema, "select title from songs") == [("Bbb",)]
    assert query(schema, "select item_in_session from songplays order by 1") == [(1,), (2,)]


def test_a_file_written_just_before_its_load_is_hashed_whatever_its_time(
    schema: str, data: DataDir, capsys
):
    # Written within the file system's time resolution of the load, a file could be written
    # again unseen with the same time (git's racy clean): only its hash can tell.
    log = data.log("d.json", {"itemInSession": 1})
    assert load(schema, data) == 0
    settled = "select count(*) from etl_files where mtime_ns is not null"
    assert scalar(schema, settled) == 1  # its time is kept, but too recent to be trusted
    rewrite_keeping_time(log, b'"itemInSession":1', b'"itemInSession":2')
    capsys.readouterr()
    assert load(schema, data) == 0
    assert "files: 1 read, 0 unchanged and skipped" in capsys.readouterr().out
    assert query(schema, "select item_in_session from songplays order by 1") == [(1,), (2,)]


def test_a_manifest_made_before_file_times_gets_them_and_skips_its_files(
    schema: str, data: DataDir, capsys
):
    data.song()
    age(data.log("d.json", {}))
    assert load(schema, data) == 0
    run_statements(
        schema,
        "alter table etl_files drop column mtime_ns",
        "alter table etl_files drop column checked_at",
    )
    capsys.readouterr()
    assert load(schema, data) == 0
    assert "files: 0 read, 2 unchanged and skipped" in capsys.readouterr().out
    # Hashed and found unchanged, each file gets its time.
    assert scalar(schema, "select count(*) from etl_files where mtime_ns is null") == 0


def test_a_file_hashed_and_found_unchanged_is_passed_over_by_its_new_time_next(
    schema: str, data: DataDir, capsys
):
    songs, log = settled_song_and_log(data)
    assert load(schema, data) == 0
    # A copy of the folder, a checkout or a touch gives the files new times, not new bytes.
    moved = age(songs, log, seconds=3660)
    capsys.readouterr()
    assert load(schema, data) == 0
    assert "files: 0 read, 2 unchanged and skipped" in capsys.readouterr().out  # hashed
    times = "select mtime_ns from etl_files order by path"
    assert query(schema, times) == [(moved,), (moved,)]
    checked = "select count(*) from etl_files where checked_at > loaded_at"
    assert scalar(schema, checked) == 2
    # Checked, the new times settle: bytes changed behind them are not seen, as after a read.
    rewrite_keeping_time(songs, b'"Aaa"', b'"Bbb"')
    rewrite_keeping_time(log, b'"itemInSession":1', b'"itemInSession":2')
    assert load(schema, data) == 0
    assert "files: 0 read, 2 unchanged and skipped" in capsys.readouterr().out
    assert query(schema, "select title from songs") == [("Aaa",)]
    assert query(schema, "select item_in_session from songplays") == [(1,)]


def test_a_file_checked_just_after_it_was_written_is_hashed_again_next(
    schema: str, data: DataDir, capsys
):
    log = data.log("d.json", {"itemInSession": 1})
    age(log)
    assert load(schema, data) == 0
    os.utime(log)  # now: too recent to be trusted by the load that checks it
    assert load(schema, data) == 0
    rewrite_keeping_time(log, b'"itemInSession":1', b'"itemInSession":2')
    capsys.readouterr()
    assert load(schema, data) == 0
    assert "files: 1 read, 0 unchanged and skipped" in capsys.readouterr().out
    assert query(schema, "select item_in_session from songplays order by 1") == [(1,), (2,)]


def test_song_files_are_walked_and_looked_up_a_chunk_at_a_time(
    schema: str, data: DataDir, monkeypatch, capsys
):
    for n in range(7):
        data.song(song_id=f"SO{n}", title="Aaa")
    age(*(data.root / "song_data").rglob("*.json"), data.log("d.json", {}))
    monkeypatch.setattr(sparkify.load, "SONG_FILES_PER_LOOKUP", 3)
    monkeypatch.setattr(sparkify.load, "MANIFEST_PAGE_ROWS", 2)  # pages end inside chunks
    walked: list[int] = []  # items each walk gave so far
    lookups: list[tuple[int, int, int]] = []  # (paths, entries found, items walked by then)

    def counted_walk(root: Path) -> Iterator[Listed]:
        walked.append(0)
        for item in walk_json(root):
            walked[-1] += 1
            yield item

    def counted_entries(scan: ManifestScan, chunk: list[str]) -> Manifest:
        found = entries(scan, chunk)
        lookups.append((len(chunk), len(found), walked[-1]))
        return found

    entries = ManifestScan.entries
    monkeypatch.setattr(etl, "walk_json", counted_walk)
    monkeypatch.setattr(ManifestScan, "entries", counted_entries)
    assert load(schema, data) == 0
    assert load(schema, data) == 0
    # Per load: a counting walk, then the load's, read three song files at a time, no further.
    assert walked == [7, 7, 7, 7]
    assert lookups == [(3, 0, 3), (3, 0, 6), (1, 0, 7), (3, 3, 3), (3, 3, 6), (1, 1, 7)]
    assert "files: 0 read, 8 unchanged and skipped" in capsys.readouterr().out
    song = data.root / "song_data" / "A" / "B" / "C" / "SO5.json"
    song.write_bytes(song.read_bytes().replace(b'"Aaa"', b'"Bbbb"'))
    assert load(schema, data) == 0
    assert "files: 1 read, 7 unchanged and skipped" in capsys.readouterr().out
    assert query(schema, "select song_id from songs where title = 'Bbbb'") == [("SO5",)]


def test_song_files_out_of_path_order_are_found_in_the_manifest_all_the_same(
    schema: str, data: DataDir, monkeypatch
):
    for n in range(7):
        data.song(song_id=f"SO{n}")
    assert load(schema, data) == 0
    monkeypatch.setattr(sparkify.load, "SONG_FILES_PER_LOOKUP", 3)
    songs = sorted(str(path) for path in (data.root / "song_data").rglob("*.json"))
    # A chunk in order (scanned), one out of order, then one that comes before the scanned
    # chunk's last path: the last two are looked up by their paths.
    given = [songs[0], songs[2], songs[4], songs[5], songs[6], songs[1], songs[3]]
    conn = connect(schema)
    try:
        with Intake("out-of-order") as intake:
            assert load_files(conn, intake, given, []).intake.files_unchanged == 7
    finally:
        conn.close()


@pytest.mark.parametrize("isolation", ["repeatable read", "serializable"])
def test_loads_run_under_a_stricter_default_isolation(schema: str, data: DataDir, isolation: str):
    # The plays' COPY FREEZE refuses a transaction with a cursor open or an older snapshot: the
    # manifest's cursor is closed before it, and a transaction's own snapshot is allowed.
    setting = "default_transaction_isolation=" + isolation.replace(" ", "\\ ")  # libpq's escape
    strict = make_dsn(schema, options=f"-c {setting}")
    data.song()
    data.log("d.json", {})
    assert load(strict, data) == 0
    data.log("e.json", {"itemInSession": 1})  # the song file is found in the manifest's cursor
    assert load(strict, data) == 0
    assert scalar(strict, "show transaction_isolation") == isolation
    assert scalar(schema, "select count(*) from songplays") == 2
