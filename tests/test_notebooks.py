"""Both notebooks run top to bottom against a loaded test database, as CI runs them."""

import os
import re
from pathlib import Path

import nbformat
import psycopg2
import pytest
from nbclient import NotebookClient
from nbclient.exceptions import CellExecutionError

import sql_queries as q
from helpers import load, query, scalar

REPO = Path(__file__).resolve().parent.parent
NOTEBOOKS = ["test.ipynb", "etl.ipynb"]
CELL_TIMEOUT_S = 120


@pytest.fixture
def sample(request: pytest.FixtureRequest) -> Path:
    """The committed data/ when present, else the real Udacity sample."""
    if (REPO / "data" / "song_data").is_dir():
        return REPO / "data"
    return request.getfixturevalue("real_sample")


@pytest.fixture
def loaded(schema: str, sample: Path) -> str:
    """A test database loaded from the sample by etl.main."""
    assert load(schema, sample) == 0
    return schema


def run_notebook(name: str, **env: str) -> nbformat.NotebookNode:
    """Execute a notebook in a fresh kernel with the repo as its folder; return it with outputs."""
    notebook = nbformat.read(REPO / name, as_version=4)
    client = NotebookClient(
        notebook,
        timeout=CELL_TIMEOUT_S,
        kernel_name="python3",
        resources={"metadata": {"path": str(REPO)}},
    )
    # The kernel is a subprocess: it gets its own environment, and ours stays untouched.
    client.execute(env={**os.environ, **env})
    return notebook


def counts(dsn: str) -> dict[str, int]:
    """Rows in every table the pipeline writes, bookkeeping included."""
    tables = [*q.star_tables, "etl_files", "etl_rejects"]
    return {table: scalar(dsn, f"select count(*) from {table}") for table in tables}


def outputs(notebook: nbformat.NotebookNode) -> list[dict]:
    """Every output of every code cell."""
    code = [cell for cell in notebook.cells if cell.cell_type == "code"]
    return [output for cell in code for output in cell.outputs]


def printed(notebook: nbformat.NotebookNode) -> str:
    """Everything the notebook printed to stdout."""
    return "".join(o["text"] for o in outputs(notebook) if o.get("name") == "stdout")


def images(notebook: nbformat.NotebookNode) -> int:
    """How many PNG images the notebook drew."""
    return sum("image/png" in o.get("data", {}) for o in outputs(notebook))


@pytest.mark.parametrize("name", NOTEBOOKS)
def test_committed_notebooks_have_no_outputs(name: str):
    notebook = nbformat.read(REPO / name, as_version=4)
    nbformat.validate(notebook)
    advice = f"{name} holds outputs: run make clear-notebooks before committing"
    for cell in notebook.cells:
        assert "execution" not in cell.metadata, advice
        if cell.cell_type == "code":
            assert cell.outputs == [], advice
            assert cell.execution_count is None, advice


def test_every_notebook_in_the_repo_is_executed_here():
    assert sorted(path.name for path in REPO.glob("*.ipynb")) == sorted(NOTEBOOKS)


@pytest.mark.slow
def test_test_notebook_shows_every_check_passing_and_draws(loaded: str):
    notebook = run_notebook("test.ipynb", DATABASE_URL=loaded)
    assert "all 17 data checks pass\n" in printed(notebook)
    assert images(notebook) >= 5


@pytest.mark.slow
def test_test_notebook_fails_on_a_failing_check(loaded: str):
    conn = psycopg2.connect(loaded)
    try:
        with conn, conn.cursor() as cur:
            cur.execute("update users set level = 'gold' where user_id = 10")
    finally:
        conn.close()
    failed = r"data checks failed: \['user level free or paid'\]"
    with pytest.raises(CellExecutionError, match=failed):
        run_notebook("test.ipynb", DATABASE_URL=loaded)


def contents(dsn: str) -> dict[str, list[tuple]]:
    """Every row of every table in the database, each table sorted, and the schemas there are."""
    tables = query(
        dsn,
        "select table_schema, table_name from information_schema.tables "
        "where table_schema not in ('pg_catalog', 'information_schema') order by 1, 2",
    )
    found = {f"{schema}.{table}": sorted(query(dsn, f'select * from {schema}."{table}"'), key=repr)
             for schema, table in tables}  # fmt: skip
    # Temporary schemas stay once a session has used them: they hold nothing between sessions.
    found["schemas"] = query(
        dsn, "select nspname from pg_namespace where nspname !~ '^pg_(toast_)?temp_' order by 1"
    )
    return found


@pytest.fixture
def real_loaded(schema: str, real_sample: Path) -> str:
    """A test database loaded with the real sample, from its own folder."""
    assert load(schema, real_sample) == 0
    return schema


@pytest.mark.slow
def test_both_notebooks_leave_a_database_loaded_from_elsewhere_exactly_as_it_was(
    real_loaded: str, sample: Path
):
    before = contents(real_loaded)
    assert len(before["public.songplays"]) == 6820
    run_notebook("test.ipynb", DATABASE_URL=real_loaded)
    walkthrough = run_notebook("etl.ipynb", DATABASE_URL=real_loaded, SPARKIFY_DATA=str(sample))
    assert contents(real_loaded) == before
    # The walkthrough did load: into its scratch schema, from data/, both files.
    assert "files: 2 read, 0 unchanged and skipped\n" in printed(walkthrough)
    assert "the second load left every count as it was\n" in printed(walkthrough)
    assert "the scratch schema is dropped" in printed(walkthrough)


@pytest.mark.slow
def test_etl_notebook_walks_one_song_file_and_one_log_file_on_an_empty_database(
    dsn: str, sample: Path
):
    before = contents(dsn)
    notebook = run_notebook("etl.ipynb", DATABASE_URL=dsn, SPARKIFY_DATA=str(sample))
    assert "files: 2 read, 0 unchanged and skipped\n" in printed(notebook)
    assert re.search(r"^  songs +1$", printed(notebook), re.MULTILINE)
    # data/'s first log file holds double-encoded names: the walkthrough shows their repair.
    repaired = r"^[1-9][0-9]* values of 2018-11-01-events.json are repaired on load$"
    assert re.search(repaired, printed(notebook), re.MULTILINE)
    assert contents(dsn) == before


@pytest.mark.slow
def test_test_notebook_shows_the_most_played_songs_by_title(real_loaded: str):
    notebook = run_notebook("test.ipynb", DATABASE_URL=real_loaded)
    shown = "".join(o.get("data", {}).get("text/plain", "") for o in outputs(notebook))
    assert "You're The One" in shown
    assert "Coldplay" in shown
