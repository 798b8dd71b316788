"""Take docs/dashboard.png, the README's screenshot of the dashboard, in headless Chromium.

Run from the repository root: python -m tools.dashboard_shot --dsn DSN [--out PNG] [--view ?...]
"""

import argparse
import sys
import tempfile
import time
from pathlib import Path

from sparkify.cli import add_common_options, configure_logging, run
from sparkify.dashapp import PANELS
from sparkify.db import resolve_dsn
from tools.browser import chromium, dashboard

DEFAULT_OUT = Path(__file__).resolve().parent.parent / "docs" / "dashboard.png"
WIDTH, WAIT_S = 1400, 60
DRAWN = """
const [view, ids] = arguments;
const headline = document.getElementById('headline');
return headline !== null && headline.getAttribute('data-view') === view && ids.every(id => {
    const gd = document.querySelector('#' + id + ' .js-plotly-plot');
    return gd && gd.layout && gd.layout.meta && gd.layout.meta.view === view;
});
"""


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    """The command line."""
    parser = argparse.ArgumentParser(
        description="Serve the dashboard of a database, open it in headless Chromium and save "
        "a screenshot of the whole page."
    )
    add_common_options(parser)
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT, metavar="PNG",
                        help=f"default: {DEFAULT_OUT}")  # fmt: skip
    parser.add_argument("--view", default="", metavar="QUERY",
                        help="filters as a query string, such as ?level=paid")  # fmt: skip
    return parser.parse_args(argv)


def shoot(dsn: str, view: str, out: Path) -> None:
    """Wait until the page has drawn every panel for view, then save the whole page."""
    with (
        tempfile.TemporaryDirectory(prefix="dashboard-shot-") as tmp,
        dashboard(dsn, Path(tmp) / "dashboard.log") as url,
        chromium(WIDTH) as driver,
    ):
        driver.get(url + view)
        started = time.monotonic()
        ids = [panel.id for panel in PANELS]
        while not driver.execute_script(DRAWN, view, ids):
            if time.monotonic() - started > WAIT_S:
                raise RuntimeError(f"the page did not draw {view!r} within {WAIT_S} s")
            time.sleep(0.1)
        for _ in range(3):  # the window's frame takes some height; a new size may reflow
            height = driver.execute_script("return document.documentElement.scrollHeight")
            inner = driver.execute_script("return window.innerHeight")
            if inner >= height:
                break
            driver.set_window_size(WIDTH, driver.get_window_size()["height"] + height - inner)
            time.sleep(1)  # plotly redraws its charts for the new window
        driver.save_screenshot(str(out))


def main(argv: list[str] | None = None) -> int:
    """Entry point: returns the exit code."""
    args = parse_args(argv)
    configure_logging(args.verbose)

    def job() -> int:
        shoot(resolve_dsn(args.dsn), args.view, args.out)
        print(f"wrote {args.out}")
        return 0

    return run(job, args.verbose)


if __name__ == "__main__":
    sys.exit(main())
