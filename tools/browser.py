"""Headless Chromium and a running dashboard.py, for the screenshot tool and the benchmark."""

import signal
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
CHROMIUM, CHROMEDRIVER = "/usr/bin/chromium", "/usr/bin/chromedriver"  # Debian's packages
CHROMIUM_FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
STOP_S = 30


@contextmanager
def chromium(width: int = 1400, height: int = 1600, console: bool = False) -> Iterator[Any]:
    """A Selenium driver of a headless Chromium with a fresh profile, quit on exit.

    With console, the page's console messages can be read back (driver.get_log("browser")).
    """
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    with tempfile.TemporaryDirectory(prefix="chromium-profile-") as profile:
        options = webdriver.ChromeOptions()
        options.binary_location = CHROMIUM
        for flag in [
            *CHROMIUM_FLAGS,
            f"--window-size={width},{height}",
            f"--user-data-dir={profile}",
        ]:
            options.add_argument(flag)
        if console:
            options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
        driver = webdriver.Chrome(service=Service(CHROMEDRIVER), options=options)
        try:
            yield driver
        finally:
            driver.quit()


@contextmanager
def dashboard(dsn: str, log: Path) -> Iterator[str]:
    """python dashboard.py on a free loopback port: its URL; stopped with Ctrl-C on exit."""
    with log.open("w") as errors:
        command = [sys.executable, "dashboard.py", "--dsn", dsn, "--port", "0"]
        process = subprocess.Popen(command, cwd=REPO, stdout=subprocess.PIPE, stderr=errors,
                                   text=True)  # fmt: skip
        try:
            line = process.stdout.readline()
            if " at http://" not in line:
                raise RuntimeError(f"dashboard.py did not start ({line!r}): see {log}")
            yield line.split(" at ")[1].split()[0]
        finally:
            process.send_signal(signal.SIGINT)
            try:
                process.communicate(timeout=STOP_S)
            except subprocess.TimeoutExpired:
                process.kill()
                process.communicate()
