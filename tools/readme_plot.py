"""Draw docs/plays_by_hour.png, the README's chart, from the database the scripts load.

Run from the repository root: python -m tools.readme_plot [--dsn DSN] [--out PNG]
"""

import argparse
import sys
from pathlib import Path

from matplotlib.figure import Figure

import sql_queries as q
from sparkify import plots
from sparkify.cli import add_common_options, configure_logging, run
from sparkify.db import connect, mask_dsn, resolve_dsn
from sparkify.frames import query_frame

DEFAULT_OUT = Path(__file__).resolve().parent.parent / "docs" / "plays_by_hour.png"


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    """The command line."""
    parser = argparse.ArgumentParser(
        description="Draw the song plays by hour of the day (the plays_by_hour query) as a PNG."
    )
    add_common_options(parser)
    parser.add_argument(
        "--out", type=Path, default=DEFAULT_OUT, metavar="PNG", help=f"default: {DEFAULT_OUT}"
    )
    return parser.parse_args(argv)


def draw(dsn: str, out: Path) -> None:
    """Query the plays by hour and save their chart, drawn as test.ipynb draws it."""
    conn = connect(dsn)
    try:
        frame = query_frame(conn, q.plays_by_hour)
    finally:
        conn.close()
    figure = Figure(figsize=(8, 3.5), layout="constrained")
    plots.plays_by_hour(figure.subplots(), frame)
    out.parent.mkdir(parents=True, exist_ok=True)
    # No software tag: the same data and matplotlib give the same file.
    figure.savefig(out, dpi=100, metadata={"Software": None})


def main(argv: list[str] | None = None) -> int:
    """Entry point: returns the exit code."""
    args = parse_args(argv)
    configure_logging(args.verbose)

    def job() -> int:
        dsn = resolve_dsn(args.dsn)
        draw(dsn, args.out)
        print(f"drew {args.out} from {mask_dsn(dsn)}")
        return 0

    return run(job, args.verbose)


if __name__ == "__main__":
    sys.exit(main())
