"""Shaping in worker processes gives exactly what shaping in one process gives."""

import hashlib
import io
import re
import zlib

import orjson
import pytest
from hypothesis import given
from hypothesis import strategies as st

import create_tables
from fix_db import fresh_database
from helpers import EVENT, DataDir, load, query
from sparkify import intake, logblocks

RUN_ID = re.compile(r"\b[0-9]{8}T[0-9]{6}-[0-9a-f]{6}\b")
TABLES = {
    "songplays": "start_time, user_id, level, song_id, artist_id, session_id, item_in_session,"
    " location, user_agent",
    "users": "*",
    "time": "*",
    "songs": "*",
    "artists": "*",
    "etl_files": "size, sha256, lines, rows_loaded, rejected, skipped",
    "etl_rejects": "line, reason, raw",
}


def loaded(server: str, data: DataDir, capsys: pytest.CaptureFixture[str]) -> tuple:
    """Every row the loader writes, and its summary, after loading data into a new database."""
    with fresh_database(server) as dsn:
        create_tables.create_schema(dsn)
        assert load(dsn, data) == 0
        tables = {t: sorted(query(dsn, f"select {c} from {t}"), key=repr) for t, c in
                  TABLES.items()}  # fmt: skip
    # Without the first line (the database), and with each run id the same.
    summary = RUN_ID.sub("<run id>", capsys.readouterr().out).split("\n")[1:]
    return tables, [line.strip() for line in summary]


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
    for n in range(7):
        data.song(song_id=f"SO{n}", artist_id=f"AR{n % 3}", artist_name=("x", mojibake)[n % 2])
    data.song(song_id="SO7", title="")  # rejected
    monkeypatch.setattr(logblocks, "BLOCK_BYTES", 100)  # many blocks, cut inside lines
    monkeypatch.setattr(intake, "SONG_FILES_PER_BATCH", 2)
    serial = loaded(server, data, capsys)
    monkeypatch.setattr(intake, "PARALLEL_FROM_BYTES", 0)
    monkeypatch.setattr(intake, "PARALLEL_FROM_FILES", 0)
    parallel = loaded(server, data, capsys)
    assert parallel == serial
    assert len(serial[0]["songplays"]) == 3 * 24
    assert len(serial[0]["songs"]) == 7
    assert len(serial[0]["etl_rejects"]) == 3 * 2 + 1
    assert "mis-decoded text repaired: 6 (artist 3, artist_name 3)" in serial[1]
    assert "rejected records: 7" in serial[1]


@given(
    content=st.binary(max_size=300), block_bytes=st.integers(1, 64), max_record=st.integers(1, 80)
)
def test_blocks_hold_whole_lines_and_the_whole_content(
    content: bytes, block_bytes: int, max_record: int
):
    digest = hashlib.sha256()
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(logblocks, "BLOCK_BYTES", block_bytes)
        patch.setattr(logblocks, "MAX_RECORD_BYTES", max_record)
        spans = list(logblocks.line_spans(io.BytesIO(content), digest))
    blocks = [content[span.offset : span.offset + span.length] for span in spans]
    assert b"".join(blocks) == content
    assert all(block.endswith(b"\n") for block in blocks[:-1])
    assert all(blocks)
    assert digest.hexdigest() == hashlib.sha256(content).hexdigest()
    for span, block in zip(spans, blocks, strict=True):
        if span.too_long:  # one line, longer than the limit, never read whole
            assert b"\n" not in block[:-1]
            assert span.too_long == len(block.removesuffix(b"\n")) > max_record
        else:
            assert span.crc == zlib.crc32(block)


def test_shaping_returns_what_it_repaired_each_time():
    line = orjson.dumps({**EVENT, "artist": "BjÃ¶rk"}) + b"\n"
    first, again = logblocks.shape_lines(line * 2), logblocks.shape_lines(line)
    assert (first.repairs, again.repairs) == ({"artist": 2}, {"artist": 1})
