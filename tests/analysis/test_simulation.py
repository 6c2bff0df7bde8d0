"""With no effect the estimator's interval excludes zero about 5% of the time; with one, it
finds it."""

from __future__ import annotations

import numpy as np

from nno_dash.analysis.did import did_poisson
from nno_dash.analysis.simulation import false_positive_rate, simulate_null_panel


def test_with_no_effect_the_interval_excludes_zero_about_5_percent_of_the_time():
    measured = false_positive_rate(runs=200, seed=2026)
    assert measured["runs"] == 200
    assert measured["rate"] < 0.10
    assert measured["rate"] > 0.0  # an interval that never excludes zero is too wide to use


def test_with_an_effect_the_simulated_panel_detects_it():
    rng = np.random.default_rng(7)
    hits = sum(
        did_poisson(simulate_null_panel(rng, effect=-0.3)).ci_high_pct < 0 for _ in range(20)
    )
    assert hits >= 14
