"""Signals and lost servers, as a user meets them: kill -9.

Each test runs etl.py as a process of its own (in a session of its own, so that it and its
workers form one process group, as in a terminal) and asserts what is left of it.
"""

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from helpers import scalar

REPO = Path(__file__).resolve().parent.parent
# The loader's session, running a statement that starts with a prefix (and waiting, or not).
LOADER = """
select count(*)
from pg_stat_activity
where application_name = 'sparkify'
    and state = 'active'
    and ltrim(query, e' \\n') like %s
    and (wait_event_type = 'Lock' or not %s)
"""


def start_load(dsn: str, data: Path, output: int = subprocess.PIPE) -> subprocess.Popen[str]:
    """Start etl.py as a terminal would: the leader of a process group of its own."""
    command = [sys.executable, "etl.py", "--dsn", dsn, "--data", str(data)]
    return subprocess.Popen(command, cwd=REPO, stdout=output, stderr=output, text=True,
                            start_new_session=True)  # fmt: skip


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


def test_kill_9_of_etl_alone_leaves_no_worker_behind(schema: str, large_data: Path):
    # No pipes: workers left behind would hold them open, and reading them would never end.
    load = start_load(schema, large_data, output=subprocess.DEVNULL)
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
