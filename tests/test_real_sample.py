"""The real Udacity sample loads to its known facts, and a second load changes no count."""

from pathlib import Path

from helpers import load, scalar

FACTS = {
    "select count(*) from songplays": 6820,
    "select count(*) from users": 96,
    "select count(*) from users where level = 'paid'": 22,
    "select count(*) from songs": 71,
    "select count(*) from artists": 69,
    "select count(*) from time": 6813,
    "select count(*) from songplays where song_id is not null": 1,
}


def facts(dsn: str) -> dict[str, object]:
    """The value of each fact's query."""
    return {statement: scalar(dsn, statement) for statement in FACTS}


def test_real_sample_loads_to_the_known_facts_twice(schema: str, real_sample: Path):
    assert load(schema, real_sample) == 0
    assert facts(schema) == FACTS
    assert load(schema, real_sample) == 0
    assert facts(schema) == FACTS
