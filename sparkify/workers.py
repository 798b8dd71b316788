"""The worker processes that shape big inputs: started from a forkserver, never outliving etl.py.

Ctrl-C reaches every process of the terminal's process group; the workers ignore it and let
the main process stop the pool, so that an interrupted load prints one line, not a traceback
per worker. A main process killed outright (kill -9) cannot stop the pool: each worker then
notices on its own that the process it works for is gone and exits; the forkserver and its
resource tracker, which live as long as a worker or the main process does, follow.
"""

import multiprocessing
import os
import select
import signal
import threading
import time
from concurrent.futures import ProcessPoolExecutor

# How often a worker looks for its main process where the kernel cannot tell it (no pidfd).
PARENT_POLL_S = 0.5


def worker_pool(workers: int) -> ProcessPoolExecutor:
    """A pool of worker processes that ignore Ctrl-C and exit when this process dies."""
    # forkserver: workers must not inherit the open database connection.
    context = multiprocessing.get_context("forkserver")
    return ProcessPoolExecutor(
        workers, mp_context=context, initializer=start_worker, initargs=(os.getpid(),)
    )


def start_worker(main_pid: int) -> None:
    """Set up a worker process: ignore Ctrl-C, and exit as soon as main_pid is gone."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    # The worker's parent is the forkserver, not main_pid: a death signal (prctl) would not do.
    threading.Thread(target=exit_with, args=(main_pid,), name="watch-main", daemon=True).start()


def exit_with(pid: int) -> None:
    """Block until process pid has ended, then end this process at once."""
    try:
        wait_for_exit(pid)
    finally:
        os._exit(1)


def wait_for_exit(pid: int) -> None:
    """Return when process pid has ended (at once if it has already)."""
    try:
        handle = os.pidfd_open(pid)  # Linux: readable once the process has ended
    except ProcessLookupError:
        return
    except (AttributeError, OSError):  # no pidfd (not Linux, or an old kernel): poll
        while pid_alive(pid):
            time.sleep(PARENT_POLL_S)
        return
    select.select([handle], [], [])


def pid_alive(pid: int) -> bool:
    """Whether a process pid exists (polling fallback)."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True
