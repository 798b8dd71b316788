"""The schema's rules, each on a small hand-made input loaded through etl.main."""

from datetime import datetime
from decimal import Decimal
from pathlib import Path

from helpers import DataDir, load, query, scalar


def test_a_play_matches_only_the_exact_title_artist_and_duration(schema: str, data: DataDir):
    data.song(song_id="SO1", duration=1.1)
    data.log(
        "2018-11-01-events.json",
        {"itemInSession": 0, "length": 1.1, "song": "Hoppípolla"},
        {"itemInSession": 1, "length": 1.1000001},
        {"itemInSession": 2, "length": 1.1, "artist": "Sigur Ros"},
        {"itemInSession": 3, "length": 1.1, "song": "hoppípolla"},
    )
    assert load(schema, data) == 0
    rows = query(schema, "select item_in_session, song_id, artist_id from songplays order by 1")
    assert rows == [(0, "SO1", "ARTEST0001"), (1, None, None), (2, None, None), (3, None, None)]


def test_duration_keeps_the_json_value_exactly(schema: str, data: DataDir):
    data.song(duration=337.68444)
    assert load(schema, data) == 0
    assert scalar(schema, "select duration from songs") == Decimal("337.68444")
    assert (
        scalar(
            schema,
            "select data_type from information_schema.columns "
            "where table_name = 'songs' and column_name = 'duration'",
        )
        == "numeric"
    )


def test_level_is_the_latest_plays_whatever_the_file_and_line_order(schema: str, data: DataDir):
    # File a- sorts first but holds the newest event; file b- holds older ones, out of order.
    data.log("a-events.json", {"ts": 1541300000000, "level": "paid", "itemInSession": 9})
    data.log(
        "b-events.json",
        {"ts": 1541200000000, "level": "free", "itemInSession": 5},
        {"ts": 1541100000000, "level": "free", "itemInSession": 1},
    )
    data.log("c-events.json", {"ts": 1541250000000, "level": "free", "itemInSession": 7})
    assert load(schema, data) == 0
    assert query(schema, "select user_id, level from users") == [(7, "paid")]


def test_an_older_file_loaded_later_keeps_the_newer_level(schema: str, tmp_path: Path):
    newer, older = DataDir(tmp_path / "newer"), DataDir(tmp_path / "older")
    newer.log("n.json", {"ts": 1541300000000, "level": "paid", "itemInSession": 2})
    older.log("o.json", {"ts": 1541100000000, "level": "free", "itemInSession": 1})
    assert load(schema, newer) == 0
    assert load(schema, older) == 0
    assert query(schema, "select level from users") == [("paid",)]
    assert scalar(schema, "select count(*) from songplays") == 2


def test_start_time_keeps_milliseconds_in_utc(schema: str, data: DataDir):
    data.log("d.json", {"ts": 1543537327796})
    assert load(schema, data) == 0
    start = scalar(schema, "select start_time from time")
    assert start == datetime(2018, 11, 30, 0, 22, 7, 796000)
    assert scalar(schema, "select start_time from songplays") == start


def test_time_has_iso_week_and_monday_zero_weekday(schema: str, data: DataDir):
    data.log(
        "d.json",
        # 2018-12-30 23:59:59.999 UTC, a Sunday in ISO week 52 of 2018
        {"ts": 1546214399999, "itemInSession": 0},
        # 2018-12-31 00:00:00.001 UTC, a Monday in ISO week 1 of 2019
        {"ts": 1546214400001, "itemInSession": 1},
    )
    assert load(schema, data) == 0
    rows = query(schema, "select hour, day, week, month, year, weekday from time order by 1 desc")
    assert rows == [(23, 30, 52, 12, 2018, 6), (0, 31, 1, 12, 2018, 0)]


def test_one_time_row_per_distinct_timestamp(schema: str, data: DataDir):
    data.log(
        "d.json",
        {"ts": 1541105830796, "itemInSession": 0},
        {"ts": 1541105830796, "itemInSession": 1, "userId": "8"},
        {"ts": 1541105830797, "itemInSession": 2},
    )
    assert load(schema, data) == 0
    assert scalar(schema, "select count(*) from time") == 2
    assert scalar(schema, "select count(*) from songplays") == 3


def test_unknown_year_and_location_are_null(schema: str, data: DataDir):
    data.song(year=0, artist_location="", artist_latitude=None, artist_longitude=None)
    assert load(schema, data) == 0
    assert query(schema, "select year from songs") == [(None,)]
    assert query(schema, "select location, latitude, longitude from artists") == [
        (None, None, None)
    ]


def test_only_next_song_events_by_known_users_become_plays(schema: str, data: DataDir):
    data.log(
        "d.json",
        {"itemInSession": 0},
        {"itemInSession": 1, "page": "Home", "song": None, "artist": None, "length": None},
        {"itemInSession": 2, "page": "Login", "userId": "", "auth": "Logged Out"},
    )
    assert load(schema, data) == 0
    assert scalar(schema, "select count(*) from songplays") == 1
    assert scalar(schema, "select count(*) from users") == 1


def test_a_second_load_changes_nothing(schema: str, data: DataDir):
    data.song()
    data.log("d.json", {"itemInSession": 0}, {"itemInSession": 1, "ts": 1541105831796})
    assert load(schema, data) == 0
    tables = ["songplays", "users", "songs", "artists", "time"]
    before = {t: query(schema, f"select * from {t} order by 1") for t in tables}
    assert load(schema, data) == 0
    assert {t: query(schema, f"select * from {t} order by 1") for t in tables} == before


def test_non_ascii_and_hostile_text_round_trips(schema: str, data: DataDir):
    hostile = 'Björk "Jóga", \\N\ttab\nnewline\r\\ back\\slash ' + "x" * 5000
    data.song(title=hostile, artist_name="Björk")
    data.log("d.json", {"song": hostile, "artist": "Björk", "location": hostile})
    assert load(schema, data) == 0
    assert scalar(schema, "select title from songs") == hostile
    assert query(schema, "select location, song_id from songplays") == [(hostile, "SOTEST0001")]


def test_double_encoded_text_is_repaired_and_then_matches(schema: str, data: DataDir, capsys):
    mojibake = "Björk".encode().decode("latin-1").encode().decode("latin-1")
    assert mojibake == "BjÃ\x83Â¶rk"
    data.song(artist_name="Björk", title="Jóga")
    data.log(
        "d.json",
        {"itemInSession": 0, "artist": mojibake, "song": "Jóga"},
        {"itemInSession": 1, "artist": "Björk", "song": "“Jóga” – l’été", "location": "Zürich"},  # noqa: RUF001
    )
    assert load(schema, data) == 0
    plays = query(schema, "select artist_id is not null from songplays order by item_in_session")
    assert plays == [(True,), (False,)]
    assert query(schema, "select location from songplays where item_in_session = 1") == [
        ("Zürich",)
    ]
    assert "mis-decoded text repaired: 1 (artist 1)" in capsys.readouterr().out


def test_legitimate_non_ascii_text_is_left_alone(schema: str, data: DataDir):
    title = "“Jóga” – l’été, Ｆｕｌｌ ﬁ"  # noqa: RUF001
    data.song(title=title)
    assert load(schema, data) == 0
    assert scalar(schema, "select title from songs") == title


def test_a_play_matching_two_songs_takes_the_lowest_song_id(schema: str, data: DataDir):
    data.song(song_id="SO2")
    data.song(song_id="SO1")
    data.log("d.json", {})
    assert load(schema, data) == 0
    assert query(schema, "select song_id from songplays") == [("SO1",)]


def test_a_play_staged_twice_is_loaded_once(schema: str, data: DataDir):
    data.log("a.json", {"level": "free"})
    data.log("b.json", {"level": "free"}, {"itemInSession": 1})
    assert load(schema, data) == 0
    assert scalar(schema, "select count(*) from songplays") == 2


def test_a_file_without_plays_does_not_end_the_load(schema: str, data: DataDir):
    home = {"page": "Home", "song": None, "artist": None, "length": None}
    data.log("a.json", {"itemInSession": 0})
    data.log("b.json", {**home, "itemInSession": 1})
    data.log("c.json", {"itemInSession": 2})
    assert load(schema, data) == 0
    assert query(schema, "select item_in_session from songplays order by 1") == [(0,), (2,)]
    loaded = query(schema, "select rows_loaded, skipped from etl_files order by path")
    assert loaded == [(1, 0), (0, 1), (1, 0)]


def test_numbers_load_from_json_numbers_or_strings_spelling_them(schema: str, data: DataDir):
    # One rule for every numeric field: a JSON number, or a string that spells one in JSON's
    # syntax, read as if unquoted ("39" is 39, "268.27" is 268.27); null or "" is unknown.
    data.song(year="2005", duration="268.27", artist_latitude="64.1", artist_longitude="-21.9")
    data.log(
        "d.json",
        {"userId": "39", "sessionId": "5", "itemInSession": "0", "ts": "1541105830796",
         "length": "268.27"},
        {"userId": 39, "sessionId": 5.0, "itemInSession": "1e0", "ts": 1541105830797,
         "length": 268.27},
        {"userId": "39", "sessionId": 5, "itemInSession": 2, "length": ""},
    )  # fmt: skip
    assert load(schema, data) == 0
    assert query(schema, "select year, duration from songs") == [(2005, Decimal("268.27"))]
    assert query(schema, "select latitude, longitude from artists") == [(64.1, -21.9)]
    plays = query(
        schema,
        "select user_id, session_id, item_in_session, start_time, song_id from songplays"
        " order by item_in_session",
    )
    assert plays == [
        (39, 5, 0, datetime(2018, 11, 1, 20, 57, 10, 796000), "SOTEST0001"),
        (39, 5, 1, datetime(2018, 11, 1, 20, 57, 10, 797000), "SOTEST0001"),
        (39, 5, 2, datetime(2018, 11, 1, 20, 57, 10, 796000), None),
    ]


def test_a_year_of_zero_means_unknown_however_it_is_written(schema: str, data: DataDir):
    for n, year in enumerate([0, "0", 0.0, "", None, "1999"]):
        data.song(song_id=f"SO{n}", year=year)
    assert load(schema, data) == 0
    years = query(schema, "select year from songs order by song_id")
    assert years == [(None,), (None,), (None,), (None,), (None,), (1999,)]


def test_strings_that_do_not_spell_a_json_number_are_rejected(schema: str, data: DataDir):
    bad = [
        ("userId", " 39"),
        ("userId", "007"),
        ("userId", "0x1F"),
        ("sessionId", "1.5"),
        ("ts", "1e999"),
        ("length", "1,5"),
        ("length", "NaN"),
        ("length", "Infinity"),
        ("itemInSession", True),
    ]
    data.log("d.json", *({"itemInSession": n, field: value} for n, (field, value) in
                         enumerate(bad)))  # fmt: skip
    data.song(song_id="SO1", duration="+1")
    data.song(song_id="SO2", artist_latitude="1e400")
    assert load(schema, data) == 0
    assert scalar(schema, "select count(*) from songplays") == 0
    assert query(schema, "select reason from etl_rejects order by file, line") == [
        ("userId is not a whole number in range: ' 39'",),
        ("userId is not a whole number in range: '007'",),
        ("userId is not a whole number in range: '0x1F'",),
        ("sessionId is not a whole number in range: '1.5'",),
        ("ts is not a whole number in range: '1e999'",),
        ("length is not a number: '1,5'",),
        ("length is not a number: 'NaN'",),
        ("length is not a number: 'Infinity'",),
        ("itemInSession is not a whole number in range: True",),
        ("duration is not a number: '+1'",),
        ("artist_latitude is not a number: '1e400'",),
    ]
