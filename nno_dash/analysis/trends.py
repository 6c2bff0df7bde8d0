"""Crime trends: CompStat windows and comparisons, and honest shaping of time series.

The SQL lives in nno_dash.queries (`incident_series_by`, `compstat_counts`); this module
owns the calendar arithmetic (which days a "28-day" or "year to date" window covers) and
turns counts into comparisons with their n, baseline, 95% interval and a too-few flag
(nno_dash.analysis.statistics). Nothing here imports Streamlit.
"""

from __future__ import annotations

from datetime import date, timedelta

import pandas as pd

from nno_dash.analysis import statistics
from nno_dash.core.filters import shift_year

# CompStat comparisons: (label, current window, baseline window).
COMPARISONS: dict[str, tuple[str, str, str]] = {
    "d28_vs_prior": ("Last 28 days vs the 28 days before", "d28", "d28_prior"),
    "d28_vs_last_year": ("Last 28 days vs the same 28 days a year earlier", "d28", "d28_ly"),
    "ytd_vs_prior": ("Year to date vs prior year to date", "ytd", "ytd_prior"),
}


def compstat_windows(end: date) -> dict[str, tuple[date, date]]:
    """The CompStat windows ending on `end` (inclusive first and last days)."""
    d28 = (end - timedelta(days=27), end)
    return {
        "d28": d28,
        "d28_prior": (end - timedelta(days=55), end - timedelta(days=28)),
        "d28_ly": (shift_year(d28[0], -1), shift_year(d28[1], -1)),
        "ytd": (date(end.year, 1, 1), end),
        "ytd_prior": (date(end.year - 1, 1, 1), shift_year(end, -1)),
    }


def _days(window: tuple[date, date]) -> int:
    return (window[1] - window[0]).days + 1


def compstat_table(counts: pd.DataFrame, end: date) -> pd.DataFrame:
    """One row per category (and an "All selected offences" total) and comparison: current,
    baseline, change_pct with its 95% interval, p_value (exact Poisson test, exposure in
    days), too_few and a plain reading."""
    windows = compstat_windows(end)
    total = counts[[c for c in windows]].sum().to_dict()
    rows_in = [*counts.to_dict("records")]
    rows_in.append({"category": "all", "label": "All selected offences", "crime_class": "all"})
    rows_in[-1].update(total)
    rows = []
    for key, (label, current, baseline) in COMPARISONS.items():
        for row in rows_in:
            change = statistics.compare_counts(
                row[current],
                row[baseline],
                exposure_current=_days(windows[current]),
                exposure_previous=_days(windows[baseline]),
            )
            rows.append(
                {
                    "comparison": key,
                    "comparison_label": label,
                    "category": row["category"],
                    "label": row["label"],
                    "current": change.current,
                    "baseline": change.previous,
                    "current_from": windows[current][0],
                    "current_to": windows[current][1],
                    "baseline_from": windows[baseline][0],
                    "baseline_to": windows[baseline][1],
                    "change_pct": change.change_pct,
                    "ci_low_pct": change.ci_low_pct,
                    "ci_high_pct": change.ci_high_pct,
                    "p_value": change.p_value,
                    "too_few": change.too_few,
                    "reading": change.words(),
                }
            )
    return pd.DataFrame(rows)


GRAIN_OFFSETS = {"week": pd.DateOffset(weeks=1), "month": pd.DateOffset(months=1)}


def compstat_comparison(table: pd.DataFrame, comparison: str) -> tuple[pd.DataFrame, pd.Series]:
    """One comparison's rows of `compstat_table`, and its all-offences row."""
    chosen = table[table["comparison"] == comparison]
    return chosen, chosen[chosen["category"] == "all"].iloc[0]


def mark_partial(series: pd.DataFrame, start: date, end: date, grain: str) -> pd.DataFrame:
    """Add `partial`: the period is cut by the filter's start or end, so its count is not
    comparable with whole periods (a half month is not a drop in crime)."""
    out = series.copy()
    if out.empty:
        return out.assign(partial=pd.Series(dtype=bool))
    first = pd.to_datetime(out["period"])
    offset = GRAIN_OFFSETS.get(grain, pd.DateOffset(years=1))
    last = first + offset - pd.Timedelta(days=1)
    out["partial"] = (first < pd.Timestamp(start)) | (last > pd.Timestamp(end))
    return out


def top_groups(series: pd.DataFrame, n: int = 8) -> pd.DataFrame:
    """Keep the n groups with the most incidents (a chart of 40 lines is unreadable)."""
    if series.empty or series["group"].nunique() <= n:
        return series
    keep = series.groupby("group")["incidents"].sum().nlargest(n).index
    return series[series["group"].isin(keep)]
