"""The difference in differences and the WDD match statsmodels, scipy and the closed forms on
fixed inputs."""

from __future__ import annotations

import json
import os

import numpy as np
import pandas as pd
import pytest
import statsmodels.api as sm
from scipy import stats

from nno_dash.analysis import did
from nno_dash.analysis.simulation import simulate_null_panel


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
    result = did.did_poisson(panel)
    assert result.log_ratio == pytest.approx(np.log(t1 * c0 / (t0 * c1)))
    assert result.se_quasi == pytest.approx(np.sqrt(1 / t0 + 1 / t1 + 1 / c0 + 1 / c1))


def test_did_fit_and_cluster_errors_match_statsmodels_glm():
    panel = simulate_null_panel(np.random.default_rng(3), n_treated=4, n_comparison=7)
    result = did.did_poisson(panel)
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
    ours = did.fit_poisson(y, x, offset)
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
    result = did.did_poisson(panel)
    assert not result.estimated
    assert "Too few" in result.words()


def test_weighted_displacement_difference_by_hand():
    wdd = did.weighted_displacement_difference(
        treated=(120, 90), buffer=(200, 210), comparison=(300, 330), scale_treated=0.5,
        scale_buffer=0.8,
    )  # fmt: skip
    expected = (90 - 120) - 0.5 * 30 + (210 - 200) - 0.8 * 30
    assert wdd.wdd == pytest.approx(expected)
    se = np.sqrt(120 + 90 + 200 + 210 + 1.3**2 * (300 + 330))
    assert wdd.ci_low == pytest.approx(expected - 1.959964 * se, rel=1e-6)
    assert wdd.p_value == pytest.approx(2 * stats.norm.sf(abs(expected) / se))
    assert "fewer incidents" in wdd.words()


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
    result = did.DidResult(
        treated_pre=400, treated_post=400, comparison_pre=900, comparison_post=900,
        n_treated=5, n_comparison=12, weeks_pre=8, weeks_post=8,
        change_pct=change, ci_low_pct=-14.0, ci_high_pct=16.0, too_few=False,
    )  # fmt: skip
    words = result.words()
    assert expected in words
    assert "0% lower" not in words and "0% higher" not in words
    assert "within what chance alone could explain" in words


def test_the_basis_names_the_counts_either_side_and_the_interval_used():
    result = did.DidResult(
        treated_pre=1234, treated_post=1100, comparison_pre=5000, comparison_post=5100,
        n_treated=5, n_comparison=12, weeks_pre=8, weeks_post=6,
        change_pct=-9.0, ci_low_pct=-14.0, ci_high_pct=-3.0, too_few=False,
        interval_from="cluster-robust",
    )  # fmt: skip
    assert result.basis() == (
        "Incidents 8 weeks before and 6 after: treated areas 1,234 and 1,100, comparison "
        "areas 5,000 and 5,100. The 95% interval uses cluster-robust standard errors."
    )


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
