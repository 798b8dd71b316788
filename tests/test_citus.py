"""--distributed for real: on the Citus cluster of CITUS_URL, loads equal one server's, row for row.

Each test makes its own database on every node of the cluster (fix_db's citus fixture); the
one-server side is the usual fresh database (fix_db's schema). Without CITUS_URL every test here
skips, saying so: CI has no Citus.
"""

import shutil
from pathlib import Path

import psycopg2
import pytest
from psycopg2.extensions import make_dsn
from summary_rows import summary_rows

import create_tables
import sql_queries as q
from bench import citus as bench_citus
from bench import run
from bench.citus import INSIGHT, citus_nodes
from fix_db import fresh_citus_database, missing_database
from helpers import (
    FACTS,
    DataDir,
    differences,
    execute,
    facts,
    load,
    query,
    run_statements,
    scalar,
    star_rows,
)
from tools.generate_data import generate

LAYOUT = {
    "songplays": "distributed",
    "users": "reference",
    "songs": "reference",
    "artists": "reference",
    "time": "reference",
}

CITUS_LAYOUT = """
select
    c.relname,
    t.citus_table_type
from citus_tables as t
inner join pg_class as c
    on c.oid = t.table_name
"""

SONGPLAY_NODES = """
select distinct
    s.nodename,
    s.nodeport
from citus_shards as s
where s.table_name = 'songplays'::regclass
"""

REBALANCE_WAIT = "select citus_rebalance_wait()"

SONGPLAY_SHARDS = """
select count(*)
from pg_dist_shard
where logicalrelid = 'songplays'::regclass
"""

SONGPLAY_CONSTRAINTS = """
select conname
from pg_constraint
where conrelid = 'songplays'::regclass
order by conname
"""


def insight(dsn: str) -> dict[str, list[tuple]]:
    """What each insight query answers."""
    conn = psycopg2.connect(dsn)
    try:
        with conn, conn.cursor() as cur:
            answers = {}
            for name, params in INSIGHT.items():
                cur.execute(getattr(q, name), params)
                answers[name] = cur.fetchall()
            return answers
    finally:
        conn.close()


def create_distributed(dsn: str, capsys: pytest.CaptureFixture[str]) -> list[str]:
    """create_tables.py --distributed, which must succeed silently on stderr; its stdout lines."""
    assert create_tables.main(["--dsn", dsn, "--distributed"]) == 0
    out, err = capsys.readouterr()
    assert err == ""
    return out.splitlines()


def copy_half(source: Path, target: Path, first: bool) -> None:
    """Copy the first (or second) half of source's song files and of its log files to target."""
    for folder in ["song_data", "log_data"]:
        files = sorted((source / folder).rglob("*.json"))
        half = files[: len(files) // 2] if first else files[len(files) // 2 :]
        for path in half:
            copy = target / path.relative_to(source)
            copy.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(path, copy)


def assert_same_loads(citus: str, single: str, source: Path, data: Path) -> None:
    """Half the files, then the rest, then --full-refresh: after each, the same star tables."""
    for first in [True, False]:
        copy_half(source, data, first)
        assert load(citus, data, "--check") == 0
        assert load(single, data, "--check") == 0
        assert differences(star_rows(citus), star_rows(single)) == {}
        # Citus rebuilds the summaries whole; one server keeps them by the second half's changes.
        assert summary_rows(citus) == summary_rows(single)
    assert load(citus, data, "--check", "--full-refresh") == 0
    assert load(single, data, "--check", "--full-refresh") == 0
    assert differences(star_rows(citus), star_rows(single)) == {}
    assert summary_rows(citus) == summary_rows(single)
    assert insight(citus) == insight(single)


def test_the_real_sample_loads_on_the_workers_to_the_one_server_tables(
    citus: str, schema: str, real_sample: Path, capsys: pytest.CaptureFixture[str]
):
    _, workers = citus_nodes(citus)
    names = ", ".join(f"{host}:{port}" for host, port in sorted(workers))
    shards = create_distributed(citus, capsys)[-1]
    assert shards == f"songplays: {scalar(citus, SONGPLAY_SHARDS)} shards on 2 nodes ({names})"
    assert load(citus, real_sample, "--check") == 0
    assert load(schema, real_sample, "--check") == 0
    assert facts(citus) == FACTS
    assert dict(query(citus, CITUS_LAYOUT)) == LAYOUT
    placements = set(query(citus, SONGPLAY_NODES))
    assert len(placements) > 1
    assert placements == set(workers)
    assert differences(star_rows(citus), star_rows(schema)) == {}
    assert insight(citus) == insight(schema)


def test_incremental_loads_and_full_refresh_match_one_server(
    citus: str, schema: str, real_sample: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
):
    create_distributed(citus, capsys)
    assert_same_loads(citus, schema, real_sample, tmp_path / "data")
    assert facts(citus) == FACTS


@pytest.mark.slow
def test_250k_generated_events_match_one_server(
    citus: str, schema: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
):
    source = tmp_path / "generated"
    stats = generate(source, songs=12_500, events=250_000, seed=0)
    assert stats.events == 250_000
    create_distributed(citus, capsys)
    assert_same_loads(citus, schema, source, tmp_path / "data")
    assert scalar(citus, "select count(*) from songplays") == 208_341
    assert scalar(citus, "select count(*) from songplays where song_id is not null") > 0


def test_the_bulk_merge_drops_and_rebuilds_each_key_on_citus(
    citus: str, data: DataDir, capsys: pytest.CaptureFixture[str]
):
    create_distributed(citus, capsys)
    data.song()
    data.log("d.json", {"itemInSession": 0}, {"itemInSession": 1})
    assert load(citus, data, "--check") == 0
    before = query(citus, SONGPLAY_CONSTRAINTS)
    run_statements(
        citus,
        *q.songplay_foreign_keys_drop,
        *q.songplay_keys_drop,
        q.time_key_drop,
        q.time_key_create,
        *q.songplay_keys_create,
        *q.songplay_foreign_keys_create,
    )
    assert query(citus, SONGPLAY_CONSTRAINTS) == before
    assert len(before) == 6
    # The rebuilt natural key holds on the shards: the same play cannot go in twice.
    duplicate = (
        "insert into songplays (start_time, user_id, level, session_id, item_in_session)"
        " select start_time, user_id, level, session_id, item_in_session from songplays"
    )
    # (Citus reports the shard's unique violation as an internal error, SQLSTATE XX000.)
    violation = 'duplicate key value violates unique constraint "songplays_play_key_'
    with pytest.raises(psycopg2.Error, match=violation):
        run_statements(citus, duplicate)


def test_a_database_without_workers_is_laid_out_on_the_coordinator_with_a_warning(
    citus_url: str, capsys: pytest.CaptureFixture[str]
):
    # create_tables.py makes a missing database, and Citus registers no workers in it.
    with missing_database(citus_url) as dsn:
        assert create_tables.main(["--dsn", dsn, "--distributed"]) == 0
        out, err = capsys.readouterr()
        shards = scalar(dsn, SONGPLAY_SHARDS)
        (host, port), _ = citus_nodes(dsn)
        assert out.splitlines()[-1] == f"songplays: {shards} shards on 1 node ({host}:{port})"
        assert err == (
            "warning: this database has no Citus workers (Citus keeps its nodes per database), "
            f"so all {shards} shards of songplays are on the coordinator: in this database, add "
            "each worker with select citus_add_node('worker-host', 5432); then move shards "
            "onto them with select citus_rebalance_start();\n"
        )


@pytest.mark.slow
def test_the_citus_bench_finds_both_loads_equal_on_a_tiny_set(
    citus_url: str, server: str, tmp_path: Path
):
    data = run.ensure_data(tmp_path / "data", songs=50, events=300).path
    result = bench_citus.run_size(300, data, server, citus_url, repeat=1, logs=tmp_path)
    assert result.same
    assert result.plays > 200
    assert set(result.single_insight) == set(result.citus_insight) == set(INSIGHT)
    assert "insert into songplays" in result.citus.slowest_steps(count=50)


def test_a_worker_added_later_takes_shards_after_a_rebalance(
    citus_url: str, real_sample: Path, capsys: pytest.CaptureFixture[str]
):
    _, workers = citus_nodes(citus_url)
    if len(workers) < 2:
        pytest.skip(f"CITUS_URL's cluster has {len(workers)} worker: adding one needs two")
    with fresh_citus_database(citus_url, registered=1) as dsn:
        create_distributed(dsn, capsys)
        assert load(dsn, real_sample, "--check") == 0
        assert set(query(dsn, SONGPLAY_NODES)) == {workers[0]}
        # The README's steps: add the node, then move shards (block_writes: no logical
        # replication, which needs wal_level = logical).
        execute(dsn, "select citus_add_node(%s, %s)", workers[1])
        execute(dsn, "select citus_rebalance_start(shard_transfer_mode := 'block_writes')")
        execute(make_dsn(dsn, options="-c statement_timeout=300000"), REBALANCE_WAIT)
        assert set(query(dsn, SONGPLAY_NODES)) == set(workers[:2])
        assert scalar(dsn, "select count(distinct nodeport) from citus_shards"
                           " where citus_table_type = 'reference'") == 3  # fmt: skip
        assert load(dsn, real_sample, "--check", "--full-refresh") == 0
        assert facts(dsn) == FACTS
