"""The real app in a real browser: Debian's Chromium driven by Playwright.

Starts `streamlit run dashboard.py` on a free port against the test demo database, loads
every page, waits for the charts to draw, fails on any Streamlit exception box, and saves a
screenshot of each page to tests/artifacts/screenshots/ for a person to look at.
"""

from __future__ import annotations

import pytest
from browser_helpers import wait_for_page

pytestmark = pytest.mark.browser

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


@pytest.mark.parametrize("path", list(PAGES))
def test_every_page_draws_in_chromium(server, browser, artifacts, path):
    shots = artifacts / "screenshots"
    shots.mkdir(parents=True, exist_ok=True)
    page = browser.new_page(viewport={"width": 1440, "height": 2400})
    try:
        page.goto(f"{server}/{path}")
        wait_for_page(page, path in CHART_PAGES)
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
        wait_for_page(page, with_chart=True)
        sidebar = page.locator('[data-testid="stSidebar"]')
        sidebar.locator('[data-testid="stMultiSelect"]', has_text="Offence categories").click()
        page.get_by_role("option", name="Robbery", exact=True).click()
        page.keyboard.press("Escape")
        page.wait_for_url("**categories=robbery**", timeout=30_000)
        wait_for_page(page, with_chart=True)
        assert "Robbery" in page.inner_text("body")

        sidebar.get_by_role("link", name="Crime trends").click()
        page.wait_for_url("**/Crime_trends**", timeout=30_000)
        wait_for_page(page, with_chart=True)
        assert "categories=robbery" in page.url
        assert "Robbery · all outreach programs" in page.inner_text("body")

        sidebar.get_by_role("link", name="Home").click()
        wait_for_page(page, with_chart=True)
        assert "Robbery · all outreach programs" in page.inner_text("body")
        assert "categories=robbery" in page.url
        page.screenshot(path=str(artifacts / "screenshots" / "home_filtered.png"), full_page=True)
    finally:
        page.close()


def test_plotly_js_is_loaded_once_from_the_preload_in_chromium(server, browser):
    """nno_dash.ui.preload: the page's first element imports Streamlit's Plotly chunk, and
    Streamlit's own lazy import of it then finds that module instead of fetching it again
    (so a wrong chunk name or URL fails here, as does a second download)."""
    page = browser.new_page(viewport={"width": 1440, "height": 1000})
    try:
        page.goto(f"{server}/Crime_trends")
        wait_for_page(page, with_chart=True)
        loaded = page.evaluate(
            "async () => window.__nnoPlotlyPreload ? (await window.__nnoPlotlyPreload) !== null"
            " : 'no preload'"
        )
        assert loaded is True
        fetched = page.evaluate(
            "() => performance.getEntriesByType('resource')"
            ".filter(e => e.name.includes('/static/js/PlotlyChart.')).length"
        )
        assert fetched == 1
    finally:
        page.close()
