"""Every page on a real city's first import: boundaries and incidents only, no population, no
outreach events. Each page runs, and no text it shows reads nan, None or inf."""

from __future__ import annotations

import json
import re
from datetime import date
from pathlib import Path

import pytest
from import_fixtures import COMMUNITY_AREAS, CRIMES_2024, needs_chicago

from nno_dash.__main__ import main as cli_main
from nno_dash.core.filters import Filters
from nno_dash.ingest import pipeline
from nno_dash.publish import press
from nno_dash.publish.branding import Branding
from nno_dash.queries import press as press_queries
from nno_dash.store import db
from tests.ui.test_pages import PAGES, open_page

pytestmark = needs_chicago

NOT_A_NUMBER = re.compile(r"\b(nan|NaN|None|inf|NaT)\b")
TEXT_ELEMENTS = ("title", "subheader", "markdown", "caption", "info", "warning", "success")


@pytest.fixture(scope="module")
def first_import(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Chicago's community areas without their population, and a month of its incidents."""
    path = tmp_path_factory.mktemp("first_import") / "nno.duckdb"
    for kind, files in (("areas", [COMMUNITY_AREAS]), ("incidents", [CRIMES_2024])):
        report = pipeline.run(path, kind, files, None)
        assert report.ok, report.summary()
    return path


def shown_text(at) -> list[str]:
    texts = [str(element.value) for kind in TEXT_ELEMENTS for element in at.get(kind)]
    texts += [f"{m.label}: {m.value}" for m in at.metric]
    return texts


def preview_text(at) -> str:
    """The words in the press kit's previews (the export's title, subtitle, source lines)."""
    figures = [json.loads(c.proto.spec) for c in at.get("plotly_chart")]
    return " ".join(a.get("text", "") for f in figures for a in f["layout"].get("annotations", []))


@pytest.mark.parametrize("page", list(PAGES))
def test_a_page_on_areas_and_incidents_only_shows_no_missing_number(
    page, first_import, monkeypatch
):
    monkeypatch.setenv("NNO_DB", str(first_import))
    at = open_page(page)
    assert not at.exception, [e.value for e in at.exception]
    bad = [text for text in shown_text(at) if NOT_A_NUMBER.search(text)]
    assert not bad, (page, bad)


def test_home_says_what_is_missing_for_rates(first_import, monkeypatch):
    monkeypatch.setenv("NNO_DB", str(first_import))
    at = open_page("dashboard.py")
    metrics = {m.label: m for m in at.metric}
    assert metrics["Residents"].value == "–"
    assert metrics["Per 1,000 residents"].value == "–"
    assert "import a population table" in metrics["Per 1,000 residents"].proto.help
    # the map falls back to counts in whole-number classes, and says why
    assert [s.value for s in at.subheader][0] == "Incidents by area, with outreach events"
    classes = [t["name"] for t in json.loads(at.get("plotly_chart")[0].proto.spec)["data"]]
    assert classes and all(re.fullmatch(r"\d[\d,]*–\d[\d,]*", c) for c in classes[:5]), classes
    assert any("import a population table" in c.value for c in at.caption)


def test_outreach_coverage_says_which_data_would_fill_its_maps(first_import, monkeypatch):
    monkeypatch.setenv("NNO_DB", str(first_import))
    at = open_page("pages/1_Outreach_coverage.py")
    warnings = " ".join(w.value for w in at.warning)
    assert "No population is on record" in warnings and "import areas" in warnings
    assert "No outreach events are on file yet" in warnings and "import events" in warnings
    assert "–" not in warnings


def test_the_press_trend_draws_no_year_the_data_does_not_reach(first_import):
    """One year of data: the chart's year-earlier line and CSV column stay empty, not zero."""
    con = db.open_readonly(first_import)
    try:
        filters = Filters(date(2024, 1, 1), date(2024, 12, 31))
        frame = press_queries.monthly_incidents(con, filters)
        in_2024 = con.execute(
            "select count(*) from incidents where year(occurred_at) = 2024"
        ).fetchone()[0]
        first = con.execute("select min(occurred_on) from incident_daily").fetchone()[0]
    finally:
        con.close()
    assert first.year == 2024
    assert frame["incidents_prev"].isna().all()
    assert frame["incidents"].sum() == in_2024
    ctx = press.Context("en", 3, Branding(agency_name="Test"), "2024-12-31", {})
    item = press.crime_trend(frame, filters, ctx)
    earlier = json.loads(item.figure.to_json())["data"][0]
    assert all(v is None for v in earlier["y"]), earlier["y"]
    assert ",0\n" not in item.csv().decode().split("\n", 1)[1]


def test_a_real_dataset_never_carries_the_demos_name(first_import, tmp_path, monkeypatch):
    """With no name on record the press kit says so; `python -m nno_dash agency` records one,
    and the next run's exports name it."""
    monkeypatch.delenv("NNO_AGENCY_NAME", raising=False)
    monkeypatch.setenv("NNO_DB", str(first_import))
    at = open_page("pages/5_Press_kit.py")
    warnings = " ".join(w.value for w in at.warning)
    assert "No agency name is on record" in warnings
    assert "Demo City" not in " ".join(shown_text(at)) + preview_text(at)
    assert "Source: Agency name not set" in preview_text(at)

    named = tmp_path / "named.duckdb"
    named.write_bytes(first_import.read_bytes())
    assert cli_main(["agency", "Chicago Police Department", "--db", str(named)]) == 0
    monkeypatch.setenv("NNO_DB", str(named))
    at = open_page("pages/5_Press_kit.py")
    assert not any("agency name" in w.value for w in at.warning)
    assert "Source: Chicago Police Department" in preview_text(at)
