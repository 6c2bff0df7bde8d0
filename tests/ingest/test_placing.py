"""Placing rows in areas: what the report says about area codes it can keep but not map."""

from __future__ import annotations

from import_fixtures import COMMUNITY_AREAS, CRIMES_2016, needs_chicago

from nno_dash.ingest import pipeline

pytestmark = needs_chicago


def test_codes_of_a_kind_without_boundaries_are_kept_and_said(tmp_path):
    database = tmp_path / "nno.duckdb"
    assert pipeline.run(database, "areas", [COMMUNITY_AREAS], None).ok
    report = pipeline.run(database, "incidents", [CRIMES_2016], None)
    assert report.ok, report.summary()
    notes = report.files[0].notes
    for kind in ("beat", "district"):
        said = [n for n in notes if n.startswith(f"{kind} codes kept on ")]
        assert len(said) == 1 and "no map" in said[0], notes
    assert not any(n.startswith("neighbourhood codes kept") for n in notes)
