"""The Outreach coverage page in AppTest: map kinds from the URL, a map click that filters
the page, the area profile, the gap list, and presentation mode without controls."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from streamlit.proto.WidgetStates_pb2 import WidgetStates
from streamlit.testing.v1 import AppTest

from nno_dash.queries import datasets, geography
from nno_dash.ui.coverage_view import MAP_KEY

ENTRY = Path(__file__).resolve().parents[2] / "dashboard.py"
PAGE = "pages/1_Outreach_coverage.py"


def open_page(query: dict[str, str] | None = None) -> AppTest:
    at = AppTest.from_file(str(ENTRY), default_timeout=60)
    for key, value in (query or {}).items():
        at.query_params[key] = value
    at.run()
    at.switch_page(PAGE).run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def the_map(at: AppTest):
    charts = [c for c in at.get("plotly_chart") if MAP_KEY in c.proto.id]
    assert len(charts) == 1
    return charts[0]


def figure(chart) -> dict:
    return json.loads(chart.proto.spec)


def click_area(at: AppTest, area_id: str | None, **point: float) -> AppTest:
    """What the browser sends when an area on the map is clicked: a point selection whose
    point carries the area id as `location` (plotly's choropleth point field), or, for an
    outreach marker, its `lat` and `lon`."""
    chart = the_map(at)
    states: WidgetStates = at._tree.get_widget_states()
    state = states.widgets.add()
    state.id = chart.proto.id
    selection = {
        "points": [
            {"curve_number": 0, "point_number": 0, "point_index": 0}
            | ({"location": area_id} if area_id else {})
            | point
        ],
        "point_indices": [0],
        "box": [],
        "lasso": [],
    }
    state.string_value = json.dumps({"selection": selection})
    at._run(states)
    assert not at.exception, [e.value for e in at.exception]
    return at


def query_value(at: AppTest, key: str):
    value = at.query_params.get(key)
    return value[0] if isinstance(value, list) and len(value) == 1 else value


@pytest.fixture(scope="module")
def planted(con) -> dict:
    return datasets.dataset_info(con)["demo_params"]


def test_default_view_is_the_bivariate_map_naming_the_planted_gaps(app_env, planted):
    at = open_page()
    names = {t.get("name") for t in figure(the_map(at))["data"]}
    assert "High crime, low outreach" in names
    headline = next(m.value for m in at.markdown if "top third for crime" in m.value)
    for name in planted["under_served_area_names"]:
        assert name in headline
    assert at.get("download_button")  # the gap list's CSV
    assert at.toggle(key="present_toggle").value is False


def test_map_kind_comes_from_the_url_and_the_control_writes_it_back(app_env):
    at = open_page({"map": "incident_change_pct"})
    names = {t.get("name") for t in figure(the_map(at))["data"]}
    assert names & {"About the same (±5%)", "Up 20% or more", "Down 20% or more"}
    at.segmented_control(key="cov_map").set_value("hotspots").run()
    assert query_value(at, "map") == "hotspots"
    names = {t.get("name") for t in figure(the_map(at))["data"]}
    assert any(str(n).startswith("Hot spot") for n in names)


def test_a_bad_map_kind_in_a_link_falls_back_to_the_default(app_env):
    at = open_page({"map": "drop table"})
    assert at.segmented_control(key="cov_map").value == "bivariate"


def test_clicking_an_area_filters_the_page_and_shows_its_profile(app_env, planted):
    target = planted["under_served_area_ids"][0]
    name = planted["under_served_area_names"][0]
    at = open_page()
    click_area(at, target)
    # the shared filter (sidebar and URL) now holds the area...
    assert at.multiselect(key="area_ids").value == [target]
    assert query_value(at, "area_ids") == target
    # ...its profile is shown...
    assert any(name in s.value for s in at.subheader)
    assert any("Crime rate rank" in c.value for c in at.caption)
    assert any(m.label == "Days since last event" for m in at.metric)
    # ...the gap list is narrowed to it, and the map outlines it among all areas
    gap_table = at.dataframe[-1].value
    assert gap_table["area_id"].tolist() == [target]
    data = figure(the_map(at))["data"]
    assert [t for t in data if t.get("name") == "Selected"][0]["locations"] == [target]
    located = sum(len(t["locations"]) for t in data if t["type"] == "choroplethmap") - 1
    assert located == 40  # the whole city stays as context
    # a second click on it clears the selection
    click_area(at, target)
    assert at.multiselect(key="area_ids").value == []
    assert len(at.dataframe[-1].value) == 40


def test_a_click_on_something_that_is_not_an_area_changes_nothing(app_env):
    at = open_page()
    click_area(at, "12:34")  # a hotspot cell id, or any stray point
    assert at.multiselect(key="area_ids").value == []


def test_presentation_mode_hides_every_control_and_shows_the_title_block(app_env, con):
    at = open_page({"present": "1", "kind": "council_district", "area": "council_district:3"})
    assert at.title[0].value.startswith("Council District 3")
    assert "Outreach coverage" in at.title[0].value
    assert not at.sidebar.multiselect and not at.sidebar.date_input and not at.sidebar.selectbox
    assert not at.get("segmented_control") and not at.toggle
    assert not at.get("download_button") and not at.expander
    as_of = datasets.dataset_info(con)["data_as_of"]
    assert any(f"data as of {as_of}" in m.value for m in at.markdown)
    assert [b.label for b in at.button] == ["Exit presentation mode"]
    assert query_value(at, "present") == "1" and query_value(at, "area_ids") == "council_district:3"
    # the map is the projector size, with large type
    fig = figure(the_map(at))
    assert fig["layout"]["height"] >= 700 and fig["layout"]["font"]["size"] >= 20


def test_presentation_mode_keeps_the_map_kind_and_exits_to_the_controls(app_env):
    at = open_page({"present": "1", "map": "hotspots"})
    names = {t.get("name") for t in figure(the_map(at))["data"]}
    assert any(str(n).startswith("Hot spot") for n in names)
    at.button[0].click().run()
    assert query_value(at, "present") is None
    assert at.sidebar.multiselect and at.get("segmented_control")
    assert query_value(at, "map") == "hotspots"


def test_turning_presentation_mode_on_puts_it_in_the_url(app_env):
    at = open_page()
    at.toggle(key="present_toggle").set_value(True).run()
    assert query_value(at, "present") == "1"
    assert not at.sidebar.multiselect


def test_a_click_on_an_event_marker_selects_the_area_it_is_in(app_env, con):
    areas = geography.load_areas(con, "neighbourhood")
    target = areas.iloc[7]
    spot = target.geometry.representative_point()
    at = open_page()
    click_area(at, None, lat=spot.y, lon=spot.x)
    assert at.multiselect(key="area_ids").value == [target["area_id"]]
