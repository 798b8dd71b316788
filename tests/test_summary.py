"""The dashboard's summary (hourly_plays): every load leaves it equal to a sum over songplays."""

from pathlib import Path

import etl
from helpers import DataDir, query, run_statements, scalar

DAY = 86_400_000
TS = 1541105830796  # 2018-11-01 20:57:10.796 UTC
SUMMARY = """
select day, hour, user_id, level, location, user_agent, plays, matched
from hourly_plays
"""
# The same sums, written independently of sql_queries.py: the oracle.
FROM_SONGPLAYS = """
select start_time::date, extract(hour from start_time)::smallint, user_id, level, location,
    user_agent, count(*)::integer, count(song_id)::integer
from songplays
group by 1, 2, 3, 4, 5, 6
"""


def load(dsn: str, data: DataDir, *options: str) -> int:
    """Load a hand-made folder through etl.main; return the exit code."""
    return etl.main(["--dsn", dsn, "--data", str(data.root), *options])


def assert_summary_matches_songplays(dsn: str) -> list[tuple]:
    """The summary's rows equal the oracle's, and there are some; return them."""
    summary = sorted(query(dsn, SUMMARY), key=repr)
    assert summary == sorted(query(dsn, FROM_SONGPLAYS), key=repr)
    assert summary
    return summary


def test_the_real_sample_summary_sums_every_play(schema: str, real_sample: Path):
    assert etl.main(["--dsn", schema, "--data", str(real_sample)]) == 0
    summary = assert_summary_matches_songplays(schema)
    assert sum(row[6] for row in summary) == 6820
    assert sum(row[6] for row in summary if row[3] == "paid") == 5591
    assert sum(row[7] for row in summary) == 1


def test_a_later_load_refreshes_the_days_it_touched_and_keeps_the_others(
    schema: str, data: DataDir
):
    data.song()
    data.log("a.json", {"ts": TS}, {"ts": TS + DAY, "itemInSession": 1, "level": "paid"},
             {"ts": TS + 5 * DAY, "itemInSession": 2})  # fmt: skip
    assert load(schema, data) == 0
    assert_summary_matches_songplays(schema)
    # A new file with plays on the second day (one more play in an hour already summed) and
    # on a new sixth day: the days between are refreshed, the first and the fifth stay.
    data.log("b.json", {"ts": TS + DAY + 1000, "itemInSession": 3, "level": "paid"},
             {"ts": TS + 6 * DAY, "itemInSession": 4, "userId": "8", "gender": "M"})  # fmt: skip
    assert load(schema, data) == 0
    summary = assert_summary_matches_songplays(schema)
    second_day = [row for row in summary if row[0].day == 2]
    assert [(row[3], row[6], row[7]) for row in second_day] == [("paid", 2, 2)]
    assert sum(row[6] for row in summary) == 5


def test_a_load_of_older_plays_refreshes_them_too(schema: str, data: DataDir):
    data.log("b.json", {"ts": TS + 3 * DAY}, {"ts": TS + 4 * DAY, "itemInSession": 1})
    assert load(schema, data) == 0
    data.log("a.json", {"ts": TS, "itemInSession": 2}, {"ts": TS + 3 * DAY, "itemInSession": 3})
    assert load(schema, data) == 0
    summary = assert_summary_matches_songplays(schema)
    assert sum(row[6] for row in summary) == 4


def test_a_rerun_that_loads_nothing_leaves_the_summary_alone(schema: str, data: DataDir):
    data.log("a.json", {"ts": TS}, {"ts": TS + DAY, "itemInSession": 1})
    assert load(schema, data) == 0
    before = assert_summary_matches_songplays(schema)
    assert load(schema, data) == 0
    assert load(schema, data, "--full-refresh") == 0
    assert assert_summary_matches_songplays(schema) == before


def test_a_database_loaded_before_the_summary_gets_it_at_its_next_load(
    schema: str, data: DataDir, capsys
):
    data.log("a.json", {"ts": TS}, {"ts": TS + 2 * DAY, "itemInSession": 1})
    assert load(schema, data) == 0
    run_statements(schema, "drop table hourly_plays")
    assert load(schema, data) == 0  # nothing new to read: the summary is built all the same
    assert "files: 0 read, 1 unchanged and skipped" in capsys.readouterr().out
    assert_summary_matches_songplays(schema)
    assert scalar(schema, "select count(*) from pg_indexes where tablename = 'hourly_plays'") == 1
