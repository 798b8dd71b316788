"""The data generator writes the real files' format, deterministically, without a database."""

import json
import os
import subprocess
import sys
from collections import defaultdict
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest

from tools.generate_data import GeneratedStats, generate

ROOT = Path(__file__).resolve().parent.parent
SONGS, EVENTS, SEED, DAYS = 40, 2000, 7, 3
START = date(2018, 11, 1)
SONG_KEYS = [
    "num_songs", "artist_id", "artist_latitude", "artist_longitude", "artist_location",
    "artist_name", "song_id", "title", "duration", "year",
]  # fmt: skip
EVENT_KEYS = [
    "artist", "auth", "firstName", "gender", "itemInSession", "lastName", "length", "level",
    "location", "method", "page", "registration", "sessionId", "song", "status", "ts",
    "userAgent", "userId",
]  # fmt: skip
Event = dict[str, object]


@pytest.fixture(scope="module")
def generated(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, GeneratedStats]:
    """A small data set, written once for the whole module."""
    out = tmp_path_factory.mktemp("generated")
    return out, generate(out, SONGS, EVENTS, seed=SEED, start=START, days=DAYS)


@pytest.fixture(scope="module")
def out(generated: tuple[Path, GeneratedStats]) -> Path:
    """The small data set's folder."""
    return generated[0]


@pytest.fixture(scope="module")
def songs(out: Path) -> dict[Path, dict[str, object]]:
    """Each song file's object by path."""
    return {path: json.loads(path.read_bytes()) for path in out.glob("song_data/*/*/*/*")}


@pytest.fixture(scope="module")
def events(out: Path) -> list[Event]:
    """All events, day by day in file order."""
    return [event for path in log_files(out) for _, event in read_log(path)]


@pytest.fixture(scope="module")
def plays(events: list[Event]) -> list[Event]:
    """The NextSong events."""
    return [event for event in events if event["page"] == "NextSong"]


def log_files(out: Path) -> list[Path]:
    """The log files, in date order."""
    return sorted(out.glob("log_data/*/*/*"))


def read_log(path: Path) -> list[tuple[str, Event]]:
    """Each line of a log file with its parsed event."""
    return [(line, json.loads(line)) for line in path.read_text(encoding="ascii").split("\n")]


def run_cli(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    """Run the generator's command line from the project root."""
    return subprocess.run(
        [sys.executable, "-m", "tools.generate_data", *args],
        cwd=ROOT,
        capture_output=True,
        text=True,
        env=env,
        check=False,
    )


def tree(root: Path) -> dict[str, bytes]:
    """Every file under root by relative path, with its bytes."""
    return {str(p.relative_to(root)): p.read_bytes() for p in root.rglob("*") if p.is_file()}


def unmojibake(text: str) -> str:
    """Undo the double UTF-8-as-Latin-1 encoding of the real logs."""
    for _ in range(2):
        text = text.encode("latin-1").decode("utf-8")
    return text


def test_same_arguments_write_identical_bytes(out: Path, tmp_path: Path) -> None:
    """A second run, in another process with another hash seed, writes the same bytes."""
    env = {**os.environ, "PYTHONHASHSEED": "12345"}
    args = ["--songs", str(SONGS), "--events", str(EVENTS), "--seed", str(SEED)]
    result = run_cli("--out", str(tmp_path), *args, "--days", str(DAYS), env=env)
    assert result.returncode == 0, result.stderr
    assert tree(tmp_path) == tree(out)


def test_another_seed_writes_other_data(out: Path, tmp_path: Path) -> None:
    """The seed matters."""
    generate(tmp_path, SONGS, EVENTS, seed=SEED + 1, start=START, days=DAYS)
    assert tree(tmp_path) != tree(out)


def test_song_files_are_laid_out_like_the_real_ones(songs: dict[Path, dict[str, object]]) -> None:
    """song_data/A/B/C/TRABC....json, one object with the real keys in the real order."""
    assert len(songs) == SONGS
    for path, song in songs.items():
        track = path.stem
        assert path.parts[-4:-1] == (track[2], track[3], track[4])
        assert path.suffix == ".json"
        assert len(track) == 18
        assert track.startswith("TR")
        assert list(song) == SONG_KEYS
        # Byte for byte the style of the real files: json.dumps defaults, no final newline.
        assert path.read_text(encoding="ascii") == json.dumps(song)


def test_song_values_have_the_real_types(songs: dict[Path, dict[str, object]]) -> None:
    """Ids, numbers and the ways unknown values appear are those of the real files."""
    values = list(songs.values())
    for song in values:
        assert song["num_songs"] == 1
        assert isinstance(song["duration"], float)
        assert isinstance(song["year"], int)
        assert str(song["artist_id"]).startswith("AR")
        assert str(song["song_id"]).startswith("SO")
        if song["artist_location"] == "":
            assert song["artist_latitude"] is None
            assert song["artist_longitude"] is None
    assert any(song["year"] == 0 for song in values)
    assert any(song["artist_latitude"] is None for song in values)
    assert any(not str(song["artist_name"]).isascii() for song in values)
    assert len({song["artist_id"] for song in values}) < len(values)


def test_log_files_are_one_per_day(out: Path, generated: tuple[Path, GeneratedStats]) -> None:
    """log_data/YYYY/MM/YYYY-MM-DD-events.json for each day, each event on its own day."""
    days = [START + timedelta(days=offset) for offset in range(DAYS)]
    expected = [f"log_data/{d:%Y}/{d:%m}/{d:%Y-%m-%d}-events.json" for d in days]
    assert [str(path.relative_to(out)) for path in log_files(out)] == expected
    for day, path in zip(days, log_files(out), strict=True):
        stamps = [int(event["ts"]) for _, event in read_log(path)]
        assert stamps == sorted(stamps)
        dates = {datetime.fromtimestamp(ts / 1000, tz=UTC).date() for ts in stamps}
        assert dates == {day}
        assert all(ts % 1000 for ts in stamps)


def test_log_lines_are_written_like_the_real_ones(out: Path) -> None:
    """Compact JSON, the real key order, non-ASCII and slashes escaped, no final newline."""
    for path in log_files(out):
        assert not path.read_bytes().endswith(b"\n")
        for line, event in read_log(path):
            assert list(event) == EVENT_KEYS
            compact = json.dumps(event, separators=(",", ":"))
            assert line == compact.replace("/", "\\/")


def test_user_ids_are_strings_and_empty_when_logged_out(events: list[Event]) -> None:
    """userId is a numeric string when logged in, and "" with null user fields when not."""
    logged_out = [event for event in events if event["auth"] == "Logged Out"]
    assert logged_out
    for event in events:
        user_id = event["userId"]
        assert isinstance(user_id, str)
        if event["auth"] == "Logged Out":
            assert user_id == ""
            assert event["firstName"] is None
            assert event["registration"] is None
        else:
            assert event["auth"] == "Logged In"
            assert user_id.isdigit()
            assert isinstance(event["registration"], float)


def test_plays_name_a_song_and_other_pages_do_not(events: list[Event]) -> None:
    """Every NextSong has song, artist and length; other pages have them null."""
    for event in events:
        fields = (event["song"], event["artist"], event["length"])
        if event["page"] == "NextSong":
            assert isinstance(fields[0], str)
            assert isinstance(fields[1], str)
            assert isinstance(fields[2], float)
            assert event["auth"] == "Logged In"
            assert event["method"] == "PUT"
        else:
            assert fields == (None, None, None)


def test_plays_are_80_to_85_percent_of_events(events: list[Event], plays: list[Event]) -> None:
    """NextSong is most of the traffic, as in the real logs."""
    assert 0.78 <= len(plays) / len(events) <= 0.87


def test_natural_key_of_plays_is_unique(plays: list[Event]) -> None:
    """(userId, sessionId, itemInSession) names one play."""
    keys = [(play["userId"], play["sessionId"], play["itemInSession"]) for play in plays]
    assert len(keys) == len(set(keys))


def test_item_in_session_grows_with_time(events: list[Event]) -> None:
    """Within a session the items count up from 0 in ts order, logged out or not."""
    items: dict[object, list[int]] = defaultdict(list)
    for event in events:
        items[event["sessionId"]].append(int(event["itemInSession"]))
    for numbers in items.values():
        assert numbers == list(range(len(numbers)))


def test_distinct_events_share_timestamps(events: list[Event]) -> None:
    """Some distinct events carry the same ts, as in the real logs."""
    assert len({event["ts"] for event in events}) < len(events)


def test_some_plays_match_a_song_exactly_and_most_do_not(
    songs: dict[Path, dict[str, object]], plays: list[Event]
) -> None:
    """Song, artist and length equal a song file's title, artist_name and duration."""
    known = {(s["title"], s["artist_name"], s["duration"]) for s in songs.values()}
    matches = sum((p["song"], p["artist"], p["length"]) in known for p in plays)
    assert 0.05 * len(plays) <= matches <= 0.3 * len(plays)


def test_some_artists_arrive_double_encoded(
    songs: dict[Path, dict[str, object]], plays: list[Event]
) -> None:
    """A few plays garble a non-ASCII artist the way the real logs do; repaired, they match."""
    known = {(s["title"], s["artist_name"], s["duration"]) for s in songs.values()}
    garbled = [play for play in plays if "\u00c3" in str(play["artist"])]
    assert garbled
    for play in garbled:
        repaired = (unmojibake(str(play["song"])), unmojibake(str(play["artist"])), play["length"])
        assert repaired in known


def test_some_users_switch_level(events: list[Event]) -> None:
    """At least one user is free at one time and paid at another."""
    levels: dict[object, set[object]] = defaultdict(set)
    for event in events:
        if event["userId"]:
            levels[event["userId"]].add(event["level"])
    assert any(found == {"free", "paid"} for found in levels.values())


def test_stats_count_what_is_on_disk(
    out: Path, generated: tuple[Path, GeneratedStats], events: list[Event], plays: list[Event]
) -> None:
    """Every count in the returned stats is the count of what was written."""
    stats = generated[1]
    song_files = list(out.glob("song_data/*/*/*/*"))
    artists = {json.loads(path.read_bytes())["artist_id"] for path in song_files}
    written = sum(path.stat().st_size for path in out.rglob("*") if path.is_file())
    assert stats == GeneratedStats(
        song_files=len(song_files),
        artists=len(artists),
        users=len({event["userId"] for event in events if event["userId"]}),
        events=len(events),
        next_song_events=len(plays),
        log_files=len(log_files(out)),
        bytes_written=written,
    )


def test_help_explains_every_option() -> None:
    """--help exits 0 and names each option."""
    result = run_cli("--help")
    assert result.returncode == 0
    for option in ("--out", "--songs", "--events", "--seed", "--days", "--start", "--force"):
        assert option in result.stdout


def test_refuses_a_non_empty_folder(tmp_path: Path) -> None:
    """Without --force, a non-empty folder is left alone with a one-line error and exit 2."""
    (tmp_path / "keep.txt").write_text("mine")
    result = run_cli("--out", str(tmp_path), "--songs", "3", "--events", "30")
    assert result.returncode == 2
    assert result.stderr.startswith("error: ")
    assert result.stderr.count("\n") == 1
    assert [path.name for path in tmp_path.iterdir()] == ["keep.txt"]


def test_force_replaces_the_data_and_keeps_other_files(tmp_path: Path) -> None:
    """--force rewrites song_data/ and log_data/ and keeps the folder's other files."""
    (tmp_path / "README.md").write_text("mine")
    stale = tmp_path / "song_data" / "Z" / "Z" / "Z" / "TRZZZ.json"
    stale.parent.mkdir(parents=True)
    stale.write_text("{}")
    result = run_cli("--out", str(tmp_path), "--songs", "3", "--events", "30", "--force")
    assert result.returncode == 0, result.stderr
    assert "song files: 3" in result.stdout
    assert (tmp_path / "README.md").read_text() == "mine"
    assert not stale.exists()
