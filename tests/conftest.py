"""Fixtures: hand-made and generated data folders; the databases come from fix_db.py."""

from pathlib import Path

import pytest

from helpers import DataDir
from tools.generate_data import generate

pytest_plugins = ["fix_db"]


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
