"""The test databases and the real sample: every database a test uses is made here.

Three environment variables name what the tests run against, and pytest's header shows each
(passwords masked):

- DATABASE_URL: the test server, given as any database on it (the tests make and drop their own
  databases beside it). Unset, the local server on 127.0.0.1:5432 when it answers, else an
  embedded server in a temporary folder.
- CITUS_URL: a Citus coordinator database that has workers; unset, the Citus tests skip.
- SPARKIFY_SAMPLE: the real Udacity sample (song_data/ and log_data/), by default
  ../shared/datasets/udacity-sparkify beside the repository. Missing, its tests skip (in CI,
  where CI is set, they fail).

Registered as a plugin by conftest.py (pytest_plugins), as psycopg's tests do with theirs.
"""

import functools
import os
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import psycopg2
import pytest
from psycopg2.extensions import make_dsn

import create_tables
from bench import citus as bench_citus
from helpers import DataDir, execute, load
from sparkify import db

REPO = Path(__file__).resolve().parent.parent
DEFAULT_SAMPLE = REPO.parent / "shared" / "datasets" / "udacity-sparkify"
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


@functools.cache
def chosen_server() -> tuple[str | None, str]:
    """The admin DSN of the test server (None: an embedded one, started by the fixture) and why."""
    if url := os.environ.get("DATABASE_URL"):
        return make_dsn(url, dbname="postgres"), "DATABASE_URL"
    if reachable(LOCAL_SERVER):
        return LOCAL_SERVER, "the local server; DATABASE_URL names another"
    return None, "DATABASE_URL is not set and nothing answers on 127.0.0.1:5432"


def sample_path() -> Path:
    """Where the real sample should be: SPARKIFY_SAMPLE, else beside the repository."""
    return Path(os.environ.get("SPARKIFY_SAMPLE") or DEFAULT_SAMPLE)


def pytest_report_header(config: pytest.Config) -> list[str]:
    """The server, Citus cluster and sample this run uses, in pytest's header."""
    admin, why = chosen_server()
    server = db.mask_dsn(admin) if admin else "an embedded server in a temporary folder"
    citus = os.environ.get("CITUS_URL")
    sample = sample_path()
    named = "SPARKIFY_SAMPLE" if os.environ.get("SPARKIFY_SAMPLE") else "the default"
    if not sample.is_dir():
        named += ", missing: its tests " + ("fail (CI is set)" if os.environ.get("CI") else "skip")
    return [
        f"test server: {server} ({why})",
        f"citus: {db.mask_dsn(citus) + ' (CITUS_URL)' if citus else 'CITUS_URL is not set'}",
        f"real sample: {sample} ({named})",
    ]


@contextmanager
def fresh_database(server: str) -> Iterator[str]:
    """A new empty database on the server, dropped on exit."""
    name = f"sparkify_test_{uuid.uuid4().hex[:12]}"
    execute(server, f"create database {name}")
    try:
        yield make_dsn(server, dbname=name)
    finally:
        execute(server, f"drop database {name} with (force)")


@contextmanager
def missing_database(server: str) -> Iterator[str]:
    """The DSN of a database not on the server yet, for a program to make; dropped on exit."""
    name = f"sparkify_new_{uuid.uuid4().hex[:12]}"
    try:
        yield make_dsn(server, dbname=name)
    finally:
        execute(make_dsn(server, dbname="postgres"), f"drop database if exists {name} with (force)")


@contextmanager
def loaded_database(server: str, data: DataDir | Path) -> Iterator[str]:
    """A new database holding the star schema loaded from data; dropped on exit."""
    with fresh_database(server) as dsn:
        create_tables.create_schema(dsn)
        assert load(dsn, data) == 0
        yield dsn


@contextmanager
def fresh_citus_database(url: str, registered: int | None = None) -> Iterator[str]:
    """A new database on every node of url's Citus cluster, its workers registered; dropped on exit.

    The bench makes its Citus databases the same way (bench.citus, which must not import tests).
    With registered, only that many workers are registered (the others can be added later).
    """
    with bench_citus.fresh_citus_database(url, label="test", registered=registered) as dsn:
        yield dsn


@pytest.fixture(scope="session")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """An admin DSN: DATABASE_URL, else the local server on 5432, else an embedded one."""
    admin, _ = chosen_server()
    if admin:
        yield admin
        return
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
    sample = sample_path()
    if not sample.is_dir():
        where = (
            f"the real sample is not at {sample}: set SPARKIFY_SAMPLE to the folder that holds "
            "its song_data/ and log_data/"
        )
        if os.environ.get("CI"):
            pytest.fail(where)
        pytest.skip(where)
    return sample


@pytest.fixture(scope="module")
def real_sample_dsn(server: str, real_sample: Path) -> Iterator[str]:
    """A database holding the real sample, loaded once for a module's read-only tests."""
    with loaded_database(server, real_sample) as database:
        yield database


@pytest.fixture(scope="session")
def citus_url() -> str:
    """The Citus coordinator database named by CITUS_URL, which must have workers."""
    url = os.environ.get("CITUS_URL")
    if not url:
        pytest.skip(CITUS_MISSING)
    if not bench_citus.citus_nodes(url)[1]:
        pytest.fail(f"CITUS_URL names {db.mask_dsn(url)}, a database without Citus workers")
    return url


@pytest.fixture
def citus(citus_url: str) -> Iterator[str]:
    """A fresh database on the Citus cluster of CITUS_URL, with its workers; dropped afterwards."""
    with fresh_citus_database(citus_url) as dsn:
        yield dsn
