"""Fixtures: hand-made and generated data folders; the databases come from fix_db.py.

Tests that use the real sample are marked real_sample, and those that use large_data slow, here
at collection, so that no test can forget its marker.
"""

from pathlib import Path

import pytest

from helpers import DataDir
from tools.generate_data import generate

pytest_plugins = ["fix_db"]

# A test that uses one of these fixtures (directly or through another) gets the marker.
FIXTURE_MARKERS = {"real_sample": "real_sample", "large_data": "slow"}


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Mark each test by the fixtures it uses (FIXTURE_MARKERS)."""
    for item in items:
        for fixture, marker in FIXTURE_MARKERS.items():
            if fixture in getattr(item, "fixturenames", ()):
                item.add_marker(marker)


@pytest.fixture
def data(tmp_path: Path) -> DataDir:
    """An empty hand-made data folder."""
    return DataDir(tmp_path / "data")


@pytest.fixture(scope="session")
def large_data(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A generated data set (150k events) whose load takes seconds and runs the worker processes."""
    root = tmp_path_factory.mktemp("large")
    generate(root, songs=2_000, events=150_000, seed=7)
    return root
