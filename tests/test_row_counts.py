"""Row counters (etl_table_rows): kept by triggers whatever writes, equal to count(*) always."""

from pathlib import Path

import pytest

import sql_queries as q
from helpers import SONG, DataDir, load, query, run_statements, scalar

TABLES = ["songplays", "users", "songs", "artists", "time"]


def counted(dsn: str) -> dict[str, tuple[int, int | None]]:
    """Each star table's rows (and songplays' matched plays), counted."""
    counts = {t: (scalar(dsn, f"select count(*) from {t}"), None) for t in TABLES}
    counts["songplays"] = (counts["songplays"][0], scalar(dsn, q.songplay_matched_count))
    return counts


def kept(dsn: str) -> dict[str, tuple[int, int | None]]:
    """What the row counters hold."""
    return {table: (rows, matched) for table, rows, matched in query(dsn, q.row_counts_select)}


def test_a_new_schema_counts_every_star_table_at_zero(schema: str):
    assert (
        kept(schema) == counted(schema) == {t: (0, 0 if t == "songplays" else None) for t in TABLES}
    )


def test_the_counters_follow_loads_of_every_kind(schema: str, data: DataDir, capsys):
    data.song()
    plays = [
        {"ts": 1541105830796 + i, "itemInSession": i, "userId": str(7 + i % 2)} for i in range(6)
    ]
    plays[0] |= {"song": "Not a song of song_data"}
    data.log("a.json", *plays)
    assert load(schema, data) == 0  # the first load: in bulk, insert counters off
    assert kept(schema) == counted(schema)
    assert kept(schema)["songplays"] == (6, 5)
    assert f"  {'songplays':<10} {6:>12,}\n" in capsys.readouterr().out  # the run's report

    data.log("b.json", {"ts": 1541105930796, "itemInSession": 50}, {"itemInSession": 0})
    data.song(song_id="SOLATE", title="Not a song of song_data")  # a late song: plays matched
    assert load(schema, data) == 0  # on conflict: one play new, one play replaced
    assert kept(schema) == counted(schema)
    assert kept(schema)["songplays"] == (7, 7)


TRIGGERS = """
select c.relname, t.tgname, t.tgenabled, pg_get_triggerdef(t.oid)
from pg_trigger as t
inner join pg_class as c on c.oid = t.tgrelid
where not t.tgisinternal
order by 1, 2
"""


def test_a_bulk_load_leaves_the_counting_triggers_as_the_schema_made_them(
    schema: str, data: DataDir
):
    # The bulk load drops the insert triggers and makes them again: the same, and enabled.
    made = query(schema, TRIGGERS)
    assert ("songplays", "songplays_count_insert", "O") in [row[:3] for row in made]
    data.song()
    data.log("a.json", {"itemInSession": 1}, {"itemInSession": 2})
    assert load(schema, data) == 0  # the first load: in bulk
    assert query(schema, TRIGGERS) == made


def test_a_first_load_that_stages_a_play_twice_is_counted_once(schema: str, data: DataDir):
    data.song()
    data.log("a.json", {"itemInSession": 1}, {"itemInSession": 1, "level": "paid"})
    assert load(schema, data) == 0  # the bulk merge is undone and merged again with on conflict
    assert kept(schema) == counted(schema)
    assert kept(schema)["songplays"] == (1, 1)


def test_the_counters_follow_any_statement_on_the_tables(schema: str, data: DataDir):
    data.song()
    data.log("a.json", *[{"itemInSession": i, "ts": 1541105830796 + i} for i in range(4)])
    assert load(schema, data) == 0
    statements = [
        "update songplays set song_id = null, artist_id = null where item_in_session < 2",
        "delete from songplays where item_in_session = 3",
        "insert into songplays (start_time, user_id, level, session_id, item_in_session) "
        "select start_time, user_id, level, session_id, item_in_session + 10 from songplays",
        f"update songplays set song_id = '{SONG['song_id']}', artist_id = '{SONG['artist_id']}'"
        " where item_in_session = 10",
        "delete from time where start_time not in (select start_time from songplays)",
        "insert into users (user_id, level, last_played_at) values (99, 'free', now())",
        "insert into users (user_id, level, last_played_at) values (99, 'paid', now())"
        " on conflict (user_id) do update set level = excluded.level",
    ]
    for statement in statements:
        run_statements(schema, statement)
        assert kept(schema) == counted(schema), statement
    assert kept(schema)["songplays"] == (6, 2)
    run_statements(schema, "truncate songplays, time, users, songs, artists")
    assert kept(schema) == counted(schema)


def test_the_run_reports_and_records_the_counted_rows(schema: str, data: DataDir):
    data.song()
    data.log("a.json", {"itemInSession": 1}, {"itemInSession": 2})
    assert load(schema, data) == 0
    data.log("b.json", {"itemInSession": 3})
    assert load(schema, data) == 0
    added = query(
        schema,
        "select songplays_added, users_added, songs_added, artists_added, time_added,"
        " matched_plays from etl_runs order by started_at",
    )
    assert added == [(2, 1, 1, 1, 1, 2), (1, 0, 0, 0, 0, 3)]


def test_a_database_made_before_the_counters_gets_them_at_its_next_load(
    schema: str, data: DataDir, tmp_path: Path
):
    data.song()
    data.log("a.json", {"itemInSession": 1}, {"itemInSession": 2, "ts": 1541105830797})
    assert load(schema, data) == 0
    run_statements(
        schema,
        q.row_counter_table_drop,
        *[
            f"drop trigger {t}_count_{e} on {t}"
            for t in TABLES
            for e in ("insert", "delete", "truncate")
        ],
        "drop trigger songplays_count_update on songplays",
        "drop function etl_count_rows(), etl_count_plays()",
    )
    data.log("b.json", {"itemInSession": 3, "ts": 1541105830798})
    assert load(schema, data) == 0
    assert kept(schema) == counted(schema)
    assert kept(schema)["songplays"] == (3, 3)
    assert query(
        schema, "select songplays_added, time_added from etl_runs order by started_at"
    ) == [
        (2, 2),
        (1, 1),
    ]
    run_statements(schema, "delete from songplays where item_in_session = 1")
    assert kept(schema) == counted(schema)


@pytest.mark.real_sample
def test_the_real_sample_is_counted_exactly(schema: str, real_sample: Path):
    assert load(schema, real_sample) == 0
    assert kept(schema) == counted(schema)
    assert kept(schema)["songplays"][0] == 6820
