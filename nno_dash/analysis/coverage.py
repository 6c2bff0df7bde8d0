"""Coverage: which areas need outreach most, against the outreach they received.

Works on the per-area frame from queries.area_summary (tens to hundreds of rows), so
plain pandas is the right tool here; every count behind it was aggregated in DuckDB.
"""

from __future__ import annotations

import pandas as pd

from nno_dash.analysis import classes

GAP_COLUMNS = [
    "area_id",
    "name",
    "population",
    "incidents",
    "incidents_prev",
    "incident_rate",
    "incident_change_pct",
    "events",
    "event_rate",
    "attendance",
    "last_event_on",
    "days_since_event",
    "need_rank",
    "outreach_rank",
    "bivariate",
]

# How much a rise on a year earlier (capped at ±50%) and a large population add to need,
# on the scale of the crime-rate percentile (0–1). The rate leads; the others break ties
# between similar rates in favour of places where crime is rising and more people live.
TREND_WEIGHT = 0.25
POPULATION_WEIGHT = 0.1


def with_classes(summary: pd.DataFrame) -> pd.DataFrame:
    """The area summary plus its bivariate class (crime rate thirds × outreach rate thirds)."""
    return summary.join(classes.bivariate(summary, "incident_rate", "event_rate"))


def gap_list(summary: pd.DataFrame) -> pd.DataFrame:
    """Areas ranked by need (crime rate, its rise, residents) against outreach per 1,000.

    need_rank 1 is the highest crime rate; outreach_rank 1 the most outreach per resident.
    The gap is need percentile minus outreach percentile: high crime with little outreach
    comes first. Areas without a population cannot be rated and are left out.
    """
    if "bivariate" not in summary:
        summary = with_classes(summary)
    rated = summary.dropna(subset=["incident_rate"]).copy()
    if rated.empty:
        return rated.reindex(columns=[*GAP_COLUMNS, "gap"])
    rising = rated["incident_change_pct"].astype(float).fillna(0).clip(-50, 50) / 100
    need = (
        rated["incident_rate"].rank(pct=True)
        + TREND_WEIGHT * rising
        + POPULATION_WEIGHT * rated["population"].rank(pct=True)
    )
    outreach = rated["event_rate"].fillna(0).rank(pct=True)
    rated["gap"] = (need - outreach).round(3)
    rated["need_rank"] = rated["incident_rate"].rank(ascending=False, method="min").astype(int)
    rated["outreach_rank"] = rated["event_rate"].rank(ascending=False, method="min").astype(int)
    return rated.sort_values(["gap", "incident_rate"], ascending=False)[[*GAP_COLUMNS, "gap"]]


def gap_reason(row: pd.Series, n_areas: int) -> str:
    """One line on why an area is where it is in the gap list, for the area profile."""
    change = row.get("incident_change_pct")
    trend = "" if pd.isna(change) else f", {'up' if change > 0 else 'down'} {abs(change):.0f}%"
    last = row.get("days_since_event")
    since = "no outreach event on record" if pd.isna(last) else f"last event {int(last)} days ago"
    return (
        f"Crime rate rank {int(row['need_rank'])} of {n_areas}{trend} on a year earlier; "
        f"outreach rank {int(row['outreach_rank'])} of {n_areas} "
        f"({int(row['events'])} events); {since}."
    )
