"""The real Udacity sample loads to its known facts, and a second load changes no count."""

from pathlib import Path

from helpers import FACTS, facts, load


def test_real_sample_loads_to_the_known_facts_twice(schema: str, real_sample: Path):
    assert load(schema, real_sample) == 0
    assert facts(schema) == FACTS
    assert load(schema, real_sample) == 0
    assert facts(schema) == FACTS
