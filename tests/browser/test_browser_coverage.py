"""The Outreach coverage page in Debian's Chromium: a projector (1920×1080) and a phone
(390×844), normal and in presentation mode, and a real click on the map.

Screenshots go to tests/artifacts/screenshots/coverage_*.png for a person to look at:
the presentation ones are what a council chamber sees.
"""

from __future__ import annotations

import pytest
from browser_helpers import wait_for_page

pytestmark = pytest.mark.browser

PAGE = "Outreach_coverage"
PROJECTOR = {"width": 1920, "height": 1080}
PHONE = {"width": 390, "height": 844}
PHONE_AGENT = (
    "Mozilla/5.0 (iPhone; CPU iPhone OS 18_0 like Mac OS X) AppleWebKit/605.1.15 "
    "(KHTML, like Gecko) Version/18.0 Mobile/15E148 Safari/604.1"
)
MAP = ".js-plotly-plot .maplibregl-canvas"


def open_view(browser, server, query: str, viewport: dict, phone: bool = False):
    context = browser.new_context(
        viewport=viewport,
        user_agent=PHONE_AGENT if phone else None,
        is_mobile=phone,
        has_touch=phone,
    )
    page = context.new_page()
    page.goto(f"{server}/{PAGE}{query}")
    wait_for_page(page, with_chart=True)
    page.wait_for_selector(MAP, timeout=60_000)
    page.wait_for_timeout(1500)  # the map's first paint
    return context, page


def shot(page, artifacts, name: str, full: bool = False) -> None:
    folder = artifacts / "screenshots"
    folder.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(folder / f"coverage_{name}.png"), full_page=full)


def px(page, selector: str, prop: str) -> float:
    value = page.eval_on_selector(selector, f"e => getComputedStyle(e).{prop}")
    return float(value.removesuffix("px"))


def test_coverage_page_on_a_desktop_and_a_real_click_on_the_map(server, browser, artifacts):
    context, page = open_view(browser, server, "", PROJECTOR)
    try:
        body = page.inner_text("body")
        assert "Coverage gaps" in body and "top third for crime" in body
        assert page.locator('[data-testid="stSidebar"]').is_visible()
        shot(page, artifacts, "1920")
        box = page.locator(MAP).first.bounding_box()
        page.mouse.click(box["x"] + box["width"] * 0.45, box["y"] + box["height"] * 0.5)
        page.wait_for_url("**area_ids=neighbourhood**", timeout=30_000)
        wait_for_page(page, with_chart=True)
        page.get_by_text("Crime rate rank").first.wait_for(timeout=30_000)
        page.wait_for_timeout(1500)
        shot(page, artifacts, "1920_selected")
    finally:
        context.close()


def test_presentation_mode_on_a_projector_is_large_and_has_no_controls(server, browser, artifacts):
    query = "?present=1&area_kind=council_district&area_ids=council_district%3A3"
    context, page = open_view(browser, server, query, PROJECTOR)
    try:
        assert not page.locator('[data-testid="stSidebar"]').is_visible()
        assert not page.locator('[data-testid="stHeader"]').is_visible()
        assert page.locator('[data-testid="stSegmentedControl"]').count() == 0
        title = page.locator("h1").first
        assert title.inner_text().startswith("Council District 3")
        # readable from the back of a room: a 1080-line projector, type of 1/50 the height
        assert px(page, "h1", "fontSize") >= 48
        assert px(page, '[data-testid="stMarkdownContainer"] p', "fontSize") >= 20
        map_box = page.locator(MAP).first.bounding_box()
        assert map_box["height"] >= 650 and map_box["y"] + 300 < PROJECTOR["height"]
        shot(page, artifacts, "present_1920")
    finally:
        context.close()


def test_presentation_mode_on_a_phone_fits_the_screen(server, browser, artifacts):
    query = "?present=1&area_kind=council_district&area_ids=council_district%3A3"
    context, page = open_view(browser, server, query, PHONE, phone=True)
    try:
        assert not page.locator('[data-testid="stSidebar"]').is_visible()
        overflow = page.evaluate(
            "() => Math.max(document.documentElement.scrollWidth, document.body.scrollWidth)"
        )
        assert overflow <= PHONE["width"] + 1
        map_box = page.locator(MAP).first.bounding_box()
        assert map_box["width"] <= PHONE["width"] and map_box["height"] >= 400
        shot(page, artifacts, "present_phone")
    finally:
        context.close()


def test_hotspots_on_a_phone(server, browser, artifacts):
    context, page = open_view(browser, server, "?map=hotspots", PHONE, phone=True)
    try:
        assert "hot and" in page.inner_text("body")
        shot(page, artifacts, "hotspots_phone")
    finally:
        context.close()


def test_the_whole_city_is_in_view_on_a_laptop(server, browser, artifacts, demo_db):
    """The coverage map is fitted to a 1366-px laptop's main column: no edge of the city is
    cut off there (at 1150 px its west edge was, on a 1440-px screen)."""
    from nno_dash.queries import geography
    from nno_dash.store import db

    with db.open_readonly(demo_db) as con:
        west, south, east, north = geography.load_areas(con, "neighbourhood").total_bounds
    context, page = open_view(browser, server, "", {"width": 1366, "height": 768})
    try:
        shot(page, artifacts, "1366")
        view = page.evaluate(
            "() => { const b = document.querySelector('.js-plotly-plot')"
            "._fullLayout.map._subplot.map.getBounds();"
            " return [b.getWest(), b.getSouth(), b.getEast(), b.getNorth()]; }"
        )
    finally:
        context.close()
    assert view[0] <= west and view[1] <= south and view[2] >= east and view[3] >= north
