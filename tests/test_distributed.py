"""--distributed: the Citus layout checked as text, on any server (test_citus.py runs it)."""

import re
import subprocess
import sys
from pathlib import Path

import pytest

import sql_queries as q
from helpers import scalar
from sparkify.schema import schema_plan

REPO = Path(__file__).resolve().parent.parent


def statements(distributed: bool) -> list[str]:
    """The plan's statements with their parameters filled in, on one line each."""
    return [" ".join((s % tuple(repr(p) for p in params)).split()) for s, params in
            schema_plan(distributed)]  # fmt: skip


def test_dimensions_become_reference_tables_before_songplays_is_distributed():
    plan = statements(distributed=True)
    assert plan[0] == "create extension if not exists citus"
    distribute = plan.index("select create_distributed_table('songplays', 'user_id')")
    references = [plan.index(f"select create_reference_table('{t}')") for t in
                  ["artists", "songs", "users", "time"]]  # fmt: skip
    creates = [i for i, s in enumerate(plan) if s.startswith("create table")]
    foreign_keys = [i for i, s in enumerate(plan) if "foreign key" in s]
    assert max(creates) < min(references)
    assert max(references) < distribute
    assert foreign_keys == list(range(distribute + 1, len(plan)))
    assert len(foreign_keys) == 4


def test_every_constraint_is_added_or_dropped_by_a_statement_of_its_own():
    # Citus: "cannot execute ADD CONSTRAINT command with other subcommands".
    bulk = [" ".join(s.split()) for s in q.bulk_merge_queries]
    alters = [
        s for s in statements(True) + bulk if s.startswith("alter table") and " trigger " not in s
    ]
    # The plan: time key, songplays keys, foreign keys; the bulk merge drops and adds them all
    # (and turns the row counters' insert triggers off and on: not constraints).
    assert len(alters) == (1 + 2 + 4) + 2 * (4 + 2 + 1)
    for statement in alters:
        assert statement.count(" constraint ") == 1, statement


def test_no_table_of_the_plan_declares_a_foreign_key_from_songplays_inline():
    create = next(s for s in statements(True) if s.startswith("create table songplays"))
    assert "references" not in create


def test_every_unique_key_and_conflict_target_of_songplays_holds_user_id():
    ddl = " ".join(s for s in statements(True) if re.match(r"(create|alter) table songplays", s))
    keys = re.findall(r"(?:primary key|unique) \(([^)]*)\)", ddl)
    assert keys == ["songplay_id, user_id", "user_id, session_id, item_in_session"]
    conflict = re.search(r"on conflict \(([^)]*)\)", q.songplay_table_insert)
    assert conflict is not None
    assert "user_id" in conflict.group(1)


def test_the_single_server_plan_is_the_distributed_one_without_citus_plus_the_row_counters():
    single, distributed = statements(False), statements(True)
    counters = [" ".join(s.split()) for s in q.row_counter_create_queries]
    without_counters = [s for s in single if s not in counters]
    assert [s for s in distributed if "citus" not in s and "_table(" not in s] == without_counters
    assert [s for s in single if s in counters] == counters


def test_distributed_without_citus_says_what_is_missing(dsn: str):
    if not scalar(dsn, q.citus_available):
        missing = "the citus extension, which this server does not have"
    elif not scalar(dsn, q.citus_preloaded):
        missing = "citus in shared_preload_libraries, which this server does not load"
    else:
        pytest.skip("this server runs Citus: tests/test_citus.py covers it (CITUS_URL)")
    result = subprocess.run([sys.executable, "create_tables.py", "--dsn", dsn, "--distributed"],
                            cwd=REPO, capture_output=True, text=True)  # fmt: skip
    assert result.returncode == 2
    assert result.stderr == (
        f"error: --distributed needs {missing}: "
        "run it on a Citus coordinator (see README, Scaling out)\n"
    )
    assert scalar(dsn, "select to_regclass('songplays') is null")
