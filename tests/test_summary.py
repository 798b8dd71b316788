"""The dashboard's summaries: every load leaves them equal to sums over songplays."""

from pathlib import Path

from helpers import DataDir, load, query, run_statements

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
