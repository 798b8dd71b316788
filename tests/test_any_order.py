"""Any split of a data folder into batches, loaded in any order, ends at the tables of one load."""

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from summary_rows import summary_rows

import create_tables
from fix_db import fresh_database
from helpers import TS, DataDir, load, query
from tools.generate_data import generate

# Every column but songplay_id (the loader's own number), in a stable order.
TABLES = {
    "songplays": "start_time, user_id, level, song_id, artist_id, session_id, item_in_session, "
    "location, user_agent, song_title, artist_name, song_length",
    "users": "*",
    "songs": "*",
    "artists": "*",
    "time": "*",
}
BATCHES = 4
EXAMPLES = 6


def tables(dsn: str) -> dict[str, list[tuple]]:
    """Every row of the five tables and of the summaries (the first load of the files builds
    them, later loads keep them by their changes: both must end alike), sorted."""
    stars = {
        table: sorted(query(dsn, f"select {columns} from {table}"), key=repr)
        for table, columns in TABLES.items()
    }
    return {**stars, **summary_rows(dsn)}


def data_files(root: Path) -> list[Path]:
    """The files of a data folder, relative to it, in path order."""
    return sorted(path.relative_to(root) for path in root.rglob("*.json"))


class Batches:
    """Loads the files of a source folder into one work folder, a batch at a time."""

    def __init__(self, source: Path, work: Path, dsn: str) -> None:
        self.source, self.work, self.dsn = source, work, dsn
        self.files = data_files(source)

    def reset(self) -> None:
        """An empty work folder and an empty schema."""
        shutil.rmtree(self.work, ignore_errors=True)
        (self.work / "song_data").mkdir(parents=True)
        (self.work / "log_data").mkdir()
        create_tables.create_schema(self.dsn)

    def load(self, batch: list[Path]) -> None:
        """Add a batch of files to the work folder and load it."""
        for relative in batch:
            (self.work / relative).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy(self.source / relative, self.work / relative)
        assert load(self.dsn, self.work) == 0

    def load_in(self, batches: list[list[Path]]) -> dict[str, list[tuple]]:
        """The tables after loading the batches, in order, from scratch."""
        self.reset()
        for batch in batches:
            if batch:
                self.load(batch)
        return tables(self.dsn)


@pytest.fixture
def second_dsn(server: str) -> Iterator[str]:
    """A second fresh database, for the batched loads."""
    with fresh_database(server) as dsn:
        yield dsn


def full_and_batches(source: Path, tmp_path: Path, full: str, batched: str):
    """The tables of one full load of source, and the loader of batches to compare with it."""
    batches = Batches(source, tmp_path / "work", batched)
    # The same folder, so that the song files' paths (songs.source_file) are the same.
    batches.reset()
    batches.load(batches.files)
    expected = tables(batches.dsn)
    create_tables.create_schema(full)
    assert load(full, batches.work) == 0
    assert tables(full) == expected  # a second load of the same folder changed nothing
    return expected, batches


def split(files: list[Path], assignment: list[int]) -> list[list[Path]]:
    """The files grouped by the batch each is assigned to, batches in number order."""
    return [[f for f, b in zip(files, assignment, strict=True) if b == n] for n in range(BATCHES)]


def assignments(files: int) -> st.SearchStrategy[list[int]]:
    """A batch number for each file."""
    return st.lists(st.integers(0, BATCHES - 1), min_size=files, max_size=files)


def conflicting_data(root: Path) -> Path:
    """A folder whose records disagree: the rules must not depend on the order of arrival."""
    data = DataDir(root)
    data.song(song_id="SO1", artist_id="AR1", artist_name="Múm", artist_location="Reykjavík")
    data.song(song_id="SO2", artist_id="AR1", artist_name="Mum", artist_location=None)
    data.song(song_id="SO3", title="Tunnel", artist_id="AR1", artist_name="Mum")
    # The same song_id in two files (different folders): the path that sorts last wins.
    (root / "song_data" / "B").mkdir()
    shutil.copy(root / "song_data/A/B/C/SO1.json", root / "song_data/B/SO1.json")
    data.song(song_id="SO1", title="Grass", duration=111.5)
    data.log(
        "2018-11-01-events.json",
        {"itemInSession": 0, "firstName": "Ada", "level": "free"},
        {"itemInSession": 1, "ts": TS + 5000, "song": "Tunnel", "artist": "Múm"},
        {"itemInSession": 2, "ts": TS + 9000, "level": "paid", "firstName": "Ada"},
    )
    data.log(
        "2018-11-02-events.json",
        # The same user at the same ts with other names: the greater content wins.
        {"itemInSession": 3, "ts": TS + 9000, "level": "paid", "firstName": "Augusta"},
        # The same play key as item 1 with other content: the greater content wins.
        {"itemInSession": 1, "ts": TS + 5000, "song": "Grass", "length": 111.5},
        {"userId": "8", "itemInSession": 0, "firstName": "Alan", "gender": "M"},
    )
    return root


def matched_song_files(dsn: str) -> set[str]:
    """The song files of the songs that plays matched, relative to the data folder."""
    rows = query(
        dsn,
        "select distinct s.source_file from songplays as sp "
        "inner join songs as s on s.song_id = sp.song_id",
    )
    return {path for (path,) in rows}


def check_every_order(source: Path, tmp_path: Path, full: str, batched: str) -> None:
    """Hand-picked and random batches of source, in any order, end at the full load's tables."""
    expected, batches = full_and_batches(source, tmp_path, full, batched)
    songs = [f for f in batches.files if f.parts[0] == "song_data"]
    logs = [f for f in batches.files if f.parts[0] == "log_data"]
    late = matched_song_files(full)
    assert late, "the data set should hold plays that match a song"
    matched = [f for f in songs if str(batches.work / f) in late]
    rest = [f for f in batches.files if f not in matched]
    cases = {
        "song files last": [logs, songs],
        "the matched songs' files after their plays' log files": [rest, matched],
        "one file at a time, newest first": [[f] for f in reversed(batches.files)],
    }
    for case, order in cases.items():
        assert batches.load_in(order) == expected, case

    @settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=[HealthCheck.too_slow])
    @given(assignments(len(batches.files)))
    def random_batches_end_as_one_load(assignment: list[int]) -> None:
        assert batches.load_in(split(batches.files, assignment)) == expected

    random_batches_end_as_one_load()


@pytest.mark.slow
def test_the_real_sample_in_any_batches_and_order(
    real_sample: Path, tmp_path: Path, dsn: str, second_dsn: str
):
    check_every_order(real_sample, tmp_path, dsn, second_dsn)


def test_a_generated_set_in_any_batches_and_order(tmp_path: Path, dsn: str, second_dsn: str):
    generate(tmp_path / "generated", songs=40, events=1_500, seed=3, days=4)
    check_every_order(tmp_path / "generated", tmp_path, dsn, second_dsn)


def test_conflicting_records_in_any_batches_and_order(tmp_path: Path, dsn: str, second_dsn: str):
    check_every_order(conflicting_data(tmp_path / "conflicts"), tmp_path, dsn, second_dsn)


def test_the_conflict_rules(schema: str, tmp_path: Path):
    root = conflicting_data(tmp_path / "conflicts")
    assert load(schema, root) == 0
    # song_data/B/SO1.json sorts after song_data/A/...: it speaks for SO1 and for AR1.
    assert query(schema, "select title, artist_id from songs where song_id = 'SO1'") == [
        ("Hoppípolla", "AR1")
    ]
    assert query(schema, "select name, location from artists where artist_id = 'AR1'") == [
        ("Múm", "Reykjavík")
    ]
    assert query(schema, "select first_name, level from users where user_id = 7") == [
        ("Augusta", "paid")
    ]
    assert query(schema, "select song_title, song_id from songplays where item_in_session = 1") == [
        ("Tunnel", "SO3")
    ]
