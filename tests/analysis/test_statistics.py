"""Count comparisons and associations match reference results and stay honest."""

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import stats
from statsmodels.stats import rates
from statsmodels.stats.proportion import proportion_confint

from nno_dash.analysis import statistics


def test_change_and_interval_match_scipy_exact_test():
    change = statistics.compare_counts(120, 150)
    ref = stats.binomtest(120, 270, 0.5)
    ci = ref.proportion_ci(method="exact")
    assert change.change_pct == pytest.approx(-20.0)
    assert change.p_value == pytest.approx(ref.pvalue)
    assert change.ci_low_pct == pytest.approx((ci.low / (1 - ci.low) - 1) * 100)
    assert change.ci_high_pct == pytest.approx((ci.high / (1 - ci.high) - 1) * 100)
    assert change.ci_low_pct < change.change_pct < change.ci_high_pct


def test_exposure_adjusts_for_unequal_periods():
    # 100 incidents in 10 days vs 100 in 20 days is a doubling of the daily rate
    change = statistics.compare_counts(100, 100, exposure_current=10, exposure_previous=20)
    assert change.change_pct == pytest.approx(100.0)
    assert change.significant


def test_small_counts_are_flagged_not_dramatised():
    change = statistics.compare_counts(6, 2)
    assert change.too_few and not change.significant
    assert change.words().startswith("too few")


def test_no_baseline_has_no_percentage():
    change = statistics.compare_counts(5, 0)
    assert change.change_pct is None and change.words() == "no baseline to compare with"


def test_words_never_claim_a_cause():
    for cur, prev in [(80, 200), (200, 80), (100, 101)]:
        text = statistics.compare_counts(cur, prev).words()
        assert "caus" not in text and "because" not in text


def test_compare_frame_adds_a_reading_per_row():
    frame = pd.DataFrame({"incidents": [50, 3], "incidents_prev": [100, 4]})
    out = statistics.compare_frame(frame)
    assert out["too_few"].tolist() == [False, True]
    assert out["change_pct"].iloc[0] == pytest.approx(-50)


def test_rank_association_detects_a_planted_relation_and_says_association():
    rng = np.random.default_rng(1)
    x = pd.Series(rng.uniform(0, 5, 60))
    y = pd.Series(-3 * x + rng.normal(0, 2, 60))
    assoc = statistics.rank_association(x, y)
    assert assoc.rho < 0 and assoc.ci_high < 0
    assert assoc.rho == pytest.approx(stats.spearmanr(x, y).statistic)
    text = assoc.words("outreach", "crime change")
    assert "negative association" in text and "not evidence that outreach caused" in text


def test_rank_association_with_no_relation_straddles_zero():
    rng = np.random.default_rng(2)
    assoc = statistics.rank_association(
        pd.Series(rng.normal(size=40)), pd.Series(rng.normal(size=40))
    )
    assert assoc.ci_low < 0 < assoc.ci_high
    assert "no clear association" in assoc.words("x", "y")


def test_too_few_areas_to_judge():
    assoc = statistics.rank_association(pd.Series([1, 2, 3]), pd.Series([3, 2, 1]))
    assert assoc.rho is None and "Too few areas" in assoc.words("x", "y")


@settings(max_examples=400, deadline=None)
@given(
    n=st.integers(min_value=1, max_value=200_000),
    share=st.floats(min_value=0.0, max_value=1.0),
    p=st.floats(min_value=0.01, max_value=0.99),
)
def test_exact_binomial_test_and_interval_match_scipy_stats(n, share, p):
    k = round(share * n)
    reference = stats.binomtest(k, n, p)
    interval = reference.proportion_ci(confidence_level=0.95, method="exact")
    assert statistics.binomial_test(k, n, p) == pytest.approx(reference.pvalue, abs=1e-9)
    low, high = statistics.clopper_pearson(k, n)
    assert low == pytest.approx(interval.low, abs=1e-9)
    assert high == pytest.approx(interval.high, abs=1e-9)


def test_association_words_never_print_a_signed_zero():
    tiny = statistics.Association(n_areas=40, rho=-0.001, ci_low=-0.32, ci_high=0.004, p_value=0.9)
    words = tiny.words("outreach", "the change")
    assert "ρ = 0.00" in words and "-0.00" not in words and "+0.00" not in words
    assert "95% CI -0.32 to 0.00" in words


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


@pytest.mark.parametrize(
    ("count", "residents", "expected"),
    [(50, 10_000, 5.0), (50, None, None), (50, float("nan"), None), (50, 0, None), (0, 2_000, 0.0)],
)
def test_a_rate_per_1000_is_none_without_a_population(count, residents, expected):
    assert statistics.per_1000(count, residents) == expected
