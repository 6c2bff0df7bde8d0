"""Every page on a real city's first import: boundaries and incidents only, no population, no
outreach events. Each page runs, and no text it shows reads nan, None or inf."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from import_fixtures import COMMUNITY_AREAS, CRIMES_2024, needs_chicago

from nno_dash.ingest import pipeline
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


def test_outreach_coverage_says_which_data_would_fill_its_maps(first_import, monkeypatch):
    monkeypatch.setenv("NNO_DB", str(first_import))
    at = open_page("pages/1_Outreach_coverage.py")
    warnings = " ".join(w.value for w in at.warning)
    assert "No population is on record" in warnings and "import areas" in warnings
    assert "No outreach events are on file yet" in warnings and "import events" in warnings
    assert "–" not in warnings
