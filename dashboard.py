"""Serve the analysts' dashboard of the loaded database, read-only, as a web page."""

import argparse
import contextlib
import logging
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
MAX_PORT = 65535


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
        type=port_number,
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


def port_number(text: str) -> int:
    """A TCP port, 0 to 65535 (0: any free port)."""
    if not text.isdigit() or int(text) > MAX_PORT:
        raise argparse.ArgumentTypeError(f"{text!r} is not a port number from 0 to {MAX_PORT}")
    return int(text)


def listen(host: str, port: int) -> socket.socket:
    """A listening socket, or a ServeError that says why not."""
    sock = socket.socket(select_address_family(host, port), socket.SOCK_STREAM)
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind((host, port))
        sock.listen()
    except socket.gaierror as exc:
        sock.close()
        raise ServeError(f"cannot listen on {host}: {exc.strerror}: check --host") from exc
    except OSError as exc:
        sock.close()
        raise ServeError(
            f"cannot listen on {host}:{port}: {exc.strerror}: try another --port or --host"
        ) from exc
    return sock


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
    # Werkzeug logs every request at INFO unless told otherwise: only with --verbose here.
    logging.getLogger("werkzeug").setLevel(logging.INFO if args.verbose else logging.WARNING)

    def job() -> int:
        signal.signal(signal.SIGTERM, stop)
        with contextlib.suppress(KeyboardInterrupt):  # Ctrl-C is how it stops
            serve(resolve_dsn(args.dsn), args.host, args.port)
        print("dashboard stopped", flush=True)
        return 0

    return run(job, args.verbose)


if __name__ == "__main__":
    sys.exit(main())
