"""Coverage: which areas need outreach most, against the outreach they received.

Works on the per-area frame from queries.area_summary (tens to hundreds of rows), so
plain pandas is the right tool here; every count behind it was aggregated in DuckDB.
"""

from __future__ import annotations

import pandas as pd

GAP_COLUMNS = [
    "name",
    "population",
    "incidents",
    "incident_rate",
    "incident_change_pct",
    "events",
    "event_rate",
    "attendance",
    "days_since_event",
    "need_rank",
    "outreach_rank",
]


def gap_list(summary: pd.DataFrame) -> pd.DataFrame:
    """Areas ranked by need (crime rate, and its rise) against outreach per 1,000 residents.

    need_rank 1 is the highest crime rate; outreach_rank 1 the most outreach per resident.
    The gap is need percentile minus outreach percentile: high crime with little outreach
    comes first. Areas without a population cannot be rated and are left out.
    """
    rated = summary.dropna(subset=["incident_rate"]).copy()
    if rated.empty:
        return rated.reindex(columns=[*GAP_COLUMNS, "gap"])
    rising = rated["incident_change_pct"].fillna(0).clip(-50, 50) / 100
    need = rated["incident_rate"].rank(pct=True) + 0.25 * rising
    outreach = rated["event_rate"].fillna(0).rank(pct=True)
    rated["gap"] = (need - outreach).round(3)
    rated["need_rank"] = rated["incident_rate"].rank(ascending=False, method="min").astype(int)
    rated["outreach_rank"] = rated["event_rate"].rank(ascending=False, method="min").astype(int)
    return rated.sort_values(["gap", "incident_rate"], ascending=False)[[*GAP_COLUMNS, "gap"]]
