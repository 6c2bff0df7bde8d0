"""Every page runs on the demo data, shows its title and charts, and follows the filters."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from nno_dash.ui import preload
from nno_dash.ui.page import EXPORT_CONTEXT

ENTRY = Path(__file__).resolve().parents[2] / "dashboard.py"

PAGES = {
    "dashboard.py": "Outreach & Crime Trends",
    "pages/1_Outreach_coverage.py": "Outreach coverage",
    "pages/2_Crime_trends.py": "Crime trends",
    "pages/3_Outreach_and_crime.py": "Outreach and crime",
    "pages/4_Events_and_attendance.py": "Events and attendance",
    "pages/5_Press_kit.py": "Press kit",
    "pages/6_Data.py": "Data",
}
MIN_CHARTS = {
    "dashboard.py": 2,
    "pages/1_Outreach_coverage.py": 2,
    "pages/2_Crime_trends.py": 3,
    "pages/3_Outreach_and_crime.py": 2,
    "pages/4_Events_and_attendance.py": 3,
    "pages/5_Press_kit.py": 2,
    "pages/6_Data.py": 0,
}


def open_page(page: str, query: dict[str, str] | None = None) -> AppTest:
    at = AppTest.from_file(str(ENTRY), default_timeout=60)
    for key, value in (query or {}).items():
        at.query_params[key] = value
    at.run()
    if page != "dashboard.py":
        at.switch_page(page)
        at.run()
    return at


@pytest.mark.parametrize(
    ("page", "query"),
    [
        ("pages/1_Outreach_coverage.py", {}),
        ("pages/1_Outreach_coverage.py", {"map": "hotspots"}),
        ("pages/1_Outreach_coverage.py", {"area": "neighbourhood:1"}),
        ("pages/1_Outreach_coverage.py", {"events": "off"}),
        ("pages/3_Outreach_and_crime.py", {}),
        ("pages/5_Press_kit.py", {}),
    ],
)
def test_a_page_reads_every_question_it_asks(app_env, page, query):
    """A question a page asks (`page.ask`) and never reads was answered by the helper thread
    for nothing. (load_all takes its answers at once, so it cannot drift.)"""
    at = open_page(page, query)
    assert not at.exception, [e.value for e in at.exception]
    asked = at.session_state[EXPORT_CONTEXT].asked
    assert asked, f"{page} no longer asks ahead"
    for answers in asked:
        unread = [name for name, call in answers.calls.items() if call in answers.started]
        assert unread == [], (page, query)


def metric(at: AppTest, label: str) -> str:
    return next(m.value for m in at.metric if m.label == label)


def showing(at: AppTest) -> str:
    return next(c.value for c in at.caption if "**Showing:**" in c.value)


@pytest.mark.parametrize("page", list(PAGES))
def test_page_runs_with_title_notice_and_charts(app_env, page):
    at = open_page(page)
    assert not at.exception, [e.value for e in at.exception]
    assert PAGES[page] in at.title[0].value
    # a chart page asks the browser for plotly.js before anything else (nno_dash/ui/preload.py)
    first = at.main.children[0]
    assert (first.type == "html") == (MIN_CHARTS[page] > 0)
    if first.type == "html":
        assert first.proto.unsafe_allow_javascript
        assert json.dumps(f"./{preload.plotly_chunk()}") in first.proto.body
    assert any("Demo data: fictional city" in i.value for i in at.info)
    charts = at.get("plotly_chart")
    assert len(charts) >= MIN_CHARTS[page]
    for chart in charts:
        figure = json.loads(chart.proto.spec)
        assert figure["data"], f"{page}: a chart has no traces"


def test_category_filter_changes_the_headline_numbers(app_env):
    at = open_page("dashboard.py")
    before = metric(at, "Incidents")
    at.multiselect(key="categories").set_value(["robbery"]).run()
    after = metric(at, "Incidents")
    assert int(after.replace(",", "")) < int(before.replace(",", ""))
    assert "Robbery" in showing(at)
    assert at.query_params["categories"] in ("robbery", ["robbery"])


def test_program_filter_changes_the_event_count(app_env):
    at = open_page("dashboard.py")
    before = int(metric(at, "Outreach events").replace(",", ""))
    at.multiselect(key="programs").set_value(["national_night_out"]).run()
    after = int(metric(at, "Outreach events").replace(",", ""))
    assert 0 < after < before


def test_filters_survive_moving_between_pages(app_env):
    at = open_page("dashboard.py")
    at.multiselect(key="categories").set_value(["burglary"]).run()
    at.switch_page("pages/2_Crime_trends.py").run()
    assert at.multiselect(key="categories").value == ["burglary"]
    assert "Burglary" in showing(at)
    at.switch_page("dashboard.py").run()
    assert at.multiselect(key="categories").value == ["burglary"]
    assert "Burglary" in showing(at)


def test_a_shared_link_reproduces_the_view(app_env):
    at = open_page("pages/2_Crime_trends.py", {"category": "robbery", "from": "2026-01-01"})
    assert not at.exception
    assert at.multiselect(key="categories").value == ["robbery"]
    assert "**Showing:** 1 Jan 2026 to" in showing(at)


def test_area_filter_narrows_the_map_and_residents(app_env):
    at = open_page("dashboard.py")
    residents_all = int(metric(at, "Residents").replace(",", ""))
    at.multiselect(key="area_ids").set_value(["neighbourhood:1"]).run()
    assert int(metric(at, "Residents").replace(",", "")) < residents_all


def test_changing_area_kind_drops_areas_of_the_old_kind(app_env):
    at = open_page("dashboard.py")
    at.multiselect(key="area_ids").set_value(["neighbourhood:1"]).run()
    at.selectbox(key="area_kind").set_value("beat").run()
    assert not at.exception
    assert at.multiselect(key="area_ids").value == []
    assert at.query_params["area_kind"] in ("beat", ["beat"])


def test_missing_database_is_built_from_the_demo_and_said_on_screen(tmp_path, monkeypatch):
    path = tmp_path / "new" / "nno.duckdb"
    monkeypatch.setenv("NNO_DB", str(path))
    monkeypatch.setenv("NNO_DEMO_INCIDENTS", "5000")
    at = open_page("dashboard.py")
    assert not at.exception, [e.value for e in at.exception]
    assert path.exists()
    assert any("demo city was generated" in s.value for s in at.success)
    assert int(metric(at, "Incidents").replace(",", "")) > 0


def test_an_older_database_is_upgraded_when_the_app_opens_it(tmp_path, monkeypatch):
    import duckdb

    path = tmp_path / "v1.duckdb"
    with duckdb.connect(str(path)) as con:
        con.execute((Path(__file__).resolve().parents[1] / "data" / "schema_v1.sql").read_text())
    monkeypatch.setenv("NNO_DB", str(path))
    at = open_page("dashboard.py")
    assert not at.exception, [e.value for e in at.exception]
    assert any("upgraded from schema version 1" in s.value for s in at.success)


def test_the_area_list_is_asked_with_the_first_questions(app_env, monkeypatch):
    """setup() asks for the area list of the kind the run will most likely show together with
    the dataset's extent (two at a time); the sidebar then asks for that same list, which
    the cache holds. After a change of kind in the sidebar, the guess is the new kind."""
    from dataclasses import replace

    from nno_dash.queries import geography
    from nno_dash.ui import data

    at = open_page("dashboard.py")
    early, asked = [], []
    real_prefetch, real_load = data.prefetch, data.load

    def prefetch(path, calls):
        early.extend(calls)
        return real_prefetch(path, calls)

    def load(path, function, *args):
        asked.append((function, args))
        return real_load(path, function, *args)

    monkeypatch.setattr(data, "prefetch", prefetch)
    monkeypatch.setattr(data, "load", load)
    at.session_state["filters"] = replace(at.session_state["filters"], area_kind="beat")
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    assert (geography.area_options, ("beat",)) in early[:3]
    assert (geography.area_options, ("beat",)) in asked
    assert (geography.area_options, ("neighbourhood",)) not in asked + early
