"""The dose-response line recovers a planted slope; the trust change matches a paired t test."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from nno_dash.analysis.dose import dose_response, trust_change


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
    dose = dose_response(summary)
    assert dose.ci_low < -2.0 < dose.ci_high and dose.ci_high < 0
    assert (dose.line["ci_low"] <= dose.line["fit"]).all()
    assert "associated with" in dose.words() and "not evidence" in dose.words()
    assert dose_response(summary.head(5)).slope is None


def test_trust_change_interval_matches_a_paired_t_test():
    events = pd.DataFrame(
        {
            "program": ["a"] * 6 + ["b"] * 3,
            "survey_n": [5, 8, 6, 7, 9, 4, 5, 5, 5],
            "trust_before": [3.1, 3.4, 2.9, 3.6, 3.2, 3.0, 3.3, 3.5, 3.1],
            "trust_after": [3.5, 3.6, 3.4, 3.7, 3.9, 3.1, 3.2, 3.9, 3.4],
        }
    )
    table = trust_change(events).set_index("program")
    a = events[events["program"] == "a"]
    ref = stats.ttest_rel(a["trust_after"], a["trust_before"]).confidence_interval()
    assert table.loc["a", "ci_low"] == pytest.approx(ref.low)
    assert table.loc["a", "ci_high"] == pytest.approx(ref.high)
    assert table.loc["all", "events"] == 9
