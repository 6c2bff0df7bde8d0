"""Crime trends: incidents over time, by offence and area, against honest baselines."""

import streamlit as st

from nno_dash.ui.preload import plotly_js

plotly_js()  # first: the browser loads plotly.js while the imports below run

from nno_dash.analysis import statistics, trends
from nno_dash.queries import crime
from nno_dash.ui.page import setup, show_chart
from nno_dash.viz import comparisons, time_series

page = setup(
    "Crime trends",
    ":material/trending_up:",
    "How crime moved, compared with the same period a year earlier so seasons don't mislead.",
)
SPLITS = {"crime_class": "Offence class", "category": "Offence category", "area": "Area"}

left, middle, right = st.columns(3)
grain = left.segmented_control(
    "Show by", ["week", "month", "year"], default="month", format_func=str.capitalize, key="grain"
)
split = middle.segmented_control(
    "Split by", list(SPLITS), default="crime_class", format_func=SPLITS.get, key="split"
)
measure = right.segmented_control(
    "Measure", list(time_series.MEASURES), default="incidents",
    format_func=time_series.MEASURES.get, key="measure",
)  # fmt: skip
grain, split, measure = grain or "month", split or "crime_class", measure or "incidents"
by_period, compstat_counts, category_counts, seasonal = page.load_all(
    (crime.incident_series_by, page.filters, grain, split),
    (crime.compstat_counts, page.filters),
    (crime.incidents_by_category, page.filters),
    (crime.seasonal_profile, page.filters),
)
series = trends.mark_partial(by_period, page.filters.start, page.filters.end, grain)
shown = trends.top_groups(series) if split == "area" else series
st.subheader(f"{time_series.MEASURES[measure]} by {grain}, by {SPLITS[split].lower()}")
show_chart(
    time_series.incident_series(shown, measure),
    series[["period", "label", "incidents", "population", "rate_per_1000", "partial"]],
    name="incident_series",
    counts=("incidents",),
    settings=page.settings,
)
if split == "area" and shown["group"].nunique() < series["group"].nunique():
    st.caption("The 8 areas with the most incidents; every area is in the numbers below.")

st.subheader("CompStat: the last 28 days and the year to date")
compstat = trends.compstat_table(compstat_counts, page.filters.end)
comparison = (
    st.segmented_control(
        "Compare",
        list(trends.COMPARISONS),
        default="d28_vs_last_year",
        format_func=lambda key: trends.COMPARISONS[key][0],
        key="compstat",
    )
    or "d28_vs_last_year"
)
chosen, total = trends.compstat_comparison(compstat, comparison)
st.markdown(
    f"**All selected offences, {total['comparison_label'].lower()}** "
    f"({total['current_from']:%-d %b} – {total['current_to']:%-d %b %Y}: "
    f"{total['current']:,} against {total['baseline']:,}): {total['reading']}."
)
show_chart(
    comparisons.change_intervals(chosen),
    compstat.drop(columns=["comparison"]),
    name="compstat",
    counts=("current", "baseline"),
    settings=page.settings,
)
st.caption(
    "Each change is tested with an exact Poisson (conditional binomial) test, allowing for "
    "windows of different length. Fewer than "
    f"{statistics.MIN_COUNT_TO_JUDGE} incidents in either window is too few to judge (grey). "
    "The 28 days before differ in season; the same 28 days a year earlier do not."
)

st.subheader("By offence category, against a year earlier")
by_category = statistics.compare_frame(category_counts)
show_chart(
    comparisons.category_comparison(by_category),
    by_category[
        [
            "label",
            "incidents",
            "incidents_prev",
            "change_pct",
            "ci_low_pct",
            "ci_high_pct",
            "p_value",
            "too_few",
            "reading",
        ]
    ],
    name="incidents_by_category",
    counts=("incidents", "incidents_prev"),
    settings=page.settings,
)

st.subheader("Seasonal pattern: month of year by year")
show_chart(
    time_series.seasonal_heatmap(seasonal),
    seasonal,
    name="seasonal_profile",
    counts=("incidents",),
    settings=page.settings,
)
st.caption("Summer peaks every year: compare a month with the same month a year earlier.")
