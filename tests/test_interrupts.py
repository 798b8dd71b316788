"""Signals and lost servers, as a user meets them: Ctrl-C in every phase, kill -9, pg_ctl stop.

Each test runs etl.py as a process of its own (in a session of its own, so that it and its
workers form one process group, as in a terminal) and asserts the exit code, every line it
printed, that nothing was committed and that no process of it is left.
"""

import os
import shutil
import signal
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

import psycopg2
import pytest

import create_tables
import sql_queries as q
from fix_db import fresh_database
from helpers import query, scalar, start_load

REPO = Path(__file__).resolve().parent.parent
SAMPLE = REPO / "data"
INTERRUPTED = "error: interrupted; nothing of the unfinished load was committed\n"
WAITING = "another etl.py is loading this database: waiting for it\n"
TABLES = ["songplays", "users", "songs", "artists", "time", "etl_files", "etl_rejects"]
# The loader's session, running a statement that starts with a prefix (and waiting, or not).
LOADER = """
select count(*)
from pg_stat_activity
where application_name = 'sparkify'
    and state = 'active'
    and ltrim(query, e' \\n') like %s
    and (wait_event_type = 'Lock' or not %s)
"""


def wait_for_loader(dsn: str, prefix: str = "", locked: bool = False, timeout: float = 120) -> None:
    """Block until the loader runs a statement starting with prefix (waiting for a lock)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if scalar(dsn, LOADER, (prefix + "%", locked)):
            return
        time.sleep(0.02)
    pytest.fail(f"the load never ran {prefix!r}" + (" waiting for a lock" if locked else ""))


def live_processes(group: int) -> list[str]:
    """The command lines of the processes of a process group that are alive (not zombies)."""
    found = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
            command = (stat.parent / "cmdline").read_bytes().replace(b"\0", b" ").decode()
        except OSError:  # ended meanwhile
            continue
        if int(fields[2]) == group and fields[0] != "Z":
            found.append(f"{stat.parent.name} {command}")
    return found


def wait_until_gone(group: int, timeout: float = 10) -> list[str]:
    """Wait for every process of a group to end; return those still alive after timeout."""
    deadline = time.monotonic() + timeout
    while (alive := live_processes(group)) and time.monotonic() < deadline:
        time.sleep(0.1)
    return alive


def finish(load: subprocess.Popen[str], timeout: float = 60) -> tuple[str, str]:
    """The load's output once it exits; a load that hangs is killed, with its group, and fails."""
    try:
        return load.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        os.killpg(load.pid, signal.SIGKILL)
        load.communicate()
        pytest.fail(f"etl.py did not exit within {timeout} s")


def rows(dsn: str) -> dict[str, int]:
    """How many rows each table the loader writes holds."""
    return {table: scalar(dsn, f"select count(*) from {table}") for table in TABLES}


def holding(dsn: str, *statements: str) -> psycopg2.extensions.connection:
    """A connection in an open transaction that ran statements (to hold their locks)."""
    conn = psycopg2.connect(dsn)
    with conn.cursor() as cur:
        for statement in statements:
            cur.execute(statement)
    return conn


# Where Ctrl-C lands, and how the test gets the load there and keeps it there:
# - copy: a data set big enough that COPY streams for seconds, with the workers running;
# - merge: the test holds a lock on users, so a statement of the merge waits for it;
# - lock: the test holds the load lock, as another etl.py would.
PHASES = {
    "copy": ([], "copy stage_events", False),
    "merge": (["lock table users in exclusive mode"], "", True),
    "lock": ([q.load_lock_try], "select pg_advisory_xact_lock", False),
}


@pytest.mark.parametrize("phase", PHASES)
def test_ctrl_c_in_any_phase_exits_130_in_one_line_leaving_nothing(
    schema: str, large_data: Path, phase: str
):
    statements, prefix, locked = PHASES[phase]
    holder = holding(schema, *statements)
    try:
        load = start_load(schema, large_data if phase == "copy" else SAMPLE)
        wait_for_loader(schema, prefix, locked)
        started = time.monotonic()
        os.killpg(load.pid, signal.SIGINT)  # as the terminal sends it: to the whole group
        out, err = finish(load)
    finally:
        holder.close()
    assert time.monotonic() - started < 10
    assert load.returncode == 130
    assert err == (WAITING if phase == "lock" else "") + INTERRUPTED
    assert out == ""
    assert wait_until_gone(load.pid) == []
    assert set(rows(schema).values()) == {0}
    # The one interrupt is raised once: recording the run afterwards still works.
    assert query(schema, "select outcome, reason from etl_runs") == [
        ("interrupted", "interrupted (Ctrl-C)")
    ]


def test_kill_9_of_etl_alone_leaves_no_worker_behind(schema: str, large_data: Path, tmp_path: Path):
    # No pipes: workers left behind would hold them open, and reading them would never end.
    load = start_load(schema, large_data, output=subprocess.DEVNULL, temp=tmp_path)
    try:
        wait_for_loader(schema, "copy stage_events")
        # etl.py, the resource tracker, the forkserver and its two workers.
        deadline = time.monotonic() + 60
        while len(live_processes(load.pid)) < 5 and time.monotonic() < deadline:
            time.sleep(0.05)
        assert len(live_processes(load.pid)) == 5
        os.kill(load.pid, signal.SIGKILL)  # etl.py only, not its group
        load.wait()
        assert wait_until_gone(load.pid, timeout=10) == []
    finally:
        if live_processes(load.pid):
            os.killpg(load.pid, signal.SIGKILL)


def server_bin() -> Path:
    """The folder of this machine's PostgreSQL server programs (initdb, pg_ctl)."""
    found = sorted(Path("/usr/lib/postgresql").glob("*/bin/initdb"))
    if not found:
        if os.environ.get("CI"):
            pytest.fail("no PostgreSQL server programs under /usr/lib/postgresql/*/bin")
        pytest.skip("no PostgreSQL server programs under /usr/lib/postgresql/*/bin")
    return found[-1].parent


class Server:
    """A PostgreSQL server of the test's own, on a free loopback port, that a test may stop."""

    def __init__(self, root: Path) -> None:
        self.bin = server_bin()
        self.root = root
        self.data = root / "data"
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            self.port = probe.getsockname()[1]
        self.dsn = f"host=127.0.0.1 port={self.port} user=postgres dbname=sparkifydb"

    def pg(self, program: str, *args: str) -> None:
        """Run a server program as the server's owner (postgres when the tests run as root)."""
        owner = ["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else []
        command = [*owner, str(self.bin / program), *args]
        subprocess.run(command, check=True, capture_output=True, timeout=120)

    def start(self) -> None:
        """Start the server and wait until it accepts connections."""
        options = f"-p {self.port} -k {self.root} -c listen_addresses=127.0.0.1 -c fsync=off"
        self.pg("pg_ctl", "start", "-w", "-D", str(self.data), "-l", str(self.root / "log"),
                "-o", options)  # fmt: skip

    def stop(self, mode: str = "fast") -> None:
        """Stop the server (fast: as an operator does, ending every session)."""
        self.pg("pg_ctl", "stop", "-w", "-m", mode, "-D", str(self.data))


@pytest.fixture(scope="module")
def own_server() -> Iterator[Server]:
    """A server made for these tests, started; stopped and deleted afterwards."""
    root = Path(tempfile.mkdtemp(prefix="sparkify-server-", dir="/tmp"))
    try:
        server = Server(root)
        if os.geteuid() == 0:
            shutil.chown(root, "postgres")
        server.pg("initdb", "-D", str(server.data), "-U", "postgres", "-A", "trust")
        server.start()
        try:
            yield server
        finally:
            if (server.data / "postmaster.pid").exists():
                server.stop("immediate")
    finally:
        shutil.rmtree(root)


@pytest.mark.parametrize("phase", PHASES)
def test_a_server_shut_down_mid_load_is_one_line_and_exit_2(
    own_server: Server, large_data: Path, phase: str
):
    with fresh_database(make_admin(own_server)) as dsn:
        create_tables.create_schema(dsn)
        statements, prefix, locked = PHASES[phase]
        holder = holding(dsn, *statements)
        load = start_load(dsn, large_data if phase == "copy" else SAMPLE)
        try:
            wait_for_loader(dsn, prefix, locked)
            own_server.stop("fast")
            out, err = finish(load)
        finally:
            holder.close()
            own_server.start()
        assert load.returncode == 2
        assert err.startswith(
            ("another etl.py is loading this database: waiting for it\n" if phase == "lock" else "")
            + "error: the load was rolled back: the server closed the connection ("
        )
        assert err.endswith("); nothing was committed: run it again once the server is back\n")
        assert err.count("\n") == (2 if phase == "lock" else 1)
        assert out == ""
        assert wait_until_gone(load.pid) == []
        assert set(rows(dsn).values()) == {0}


def make_admin(server: Server) -> str:
    """The admin DSN of a server."""
    return server.dsn.replace("dbname=sparkifydb", "dbname=postgres")
