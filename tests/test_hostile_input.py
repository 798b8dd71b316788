"""Hostile input on the reading side: each odd record, file or folder is one reject and the rest
loads; nothing fails with a traceback, hangs, or is skipped in silence.
"""

import os

import pytest

import etl
from helpers import DataDir, query
from sparkify import intake


def load(dsn: str, data: DataDir, *options: str) -> int:
    """Load a hand-made folder through etl.main; return the exit code."""
    return etl.main(["--dsn", dsn, "--data", str(data.root), *options])


def rejects(dsn: str) -> list[tuple]:
    """(file relative to the data folder, line, reason) of every reject, in order."""
    return query(dsn, "select file, line, reason from etl_rejects order by file, line")


def relative(data: DataDir, found: list[tuple]) -> list[tuple]:
    """Rows whose first column is a path, with the path relative to the data folder."""
    return [(os.path.relpath(path, data.root.resolve()), *rest) for path, *rest in found]


def items(dsn: str) -> list[int]:
    """The item_in_session of every play, in order."""
    return [item for (item,) in query(dsn, "select item_in_session from songplays order by 1")]


def events(*items: int) -> list[dict]:
    """Plays of the default user and session with these items."""
    return [{"itemInSession": item} for item in items]


@pytest.fixture
def workers(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> bool:
    """Whether the load shapes in worker processes (else all in this one)."""
    if request.param:
        monkeypatch.setattr(intake, "PARALLEL_FROM_BYTES", 0)
        monkeypatch.setattr(intake, "PARALLEL_FROM_FILES", 0)
    return request.param


in_both = pytest.mark.parametrize("workers", [False, True], indirect=True, ids=["here", "workers"])

HUGE = "9" * 5000


@in_both
def test_numbers_of_thousands_of_digits_are_rejected_wherever_they_sit(
    schema: str, data: DataDir, workers: bool
):
    fields = ["userId", "sessionId", "itemInSession", "ts", "length"]
    bad = [{"itemInSession": n, field: HUGE} for n, field in enumerate(fields, start=1)]
    path = data.log("d.json", *events(0), *bad, *events(9))
    data.append(path, b'{"page": "NextSong", "userId": ' + HUGE.encode() + b"}\n")
    for n, field in enumerate(["year", "duration", "artist_latitude"]):
        data.song(song_id=f"SO{n}", **{field: HUGE})
    data.song(song_id="SO9")
    assert load(schema, data) == 0
    assert items(schema) == [0, 9]
    assert query(schema, "select song_id from songs") == [("SO9",)]
    cut = f"'{'9' * 39}... (5,002 characters)"
    found = relative(data, rejects(schema))
    assert found[:6] == [
        ("log_data/2018/11/d.json", 2, f"userId is not a whole number in range: {cut}"),
        ("log_data/2018/11/d.json", 3, f"sessionId is not a whole number in range: {cut}"),
        ("log_data/2018/11/d.json", 4, f"itemInSession is not a whole number in range: {cut}"),
        ("log_data/2018/11/d.json", 5, f"ts is not a whole number in range: {cut}"),
        ("log_data/2018/11/d.json", 6, f"length is not a number: {cut}"),
        ("log_data/2018/11/d.json", 8, found[5][2]),
    ]
    assert found[5][2].startswith("invalid JSON: number is infinity")  # a bare JSON number
    assert found[6:] == [
        ("song_data/A/B/C/SO0.json", 1, f"year is not a whole number in range: {cut}"),
        ("song_data/A/B/C/SO1.json", 1, f"duration is not a number: {cut}"),
        ("song_data/A/B/C/SO2.json", 1, f"artist_latitude is not a number: {cut}"),
    ]
