"""The insight queries, the notebooks' DataFrame helpers and the charts, on a hand-made load."""

from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import orjson
import psycopg2
import pytest
from matplotlib.figure import Figure
from psycopg2.extensions import connection

import sql_queries as q
from fix_db import loaded_database
from helpers import EVENT, SONG, DataDir
from sparkify import plots
from sparkify.checks import CheckResult
from sparkify.frames import (
    checks_frame,
    copy_columns,
    log_records,
    query_frame,
    records_frame,
    rejects_frame,
    rows_with_values,
    staged_frame,
    table_head,
)
from sparkify.intake import Intake
from sparkify.shape import event_row, in_column_order, song_row, text
from sparkify.staging import STAGE_EVENTS, STAGE_SONGS
from tools import readme_plot

THURSDAY = 1541105830796  # 2018-11-01 20:57:10.796 UTC
HOUR, DAY = 3_600_000, 86_400_000
AGENTS = {
    "iPhone": '"Mozilla/5.0 (iPhone; CPU iPhone OS 7_1_2 like Mac OS X) Safari/9537.53"',
    "iPad": "Mozilla/5.0 (iPad; CPU OS 7_0 like Mac OS X) Safari/9537.53",
    "Android": "Mozilla/5.0 (Linux; Android 4.4.2; Nexus 5) Chrome/36.0",
    "Windows": "Mozilla/5.0 (Windows NT 6.1; WOW64; rv:31.0) Gecko/20100101 Firefox/31.0",
    "Mac": '"Mozilla/5.0 (Macintosh; Intel Mac OS X 10_9_4) Safari/537.78.2"',
    "Linux": '"Mozilla/5.0 (X11; Linux x86_64) Chrome/37.0.2062.94 Safari/537.36"',
}


def write_sample(data: DataDir) -> None:
    """Two songs; user 7 plays both (three plays), six other users one unmatched play each."""
    data.song(song_id="SO1")
    data.song(song_id="SO2", artist_id="ARTEST0002", artist_name="Múm", title="Grasi", duration=9.0)
    iphone = {"userAgent": AGENTS["iPhone"], "sessionId": 1}
    others = [
        # user, level, ts, agent, location
        ("8", "paid", THURSDAY + DAY, AGENTS["Windows"], "Oslo, NO"),
        ("9", "paid", THURSDAY + DAY + 1000, AGENTS["Linux"], "Oslo, NO"),
        ("10", "free", THURSDAY + 2 * DAY, AGENTS["Android"], "London, UK"),
        ("11", "free", THURSDAY + 2 * DAY + 1000, AGENTS["iPad"], "London, UK"),
        ("12", "free", THURSDAY + 2 * DAY + 2000, AGENTS["Mac"], "London, UK"),
        ("13", "free", THURSDAY + 2 * DAY + 3000, None, "London, UK"),
    ]
    data.log(
        "d.json",
        {**iphone, "itemInSession": 0},
        {**iphone, "itemInSession": 1, "ts": THURSDAY + 1000},
        {**iphone, "itemInSession": 2, "ts": THURSDAY + HOUR, "song": "Grasi", "artist": "Múm",
         "length": 9.0},
        *[
            {"userId": user, "level": level, "ts": ts, "userAgent": agent, "location": where,
             "sessionId": int(user), "song": "Unknown"}
            for user, level, ts, agent, where in others
        ],
    )  # fmt: skip


@pytest.fixture(scope="module")
def sample_dsn(server: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """One database holding the sample, shared by the read-only tests here."""
    data = DataDir(tmp_path_factory.mktemp("insight") / "data")
    write_sample(data)
    with loaded_database(server, data) as dsn:
        yield dsn


@pytest.fixture(scope="module")
def conn(sample_dsn: str) -> Iterator[connection]:
    """A connection to the sample database."""
    connection = psycopg2.connect(sample_dsn)
    yield connection
    connection.close()


def rows(conn: connection, query: str, params: dict | None = None) -> list[tuple]:
    """A query's rows as tuples."""
    return list(query_frame(conn, query, params).itertuples(index=False, name=None))


def test_plays_by_hour_has_every_hour(conn: connection):
    counts = dict(rows(conn, q.plays_by_hour))
    assert list(counts) == list(range(24))
    assert counts == {hour: {20: 8, 21: 1}.get(hour, 0) for hour in range(24)}


def test_plays_by_weekday_averages_over_the_days_seen(conn: connection):
    assert rows(conn, q.plays_by_weekday) == [
        (0, "Monday", 0, 0, 0.0),
        (1, "Tuesday", 0, 0, 0.0),
        (2, "Wednesday", 0, 0, 0.0),
        (3, "Thursday", 1, 3, 3.0),
        (4, "Friday", 1, 2, 2.0),
        (5, "Saturday", 1, 4, 4.0),
        (6, "Sunday", 0, 0, 0.0),
    ]


def test_plays_by_level_counts_users_by_current_level(conn: connection):
    assert rows(conn, q.plays_by_level) == [("free", 5, 7), ("paid", 2, 2)]


def test_top_songs_and_artists_count_every_play_and_how_many_matched(conn: connection):
    # title, artist, plays, matched plays, listeners
    assert rows(conn, q.top_songs, {"limit": 10}) == [
        ("Unknown", "Sigur Rós", 6, 0, 6),
        ("Hoppípolla", "Sigur Rós", 2, 2, 1),
        ("Grasi", "Múm", 1, 1, 1),
    ]
    assert rows(conn, q.top_artists, {"limit": 1}) == [("Sigur Rós", 8, 2, 7)]


def test_most_active_users_and_top_locations(conn: connection):
    assert rows(conn, q.most_active_users, {"limit": 2}) == [
        (7, "Ada", "Lovelace", "free", 3, 1),
        (8, "Ada", "Lovelace", "paid", 1, 1),
    ]
    assert rows(conn, q.top_locations, {"limit": 5}) == [("London, UK", 7, 5), ("Oslo, NO", 2, 2)]


def test_platform_mix_reads_the_user_agent_in_order(conn: connection):
    mix = {platform: (plays, users) for platform, plays, users in rows(conn, q.platform_mix)}
    assert mix == {
        "iPhone": (3, 1),
        "iPad": (1, 1),
        "Android": (1, 1),
        "Windows": (1, 1),
        "Mac": (1, 1),
        "Linux": (1, 1),
        "other": (1, 1),
    }


def test_table_head_and_rows_with_values(conn: connection):
    assert list(table_head(conn, "users", 2)["user_id"]) == [7, 8]
    songs = rows_with_values(conn, "songs", "song_id", ["SO2", "SO9"])
    assert list(songs.columns) == [
        "song_id",
        "title",
        "artist_id",
        "year",
        "duration",
        "source_file",
    ]
    assert list(songs["title"]) == ["Grasi"]


def test_copy_columns_name_every_field_of_a_rejected_record():
    assert copy_columns(q.reject_copy) == ["run_id", "file", "line", "reason", "raw"]
    with pytest.raises(ValueError, match="not a COPY"):
        copy_columns(q.plays_by_hour)


def test_staged_rows_follow_the_declared_columns_by_name():
    song = dict(zip(STAGE_SONGS.copied, song_row("f.json", SONG, Counter()), strict=True))
    assert (song["file"], song["title"], song["artist_name"]) == (
        "f.json",
        "Hoppípolla",
        "Sigur Rós",
    )
    assert (song["duration"], song["artist_location"]) == (268.27, "Reykjavík, Iceland")
    event = dict(zip(STAGE_EVENTS.copied, event_row(EVENT, Counter()), strict=True))
    assert (event["first_name"], event["last_name"], event["song"]) == (
        "Ada",
        "Lovelace",
        "Hoppípolla",
    )
    assert (event["user_id"], event["session_id"], event["length"]) == (7, 1, 268.27)
    assert "start_time" not in STAGE_EVENTS.copied  # computed by the server
    assert STAGE_EVENTS.copy().startswith("copy stage_events (\n    ts,\n    user_id,")


def test_a_staging_table_without_a_shaper_for_each_column_is_refused():
    with pytest.raises(ValueError, match=r"stage_songs: shapers for \['title'\]"):
        in_column_order(STAGE_SONGS, {"title": (text, "title")}, given=1)


def test_log_records_and_rejects_frame_show_each_line_once(data: DataDir):
    path = data.log("d.json", {"itemInSession": 0})
    data.append(path, b"\n{not json\n")
    data.append(path, orjson.dumps({**EVENT, "itemInSession": 3}) + b"\n")
    records = log_records(path)
    assert [line for line, _ in records] == [1, 4]
    assert list(records_frame(records).index) == [1, 4]
    with Intake("test") as intake:
        staged = staged_frame(intake.event_text([path]), STAGE_EVENTS)
        rejects = rejects_frame(intake)
    assert list(staged["item_in_session"]) == [0, 3]
    assert list(rejects["line"]) == ["3"]
    assert rejects["reason"][0].startswith("invalid JSON")


def test_checks_frame_shows_the_first_offending_row():
    frame = checks_frame([CheckResult("a", 0, []), CheckResult("b", 2, [(1, "gold"), (2, "x")])])
    assert frame.to_dict("records") == [
        {"result": "PASS", "check": "a", "failing rows": 0, "example": None},
        {"result": "FAIL", "check": "b", "failing rows": 2, "example": (1, "gold")},
    ]


def test_plots_draw_a_bar_per_row(conn: connection):
    figure = Figure()
    hour, weekday, platform, users, plays = figure.subplots(1, 5)
    plots.plays_by_hour(hour, query_frame(conn, q.plays_by_hour))
    plots.plays_by_weekday(weekday, query_frame(conn, q.plays_by_weekday))
    plots.platform_mix(platform, query_frame(conn, q.platform_mix))
    plots.plays_by_level((users, plays), query_frame(conn, q.plays_by_level))
    assert [len(ax.patches) for ax in (hour, weekday, platform, users, plays)] == [24, 7, 7, 2, 2]
    assert hour.get_title() == "Song plays by hour of the day"


def test_readme_plot_writes_a_png(sample_dsn: str, tmp_path: Path, capsys: pytest.CaptureFixture):
    out = tmp_path / "docs" / "hour.png"
    assert readme_plot.main(["--dsn", sample_dsn, "--out", str(out)]) == 0
    assert out.read_bytes().startswith(b"\x89PNG")
    assert capsys.readouterr().out.startswith(f"drew {out} from ")
