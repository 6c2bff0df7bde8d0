"""Events and attendance: what outreach happened, by program, and whom it reached."""

import streamlit as st

from nno_dash.ui.preload import plotly_js

plotly_js()  # first: the browser loads plotly.js while the imports below run

from nno_dash.queries import outreach
from nno_dash.ui.page import setup, show_chart
from nno_dash.viz import comparisons, theme, time_series

page = setup(
    "Events and attendance",
    ":material/event:",
    "Every outreach event in the period, by program, with attendance and survey results.",
)
by_program, monthly, event_list = page.load_all(
    (outreach.events_by_program, page.filters),
    (outreach.events_by_month, page.filters),
    (outreach.event_list, page.filters),
)

left, right = st.columns(2)
with left:
    st.subheader("Events by program")
    show_chart(
        comparisons.events_by_program_bar(by_program, "events"),
        by_program[["program", "events", "events_prev"]],
        name="events_by_program",
        counts=("events", "events_prev"),
        settings=page.settings,
    )
with right:
    st.subheader("Attendance by program")
    show_chart(
        comparisons.events_by_program_bar(by_program, "attendance"),
        by_program[["program", "attendance", "attendance_prev"]],
        name="attendance_by_program",
        counts=("attendance", "attendance_prev"),
        settings=page.settings,
    )

st.subheader("Outreach month by month")
show_chart(
    time_series.monthly_outreach(monthly),
    monthly,
    name="events_by_month",
    counts=("events", "attendance"),
    settings=page.settings,
)

st.subheader("Event list")
st.dataframe(
    theme.labelled(event_list, "program"),
    hide_index=True,
    width="stretch",
    column_config={
        "event_id": None,
        "lat": None,
        "lon": None,
        "starts_at": st.column_config.DatetimeColumn("When", format="D MMM YYYY, HH:mm"),
        "title": "Event",
        "program": "Program",
        "location": "Where",
        "area_name": "Area",
        "headcount": "Attendance",
        "trust_before": st.column_config.NumberColumn("Trust before", format="%.2f"),
        "trust_after": st.column_config.NumberColumn("Trust after", format="%.2f"),
    },
)
