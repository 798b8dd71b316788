"""Serve the analysts' dashboard of the loaded database, read-only, as a web page."""

import argparse
import contextlib
import signal
import socket
import sys
from types import FrameType

from werkzeug.serving import make_server, select_address_family

from sparkify.cli import add_common_options, configure_logging, run
from sparkify.dashapp import create_app
from sparkify.dashdata import Reader
from sparkify.db import mask_dsn, resolve_dsn
from sparkify.errors import DatabaseError, EtlError

DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 8050


class ServeError(EtlError):
    """The dashboard cannot listen where it was asked to."""

    exit_code = 1


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    """The command line."""
    parser = argparse.ArgumentParser(
        description="Serve a dashboard of the song plays loaded by etl.py, read-only: open "
        "the URL it prints. Filters live in the URL (/?level=paid, /?from=2018-11-05&to="
        "2018-11-11, /?gender=F). Ctrl-C stops it.",
        epilog="exit status: 0 stopped (Ctrl-C), 1 cannot listen on the address, "
        "2 database problem",
    )
    add_common_options(parser)
    parser.add_argument(
        "--port",
        type=int,
        default=DEFAULT_PORT,
        help=f"TCP port to listen on (default: {DEFAULT_PORT}; 0 picks a free one)",
    )
    parser.add_argument(
        "--host",
        default=DEFAULT_HOST,
        help=f"address to listen on (default: {DEFAULT_HOST}, this machine only; "
        "0.0.0.0 lets other machines in)",
    )
    return parser.parse_args(argv)


def listen(host: str, port: int) -> socket.socket:
    """A listening socket, or a ServeError that says why not."""
    try:
        return socket.create_server((host, port), family=select_address_family(host, port))
    except (OSError, OverflowError) as exc:
        reason = getattr(exc, "strerror", None) or str(exc)
        raise ServeError(f"cannot listen on {host}:{port}: {reason}: try another --port") from exc


def check_reachable(reader: Reader) -> None:
    """Fail with one line when the database cannot be reached at all."""
    try:
        with reader.cursor():
            pass
    except DatabaseError as exc:
        if "does not exist" in str(exc):
            raise DatabaseError(f"{exc}: run python create_tables.py && python etl.py") from exc
        raise


def url_of(sock: socket.socket) -> str:
    """The address a browser opens."""
    host, port = sock.getsockname()[:2]
    return f"http://[{host}]:{port}/" if ":" in host else f"http://{host}:{port}/"


def stop(signum: int, frame: FrameType | None) -> None:
    """On SIGTERM, stop as on Ctrl-C."""
    raise KeyboardInterrupt


def serve(dsn: str, host: str, port: int) -> None:
    """Serve the dashboard of dsn until Ctrl-C or SIGTERM."""
    reader = Reader(dsn)
    try:
        check_reachable(reader)
        sock = listen(host, port)
        with sock:
            app = create_app(reader)
            server = make_server(host, port, app.server, threaded=True, fd=sock.fileno())
            print(f"dashboard of {mask_dsn(dsn)} at {url_of(sock)} (Ctrl-C stops it)", flush=True)
            server.serve_forever()  # returns on Ctrl-C
    finally:
        reader.close()


def main(argv: list[str] | None = None) -> int:
    """Entry point: returns the exit code."""
    args = parse_args(argv)
    configure_logging(args.verbose)

    def job() -> int:
        signal.signal(signal.SIGTERM, stop)
        with contextlib.suppress(KeyboardInterrupt):  # Ctrl-C is how it stops
            serve(resolve_dsn(args.dsn), args.host, args.port)
        print("dashboard stopped", flush=True)
        return 0

    return run(job, args.verbose)


if __name__ == "__main__":
    sys.exit(main())
