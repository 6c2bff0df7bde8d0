"""Crime trends: incidents over time, by offence, against the same period a year earlier."""

import streamlit as st

from nno_dash import charts, queries, statistics
from nno_dash.ui.page import setup, show_chart

page = setup(
    "Crime trends",
    ":material/trending_up:",
    "How crime moved, compared with the same period a year earlier so seasons don't mislead.",
)

grain = st.segmented_control(
    "Show by", ["week", "month", "year"], default="month", format_func=str.capitalize, key="grain"
)
series = page.load(queries.incident_series, page.filters, grain or "month")
st.subheader(f"Incidents by {grain or 'month'}")
show_chart(
    charts.incident_trend(series),
    series,
    name="incident_trend",
    counts=("incidents",),
    settings=page.settings,
)

st.subheader("By offence category, against a year earlier")
by_category = statistics.compare_frame(page.load(queries.incidents_by_category, page.filters))
show_chart(
    charts.category_comparison(by_category),
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
st.caption(
    "Changes are tested with an exact Poisson (conditional binomial) test; fewer than "
    f"{statistics.MIN_COUNT_TO_JUDGE} incidents in either period is flagged as too few to judge."
)

st.subheader("Seasonal pattern: month of year by year")
seasonal = page.load(queries.seasonal_profile, page.filters)
show_chart(
    charts.seasonal_heatmap(seasonal),
    seasonal,
    name="seasonal_profile",
    counts=("incidents",),
    settings=page.settings,
)
