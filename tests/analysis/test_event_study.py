"""The event study recovers planted truth, picks comparison areas that are untreated, similar
and apart, and finds which areas touch."""

from __future__ import annotations

import json
from datetime import date

import geopandas as gpd
import pandas as pd
import pytest
import shapely

from nno_dash.analysis import event_study, matching
from nno_dash.core.filters import Filters
from nno_dash.demo.build import build_demo
from nno_dash.demo.dates import national_night_out
from nno_dash.demo.params import DemoParams
from nno_dash.queries.evaluation import study_for
from nno_dash.store import db

# Recovery: real demo databases with planted effects -----------------------------------------

RECOVERY_SEED = 11
RECOVERY_INCIDENTS = 100_000
RECOVERY_WEEKS = 26
EFFECTS = (-0.30, -0.15, 0.0)


@pytest.fixture(scope="module")
def planted(tmp_path_factory: pytest.TempPathFactory) -> dict[float, event_study.EventStudy]:
    """The event study on the planted treated areas and day, one demo database per effect."""
    out = {}
    for effect in EFFECTS:
        path = tmp_path_factory.mktemp("planted") / f"effect_{effect}.duckdb"
        params = DemoParams(seed=RECOVERY_SEED, incidents=RECOVERY_INCIDENTS, effect=effect)
        build_demo(path, params)
        con = db.open_readonly(path)
        try:
            truth = json.loads(db.get_meta(con, "demo_params"))
            start = date.fromisoformat(truth["effect_start"])
            filters = Filters(
                date(start.year, 1, 1),
                date(start.year, 12, 31),
                "neighbourhood",
                tuple(truth["treated_area_ids"]),
                (),
                tuple(truth["effect_categories"]),
            )
            out[effect] = study_for(con, filters, "national_night_out", start, RECOVERY_WEEKS)
        finally:
            con.close()
    return out


@pytest.mark.parametrize("effect", EFFECTS)
def test_planted_effect_is_inside_the_95_interval(planted, effect):
    estimate = planted[effect].estimate
    assert estimate.estimated and not estimate.too_few
    assert estimate.covers(effect * 100)
    # An interval that covers everything would pass too: demand a useful width.
    assert estimate.ci_high_pct - estimate.ci_low_pct < 40


def test_a_large_planted_effect_is_detected_and_no_effect_is_not(planted):
    assert planted[-0.30].estimate.ci_high_pct < 0
    assert not planted[0.0].estimate.excludes_zero
    # Stronger planted effects give lower estimates (same city, same comparison areas).
    changes = [planted[e].estimate.change_pct for e in EFFECTS]
    assert changes == sorted(changes)


def test_comparison_areas_are_untreated_similar_and_apart(planted):
    study = planted[-0.15]
    treated = set(study.treated["area_id"])
    comparison = set(study.comparison["area_id"])
    assert comparison and not comparison & treated
    assert not comparison & set(study.buffer["area_id"])
    # Matched on prior crime rate: the groups' mean rates in the year before are alike.
    ratio = study.comparison["prior_rate"].mean() / study.treated["prior_rate"].mean()
    assert 0.67 < ratio < 1.5
    assert study.wdd is not None and study.wdd.ci_low < study.wdd.wdd < study.wdd.ci_high


def test_touching_finds_shared_borders_only():
    squares = [shapely.box(x, y, x + 0.01, y + 0.01) for y in (0, 0.01) for x in (0, 0.01, 0.02)]
    areas = gpd.GeoDataFrame({"area_id": list("abcdef")}, geometry=squares, crs="EPSG:4326")
    out = matching.touching(areas)
    assert out["a"] == {"b", "d", "e"}  # e touches a at a corner: queen contiguity
    assert "c" not in out["a"] and "f" not in out["a"]


def test_matching_takes_the_nearest_on_level_and_trend():
    areas = pd.DataFrame(
        {
            "area_id": ["t1", "t2", "near1", "near2", "far"],
            "prior_level": [3.0, 2.0, 3.05, 1.95, 6.0],
            "prior_trend": [0.0, 0.1, 0.01, 0.1, 0.9],
        }
    )
    picked = matching.match_comparisons(areas, ["t1", "t2"], ["near1", "near2", "far"], 2)
    assert set(picked["area_id"]) == {"near1", "near2"}


def test_event_study_on_the_shared_demo_for_a_council_district(con):
    filters = Filters(
        date(2025, 11, 1), date(2026, 10, 31), "council_district", ("council_district:3",)
    )
    study = study_for(con, filters)
    assert study.anchor == national_night_out(2026)
    assert list(study.treated["area_id"]) == ["council_district:3"]
    assert len(study.comparison) >= event_study.MIN_COMPARISONS
    assert study.estimate.estimated
    assert "Council District 3" in study.words() and "95% CI" in study.words()
    groups = set(study.series["group"])
    assert {"Treated areas", "Comparison areas"} <= groups
