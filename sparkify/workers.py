"""The worker processes that shape big inputs: started from a forkserver, never outliving etl.py.

Work is run here until the input proves big (starting workers costs more than a small load
takes), then in the workers; a window keeps a few units in flight and gives their results
back in the order the units came.

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
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Future, ProcessPoolExecutor
from itertools import islice
from typing import Generic, TypeVar

# How often a worker looks for its main process where the kernel cannot tell it (no pidfd).
PARENT_POLL_S = 0.5

Unit = TypeVar("Unit")
Result = TypeVar("Result")


class Workers:
    """Runs units of work in this process until told the input is big, then in WORKERS processes."""

    def __init__(self, workers: int) -> None:
        self._workers = workers
        self._pool: ProcessPoolExecutor | None = None

    def submit(self, work: Callable[..., Result], *args: object, big: bool) -> "Future[Result]":
        """Start a unit of work: in a worker once the input is big (or workers run), else here."""
        if self._pool is None and big:
            self._pool = worker_pool(self._workers)
        if self._pool is not None:
            return self._pool.submit(work, *args)
        done: Future[Result] = Future()
        done.set_result(work(*args))
        return done

    def close(self) -> None:
        """Stop the workers, if any started, dropping the work not begun."""
        if self._pool is not None:
            self._pool.shutdown(cancel_futures=True)


class Window(Generic[Unit, Result]):
    """Units of work kept in flight, size at a time, and taken back in the order they came.

    The first `ahead` units are started at once, before anything is asked of the window: they
    run while the caller is still busy with other work.
    """

    def __init__(
        self,
        units: Iterable[Unit],
        start: Callable[[Unit], "Future[Result]"],
        size: int,
        ahead: int = 0,
    ) -> None:
        self._units = iter(units)
        self._start = start
        self._size = size
        self._pending = deque((unit, start(unit)) for unit in islice(self._units, ahead))

    def __iter__(self) -> Iterator[tuple[Unit, Result]]:
        for unit in self._units:
            while len(self._pending) >= self._size:  # back to size after a read-ahead
                yield self._take()
            self._pending.append((unit, self._start(unit)))
        while self._pending:
            yield self._take()

    def _take(self) -> tuple[Unit, Result]:
        """The oldest unit in flight and its result, once it is done."""
        unit, future = self._pending.popleft()
        return unit, future.result()


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
