"""Shaping in worker processes gives exactly what shaping in one process gives."""

import pytest
from conftest import fresh_database

import create_tables
import etl
from helpers import DataDir, query
from sparkify import intake

TABLES = {
    "songplays": "start_time, user_id, level, song_id, artist_id, session_id, item_in_session,"
    " location, user_agent",
    "users": "*",
    "time": "*",
    "etl_files": "size, sha256, lines, rows_loaded, rejected, skipped",
    "etl_rejects": "line, reason, raw",
}


def loaded(server: str, data: DataDir, capsys: pytest.CaptureFixture[str]) -> tuple:
    """Every row the loader writes, and its summary, after loading data into a new database."""
    with fresh_database(server) as dsn:
        create_tables.create_schema(dsn)
        assert etl.main(["--dsn", dsn, "--data", str(data.root)]) == 0
        tables = {t: sorted(query(dsn, f"select {c} from {t}"), key=repr) for t, c in
                  TABLES.items()}  # fmt: skip
    # Without the first line (the database) and the last (the run id).
    summary = capsys.readouterr().out.split("\n")[1:-2]
    return tables, summary


def test_workers_and_one_process_load_the_same(
    server: str, data: DataDir, monkeypatch: pytest.MonkeyPatch, capsys
):
    mojibake = "Björk".encode().decode("latin-1").encode().decode("latin-1")
    for day in range(1, 4):
        start = 1541000000000 + day * 86_400_000
        events = [{"ts": start + n * 1000, "sessionId": day, "itemInSession": n,
                   "level": ("free", "paid")[n % 2]} for n in range(25)]  # fmt: skip
        events[3]["artist"] = mojibake
        events[4]["page"] = "Home"
        path = data.log(f"2018-11-{day:02}-events.json", *events)
        data.append(path, b"{broken\n\n" + b'{"page": "NextSong", "ts": "x"}\n')
    monkeypatch.setattr(intake, "LINES_PER_CHUNK", 4)  # many chunks, across files
    serial = loaded(server, data, capsys)
    monkeypatch.setattr(intake, "PARALLEL_FROM_BYTES", 0)
    parallel = loaded(server, data, capsys)
    assert parallel == serial
    assert len(serial[0]["songplays"]) == 3 * 24
    assert len(serial[0]["etl_rejects"]) == 3 * 2
    assert "mis-decoded text repaired: 3 (artist 3)" in serial[1]
    assert "rejected records: 6" in serial[1]
