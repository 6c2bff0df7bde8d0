"""The Crime trends and Outreach and crime pages run, follow the filters and tell the truth."""

from __future__ import annotations

import json
from urllib.parse import parse_qs

from tests.ui.test_pages import open_page

TRENDS = "pages/2_Crime_trends.py"
OUTREACH = "pages/3_Outreach_and_crime.py"


def chart_names(at) -> list[str]:
    return [c.proto.id for c in at.get("plotly_chart")]


def markdown(at) -> str:
    return "\n".join(m.value for m in at.markdown)


def test_crime_trends_page_shows_series_compstat_and_seasons(app_env):
    at = open_page(TRENDS)
    assert not at.exception, [e.value for e in at.exception]
    assert len(at.get("plotly_chart")) >= 4
    text = markdown(at)
    assert "All selected offences, last 28 days vs the same 28 days a year earlier" in text
    assert "95% CI" in text or "too few" in text


def test_crime_trends_rates_by_area_and_ytd(app_env):
    at = open_page(TRENDS)
    at.segmented_control(key="split").set_value("area").run()
    at.segmented_control(key="measure").set_value("rate_per_1000").run()
    at.segmented_control(key="compstat").set_value("ytd_vs_prior").run()
    assert not at.exception, [e.value for e in at.exception]
    assert any("by area" in s.value for s in at.subheader)
    assert "year to date vs prior year to date" in markdown(at)
    figure = json.loads(at.get("plotly_chart")[0].proto.spec)
    assert len({t["name"] for t in figure["data"]} - {"Partial period"}) == 8


def test_outreach_page_default_filters_show_an_estimate_with_an_interval(app_env):
    at = open_page(OUTREACH)
    assert not at.exception, [e.value for e in at.exception]
    assert at.selectbox(key="es_program").value == "national_night_out"
    headline = next(m.value for m in at.markdown if m.value.startswith("**After the event"))
    assert "95% CI" in headline and "comparison areas" in headline
    assert "caused" not in headline and "because" not in headline
    basis = [c.value for c in at.caption if c.value.startswith("Incidents 8 weeks before")]
    assert len(basis) == 1 and "standard errors" in basis[0], basis
    assert "associated with" in markdown(at)
    assert any(e.label == "How to read this" for e in at.expander)
    assert len(at.get("plotly_chart")) >= 4


def test_outreach_page_for_a_council_district(app_env):
    at = open_page(OUTREACH, {"kind": "council_district", "area": "council_district:3"})
    assert not at.exception, [e.value for e in at.exception]
    text = markdown(at)
    assert "Council District 3" in text and "95% CI" in text
    areas = next(e for e in at.expander if e.label.startswith("The areas compared"))
    assert "1 treated" in areas.label


def test_the_demo_check_link_shows_the_planted_effect(app_env):
    at = open_page(OUTREACH)
    note = next(i.value for i in at.info if "Demo check" in i.value)
    query = note.split("](?", 1)[1].split(")", 1)[0]
    at = open_page(OUTREACH, parse_qs(query))
    assert str(at.selectbox(key="es_day").value) == "2024-08-06"
    at.number_input(key="es_weeks").set_value(26).run()
    assert not at.exception, [e.value for e in at.exception]
    headline = next(m.value for m in at.markdown if m.value.startswith("**After the event"))
    assert "lower than the comparison" in headline
    assert "more than chance alone would explain" in headline
