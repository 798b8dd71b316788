"""Time the dashboard in a real browser on a database of N generated events.

From the repo root: python -m bench.dashboard --events 1000000

It loads a fresh database with create_tables.py and etl.py (the data set cached in
bench/data/ as bench.run makes it), starts python dashboard.py, drives the page in headless
Chromium (Selenium) and times, warm (after one round that is not counted): the first page,
a filter in the URL, and each filter changed on the page, until the headline numbers show
the new view, and until every chart has drawn it too. Times are the page's own: from the start
of the navigation for a page load, from the user's mousedown or keydown for a change on the
page, to the moment the page's DOM shows the view; WebDriver's command time is left out.
"""

import argparse
import json
import os
import platform
import statistics
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import psycopg2

from bench.measure import measure
from bench.new_day import summary_seconds
from bench.options import add_dsn_server, positive
from bench.run import (
    DATA_ROOT,
    Databases,
    ensure_data,
    git,
    log,
    server_version,
)
from sparkify.dashapp import PANELS
from tools.browser import chromium, dashboard

CHARTS = [panel.id for panel in PANELS]
POLL_S, WAIT_S = 0.01, 60
TARGET_S = 1.0

NUMBERS_SHOWN = """
const headline = document.getElementById('headline');
return headline !== null && headline.getAttribute('data-view') === arguments[0]
    && document.getElementById('kpi-plays') !== null;
"""
CHARTS_DRAWN = """
const [view, ids] = arguments;
return ids.every(id => {
    const gd = document.querySelector('#' + id + ' .js-plotly-plot');
    return gd && gd._fullLayout && gd.layout.meta && gd.layout.meta.view === view
        && gd.querySelector('svg.main-svg') !== null;
});
"""
# Times an action in the page's own clock, from the user's first mousedown or keydown until
# the numbers, then every chart, show the view: WebDriver's own command time is left out.
ARM = (
    """
const [view, ids] = arguments;
const numbersShown = new Function("""
    + json.dumps(NUMBERS_SHOWN)
    + """);
const chartsDrawn = new Function("""
    + json.dumps(CHARTS_DRAWN)
    + """);
const b = window.__bench = {start: null, numbers: null, charts: null};
const mark = () => { if (b.start === null) b.start = performance.now(); };
document.addEventListener('mousedown', mark, {capture: true, once: true});
document.addEventListener('keydown', mark, {capture: true, once: true});
const observer = new MutationObserver(() => {
    if (b.start === null) return;
    const now = performance.now();
    if (b.numbers === null && numbersShown(view)) b.numbers = now;
    if (b.numbers !== null && chartsDrawn(view, ids)) { b.charts = now; observer.disconnect(); }
});
observer.observe(document.body, {subtree: true, childList: true, attributes: true});
"""
)
# Times page loads in the page's own clock, from the start of the navigation (performance.now()
# is 0 there) until the numbers, then every chart, first show each view. Installed in every
# new document before its scripts run.
LOAD_MARKS = (
    """
window.__load = {numbers: {}, charts: {}};
const ids = """
    + json.dumps(CHARTS)
    + """;
const chartsDrawn = new Function("""
    + json.dumps(CHARTS_DRAWN)
    + """);
new MutationObserver(() => {
    const now = performance.now(), marks = window.__load;
    const headline = document.getElementById('headline');
    if (!headline || !headline.hasAttribute('data-view') || !document.getElementById('kpi-plays'))
        return;
    const view = headline.getAttribute('data-view');
    if (!(view in marks.numbers)) marks.numbers[view] = now;
    if (!(view in marks.charts) && chartsDrawn(view, ids)) marks.charts[view] = now;
}).observe(document, {subtree: true, childList: true, attributes: true});
"""
)
LOADED = """
const marks = window.__load, view = arguments[0];
return marks && view in marks.charts ? [marks.numbers[view], marks.charts[view]] : null;
"""
ARMED = """
const b = window.__bench;
return b.charts === null ? null : [b.numbers - b.start, b.charts - b.start];
"""


@dataclass
class Timing:
    """One scenario's measurements: seconds until the numbers, and until every chart."""

    name: str
    numbers: list[float] = field(default_factory=list)
    charts: list[float] = field(default_factory=list)


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    """The command line."""
    parser = argparse.ArgumentParser(prog="python -m bench.dashboard", description=__doc__)
    parser.add_argument("--events", type=positive, default=1_000_000, metavar="M",
                        help="events in the data set (default: 1000000)")  # fmt: skip
    parser.add_argument("--songs", type=positive, metavar="N",
                        help="song files (default: events / 20)")  # fmt: skip
    parser.add_argument("--repeat", type=positive, default=5, metavar="N",
                        help="measured rounds after the warm-up round (default: 5)")  # fmt: skip
    add_dsn_server(parser)
    parser.add_argument("--keep", action="store_true", help="keep the bench_* database")
    return parser.parse_args(argv)


def load(dsn: str, data: Path, logs: Path) -> tuple[float, float]:
    """Create and load the database; the load's seconds and those of its summary rebuild."""
    python = sys.executable
    measure([python, "create_tables.py", "--dsn", dsn], logs / "create_tables.log")
    etl = measure([python, "etl.py", "--dsn", dsn, "--data", str(data), "--verbose"],
                  logs / "etl.log")  # fmt: skip
    summary = summary_seconds(etl.output)
    return etl.seconds, summary


def timed_load(driver: Any, url: str, view: str) -> tuple[float, float]:
    """Open url; seconds (the page's clock) until the numbers show view, then every chart."""
    driver.get(url)
    started = time.perf_counter()
    while time.perf_counter() - started < WAIT_S:
        if measured := driver.execute_script(LOADED, view):
            return measured[0] / 1000, measured[1] / 1000
        time.sleep(POLL_S)
    raise RuntimeError(f"the page did not show {view!r} within {WAIT_S} s")


def timed_action(driver: Any, action: Callable[[], None], view: str) -> tuple[float, float]:
    """Run action; seconds (the page's clock) until the numbers, then every chart, show view."""
    driver.execute_script(ARM, view, CHARTS)
    action()
    started = time.perf_counter()
    while time.perf_counter() - started < WAIT_S:
        if measured := driver.execute_script(ARMED):
            return measured[0] / 1000, measured[1] / 1000
        time.sleep(POLL_S)
    raise RuntimeError(f"the page did not show {view!r} within {WAIT_S} s")


def one_round(driver: Any, url: str) -> list[tuple[str, float, float]]:
    """The first page, a URL filter and each filter changed on the page, timed in turn."""
    from selenium.webdriver.common.keys import Keys

    def click(group: str, label: str) -> Callable[[], None]:
        path = f"//*[@id='{group}']//label[normalize-space()='{label}']"
        return lambda: driver.find_element("xpath", path).click()

    def type_days() -> Callable[[], None]:
        """Type both days; the Enter that applies them is the timed action."""
        start = driver.find_element("id", "days-from")
        start.click()
        start.send_keys("2018-11-05", Keys.ENTER)
        end = driver.find_element("id", "days-to")
        end.click()
        end.send_keys("2018-11-11")
        return lambda: end.send_keys(Keys.ENTER)

    results = [
        ("first page (/)", *timed_load(driver, url, "")),
        ("page with a URL filter (/?level=paid)", *timed_load(driver, url + "?level=paid",
                                                             "?level=paid")),
        ("level: paid to free", *timed_action(driver, click("level", "free"), "?level=free")),
        ("gender: all to F", *timed_action(driver, click("gender", "F"), "?level=free&gender=F")),
        ("days: 2018-11-05 to 2018-11-11", *timed_action(
            driver, type_days(), "?from=2018-11-05&to=2018-11-11&level=free&gender=F")),
    ]  # fmt: skip
    driver.find_element("id", "days-to").send_keys(Keys.ESCAPE)  # close the calendar
    results.append(("level: free to all", *timed_action(
        driver, click("level", "all"), "?from=2018-11-05&to=2018-11-11&gender=F")))  # fmt: skip
    return results


def plays_shown(driver: Any) -> str:
    """The song plays the headline shows."""
    return driver.find_element("id", "kpi-plays").text


def measure_page(url: str, repeat: int) -> tuple[list[Timing], str]:
    """One warm-up round, then repeat rounds; the timings and the plays the first page showed."""
    with chromium() as driver:
        driver.execute_cdp_cmd("Page.addScriptToEvaluateOnNewDocument", {"source": LOAD_MARKS})
        one_round(driver, url)
        timings: dict[str, Timing] = {}
        for _ in range(repeat):
            for name, numbers, charts in one_round(driver, url):
                timing = timings.setdefault(name, Timing(name))
                timing.numbers.append(numbers)
                timing.charts.append(charts)
        timed_load(driver, url, "")
        return list(timings.values()), plays_shown(driver)


def count_plays(dsn: str) -> int:
    """The rows of songplays."""
    conn = psycopg2.connect(dsn)
    try:
        with conn, conn.cursor() as cur:
            cur.execute("select count(*) from songplays")
            return cur.fetchone()[0]
    finally:
        conn.close()


def report(timings: list[Timing]) -> list[str]:
    """The table of timings: median and slowest of the rounds, numbers and charts."""
    lines = [
        "| scenario | numbers median s | numbers max s | all charts median s | all charts max s |",
        "| --- | --- | --- | --- | --- |",
    ]
    for t in timings:
        lines.append(
            f"| {t.name} | {statistics.median(t.numbers):.3f} | {max(t.numbers):.3f} | "
            f"{statistics.median(t.charts):.3f} | {max(t.charts):.3f} |"
        )
    worst = max(max(t.numbers) for t in timings)
    met = "met" if worst <= TARGET_S else "NOT met"
    lines.append(f"\nnumbers within {TARGET_S:.0f} s in every round: {met} (slowest {worst:.3f} s)")
    return lines


def load_average() -> str:
    """The 1, 5 and 15 minute load averages."""
    return " ".join(f"{value:.2f}" for value in os.getloadavg())


def main(argv: Sequence[str] | None = None) -> int:
    """Load, serve, drive the page and print the report."""
    argv = sys.argv[1:] if argv is None else argv
    args = parse_args(argv)
    print(f"command: python -m bench.dashboard {' '.join(argv)}".rstrip())
    commit = f"{git('rev-parse', '--short', 'HEAD')} ({git('rev-parse', '--abbrev-ref', 'HEAD')})"
    if git("status", "--porcelain", "--untracked-files=no"):
        commit += " with uncommitted changes"
    print(f"date: {datetime.now(UTC):%Y-%m-%d %H:%M} UTC; commit {commit}")
    print(f"machine: {os.cpu_count()} cores, {platform.platform()}; "
          f"{server_version(args.dsn_server)}; load average at start {load_average()}")  # fmt: skip
    data = ensure_data(DATA_ROOT, args.songs or max(1, args.events // 20), args.events)
    with (
        tempfile.TemporaryDirectory(prefix="bench-dash-") as tmp,
        Databases(args.dsn_server, args.keep) as dbs,
    ):
        logs = Path(tmp)
        dsn = dbs.create("dash")
        log(f"loading {args.events:,} events")
        load_s, summary_s = load(dsn, data.path, logs)
        plays = count_plays(dsn)
        print(f"data: {args.events:,} events, {plays:,} plays; etl.py {load_s:.2f} s, of which "
              f"the dashboard's summary rebuild {summary_s:.2f} s")  # fmt: skip
        with dashboard(dsn, logs / "dashboard.log") as url:
            log(f"driving {url} in Chromium: 1 warm-up round, {args.repeat} measured")
            timings, shown = measure_page(url, args.repeat)
    print(f"first page shows {shown} plays (songplays holds {plays:,})")
    print("\n".join(report(timings)))
    print(f"load average at the end {load_average()}")
    return 0 if shown == f"{plays:,}" else 1


if __name__ == "__main__":
    sys.exit(main())
