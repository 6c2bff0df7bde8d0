"""The outreach evaluation recovers planted truth, keeps its false-positive rate honest, and
matches statsmodels and scipy on fixed inputs."""

from __future__ import annotations

import json
import os
from datetime import date

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely
import statsmodels.api as sm
from scipy import stats
from statsmodels.stats import rates
from statsmodels.stats.proportion import proportion_confint

from nno_dash.analysis import evaluation, statistics
from nno_dash.core.filters import Filters
from nno_dash.demo.build import build_demo
from nno_dash.demo.dates import national_night_out
from nno_dash.demo.params import DemoParams
from nno_dash.store import db

# Recovery: real demo databases with planted effects -----------------------------------------

RECOVERY_SEED = 11
RECOVERY_INCIDENTS = 100_000
RECOVERY_WEEKS = 26
EFFECTS = (-0.30, -0.15, 0.0)


@pytest.fixture(scope="module")
def planted(tmp_path_factory: pytest.TempPathFactory) -> dict[float, evaluation.EventStudy]:
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
            out[effect] = evaluation.event_study(
                con, filters, "national_night_out", start, RECOVERY_WEEKS
            )
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


# False-positive rate: many null panels through the same estimator ------------------------------


def test_with_no_effect_the_interval_excludes_zero_about_5_percent_of_the_time():
    measured = evaluation.false_positive_rate(runs=200, seed=2026)
    assert measured["runs"] == 200
    assert measured["rate"] < 0.10
    assert measured["rate"] > 0.0  # an interval that never excludes zero is too wide to use


def test_with_an_effect_the_simulated_panel_detects_it():
    rng = np.random.default_rng(7)
    hits = sum(
        evaluation.did_poisson(evaluation.simulate_null_panel(rng, effect=-0.3)).ci_high_pct < 0
        for _ in range(20)
    )
    assert hits >= 14


# Reference results on fixed inputs ----------------------------------------------------------


@pytest.mark.parametrize(
    ("current", "previous", "t1", "t0"), [(120, 150, 1, 1), (37, 20, 28, 31), (9, 14, 365, 366)]
)
def test_poisson_test_and_interval_match_statsmodels(current, previous, t1, t0):
    change = statistics.compare_counts(current, previous, t1, t0)
    ref = rates.test_poisson_2indep(current, t1, previous, t0, method="exact-cond")
    assert change.p_value == pytest.approx(ref.pvalue, rel=1e-9)
    low, high = proportion_confint(current, current + previous, method="beta")
    scale = t0 / t1
    assert change.ci_low_pct == pytest.approx((low / (1 - low) * scale - 1) * 100)
    assert change.ci_high_pct == pytest.approx((high / (1 - high) * scale - 1) * 100)


@pytest.mark.parametrize(("count", "exposure"), [(0, 1.0), (7, 2.5), (250, 40.0)])
def test_rate_interval_matches_statsmodels_exact(count, exposure):
    low, high = statistics.rate_interval(count, exposure)
    ref_low, ref_high = rates.confint_poisson(count, exposure, method="exact-c")
    assert low == pytest.approx(float(np.nan_to_num(ref_low)), abs=1e-12)
    assert high == pytest.approx(float(ref_high))


def test_did_on_a_two_by_two_is_the_closed_form():
    t0, t1, c0, c1 = 200, 150, 400, 380
    panel = pd.DataFrame(
        {
            "area_id": ["t", "t", "c", "c"],
            "week": [-1, 0, -1, 0],
            "incidents": [t0, t1, c0, c1],
            "population": [1000.0, 1000.0, 3000.0, 3000.0],
            "treated": [True, True, False, False],
            "post": [False, True, False, True],
        }
    )
    result = evaluation.did_poisson(panel)
    assert result.log_ratio == pytest.approx(np.log(t1 * c0 / (t0 * c1)))
    assert result.se_quasi == pytest.approx(np.sqrt(1 / t0 + 1 / t1 + 1 / c0 + 1 / c1))


def test_did_fit_and_cluster_errors_match_statsmodels_glm():
    panel = evaluation.simulate_null_panel(np.random.default_rng(3), n_treated=4, n_comparison=7)
    result = evaluation.did_poisson(panel)
    x = pd.get_dummies(panel[["area_id"]].astype(str), dtype=float)
    x = x.join(pd.get_dummies(panel["week"].astype(str), prefix="w", drop_first=True, dtype=float))
    x.insert(0, "did", (panel["treated"] & panel["post"]).astype(float))
    model = sm.GLM(
        panel["incidents"], x, family=sm.families.Poisson(), offset=np.log(panel["population"])
    )
    plain = model.fit()
    cluster = model.fit(cov_type="cluster", cov_kwds={"groups": pd.factorize(panel["area_id"])[0]})
    assert result.log_ratio == pytest.approx(plain.params["did"], rel=1e-6)
    assert result.se_cluster == pytest.approx(cluster.bse["did"], rel=1e-6)
    scale = max(1.0, plain.pearson_chi2 / plain.df_resid)
    assert result.se_quasi == pytest.approx(plain.bse["did"] * np.sqrt(scale), rel=1e-6)
    g = panel["area_id"].nunique()
    half = max(1.959964 * result.se_quasi, stats.t.ppf(0.975, g - 1) * result.se_cluster)
    assert result.ci_high_pct == pytest.approx(
        (np.exp(result.log_ratio + half) - 1) * 100, rel=1e-5
    )


@pytest.mark.parametrize("seed", range(6))
def test_poisson_fit_matches_statsmodels_glm(seed):
    """fit_poisson replaces statsmodels' GLM on the page for speed; it must give its numbers."""
    rng = np.random.default_rng(seed)
    n, k = 200 + 40 * seed, 3 + seed
    x = np.column_stack([np.ones(n), rng.normal(size=(n, k)), rng.integers(0, 2, n)])
    offset = np.log(rng.uniform(500, 5000, n))
    y = rng.poisson(np.exp(x @ rng.normal(0, 0.3, x.shape[1]) + offset - 6)).astype(float)
    ours = evaluation.fit_poisson(y, x, offset)
    ref = sm.GLM(y, x, family=sm.families.Poisson(), offset=offset).fit()
    assert (y == 0).any()  # zeros are the hard case for the deviance
    np.testing.assert_allclose(ours.params, ref.params, rtol=1e-8, atol=1e-10)
    np.testing.assert_allclose(ours.mu, ref.mu, rtol=1e-8)
    np.testing.assert_allclose(ours.cov, ref.cov_params(), rtol=1e-7, atol=1e-12)
    assert ours.df_resid == ref.df_resid
    assert ours.pearson_chi2 == pytest.approx(ref.pearson_chi2, rel=1e-8)


def test_too_few_incidents_give_no_estimate():
    panel = pd.DataFrame(
        {
            "area_id": ["t", "t", "c", "c"],
            "week": [-1, 0, -1, 0],
            "incidents": [3, 0, 40, 35],
            "population": [1000.0] * 4,
            "treated": [True, True, False, False],
            "post": [False, True, False, True],
        }
    )
    result = evaluation.did_poisson(panel)
    assert not result.estimated
    assert "Too few" in result.words()


def test_weighted_displacement_difference_by_hand():
    wdd = evaluation.weighted_displacement_difference(
        treated=(120, 90), buffer=(200, 210), comparison=(300, 330), scale_treated=0.5,
        scale_buffer=0.8,
    )  # fmt: skip
    expected = (90 - 120) - 0.5 * 30 + (210 - 200) - 0.8 * 30
    assert wdd.wdd == pytest.approx(expected)
    se = np.sqrt(120 + 90 + 200 + 210 + 1.3**2 * (300 + 330))
    assert wdd.ci_low == pytest.approx(expected - 1.959964 * se, rel=1e-6)
    assert wdd.p_value == pytest.approx(2 * stats.norm.sf(abs(expected) / se))
    assert "fewer incidents" in wdd.words()


def test_touching_finds_shared_borders_only():
    squares = [shapely.box(x, y, x + 0.01, y + 0.01) for y in (0, 0.01) for x in (0, 0.01, 0.02)]
    areas = gpd.GeoDataFrame({"area_id": list("abcdef")}, geometry=squares, crs="EPSG:4326")
    out = evaluation.touching(areas)
    assert out["a"] == {"b", "d", "e"}  # e touches a at a corner: queen contiguity
    assert "c" not in out["a"] and "f" not in out["a"]


def test_neighbours_are_worked_out_once_per_data_version(demo_db, tmp_path):
    from nno_dash.geo import areas as geo

    path = tmp_path / "copy.duckdb"
    path.write_bytes(demo_db.read_bytes())
    con = db.open_readonly(path)
    first = evaluation.neighbours(con, "neighbourhood")
    assert first == evaluation.touching(geo.load_areas(con, "neighbourhood"))
    assert evaluation.neighbours(con, "neighbourhood") is first  # remembered
    con.close()
    with db.write_session(path) as writer:  # new boundaries come with a new data version
        writer.execute("delete from areas where kind = 'neighbourhood' and code = '1'")
        db.bump_data_version(writer)
    con = db.open_readonly(path)
    try:
        again = evaluation.neighbours(con, "neighbourhood")
        assert again is not first and "neighbourhood:1" not in again
        assert all("neighbourhood:1" not in near for near in again.values())
    finally:
        con.close()


def test_matching_takes_the_nearest_on_level_and_trend():
    areas = pd.DataFrame(
        {
            "area_id": ["t1", "t2", "near1", "near2", "far"],
            "prior_level": [3.0, 2.0, 3.05, 1.95, 6.0],
            "prior_trend": [0.0, 0.1, 0.01, 0.1, 0.9],
        }
    )
    picked = evaluation.match_comparisons(areas, ["t1", "t2"], ["near1", "near2", "far"], 2)
    assert set(picked["area_id"]) == {"near1", "near2"}


def test_dose_response_recovers_a_planted_slope_and_says_associated():
    rng = np.random.default_rng(4)
    n = 40
    event_rate = rng.uniform(0, 3, n)
    summary = pd.DataFrame(
        {
            "name": [f"Area {i}" for i in range(n)],
            "population": rng.integers(2_000, 40_000, n),
            "event_rate": event_rate,
            "incident_rate_prev": 50 + rng.normal(0, 5, n),
        }
    )
    summary["incident_rate"] = (
        summary["incident_rate_prev"] - 2.0 * event_rate + rng.normal(0, 1, n)
    )
    dose = evaluation.dose_response(summary)
    assert dose.ci_low < -2.0 < dose.ci_high and dose.ci_high < 0
    assert (dose.line["ci_low"] <= dose.line["fit"]).all()
    assert "associated with" in dose.words() and "not evidence" in dose.words()
    assert evaluation.dose_response(summary.head(5)).slope is None


def test_trust_change_interval_matches_a_paired_t_test():
    events = pd.DataFrame(
        {
            "program": ["a"] * 6 + ["b"] * 3,
            "survey_n": [5, 8, 6, 7, 9, 4, 5, 5, 5],
            "trust_before": [3.1, 3.4, 2.9, 3.6, 3.2, 3.0, 3.3, 3.5, 3.1],
            "trust_after": [3.5, 3.6, 3.4, 3.7, 3.9, 3.1, 3.2, 3.9, 3.4],
        }
    )
    table = evaluation.trust_change(events).set_index("program")
    a = events[events["program"] == "a"]
    ref = stats.ttest_rel(a["trust_after"], a["trust_before"]).confidence_interval()
    assert table.loc["a", "ci_low"] == pytest.approx(ref.low)
    assert table.loc["a", "ci_high"] == pytest.approx(ref.high)
    assert table.loc["all", "events"] == 9


def test_event_study_on_the_shared_demo_for_a_council_district(con):
    filters = Filters(
        date(2025, 11, 1), date(2026, 10, 31), "council_district", ("council_district:3",)
    )
    study = evaluation.event_study(con, filters)
    assert study.anchor == national_night_out(2026)
    assert list(study.treated["area_id"]) == ["council_district:3"]
    assert len(study.comparison) >= evaluation.MIN_COMPARISONS
    assert study.estimate.estimated
    assert "Council District 3" in study.words() and "95% CI" in study.words()
    groups = set(study.series["group"])
    assert {"Treated areas", "Comparison areas"} <= groups


def test_a_page_gets_one_blas_thread_because_streamlit_leaves_numpy_to_the_package():
    """The pages import streamlit, then nno_dash, then numpy: the package's one-thread
    setting must come before numpy loads OpenBLAS, in a fresh process as in the app."""
    import subprocess
    import sys

    probe = (
        "import sys, streamlit; assert 'numpy' not in sys.modules, 'streamlit loaded numpy';"
        "import nno_dash, numpy, scipy.special; from threadpoolctl import threadpool_info;"
        "print([i['num_threads'] for i in threadpool_info() if i['user_api'] == 'blas'])"
    )
    env = {k: v for k, v in os.environ.items() if k != "OPENBLAS_NUM_THREADS"}
    done = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, env=env, check=False
    )
    assert done.returncode == 0, done.stderr
    threads = json.loads(done.stdout)
    assert threads and set(threads) == {1}


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        (-0.4, "were about what the comparison areas' trend predicts"),
        (0.3, "were about what the comparison areas' trend predicts"),
        (-12.4, "were 12% lower than the comparison areas' trend predicts"),
        (7.6, "were 8% higher than the comparison areas' trend predicts"),
    ],
)
def test_the_headline_says_a_change_that_rounds_to_nothing_in_words(change, expected):
    result = evaluation.DidResult(
        treated_pre=400, treated_post=400, comparison_pre=900, comparison_post=900,
        n_treated=5, n_comparison=12, weeks_pre=8, weeks_post=8,
        change_pct=change, ci_low_pct=-14.0, ci_high_pct=16.0, too_few=False,
    )  # fmt: skip
    words = result.words()
    assert expected in words
    assert "0% lower" not in words and "0% higher" not in words
    assert "within what chance alone could explain" in words
