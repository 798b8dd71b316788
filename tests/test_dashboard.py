"""python dashboard.py as a user meets it: a real server, a real headless Chromium, real data."""

import json
import os
import queue
import signal
import socket
import subprocess
import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, date
from pathlib import Path

import oracles
import pytest

import create_tables
from helpers import DataDir, query, scalar
from sparkify.dashapp import PANELS
from sparkify.filters import Filters
from tools.browser import CHROMEDRIVER, CHROMIUM, chromium

REPO = Path(__file__).resolve().parent.parent
CHARTS = [panel.id for panel in PANELS]
START_S, WAIT_S = 60, 20

# The page shows a view when the headline and every chart were drawn for its query string.
VIEW_DRAWN = """
const [view, ids] = arguments;
const headline = document.getElementById('headline');
if (!headline || headline.getAttribute('data-view') !== view) return false;
return ids.every(id => {
    const gd = document.querySelector('#' + id + ' .js-plotly-plot');
    return gd && gd._fullLayout && gd.layout.meta && gd.layout.meta.view === view
        && gd.querySelector('svg.main-svg') !== null;
});
"""
CHART_DATA = """
const gd = document.querySelector('#' + arguments[0] + ' .js-plotly-plot');
return JSON.stringify(gd.data.map(t => ({name: t.name, x: t.x, y: t.y, z: t.z,
                                         customdata: t.customdata})));
"""
# What plotly draws for each trace: bars' paths, the heatmap's image.
MARKS = """
const gd = document.querySelector('#' + arguments[0] + ' .js-plotly-plot');
return gd.querySelectorAll('.trace.bars .point path, .hm image').length;
"""


def browser_available() -> None:
    """Skip, naming what is missing, where Chromium cannot run; in CI that is a failure."""
    missing = [path for path in (CHROMIUM, CHROMEDRIVER) if not Path(path).exists()]
    if missing:
        reason = f"{' and '.join(missing)} missing (apt-get install chromium chromium-driver)"
        if os.environ.get("CI"):
            pytest.fail(reason)
        pytest.skip(reason)
    pytest.importorskip("selenium", reason="selenium missing: pip install -r requirements-dev.txt")


@pytest.fixture(scope="module")
def browser() -> Iterator[object]:
    """A headless Chromium with a fresh profile, quit at the end of the module."""
    browser_available()
    with chromium(console=True) as driver:
        yield driver


@dataclass
class Dashboard:
    """A running python dashboard.py: its process, its URL and what it printed."""

    process: subprocess.Popen
    url: str = ""
    before: dict[str, tuple] = field(default_factory=dict)
    stdout: list[str] = field(default_factory=list)
    lines: queue.Queue = field(default_factory=queue.Queue)

    def stop(self, sig: int = signal.SIGINT) -> tuple[int, str, str]:
        """Send sig (Ctrl-C by default); the exit code, then the rest of stdout and stderr."""
        self.process.send_signal(sig)
        out, err = self.process.communicate(timeout=20)
        return self.process.returncode, out, err


def read_lines(process: subprocess.Popen, lines: queue.Queue) -> None:
    """Pass the first line of stdout on, so that a test can wait for it with a timeout."""
    lines.put(process.stdout.readline())


@contextmanager
def serving(dsn: str, *options: str) -> Iterator[Dashboard]:
    """python dashboard.py on a free loopback port, stopped (and waited for) on exit."""
    command = [sys.executable, "dashboard.py", "--dsn", dsn, "--port", "0", *options]
    process = subprocess.Popen(command, cwd=REPO, stdout=subprocess.PIPE,
                               stderr=subprocess.PIPE, text=True)  # fmt: skip
    dashboard = Dashboard(process)
    try:
        threading.Thread(target=read_lines, args=(process, dashboard.lines), daemon=True).start()
        line = dashboard.lines.get(timeout=START_S)
        assert " at http://" in line, (line, process.poll())
        dashboard.stdout.append(line)
        dashboard.url = line.split(" at ")[1].split()[0]
        yield dashboard
    finally:
        if process.poll() is None:
            process.kill()
            process.communicate(timeout=20)


TABLES = "select tablename from pg_tables where schemaname = 'public'"


def snapshot(dsn: str) -> dict[str, tuple]:
    """Every table of the database with a digest of all its rows."""
    tables = [t for (t,) in query(dsn, TABLES)]
    digest = "select count(*), md5(coalesce(string_agg(t::text, '|' order by t::text), ''))"
    digest += " from {} as t"
    return {table: query(dsn, digest.format(table))[0] for table in sorted(tables)}


@pytest.fixture(scope="module")
def site(real_sample_dsn: str) -> Iterator[Dashboard]:
    """The dashboard of the real sample, and the database as it was before the dashboard."""
    before = snapshot(real_sample_dsn)
    with serving(real_sample_dsn) as dashboard:
        dashboard.before = before
        yield dashboard
        code, out, err = dashboard.stop()
    assert (code, out, err) == (0, "dashboard stopped\n", "")
    assert snapshot(real_sample_dsn) == before


def show(browser, url: str, view: str) -> None:
    """Open url and wait until the headline and every chart show view."""
    from selenium.webdriver.support.ui import WebDriverWait

    browser.get(url)
    wait_for(browser, view)
    WebDriverWait(browser, WAIT_S).until(lambda b: b.current_url.endswith(view or "/"))


def wait_for(browser, view: str) -> None:
    """Wait until the page has drawn the headline and every chart for view."""
    from selenium.webdriver.support.ui import WebDriverWait

    WebDriverWait(browser, WAIT_S).until(lambda b: b.execute_script(VIEW_DRAWN, view, CHARTS))


def headline(browser) -> dict[str, str]:
    """The headline numbers as the page shows them."""
    cards = browser.find_elements("css selector", "#headline .value")
    return {card.get_attribute("id"): card.text for card in cards}


def expected_headline(dsn: str, filters: Filters) -> dict[str, str]:
    """The headline numbers for filters, computed from songplays and formatted as the page does."""
    ((plays, listeners, paid, _, matched, first, last),) = oracles.rows(
        dsn, oracles.HEADLINE, filters
    )
    loaded = scalar(dsn, "select max(loaded_at) from etl_files").astimezone(UTC)
    return {
        "kpi-plays": f"{plays:,}",
        "kpi-listeners": f"{listeners:,}",
        "kpi-paid": f"{paid:,}",
        "kpi-songs": f"{scalar(dsn, 'select count(*) from songs'):,}",
        "kpi-matched": f"{matched / plays if plays else 0:.2%}",
        "kpi-period": f"{first} to {last}" if first else "no plays in this view",
        "kpi-loaded": f"{loaded:%Y-%m-%d %H:%M} UTC",
    }


def chart(browser, chart_id: str) -> list[dict]:
    """The traces a chart drew."""
    return json.loads(browser.execute_script(CHART_DATA, chart_id))


def notices(browser) -> list[str]:
    """The messages above the numbers."""
    return [n.text for n in browser.find_elements("css selector", "#notice .notice")]


def severe_console_entries(browser) -> list[dict]:
    """What the browser's console reported as errors since the last call."""
    return [e for e in browser.get_log("browser") if e["level"] == "SEVERE"]


def test_the_first_page_shows_the_numbers_of_the_database(site, browser, real_sample_dsn):
    show(browser, site.url, "")
    numbers = headline(browser)
    assert numbers == expected_headline(real_sample_dsn, Filters())
    assert numbers["kpi-plays"] == "6,820"
    assert (numbers["kpi-listeners"], numbers["kpi-paid"]) == ("96", "22")
    assert notices(browser) == []
    assert severe_console_entries(browser) == []


def test_every_chart_is_drawn_from_the_plays_in_view(site, browser, real_sample_dsn):
    show(browser, site.url, "")
    for chart_id in CHARTS:
        assert browser.execute_script(MARKS, chart_id) > 0, chart_id
    days = chart(browser, "chart-days")
    drawn = sorted((date.fromisoformat(d), t["name"], n) for t in days
                   for d, n in zip(t["x"], t["y"], strict=True))  # fmt: skip
    assert drawn == sorted(oracles.rows(real_sample_dsn, oracles.DAYS, Filters()))
    (heatmap,) = chart(browser, "chart-heatmap")
    assert sum(map(sum, heatmap["customdata"])) == 6820
    levels = {t["x"][0]: t["y"][0] for t in chart(browser, "chart-levels")}
    assert levels == {"free": 1229, "paid": 5591}  # the plays' subplot is drawn last
    matched, others = chart(browser, "chart-songs")
    songs = oracles.rows(real_sample_dsn, oracles.SONGS, Filters())
    assert [a + b for a, b in zip(matched["x"], others["x"], strict=True)] == [s[2] for s in songs]
    assert matched["y"][0] == f"{songs[0][0]} · {songs[0][1]}"
    matched, others = chart(browser, "chart-artists")
    artists = oracles.rows(real_sample_dsn, oracles.ARTISTS, Filters())
    assert matched["y"] == [a[0] for a in artists]
    (locations,) = chart(browser, "chart-locations")
    expected = oracles.rows(real_sample_dsn, oracles.LOCATIONS, Filters())
    assert locations["x"] == [row[1] for row in expected]
    (platforms,) = chart(browser, "chart-platforms")
    assert sum(platforms["x"]) == 6820


@pytest.mark.parametrize(
    ("search", "filters"),
    [
        ("?level=paid", Filters(level="paid")),
        ("?from=2018-11-05&to=2018-11-11", Filters(date(2018, 11, 5), date(2018, 11, 11))),
        ("?gender=F", Filters(gender="F")),
        ("?from=2018-11-05&to=2018-11-11&level=free&gender=M",
         Filters(date(2018, 11, 5), date(2018, 11, 11), "free", "M")),
        ("?from=2019-01-01", Filters(start=date(2019, 1, 1))),
    ],
)  # fmt: skip
def test_a_filter_in_the_url_changes_every_number(site, browser, real_sample_dsn, search, filters):
    show(browser, site.url + search, search)
    numbers = headline(browser)
    assert numbers == expected_headline(real_sample_dsn, filters)
    if search == "?level=paid":
        assert numbers["kpi-plays"] == "5,591"
    days = chart(browser, "chart-days")
    plays = sum(n for t in days if t.get("y") for n in t["y"])
    assert f"{plays:,}" == numbers["kpi-plays"]
    assert notices(browser) == []


@pytest.mark.slow
def test_filters_changed_on_the_page_rewrite_the_url_and_every_number(
    site, browser, real_sample_dsn
):
    from selenium.webdriver.common.keys import Keys

    show(browser, site.url, "")
    browser.find_element("xpath", "//*[@id='level']//label[normalize-space()='paid']").click()
    wait_for(browser, "?level=paid")
    assert browser.current_url == site.url + "?level=paid"
    assert headline(browser)["kpi-plays"] == "5,591"
    browser.find_element("xpath", "//*[@id='gender']//label[normalize-space()='F']").click()
    wait_for(browser, "?level=paid&gender=F")
    assert headline(browser) == expected_headline(
        real_sample_dsn, Filters(level="paid", gender="F")
    )
    for element_id, day in (("days-from", "2018-11-05"), ("days-to", "2018-11-11")):
        field_ = browser.find_element("id", element_id)
        field_.click()
        field_.send_keys(day, Keys.ENTER)
    view = "?from=2018-11-05&to=2018-11-11&level=paid&gender=F"
    wait_for(browser, view)
    assert browser.current_url == site.url + view
    expected = expected_headline(real_sample_dsn, Filters(date(2018, 11, 5), date(2018, 11, 11),
                                                          "paid", "F"))  # fmt: skip
    assert headline(browser) == expected
    browser.back()  # the URL holds the view: back shows the one before
    wait_for(browser, "?level=paid&gender=F")
    browser.find_element("link text", "show everything").click()
    wait_for(browser, "")
    assert headline(browser)["kpi-plays"] == "6,820"
    assert severe_console_entries(browser) == []


@pytest.mark.parametrize(
    ("search", "view", "message"),
    [
        ("?level=x'%20OR%201=1--", "", "level=\"x' OR 1=1--\" is not free or paid: ignored"),
        ("?level=paid';drop%20table%20songplays;--", "", "is not free or paid: ignored"),
        ("?gender=<script>alert(1)</script>", "",
         "gender='<script>alert(1)</script>' is not F or M: ignored"),
        ("?from=99999-01-01&level=paid", "?level=paid", "is not a date written YYYY-MM-DD"),
        ("?from=2018-13-45&to=" + "9" * 3000, "", "to='9999999999"),
        ("?from=2018-11-11&to=2018-11-05", "", "from=2018-11-11 is after to=2018-11-05"),
        ("?%00=%00&level=free&level=paid", "?level=free", "level is given more than once"),
    ],
)  # fmt: skip
def test_a_hostile_query_string_shows_a_message_and_the_rest(
    site, browser, real_sample_dsn, search, view, message
):
    browser.get(site.url + search)
    wait_for(browser, view)
    assert any(message in text for text in notices(browser)), notices(browser)
    filters = Filters(level=view.removeprefix("?level=") or None)
    assert headline(browser) == expected_headline(real_sample_dsn, filters)
    assert severe_console_entries(browser) == []


def test_nothing_in_the_database_changed(site, real_sample_dsn):
    after = snapshot(real_sample_dsn)
    assert after == site.before
    assert after["songplays"][0] == 6820
    assert {"hourly_plays", "played_songs", "daily_song_plays", "songplays"} <= set(after)


def test_the_page_of_an_empty_database_says_what_to_run(browser, dsn: str, data: DataDir):
    with serving(dsn) as dashboard:
        browser.get(dashboard.url)
        wait_for(browser, "")
        (advice,) = notices(browser)
        assert "python create_tables.py && python etl.py --data DIR" in advice
        create_tables.create_schema(dsn)
        browser.get(dashboard.url)
        wait_for(browser, "")
        assert notices(browser) == ["No song plays are loaded yet: run python etl.py --data DIR"]
        data.log("a.json", {}, {"itemInSession": 1, "level": "paid"})
        assert subprocess.run([sys.executable, "etl.py", "--dsn", dsn, "--data", str(data.root)],
                              cwd=REPO, capture_output=True).returncode == 0  # fmt: skip
        browser.get(dashboard.url)
        wait_for(browser, "")
        assert headline(browser)["kpi-plays"] == "2"
        assert dashboard.stop(signal.SIGTERM) == (0, "dashboard stopped\n", "")


def test_ctrl_c_stops_it_with_one_line_and_status_0(schema: str):
    with serving(schema) as dashboard:
        assert dashboard.url.startswith("http://127.0.0.1:")  # loopback unless --host
        code, out, err = dashboard.stop()
    assert (code, out, err) == (0, "dashboard stopped\n", "")


def test_host_chooses_the_address_it_listens_on(schema: str):
    with serving(schema, "--host", "127.0.0.2") as dashboard:
        assert dashboard.url.startswith("http://127.0.0.2:")
        port = int(dashboard.url.rsplit(":", 1)[1].strip("/"))
        with pytest.raises(ConnectionRefusedError):
            socket.create_connection(("127.0.0.1", port), timeout=5)
        socket.create_connection(("127.0.0.2", port), timeout=5).close()
        assert dashboard.stop()[0] == 0


def run_dashboard(*args: str) -> subprocess.CompletedProcess:
    """python dashboard.py ARGS to its end."""
    return subprocess.run([sys.executable, "dashboard.py", *args], cwd=REPO, capture_output=True,
                          text=True, timeout=60)  # fmt: skip


def test_a_port_in_use_is_one_line_and_status_1(schema: str):
    with socket.create_server(("127.0.0.1", 0)) as taken:
        port = taken.getsockname()[1]
        done = run_dashboard("--dsn", schema, "--port", str(port))
    assert (done.returncode, done.stdout) == (1, "")
    assert done.stderr == (
        f"error: cannot listen on 127.0.0.1:{port}: Address already in use: "
        "try another --port or --host\n"
    )


def test_an_unreachable_server_is_one_line_and_status_2():
    done = run_dashboard("--dsn", "host=127.0.0.1 port=1 dbname=sparkifydb user=nobody")
    assert (done.returncode, done.stdout) == (2, "")
    assert done.stderr.startswith("error: cannot connect to ")
    assert done.stderr.count("\n") == 1


def test_a_missing_database_says_what_to_run(server: str):
    done = run_dashboard("--dsn", f"{server} dbname=sparkify_no_such_db")
    assert (done.returncode, done.stdout) == (2, "")
    assert done.stderr.endswith(": run python create_tables.py && python etl.py\n")
    assert done.stderr.count("\n") == 1
