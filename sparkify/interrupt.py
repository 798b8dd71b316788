"""Ctrl-C that stops the scripts cleanly in every phase, whatever the database is doing.

Python raises KeyboardInterrupt only between bytecodes of the main thread, so by itself a
Ctrl-C waits for the statement (or the lock wait) the server is running, and when it fires
inside psycopg2's C code (which calls Python to decode messages and to read COPY data) the
driver prints it or turns it into a database error. So, while `interruptible()` holds:

- a thread woken by the signal (signal.set_wakeup_fd) cancels the statement running on the
  server, which returns at once;
- inside a driver call (Cursor.execute, Cursor.copy_expert) Ctrl-C only sets a flag, and
  KeyboardInterrupt is raised when the call returns, or by `check()` where a COPY reads;
- elsewhere it raises KeyboardInterrupt as usual.

One KeyboardInterrupt is raised, however many Ctrl-C follow: what runs after it (a rollback,
recording the failed run) talks to the database as usual.
"""

import signal
import socket
import threading
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from types import FrameType

import psycopg2
from psycopg2.extensions import connection
from psycopg2.extensions import cursor as plain_cursor

_interrupted = threading.Event()  # Ctrl-C was pressed within interruptible()
_delivered = threading.Event()  # and its KeyboardInterrupt was raised (once is enough)
_calls: list[connection] = []  # connections inside a driver call, innermost last


class Cursor(plain_cursor):
    """A cursor whose statements a Ctrl-C cancels, raising KeyboardInterrupt when they return."""

    def execute(self, query: object, vars: object = None) -> None:
        """Run a statement, as psycopg2 does."""
        with driver_call(self.connection):
            super().execute(query, vars)

    def copy_expert(self, sql: object, file: object, size: int = 8192) -> None:
        """Run a COPY, as psycopg2 does."""
        with driver_call(self.connection):
            super().copy_expert(sql, file, size)


@contextmanager
def driver_call(conn: connection) -> Iterator[None]:
    """Mark a call into psycopg2 on conn: Ctrl-C cancels it, then raises KeyboardInterrupt."""
    _calls.append(conn)
    try:
        yield
    except psycopg2.Error as exc:
        deliver(exc)  # the cancelled statement's error is no news
        raise
    finally:
        _calls.pop()
    deliver()


def deliver(cause: BaseException | None = None) -> None:
    """Raise the KeyboardInterrupt of a Ctrl-C, unless it was raised already."""
    if _interrupted.is_set() and not _delivered.is_set():
        _delivered.set()
        raise KeyboardInterrupt from cause


def check() -> None:
    """Inside a driver call: end what it calls (a COPY's read) if Ctrl-C was pressed.

    The driver turns the KeyboardInterrupt into an error of its own; driver_call raises the
    KeyboardInterrupt again once the call has returned.
    """
    if _interrupted.is_set() and not _delivered.is_set():
        raise KeyboardInterrupt


def interrupted() -> bool:
    """Whether Ctrl-C was pressed within the current `interruptible()`."""
    return _interrupted.is_set()


def on_interrupt(signum: int, frame: FrameType | None) -> None:
    """The SIGINT handler: note the interrupt; raise it unless psycopg2 is running."""
    _interrupted.set()
    if not _calls:
        deliver()


def cancel_on_signal(wakeup: socket.socket) -> None:
    """Cancel the running statement each time SIGINT arrives, until the socket closes."""
    while data := wakeup.recv(64):
        if signal.SIGINT not in data:
            continue
        # Noted here too: the handler may run only after the cancelled call has returned.
        _interrupted.set()
        for conn in _calls[-1:]:
            # An error: the connection closed meanwhile, and there is nothing left to cancel.
            with suppress(psycopg2.Error):
                conn.cancel()


@contextmanager
def interruptible() -> Iterator[None]:
    """Within: Ctrl-C cancels what the server runs, then raises KeyboardInterrupt in Python."""
    if threading.current_thread() is not threading.main_thread():
        yield  # signals reach the main thread only
        return
    _interrupted.clear()
    _delivered.clear()
    wakeup, writer = socket.socketpair()
    writer.setblocking(False)
    previous_fd = signal.set_wakeup_fd(writer.fileno(), warn_on_full_buffer=False)
    previous_handler = signal.signal(signal.SIGINT, on_interrupt)
    canceller = threading.Thread(target=cancel_on_signal, args=(wakeup,), daemon=True)
    canceller.start()
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, previous_handler)
        signal.set_wakeup_fd(previous_fd)
        writer.close()
        canceller.join()
        wakeup.close()
