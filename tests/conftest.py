"""Fixtures: a real PostgreSQL server, a fresh database per test, and hand-made data folders.

Where CITUS_URL names a Citus coordinator database, fresh databases on its cluster too.
"""

import os
from collections.abc import Iterator
from pathlib import Path

import psycopg2
import pytest
from psycopg2.extensions import make_dsn

import create_tables
import etl
from bench.citus import citus_nodes, fresh_citus_database
from helpers import DataDir, fresh_database
from sparkify import db
from tools.generate_data import generate

REPO = Path(__file__).resolve().parent.parent
REAL_SAMPLE = REPO.parent / "shared" / "datasets" / "udacity-sparkify"
LOCAL_SERVER = "host=127.0.0.1 port=5432 user=postgres dbname=postgres"
CITUS_MISSING = (
    "CITUS_URL is not set: it names a Citus coordinator database that has workers, "
    "e.g. postgresql://postgres@127.0.0.1:9700/sparkifydb (CI has no Citus)"
)


def reachable(dsn: str) -> bool:
    """Whether a server answers at dsn."""
    try:
        psycopg2.connect(dsn, connect_timeout=2).close()
    except psycopg2.OperationalError:
        return False
    return True


@pytest.fixture(scope="session")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """An admin DSN: DATABASE_URL, else the local server on 5432, else an embedded one."""
    if url := os.environ.get("DATABASE_URL"):
        yield make_dsn(url, dbname="postgres")
    elif reachable(LOCAL_SERVER):
        yield LOCAL_SERVER
    else:
        pgdata = tmp_path_factory.mktemp("pgdata")
        os.environ["SPARKIFY_PGDATA"] = str(pgdata)
        yield make_dsn(db.embedded_dsn(), dbname="postgres")
        db.stop_embedded()


@pytest.fixture
def dsn(server: str) -> Iterator[str]:
    """A fresh empty database for one test, dropped afterwards."""
    with fresh_database(server) as database:
        yield database


@pytest.fixture
def schema(dsn: str) -> str:
    """A fresh database holding the empty star schema."""
    create_tables.create_schema(dsn)
    return dsn


@pytest.fixture(scope="session")
def real_sample() -> Path:
    """The real Udacity sample; CI has it, so there a missing copy fails instead of skipping."""
    if not REAL_SAMPLE.is_dir():
        if os.environ.get("CI"):
            pytest.fail(f"the real sample is missing at {REAL_SAMPLE}")
        pytest.skip(f"the real sample is not at {REAL_SAMPLE}")
    return REAL_SAMPLE


@pytest.fixture(scope="module")
def real_sample_dsn(server: str, real_sample: Path) -> Iterator[str]:
    """A database holding the real sample, loaded once for a module's read-only tests."""
    with fresh_database(server) as database:
        create_tables.create_schema(database)
        assert etl.main(["--dsn", database, "--data", str(real_sample)]) == 0
        yield database


@pytest.fixture
def data(tmp_path: Path) -> DataDir:
    """An empty hand-made data folder."""
    return DataDir(tmp_path / "data")


@pytest.fixture(scope="session")
def large_data(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A generated data set whose load takes seconds and runs the worker processes."""
    root = tmp_path_factory.mktemp("large")
    generate(root, songs=2_000, events=150_000, seed=7)
    return root


@pytest.fixture(scope="session")
def citus_url() -> str:
    """The Citus coordinator database named by CITUS_URL, which must have workers."""
    url = os.environ.get("CITUS_URL")
    if not url:
        pytest.skip(CITUS_MISSING)
    if not citus_nodes(url)[1]:
        pytest.fail(f"CITUS_URL names {db.mask_dsn(url)}, a database without Citus workers")
    return url


@pytest.fixture
def citus(citus_url: str) -> Iterator[str]:
    """A fresh database on the Citus cluster of CITUS_URL, with its workers; dropped afterwards."""
    with fresh_citus_database(citus_url) as dsn:
        yield dsn
