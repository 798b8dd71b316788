"""The played song: kept on every play, matched whenever its song arrives, lost when it goes."""

import shutil
import subprocess
import sys
from decimal import Decimal
from pathlib import Path

import sql_queries as q
from helpers import EVENT, SONG, DataDir, load, query, run_statements, scalar

REPO = Path(__file__).resolve().parent.parent


def plays(dsn: str) -> list[tuple]:
    """Every play's item, played song and match, in item order."""
    return query(
        dsn,
        "select item_in_session, song_title, artist_name, song_length, song_id, artist_id "
        "from songplays order by item_in_session",
    )


def test_a_play_keeps_the_song_as_played_repaired_and_exact(schema: str, data: DataDir):
    data.log(
        "a.json",
        {"itemInSession": 0, "song": "HoppÃ\x83Â\xadpolla", "length": 268.27000},
        {"itemInSession": 1, "song": None, "artist": None, "length": None},
    )
    assert load(schema, data) == 0
    assert plays(schema) == [
        (0, "Hoppípolla", "Sigur Rós", Decimal("268.27"), None, None),
        (1, None, None, None, None, None),
    ]
    types = "select data_type from information_schema.columns where column_name = %s and table_name = %s"  # noqa: E501
    assert scalar(schema, types, ("song_length", "songplays")) == "numeric"
    assert scalar(schema, types, ("duration", "songs")) == "numeric"


def test_songs_that_arrive_after_their_plays_match_them(schema: str, data: DataDir):
    data.log("a.json", {"itemInSession": 0}, {"itemInSession": 1, "song": "Other"})
    assert load(schema, data) == 0
    assert [p[4] for p in plays(schema)] == [None, None]
    data.song()  # the song of item 0, a day later
    assert load(schema, data) == 0
    assert [p[4:] for p in plays(schema)] == [("SOTEST0001", "ARTEST0001"), (None, None)]


def test_a_corrected_song_unmatches_and_matches_again(schema: str, data: DataDir):
    data.song()
    data.log("a.json", {"itemInSession": 0})
    assert load(schema, data) == 0
    assert plays(schema)[0][4] == "SOTEST0001"
    data.song(duration=268.28)  # the duration corrected in the same file: no longer the play's
    assert load(schema, data) == 0
    assert plays(schema)[0][4] is None
    data.song(duration=268.27)
    assert load(schema, data) == 0
    assert plays(schema)[0][4] == "SOTEST0001"


def test_an_artist_renamed_by_another_song_file_unmatches_its_plays(schema: str, data: DataDir):
    data.song()
    data.log("a.json", {"itemInSession": 0})
    assert load(schema, data) == 0
    # A file that sorts later names the artist otherwise: it speaks for the artist now.
    data.song(song_id="SOTEST0002", title="Glósóli", duration=375.0, artist_name="Sigur Ros")
    assert load(schema, data) == 0
    assert scalar(schema, "select name from artists") == "Sigur Ros"
    assert plays(schema)[0][4] is None


def test_a_late_song_with_a_lower_id_takes_the_match(schema: str, data: DataDir):
    data.song(song_id="SOTEST0009")
    data.log("a.json", {"itemInSession": 0})
    assert load(schema, data) == 0
    assert plays(schema)[0][4] == "SOTEST0009"
    data.song(song_id="SOTEST0001")  # the same title, artist and duration: the lowest id wins
    assert load(schema, data) == 0
    assert plays(schema)[0][4] == "SOTEST0001"


def test_the_late_match_looks_up_plays_by_the_played_song_index(schema: str, data: DataDir):
    data.log("a.json", *({"itemInSession": n, "song": f"Song {n}"} for n in range(2000)))
    assert load(schema, data) == 0
    run_statements(schema, "analyze songplays")
    plan = "\n".join(
        line
        for (line,) in query(
            schema,
            "create temporary table stage_songs (song_id text, artist_id text, "
            "title text, duration numeric); "
            f"{q.song_key_stage_create}; "
            "insert into stage_song_keys values ('Song 7', 268.27); "
            "analyze stage_song_keys; "  # as song_tables_analyze does in a load
            f"explain {q.songplay_song_rematch}",
        )
    )
    assert "songplays_played_song_idx" in plan


def test_late_songs_on_the_real_sample_match_as_a_full_load_does(
    schema: str, real_sample: Path, tmp_path: Path
):
    # The commands: the logs first, the songs a day later.
    late = tmp_path / "late" / "data"
    (late / "song_data").mkdir(parents=True)
    shutil.copytree(real_sample / "log_data", late / "log_data")
    assert load(schema, late) == 0
    assert scalar(schema, q.songplay_matched_count) == 0
    shutil.rmtree(late / "song_data")
    shutil.copytree(real_sample / "song_data", late / "song_data")
    done = subprocess.run(
        [sys.executable, "etl.py", "--dsn", schema, "--data", str(late)],
        cwd=REPO,
        capture_output=True,
        text=True,
    )
    assert done.returncode == 0, done.stderr
    assert "song plays matched to a song: 1 of 6,820 (0.01%)" in done.stdout


def test_insight_ranks_what_was_played_with_how_much_matched(schema: str, real_sample: Path):
    assert load(schema, real_sample) == 0
    songs = query(schema, q.top_songs, {"limit": 2})
    assert songs == [
        ("You're The One", "Dwight Yoakam", 37, 0, 22),
        ("Undo", "Björk", 28, 0, 14),
    ]
    artists = query(schema, q.top_artists, {"limit": 1})
    assert artists[0][:3] == ("Coldplay", 58, 0)
    matched = query(schema, q.top_songs, {"limit": 10_000})
    assert sum(song[3] for song in matched) == 1


def test_the_two_new_checks_find_a_wrong_and_a_missed_match(schema: str, data: DataDir):
    data.song()
    data.log("a.json", {"itemInSession": 0}, {"itemInSession": 1})
    assert load(schema, data) == 0
    checks = {
        "wrong": q.check_songplay_played_song_is_its_song,
        "missed": q.check_songplay_unmatched_has_no_song,
    }
    assert {name: query(schema, check) for name, check in checks.items()} == {
        "wrong": [],
        "missed": [],
    }
    run_statements(
        schema,
        "update songplays set song_length = 1 where item_in_session = 0",
        "update songplays set song_id = null, artist_id = null where item_in_session = 1",
    )
    assert [len(query(schema, check)) for check in checks.values()] == [1, 1]


def test_the_event_and_song_of_the_helpers_match(schema: str):
    # The tests above rely on the default event playing the default song.
    assert (EVENT["song"], EVENT["artist"], EVENT["length"]) == (
        SONG["title"],
        SONG["artist_name"],
        SONG["duration"],
    )
