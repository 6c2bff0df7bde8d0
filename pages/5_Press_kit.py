"""Press kit: a titled, sourced, dated chart and its numbers, safe to publish."""

import streamlit as st

from nno_dash import charts, queries
from nno_dash.ui.page import setup, show_chart

page = setup(
    "Press kit",
    ":material/newspaper:",
    "Charts with a title, the filters in words, the source and the date, and their numbers.",
)
agency = page.info["agency"] or page.settings.agency_name
source = f"Source: {agency} records system; outreach log. Data as of {page.info['data_as_of']}."

st.subheader("Outreach by program")
by_program = page.load(queries.events_by_program, page.filters)
fig = charts.events_by_program_bar(by_program, "events")
fig.update_layout(height=520)
charts.titled(fig, "Community outreach events by program", page.describe(), source)
show_chart(
    fig,
    by_program[["program", "events", "events_prev", "attendance", "attendance_prev"]],
    name="press_outreach_by_program",
    counts=("events", "events_prev", "attendance", "attendance_prev"),
    settings=page.settings,
)

st.subheader("Crime trend")
series = page.load(queries.incident_series, page.filters, "month")
trend = charts.incident_trend(series)
trend.update_layout(height=520)
charts.titled(trend, "Incidents per month by offence class", page.describe(), source)
show_chart(trend, series, name="press_crime_trend", counts=("incidents",), settings=page.settings)
st.caption(
    f"Counts under {page.settings.suppression_threshold} are shown as "
    f'"<{page.settings.suppression_threshold}" in every download, so no small group can be '
    "singled out. No incident location leaves this page."
)
