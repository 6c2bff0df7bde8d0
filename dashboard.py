"""Home: the headline numbers, the map of crime rates with outreach, and the monthly trend."""

import streamlit as st

from nno_dash.ui.preload import plotly_js

plotly_js()  # first: the browser loads plotly.js while the imports below run

from nno_dash.analysis import statistics
from nno_dash.queries import crime, outreach, overview
from nno_dash.ui import data
from nno_dash.ui.page import change_delta, setup, show_chart
from nno_dash.viz import maps, time_series

page = setup(
    "Outreach & Crime Trends",
    ":material/home:",
    "Where community outreach happened, whom it reached, and how crime moved.",
)
headline, summary, events, by_month, events_by_month = page.load_all(
    (overview.headline, page.filters),
    (overview.area_summary, page.filters),
    (outreach.event_points, page.filters),
    (crime.incident_series, page.filters, "month"),
    (outreach.events_by_month, page.filters),
)
head = headline.iloc[0]
incidents = statistics.compare_counts(head.incidents, head.incidents_prev)
complete = bool(head.previous_complete)

rate = statistics.per_1000(head.incidents, head.residents)
no_population = (
    "No population is on record for these areas: import a population table to see rates."
)
cols = st.columns(5)
cols[0].metric(
    "Residents",
    "–" if rate is None else f"{head.residents:,.0f}",
    help=f"{head.areas} areas" if rate is not None else no_population,
)
delta, why = change_delta(incidents, previous_complete=complete)
cols[1].metric("Incidents", f"{head.incidents:,}", delta, delta_color="inverse", help=why)
cols[2].metric(
    "Per 1,000 residents",
    "–" if rate is None else f"{rate:,.1f}",
    help="Over the selected period; population from the area boundaries."
    if rate is not None
    else no_population,
)
events_change = statistics.percent_change(head.events, head.events_prev)
cols[3].metric(
    "Outreach events",
    f"{head.events:,}",
    f"{events_change:+.0f}% vs a year earlier" if events_change is not None else None,
    help=f"Held in {head.areas_reached} of {head.areas} areas.",
)
attendance_change = statistics.percent_change(head.attendance, head.attendance_prev)
cols[4].metric(
    "Attendance",
    f"{head.attendance:,}",
    f"{attendance_change:+.0f}% vs a year earlier" if attendance_change is not None else None,
)

# Without a population the map falls back to counts, and says so.
measure = "incident_rate" if rate is not None else "incidents"
st.subheader(
    "Incidents per 1,000 residents, with outreach events"
    if rate is not None
    else "Incidents by area, with outreach events"
)
show_chart(
    maps.area_map(
        page.areas(),
        summary,
        measure,
        events=events,
        map_style=page.settings.map_style,
        area_features=data.display_features(
            page.settings.db_path, page.filters.area_kind, maps.DEFAULT_WIDTH_PX
        ),
        hover={"incident_rate": ":,.1f", "incidents": ":,", "events": ":,", "population": ":,"},
    ),
    summary[["name", "population", "incidents", "incident_rate", "events", "attendance"]],
    name=f"{measure}_by_area",
    counts=("incidents", "events"),
    settings=page.settings,
)
st.caption(
    "Areas are shaded by incidents per 1,000 residents; markers are outreach events, sized by "
    "attendance. Incidents are never drawn as points."
    if rate is not None
    else "Areas are shaded by their number of incidents, which grows with an area's size as "
    "much as with its risk: import a population table to shade by incidents per 1,000 "
    "residents. Markers are outreach events, sized by attendance. Incidents are never drawn "
    "as points."
)

st.subheader("Month by month")
show_chart(
    time_series.incidents_and_outreach_by_month(by_month, events_by_month),
    by_month,
    name="incidents_by_month",
    counts=("incidents",),
    settings=page.settings,
)
