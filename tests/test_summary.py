"""The dashboard's summaries: every load leaves them equal to sums over songplays."""

import logging
from pathlib import Path

import psycopg2
import pytest

import sql_queries as q
from helpers import DataDir, load, query, run_statements
from sparkify import load as loader

DAY = 86_400_000
TS = 1541105830796  # 2018-11-01 20:57:10.796 UTC

# Each summary as rows, and the same sums written independently over songplays: the oracles.
HOURLY = """
select day, hour, user_id, level, location, user_agent, plays, matched from hourly_plays
"""
HOURLY_ORACLE = """
select start_time::date, extract(hour from start_time)::smallint, user_id, level, location,
    user_agent, count(*)::integer, count(song_id)::integer
from songplays group by 1, 2, 3, 4, 5, 6
"""
SONGS = "select song_title, artist_name, plays, matched from played_songs"
SONGS_ORACLE = """
select song_title, artist_name, count(*)::integer, count(song_id)::integer
from songplays group by 1, 2
"""
DAILY = """
select d.day, d.level, d.gender, k.song_title, k.artist_name, d.plays, d.matched
from daily_song_plays d join played_songs k on k.song_key = d.song_key
"""
DAILY_ORACLE = """
select sp.start_time::date, sp.level, u.gender, sp.song_title, sp.artist_name,
    count(*)::integer, count(sp.song_id)::integer
from songplays sp join users u on u.user_id = sp.user_id group by 1, 2, 3, 4, 5
"""
# Keys are stable, not an order: one key per artist name, at or below the keys of its songs
# (so that a new song's key is never an artist's), and the daily rows carry their song's.
KEYS = """
select
    count(distinct artist_key) = count(distinct coalesce(artist_name, '')),
    count(distinct (artist_key, coalesce(artist_name, ''))) = count(distinct artist_key),
    bool_and(artist_key <= song_key),
    not exists (
        select from daily_song_plays d left join played_songs k on k.song_key = d.song_key
        where k.song_key is null or k.artist_key <> d.artist_key
    )
from played_songs
"""
KEY_NAMES = [
    "hourly_plays_day_user_idx",
    "played_songs_played_song_idx",
    "daily_song_plays_day_song_idx",
]
KEPT = "summaries: kept by this load's changes"
REBUILT = "summaries: rebuilt whole"


def rebuilt(dsn: str) -> dict[str, list[tuple]]:
    """The summaries' rows as a full rebuild would leave them now, rolled back afterwards."""
    conn = psycopg2.connect(dsn)
    try:
        with conn.cursor() as cur:
            for statement in [*q.load_settings_queries, *q.summary_rebuild_queries]:
                cur.execute(statement)
            found = {}
            for name, summary in [("hourly", HOURLY), ("songs", SONGS), ("daily", DAILY)]:
                cur.execute(summary)
                found[name] = sorted(cur.fetchall(), key=repr)
        conn.rollback()
    finally:
        conn.close()
    return found


def assert_summaries_match_songplays(dsn: str) -> dict[str, list[tuple]]:
    """Each summary's rows equal its oracle's, and there are some; return them."""
    found = {}
    for name, summary, oracle in [("hourly", HOURLY, HOURLY_ORACLE), ("songs", SONGS, SONGS_ORACLE),
                                  ("daily", DAILY, DAILY_ORACLE)]:  # fmt: skip
        found[name] = sorted(query(dsn, summary), key=repr)
        assert found[name] == sorted(query(dsn, oracle), key=repr), name
        assert found[name], name
    assert query(dsn, KEYS) == [(True, True, True, True)]
    return found


def test_the_real_sample_summaries_sum_every_play(schema: str, real_sample: Path):
    assert load(schema, real_sample) == 0
    found = assert_summaries_match_songplays(schema)
    assert sum(row[6] for row in found["hourly"]) == 6820
    assert sum(row[6] for row in found["hourly"] if row[3] == "paid") == 5591
    assert sum(row[2] for row in found["songs"]) == sum(row[5] for row in found["daily"]) == 6820
    assert sum(row[3] for row in found["songs"]) == 1


def test_later_and_older_loads_keep_every_day_true(schema: str, data: DataDir):
    data.song()
    data.log("b.json", {"ts": TS + 3 * DAY}, {"ts": TS + 4 * DAY, "itemInSession": 1})
    assert load(schema, data) == 0
    assert_summaries_match_songplays(schema)
    data.log(
        "a.json",
        {"ts": TS, "itemInSession": 2},
        {"ts": TS + 3 * DAY, "itemInSession": 3},
        {"ts": TS + 9 * DAY, "itemInSession": 4, "level": "paid", "song": "Other"},
    )
    assert load(schema, data) == 0
    found = assert_summaries_match_songplays(schema)
    assert sum(row[6] for row in found["hourly"]) == 5


def test_a_late_song_file_updates_the_matches_of_days_no_file_of_the_load_holds(
    schema: str, data: DataDir
):
    data.log("a.json", {"ts": TS}, {"ts": TS + 5 * DAY, "itemInSession": 1})
    assert load(schema, data) == 0
    assert sum(row[7] for row in assert_summaries_match_songplays(schema)["hourly"]) == 0
    data.song()  # the played song arrives: both old plays match it now
    assert load(schema, data) == 0
    found = assert_summaries_match_songplays(schema)
    assert [row[7] for row in found["hourly"]] == [1, 1]
    assert found["songs"] == [("Hoppípolla", "Sigur Rós", 2, 2)]


def test_a_play_moved_by_a_later_event_leaves_its_old_day(schema: str, data: DataDir):
    data.log("a.json", {"ts": TS})
    assert load(schema, data) == 0
    # The same play key with a later start: the greater content wins, on another day.
    data.log("b.json", {"ts": TS + 7 * DAY})
    assert load(schema, data) == 0
    found = assert_summaries_match_songplays(schema)
    assert [(row[0].day, row[6]) for row in found["hourly"]] == [(8, 1)]


def test_a_users_new_gender_reaches_the_song_summary_of_every_day(schema: str, data: DataDir):
    data.log("a.json", {"ts": TS, "gender": "F"}, {"ts": TS + DAY, "itemInSession": 1})
    assert load(schema, data) == 0
    data.log("b.json", {"ts": TS + 9 * DAY, "itemInSession": 2, "gender": "M"})
    assert load(schema, data) == 0
    found = assert_summaries_match_songplays(schema)
    assert {row[2] for row in found["daily"]} == {"M"}


def test_a_rerun_that_stages_nothing_rewrites_nothing(schema: str, data: DataDir):
    data.log("a.json", {"ts": TS}, {"ts": TS + DAY, "itemInSession": 1})
    assert load(schema, data) == 0
    versions = "select xmin::text from {} order by 1"
    tables = ["hourly_plays", "played_songs", "daily_song_plays"]
    before = {table: query(schema, versions.format(table)) for table in tables}
    assert load(schema, data) == 0
    assert {table: query(schema, versions.format(table)) for table in tables} == before
    assert load(schema, data, "--full-refresh") == 0
    assert_summaries_match_songplays(schema)


def test_a_database_loaded_before_the_summaries_gets_them_at_its_next_load(
    schema: str, data: DataDir, capsys
):
    data.log("a.json", {"ts": TS}, {"ts": TS + 2 * DAY, "itemInSession": 1})
    assert load(schema, data) == 0
    run_statements(schema, "drop table hourly_plays", "drop table played_songs",
                   "drop table daily_song_plays")  # fmt: skip
    assert load(schema, data) == 0  # nothing new to read: the summaries are built all the same
    assert "files: 0 read, 1 unchanged and skipped" in capsys.readouterr().out
    assert_summaries_match_songplays(schema)


def said(caplog: pytest.LogCaptureFixture, text: str) -> bool:
    """Whether the loader logged a line that starts with text."""
    return any(message.startswith(text) for message in caplog.messages)


def load_kept(dsn: str, data: DataDir, caplog: pytest.LogCaptureFixture) -> dict[str, list[tuple]]:
    """Load a folder, which must keep the summaries by its changes; they then equal a rebuild."""
    caplog.clear()
    with caplog.at_level(logging.INFO, logger="sparkify.load"):
        assert load(dsn, data) == 0
    assert said(caplog, KEPT)
    found = assert_summaries_match_songplays(dsn)
    assert found == rebuilt(dsn)
    return found


USER_8 = {"userId": "8", "firstName": "Alan", "gender": "M", "sessionId": 2}


def test_loads_that_move_rematch_and_regender_plays_keep_the_summaries_of_a_rebuild(
    schema: str, data: DataDir, caplog
):
    data.log(
        "a.json",
        {"ts": TS, "itemInSession": 0},
        {"ts": TS + DAY, "itemInSession": 1},
        {"ts": TS + 4 * DAY, "itemInSession": 2},
        {**USER_8, "ts": TS + 2 * DAY, "itemInSession": 0, "song": "Other", "artist": "Someone"},
        {**USER_8, "ts": TS + 3 * DAY, "itemInSession": 1, "song": "Other", "artist": "Someone"},
        {**USER_8, "ts": TS + 3 * DAY, "itemInSession": 2, "song": "Gone", "artist": "Someone"},
    )
    with caplog.at_level(logging.INFO, logger="sparkify.load"):
        assert load(schema, data) == 0
    assert said(caplog, REBUILT)  # the first load sums every play
    assert_summaries_match_songplays(schema)
    keys = dict(query(schema, "select song_title, song_key from played_songs"))
    data.log(
        "b.json",
        {"ts": TS + 7 * DAY, "itemInSession": 0},  # a later event of a play: day 1 to day 8
        # Alan's latest play says F: his plays of every day change gender.
        {**USER_8, "ts": TS + 10 * DAY, "itemInSession": 3, "gender": "F"},
        # "Gone" is played no more; "Tunnel" is new, by an artist already played.
        {**USER_8, "ts": TS + 3 * DAY + 1, "itemInSession": 2, "song": "Tunnel", "length": 200},
        {"userId": "9", "ts": TS + 11 * DAY, "song": "First", "artist": "Newcomer"},
    )
    found = load_kept(schema, data, caplog)
    assert {row[0].day for row in found["hourly"] if row[2] == 7} == {2, 5, 8}
    assert {row[2] for row in found["daily"] if row[3] in ("Other", "Tunnel")} == {"F"}
    assert "Gone" not in {row[0] for row in found["songs"]}
    now = dict(query(schema, "select song_title, song_key from played_songs"))
    assert {title: now[title] for title in keys if title in now} == {
        title: key for title, key in keys.items() if title != "Gone"
    }  # the songs played before keep their keys
    assert min(now["Tunnel"], now["First"]) > max(keys.values())
    artist_keys = dict(query(schema, "select song_title, artist_key from played_songs"))
    assert artist_keys["Tunnel"] == artist_keys["Hoppípolla"]
    data.song()  # the played song arrives: Ada's plays of days 2, 5, 8 and Alan's match it now
    data.log("c.json", {"ts": TS + 5 * DAY, "itemInSession": 2})  # and her day 5 moves to day 6
    found = load_kept(schema, data, caplog)
    assert sum(row[7] for row in found["hourly"]) == 4
    assert {row[0].day: row[7] for row in found["hourly"] if row[2] == 7} == {2: 1, 6: 1, 8: 1}
    data.log("d.json", {"ts": TS + 12 * DAY, "itemInSession": 1})  # a matched play moves
    found = load_kept(schema, data, caplog)
    assert {row[0].day: row[7] for row in found["hourly"] if row[2] == 7} == {6: 1, 8: 1, 13: 1}


def test_a_new_days_file_rewrites_only_that_days_rows(schema: str, data: DataDir, caplog):
    data.log("a.json", *({"ts": TS + n * DAY, "itemInSession": n} for n in range(3)))
    assert load(schema, data) == 0
    versions = "select day, xmin::text from {} order by 1, 2"
    tables = ["hourly_plays", "daily_song_plays"]
    before = {table: query(schema, versions.format(table)) for table in tables}
    data.log("b.json", {"ts": TS + 3 * DAY, "itemInSession": 3})
    load_kept(schema, data, caplog)
    for table in tables:
        after = query(schema, versions.format(table))
        assert [row for row in after if row[0].day != 4] == before[table], table
        assert [row[0].day for row in after if row not in before[table]] == [4], table


def test_a_load_that_changes_most_plays_rebuilds_the_summaries_whole(
    schema: str, data: DataDir, caplog, monkeypatch
):
    data.log("a.json", {"ts": TS}, {"ts": TS + DAY, "itemInSession": 1})
    assert load(schema, data) == 0
    run_statements(schema, "analyze songplays")  # the estimate the choice reads
    monkeypatch.setattr(loader, "REBUILD_MIN", 0)
    data.log("b.json", *({"ts": TS + n * DAY, "itemInSession": n} for n in range(2, 5)))
    with caplog.at_level(logging.INFO, logger="sparkify.load"):
        assert load(schema, data) == 0  # three plays more for two
    assert said(caplog, REBUILT)
    assert not said(caplog, KEPT)
    assert_summaries_match_songplays(schema)


def test_a_database_made_before_the_summaries_keys_gets_them_at_its_next_load(
    schema: str, data: DataDir
):
    data.log("a.json", {"ts": TS}, {"ts": TS + 2 * DAY, "itemInSession": 1})
    assert load(schema, data) == 0
    run_statements(schema, *(f"drop index {name}" for name in KEY_NAMES))
    assert load(schema, data) == 0  # nothing new to read: the keys are made all the same
    indexes = "select indexname from pg_indexes where indexname = any(%s) order by 1"
    assert query(schema, indexes, (KEY_NAMES,)) == [(name,) for name in sorted(KEY_NAMES)]
    assert_summaries_match_songplays(schema)


def test_a_load_whose_gender_change_moves_most_plays_rebuilds_the_summaries_whole(
    schema: str, data: DataDir, caplog, monkeypatch
):
    data.log("a.json", *({"ts": TS + n * DAY, "itemInSession": n} for n in range(4)))
    assert load(schema, data) == 0
    run_statements(schema, "analyze songplays")  # the estimate the choice reads
    monkeypatch.setattr(loader, "REBUILD_MIN", 0)
    data.log("b.json", {"ts": TS + 9 * DAY, "itemInSession": 9, "gender": "M"})
    with caplog.at_level(logging.INFO, logger="sparkify.load"):
        assert load(schema, data) == 0  # one play staged, but Ada's four others change gender
    assert said(caplog, "summaries: plays counted before the merges")
    assert said(caplog, REBUILT)
    found = assert_summaries_match_songplays(schema)
    assert {row[2] for row in found["daily"]} == {"M"}


# Planner settings the summaries change for a few of their statements, as a server might have
# them configured: each differs from PostgreSQL's own default.
CONFIGURED = {
    "jit": "off",
    "enable_mergejoin": "off",
    "enable_hashjoin": "off",
    "enable_sort": "off",
    "parallel_setup_cost": "2000",
    "parallel_tuple_cost": "0.2",
}
SETTINGS = "select name, setting from pg_settings where name = any(%s)"


def test_the_summaries_leave_the_planner_settings_as_the_server_has_them(
    schema: str, data: DataDir, caplog, monkeypatch
):
    database = psycopg2.extensions.parse_dsn(schema)["dbname"]
    run_statements(
        schema,
        *(
            f'alter database "{database}" set {name} = {value}'
            for name, value in CONFIGURED.items()
        ),
    )
    seen = []
    record_files = loader.record_files

    def record_files_noting_settings(cur, intake) -> None:  # runs after the summaries
        cur.execute(SETTINGS, (list(CONFIGURED),))
        seen.append(dict(cur.fetchall()))
        record_files(cur, intake)

    monkeypatch.setattr(loader, "record_files", record_files_noting_settings)
    data.log("a.json", *({"ts": TS + n * DAY, "itemInSession": n} for n in range(3)))
    with caplog.at_level(logging.INFO, logger="sparkify.load"):
        assert load(schema, data) == 0
    assert said(caplog, REBUILT)
    data.log("b.json", {"ts": TS + 3 * DAY, "itemInSession": 3})
    load_kept(schema, data, caplog)
    assert seen == [CONFIGURED, CONFIGURED]
