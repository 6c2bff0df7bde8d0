"""Outreach and crime by area: the dose-response line and the survey's trust change."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from nno_dash.analysis.statistics import t_interval


@dataclass(frozen=True)
class DoseResponse:
    """A straight line through areas' change in crime rate against their outreach rate."""

    n_areas: int
    slope: float | None = None  # change in incidents per 1,000 per extra event per 1,000
    ci_low: float | None = None
    ci_high: float | None = None
    p_value: float | None = None
    points: pd.DataFrame = field(default_factory=pd.DataFrame, compare=False)
    line: pd.DataFrame = field(default_factory=pd.DataFrame, compare=False)

    def words(self) -> str:
        if self.slope is None:
            return f"Too few areas ({self.n_areas}) with residents and outreach to fit a line."
        clear = self.ci_low > 0 or self.ci_high < 0
        reading = (
            f"each extra outreach event per 1,000 residents is associated with "
            f"{abs(self.slope):.1f} {'more' if self.slope > 0 else 'fewer'} incidents per 1,000 "
            f"on a year earlier (95% CI {self.ci_low:+.1f} to {self.ci_high:+.1f})"
        )
        return (
            f"Across {self.n_areas} areas, {reading}: "
            f"{'a clear' if clear else 'no clear'} association. This is not evidence that "
            "outreach caused the change: outreach often goes where crime is already high or "
            "rising, and areas differ in many ways."
        )


def dose_response(summary: pd.DataFrame) -> DoseResponse:
    """OLS of each area's change in incidents per 1,000 (on a year earlier) on its outreach
    events per 1,000, with HC3 robust errors; the line and its 95% band for the mean."""
    import statsmodels.api as sm

    data = summary.dropna(subset=["event_rate", "incident_rate", "incident_rate_prev"])
    data = data[data["population"].fillna(0) > 0].assign(
        rate_change=lambda f: f["incident_rate"] - f["incident_rate_prev"]
    )
    n = len(data)
    if n < 8 or data["event_rate"].nunique() < 2:
        return DoseResponse(n, points=data)
    x = sm.add_constant(data["event_rate"].to_numpy(float))
    fit = sm.OLS(data["rate_change"].to_numpy(float), x).fit(cov_type="HC3")
    low, high = fit.conf_int()[1]
    grid = np.linspace(data["event_rate"].min(), data["event_rate"].max(), 50)
    band = fit.get_prediction(sm.add_constant(grid, has_constant="add")).summary_frame(0.05)
    line = pd.DataFrame(
        {
            "event_rate": grid,
            "fit": band["mean"].to_numpy(),
            "ci_low": band["mean_ci_lower"].to_numpy(),
            "ci_high": band["mean_ci_upper"].to_numpy(),
        }
    )
    return DoseResponse(
        n_areas=n,
        slope=float(fit.params[1]),
        ci_low=float(low),
        ci_high=float(high),
        p_value=float(fit.pvalues[1]),
        points=data,
        line=line,
    )


def trust_change(events: pd.DataFrame) -> pd.DataFrame:
    """Per program and overall: events surveyed, respondents, mean trust before and after
    (weighted by respondents) and the mean per-event change with its 95% t interval."""
    data = events.dropna(subset=["trust_before", "trust_after"])
    data = data[data["survey_n"].fillna(0) > 0]
    rows = []
    groups = [(p, g) for p, g in data.groupby("program")] + [("all", data)]
    for program, group in groups:
        if group.empty:
            continue
        w = group["survey_n"].astype(float)
        mean, low, high = t_interval(group["trust_after"] - group["trust_before"])
        rows.append(
            {
                "program": program,
                "events": len(group),
                "survey_n": int(w.sum()),
                "trust_before": float((group["trust_before"] * w).sum() / w.sum()),
                "trust_after": float((group["trust_after"] * w).sum() / w.sum()),
                "change": mean,
                "ci_low": low,
                "ci_high": high,
            }
        )
    columns = ["program", "events", "survey_n", "trust_before", "trust_after", "change"]
    return pd.DataFrame(rows, columns=[*columns, "ci_low", "ci_high"])
