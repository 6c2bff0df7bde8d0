"""The real app in a real browser: Debian's Chromium driven by Playwright.

Starts `streamlit run dashboard.py` on a free port against the test demo database, loads
every page, waits for the charts to draw, fails on any Streamlit exception box, and saves a
screenshot of each page to tests/artifacts/screenshots/ for a person to look at.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

pytestmark = pytest.mark.browser

ROOT = Path(__file__).resolve().parent.parent
CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]
PAGES = {
    "": "home",
    "Outreach_coverage": "outreach_coverage",
    "Crime_trends": "crime_trends",
    "Outreach_and_crime": "outreach_and_crime",
    "Events_and_attendance": "events_and_attendance",
    "Press_kit": "press_kit",
    "Data": "data",
}
CHART_PAGES = {
    "",
    "Outreach_coverage",
    "Crime_trends",
    "Outreach_and_crime",
    "Events_and_attendance",
    "Press_kit",
}


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def server(demo_db: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    port = _free_port()
    log = tmp_path_factory.mktemp("streamlit") / "server.log"
    env = {**os.environ, "NNO_DB": str(demo_db)}
    with log.open("w") as out:
        proc = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "streamlit",
                "run",
                "dashboard.py",
                "--server.headless",
                "true",
                "--server.port",
                str(port),
                "--server.address",
                "127.0.0.1",
                "--browser.gatherUsageStats",
                "false",
            ],
            cwd=ROOT,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2) as r:  # noqa: S310
                    if r.status == 200:
                        break
            except OSError:
                pass
            if proc.poll() is not None or time.monotonic() > deadline:
                pytest.fail(f"streamlit did not start:\n{log.read_text()[-3000:]}")
            time.sleep(0.3)
        yield url
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()


@pytest.fixture(scope="module")
def browser():
    from playwright.sync_api import sync_playwright

    if not os.path.exists(CHROMIUM):
        pytest.fail("Debian's chromium is missing: run scripts/install-browser.sh")
    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield b
        b.close()


def _wait_for_page(page, with_chart: bool) -> None:
    page.wait_for_selector("h1", timeout=60_000)
    if with_chart:
        page.wait_for_selector(".js-plotly-plot .main-svg", timeout=60_000)
    # let Streamlit finish the run (the status widget disappears when idle)
    page.wait_for_function(
        "() => !document.querySelector('[data-testid=\"stStatusWidget\"]')", timeout=60_000
    )
    page.wait_for_timeout(2000)  # tables and maps paint after the run ends
    errors = page.locator('[data-testid="stException"]')
    assert errors.count() == 0, errors.first.inner_text()


@pytest.mark.parametrize("path", list(PAGES))
def test_every_page_draws_in_chromium(server, browser, artifacts, path):
    shots = artifacts / "screenshots"
    shots.mkdir(parents=True, exist_ok=True)
    page = browser.new_page(viewport={"width": 1440, "height": 2400})
    try:
        page.goto(f"{server}/{path}")
        _wait_for_page(page, path in CHART_PAGES)
        if path == "":
            page.wait_for_selector(".js-plotly-plot .maplibregl-canvas", timeout=60_000)
            page.wait_for_timeout(1500)  # the map's first paint
        assert "Demo data: fictional city" in page.inner_text("body")
        page.screenshot(path=str(shots / f"{PAGES[path]}.png"), full_page=True)
    finally:
        page.close()


def test_sidebar_filter_holds_across_pages_in_chromium(server, browser, artifacts):
    page = browser.new_page(viewport={"width": 1440, "height": 1000})
    try:
        page.goto(server)
        _wait_for_page(page, with_chart=True)
        sidebar = page.locator('[data-testid="stSidebar"]')
        sidebar.locator('[data-testid="stMultiSelect"]', has_text="Offence categories").click()
        page.get_by_role("option", name="Robbery", exact=True).click()
        page.keyboard.press("Escape")
        page.wait_for_url("**category=robbery**", timeout=30_000)
        _wait_for_page(page, with_chart=True)
        assert "Robbery" in page.inner_text("body")

        sidebar.get_by_role("link", name="Crime trends").click()
        page.wait_for_url("**/Crime_trends**", timeout=30_000)
        _wait_for_page(page, with_chart=True)
        assert "category=robbery" in page.url
        assert "Robbery · all outreach programs" in page.inner_text("body")

        sidebar.get_by_role("link", name="Home").click()
        _wait_for_page(page, with_chart=True)
        assert "Robbery · all outreach programs" in page.inner_text("body")
        assert "category=robbery" in page.url
        page.screenshot(path=str(artifacts / "screenshots" / "home_filtered.png"), full_page=True)
    finally:
        page.close()
