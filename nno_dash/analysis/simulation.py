"""Checking the estimator on simulated panels: with no effect, the 95% interval should
exclude zero about 5% of the time (bench/false_positive.py, docs/methods.md)."""

from __future__ import annotations

import numpy as np
import pandas as pd

from nno_dash.analysis.did import Z95, did_poisson
from nno_dash.analysis.event_study import DEFAULT_WEEKS


def simulate_null_panel(
    rng: np.random.Generator,
    n_treated: int = 6,
    n_comparison: int = 12,
    weeks: int = DEFAULT_WEEKS,
    mean_weekly: tuple[float, float] = (3.0, 40.0),
    dispersion: float | None = 10.0,
    shock_sd: float = 0.05,
    shock_ar: float = 0.5,
    effect: float = 0.0,
) -> pd.DataFrame:
    """An area x week panel with no effect (unless `effect`), for checking the estimator.

    Areas differ in level and population; all share a summer-like seasonal swing; each area
    has AR(1) shocks (persistent good and bad weeks) and, with `dispersion`, gamma-Poisson
    (negative binomial) over-dispersion, so the panel is harder than pure Poisson data.
    """
    n = n_treated + n_comparison
    week = np.arange(-weeks, weeks)
    population = rng.uniform(2_000, 40_000, n)
    level = rng.uniform(*mean_weekly, n)
    season = 1 + 0.25 * np.sin((week + rng.uniform(0, 52)) / 52 * 2 * np.pi)
    shocks = np.zeros((n, len(week)))
    state = rng.normal(0, shock_sd / np.sqrt(max(1 - shock_ar**2, 1e-9)), n)
    for t in range(len(week)):
        state = shock_ar * state + rng.normal(0, shock_sd, n)
        shocks[:, t] = state
    mu = level[:, None] * season[None, :] * np.exp(shocks)
    mu[:n_treated, week >= 0] *= 1 + effect
    if dispersion:
        mu = mu * rng.gamma(dispersion, 1 / dispersion, mu.shape)
    counts = rng.poisson(mu)
    area = np.repeat(np.arange(n), len(week))
    return pd.DataFrame(
        {
            "area_id": [f"a{i:03d}" for i in area],
            "week": np.tile(week, n),
            "incidents": counts.ravel(),
            "population": population[area],
            "treated": area < n_treated,
            "post": np.tile(week >= 0, n),
        }
    )


def false_positive_rate(runs: int = 200, seed: int = 0, **simulation: object) -> dict[str, float]:
    """Share of null simulations whose 95% interval excludes zero (should be about 0.05)."""
    rng = np.random.default_rng(seed)
    hits = fitted = 0
    for _ in range(runs):
        result = did_poisson(simulate_null_panel(rng, **simulation))
        if result.estimated:
            fitted += 1
            hits += result.excludes_zero
    rate = hits / fitted if fitted else float("nan")
    # A 95% interval for the rate itself (Wilson), so the figure is read with its own noise.
    half = Z95 * np.sqrt(rate * (1 - rate) / fitted + Z95**2 / (4 * fitted**2)) if fitted else 0
    centre = (rate + Z95**2 / (2 * fitted)) / (1 + Z95**2 / fitted) if fitted else rate
    spread = half / (1 + Z95**2 / fitted) if fitted else 0
    return {
        "runs": float(fitted),
        "false_positives": float(hits),
        "rate": rate,
        "ci_low": float(centre - spread),
        "ci_high": float(centre + spread),
    }
