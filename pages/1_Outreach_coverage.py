"""Outreach coverage: outreach per resident by area, and the areas with the biggest gaps."""

import streamlit as st

from nno_dash import coverage, maps, queries
from nno_dash.ui.page import setup, show_chart

page = setup(
    "Outreach coverage",
    ":material/map:",
    "Which neighbourhoods with high or rising crime got little outreach.",
)
summary = page.load(queries.area_summary, page.filters)
events = page.load(queries.event_list, page.filters)

left, right = st.columns(2)
with left:
    st.subheader("Outreach events per 1,000 residents")
    show_chart(
        maps.area_map(
            page.areas(),
            summary,
            "event_rate",
            events=events,
            map_style=page.settings.map_style,
            height=480,
            width_px=620,
            hover={"event_rate": ":,.2f", "events": ":,", "attendance": ":,"},
        ),
        summary[["name", "population", "events", "event_rate", "attendance"]],
        name="outreach_rate_by_area",
        counts=("events",),
        settings=page.settings,
    )
with right:
    st.subheader("Incidents per 1,000 residents")
    show_chart(
        maps.area_map(
            page.areas(),
            summary,
            "incident_rate",
            map_style=page.settings.map_style,
            height=480,
            width_px=620,
            hover={"incident_rate": ":,.1f", "incidents": ":,", "incident_change_pct": ":+.0f"},
        ),
        summary[["name", "population", "incidents", "incident_rate", "incident_change_pct"]],
        name="incident_rate_by_area",
        counts=("incidents",),
        settings=page.settings,
    )

st.subheader("Coverage gaps: high crime, little outreach")
st.caption(
    "Areas ranked by need (incident rate, and whether it rose on a year earlier) against "
    "outreach events per 1,000 residents. Rank 1 is the highest crime rate or the most outreach."
)
gaps = coverage.gap_list(summary)
st.dataframe(
    gaps,
    hide_index=True,
    width="stretch",
    column_config={
        "name": "Area",
        "population": st.column_config.NumberColumn("Residents", format="localized"),
        "incidents": st.column_config.NumberColumn("Incidents", format="localized"),
        "incident_rate": st.column_config.NumberColumn("Incidents per 1,000", format="%.1f"),
        "incident_change_pct": st.column_config.NumberColumn(
            "Change vs year earlier", format="%+.0f%%"
        ),
        "events": "Events",
        "event_rate": st.column_config.NumberColumn("Events per 1,000", format="%.2f"),
        "attendance": st.column_config.NumberColumn("Attendance", format="localized"),
        "days_since_event": "Days since last event",
        "need_rank": "Need rank",
        "outreach_rank": "Outreach rank",
        "gap": st.column_config.ProgressColumn(
            "Gap", min_value=-1.0, max_value=1.25, format="%.2f"
        ),
    },
)
