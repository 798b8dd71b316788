"""The bench machinery on tiny inputs: its floor rows are an independent oracle of our load."""

import csv
import subprocess
import sys
from pathlib import Path
from types import SimpleNamespace

import pytest
from summary_rows import summary_rows

from bench import citus as bench_citus
from bench import floor, intake_bound, many_files, new_day, run, targets
from bench.check import compare, describe
from bench.measure import measure
from fix_db import fresh_database
from helpers import DataDir, load, query, run_statements, scalar
from sparkify import intake
from tools.generate_data import generate, mojibake

REPO = Path(__file__).resolve().parent.parent
TS = 1541105830796


def floor_rows(folder: Path, table: str) -> list[list[str]]:
    """The rows of one floor CSV file, as text."""
    with (folder / f"{table}.csv").open(encoding="utf-8", newline="") as rows:
        return list(csv.reader(rows))


@pytest.mark.slow
def test_bench_on_a_tiny_generated_set_finds_our_tables_equal_to_the_floor(
    server: str, tmp_path: Path
):
    data = run.ensure_data(tmp_path / "data", songs=50, events=300)
    result = run.run_size(data, server, baseline_max=300, logs=tmp_path)
    assert result.differences == []
    assert result.rows.songplays > 200
    assert result.rows.matched > 0
    assert result.baseline_plays == result.rows.songplays
    assert result.floor_s > 0
    assert result.physical_s > 0
    assert result.ours.etl.peak_rss_mb > 10
    # Cached: the marker is written last, and a second call reuses the folder.
    assert (data.path / run.MARKER).is_file()
    assert run.ensure_data(tmp_path / "data", songs=50, events=300) == data


def test_floor_applies_the_tie_rules_as_our_load_does(schema: str, data: DataDir, tmp_path: Path):
    data.song(song_id="SO2")
    data.song(song_id="SO1")  # same title, artist and duration as SO2: the lowest id wins
    data.song(song_id="SO3", title="Grass", artist_id="AR2", artist_name="Múm", year=0)
    # A later file names artist AR2 again, otherwise: the file that sorts last wins.
    data.song(song_id="SO4", title="Tunnel", artist_id="AR2", artist_name="Mum", artist_location="")
    garbled = {"song": mojibake("Hoppípolla"), "artist": mojibake("Sigur Rós")}
    data.log("a.json", {"itemInSession": 2, "level": "paid", **garbled})
    data.log(
        "b.json",
        {"itemInSession": 1, "level": "free"},
        {"itemInSession": 3, "ts": TS - 1000, "song": "Tunnel", "artist": "Mum"},
        {"itemInSession": 4, "ts": TS - 2000, "song": "Grass", "artist": "Múm"},
    )
    out = tmp_path / "floor"
    counts = floor.write_floor(data.root, out)
    assert counts.matched == 3
    plays = {row[6]: (row[3], row[4]) for row in floor_rows(out, "songplays")}
    assert plays == {"1": ("SO1", "ARTEST0001"), "2": ("SO1", "ARTEST0001"),
                     "3": ("SO4", "AR2"), "4": ("", "")}  # fmt: skip
    assert floor_rows(out, "users")[0][:5] == ["7", "Ada", "Lovelace", "F", "paid"]
    artist = floor_rows(out, "artists")[0]
    assert artist[:5] == ["AR2", "Mum", "", "64.1", "-21.9"]
    assert artist[5] == str(data.root.resolve() / "song_data" / "A" / "B" / "C" / "SO4.json")
    assert floor_rows(out, "songs")[2][3] == ""  # year 0: unknown
    assert load(schema, data) == 0
    assert compare(schema, out) == []
    # The check sees a changed and a missing row.
    run_statements(
        schema, "update users set level = 'free'", "delete from songplays where item_in_session = 4"
    )
    differences = compare(schema, out)
    assert {(d.table, d.only_ours, d.only_floor) for d in differences} == {
        ("users", 1, 1),
        ("songplays", 0, 1),
    }
    assert "only in floor: (7, 'Ada', 'Lovelace', 'F', 'paid')" in describe(differences)


@pytest.mark.slow
def test_real_sample_loads_to_exactly_its_floor_rows(
    server: str, real_sample: Path, tmp_path: Path
):
    result = run.run_sample(real_sample, server, tmp_path)
    assert result.differences == []
    assert result.rows.songplays == 6820
    assert result.events > result.rows.songplays


def test_the_floor_schema_has_foreign_keys_only_when_asked(dsn: str):
    constraints = "select count(*) from pg_constraint where connamespace = 'public'::regnamespace"
    foreign_keys = f"{constraints} and contype = 'f'"
    floor.create_schema(dsn, foreign_keys=False)
    assert scalar(dsn, foreign_keys) == 0
    assert scalar(dsn, f"{constraints} and contype in ('p', 'u')") == 10  # etl_runs', played_songs'
    floor.create_schema(dsn, foreign_keys=True)
    assert scalar(dsn, foreign_keys) == 5


def test_the_physical_floor_has_primary_keys_only_and_plain_types(dsn: str):
    floor.create_physical_schema(dsn)
    constraints = query(dsn, "select contype, count(*) from pg_constraint "
                             "where connamespace = 'public'::regnamespace group by 1")  # fmt: skip
    assert constraints == [("p", 5)]
    types = query(dsn, "select distinct data_type from information_schema.columns "
                       "where table_schema = 'public' order by 1")  # fmt: skip
    assert [t for (t,) in types] == [
        "bigint", "double precision", "integer", "text", "timestamp without time zone",
    ]  # fmt: skip
    assert query(dsn, "select count(*) from pg_indexes where schemaname = 'public'") == [(5,)]


# What the schema floor must end with, as a first load leaves it: every constraint, index and
# trigger of the project's tables, by definition.
STRUCTURE = (
    "select conrelid::regclass::text, conname, pg_get_constraintdef(oid) from pg_constraint "
    "where connamespace = 'public'::regnamespace "
    "union all select tablename, indexname, indexdef from pg_indexes where schemaname = 'public' "
    "union all select tgrelid::regclass::text, tgname, pg_get_triggerdef(oid) from pg_trigger "
    "where not tgisinternal order by 1, 2, 3"
)


def test_the_schema_floor_builds_what_a_first_load_leaves(server: str, schema: str, tmp_path: Path):
    generate(tmp_path / "data", songs=60, events=400, seed=3)
    out = tmp_path / "floor"
    rows = floor.write_floor(tmp_path / "data", out)
    assert rows.matched > 0
    assert load(schema, tmp_path / "data") == 0
    with fresh_database(server) as built:
        floor.create_unbuilt_schema(built)
        assert query(built, STRUCTURE) != query(schema, STRUCTURE)  # stripped before the COPY
        timing = floor.time_copy(built, out, floor.BUILD_QUERIES)
        assert timing.copy_s > 0
        assert timing.build_s > 0
        assert compare(built, out) == []
        assert query(built, STRUCTURE) == query(schema, STRUCTURE)
        assert summary_rows(built) == summary_rows(schema)
        counters = "select table_name, row_count, matched from etl_table_rows order by 1"
        assert query(built, counters) == query(schema, counters)


def test_the_bounds_hold_the_schema_floor_to_the_ratio_targets():
    size = SimpleNamespace(
        physical_s=1.0, built=floor.Timed(1.2, 0.6), baseline=SimpleNamespace(seconds=150.0)
    )
    assert targets.bound_lines({100_000: size, 1_000_000: size, 250_000: size}) == [
        "100k: baseline/schema floor (x) 83.33 >= 100: NOT MET",
        "250k: schema floor/physical floor 1.80 <= 2.5: met",
        "1M: schema floor/physical floor 1.80 <= 2: met",
    ]


def test_peak_rss_is_the_commands_own_not_the_benchs(tmp_path: Path):
    held = b"x" * 300_000_000  # the bench holding much memory must not show in the figure
    small = measure([sys.executable, "-c", "pass"], tmp_path / "small.log")
    large = measure([sys.executable, "-c", "b = b'x' * 100_000_000"], tmp_path / "large.log")
    assert len(held) == 300_000_000
    assert small.peak_rss_mb < 50
    assert 100 < large.peak_rss_mb < 150
    assert small.seconds > 0


def test_help_explains_every_option():
    done = subprocess.run(
        [sys.executable, "-m", "bench.run", "--help"], cwd=REPO, capture_output=True, text=True
    )
    assert done.returncode == 0
    for option in ["--events", "--songs", "--baseline-max", "--dsn-server", "--keep"]:
        assert option in done.stdout


def test_the_citus_bench_content_checksum_sees_one_changed_value(schema: str, data: DataDir):
    data.song()
    data.log("d.json", {"itemInSession": 0}, {"itemInSession": 1})
    assert load(schema, data) == 0
    before = bench_citus.content(schema)
    assert before["songplays"][0] == 2
    run_statements(schema, "update songplays set location = 'Elsewhere' where item_in_session = 1")
    after = bench_citus.content(schema)
    assert after["songplays"][0] == 2
    assert after["songplays"][1] != before["songplays"][1]
    assert {t: v for t, v in after.items() if t != "songplays"} == {
        t: v for t, v in before.items() if t != "songplays"
    }


def test_the_new_day_bench_loads_the_last_days_first_events_on_the_rest(tmp_path: Path):
    data = DataDir(tmp_path / "data")
    data.song()
    for day in range(1, 4):
        data.log(f"2018-11-0{day}-events.json", *({"itemInSession": n} for n in range(5)))
    work = tmp_path / "work"
    held = new_day.split_off_last_days(data.root, work, 2)
    assert held == [Path(f"log_data/2018/11/2018-11-0{day}-events.json") for day in (2, 3)]
    assert [path.name for path in (work / "log_data").rglob("*.json")] == ["2018-11-01-events.json"]
    song = "song_data/A/B/C/SOTEST0001.json"
    assert (work / song).samefile(data.root / song)  # hard-linked, not copied
    assert new_day.write_new_day(data.root, held[0], work, 3) == 3
    assert (work / held[0]).read_bytes().count(b"\n") == 3
    assert new_day.write_new_day(data.root, held[1], work, 0) == 5
    output = (
        "x summaries: plays counted before the merges, 0.01 s\nx summaries: rebuilt whole, 4.20 s\n"
    )
    assert new_day.summary_seconds(output) == pytest.approx(4.21)


def test_max_songs_caps_the_song_catalogue_of_big_sizes_only():
    assert run.song_count(10_000_000, max_songs=50_000) == 50_000
    assert run.song_count(100_000, max_songs=50_000) == 5_000
    assert run.song_count(100_000) == 5_000
    assert run.song_count(300, songs=70, max_songs=50) == 50


def test_new_day_shows_a_loads_slow_steps_slowest_first():
    output = (
        "2026-12-04 18:00:12,001 sparkify.load INFO copy stage_songs: 0 rows, 0.17 s\n"
        "2026-12-04 18:00:12,002 sparkify.load INFO analyze stage_events (ts,: -1 rows, 0.01 s\n"
        "2026-12-04 18:00:12,003 sparkify.load INFO count the rows of the star tables: 0.98 s\n"
        "2026-12-04 18:00:12,004 sparkify.load INFO summaries: kept by changes, 0.07 s\n"
        "songs     50,000 rows\n"
    )
    assert new_day.slow_steps(output) == [
        "sparkify.load: count the rows of the star tables: 0.98 s",
        "sparkify.load: copy stage_songs: 0 rows, 0.17 s",
        "sparkify.load: summaries: kept by changes, 0.07 s",
    ]


def test_the_intake_bound_reads_every_song_and_play_with_the_workers_cpu(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
):
    stats = generate(tmp_path, 300, 3_000, seed=7)
    monkeypatch.setattr(intake, "PARALLEL_FROM_FILES", 0)  # in the workers from the first unit
    monkeypatch.setattr(intake, "PARALLEL_FROM_BYTES", 0)
    songs, plays = intake_bound.measure(tmp_path)
    assert (songs.rows, plays.rows) == (stats.song_files, stats.next_song_events)
    assert plays.cpu_s > 0
    assert plays.wall_s > 0


def test_many_files_loads_a_set_then_finds_every_file_unchanged(server: str, tmp_path: Path):
    with run.Databases(server) as dbs:
        first, again = many_files.measure_size(40, 300, dbs, tmp_path, root=tmp_path / "data")
        dsn = run.make_dsn(server, dbname=dbs.names[0])
        assert scalar(dsn, "select count(*) from songs") == 40
        files = scalar(dsn, "select count(*) from etl_files")
    logs = len(list((tmp_path / "data" / "40-300" / "log_data").rglob("*.json")))
    assert files == 40 + logs
    assert f"files: {files} read, 0 unchanged" in first.output
    assert "no file read" in again.output  # measure_size raises otherwise
    assert first.peak_rss_mb > 10
    assert again.peak_rss_mb > 10
