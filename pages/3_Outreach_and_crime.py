"""Outreach and crime: how crime moved in areas with more outreach, with honest uncertainty."""

import streamlit as st

from nno_dash import charts, queries, statistics
from nno_dash.ui.page import setup, show_chart

page = setup(
    "Outreach and crime",
    ":material/handshake:",
    "Areas' outreach per resident against their change in crime on a year earlier.",
)
summary = page.load(queries.area_summary, page.filters)
association = statistics.rank_association(summary["event_rate"], summary["incident_change_pct"])

st.subheader("Outreach dose and change in crime, by area")
st.markdown(association.words("outreach per 1,000 residents", "the change in incidents"))
show_chart(
    charts.dose_scatter(summary),
    summary[
        [
            "name",
            "population",
            "events",
            "event_rate",
            "incidents_prev",
            "incidents",
            "incident_change_pct",
        ]
    ],
    name="outreach_dose",
    counts=("events", "incidents", "incidents_prev"),
    settings=page.settings,
)

with st.expander("How to read this", expanded=False):
    st.markdown(
        """
Each dot is an area, sized by its residents. Across: outreach events per 1,000 residents in the
period. Up and down: the change in incidents against the same period a year earlier (the same
months, so the season is held fixed).

- **Association, not cause.** Outreach is often sent where crime is already high or rising, and
  areas differ in many ways. A pattern here does not show that outreach changed crime.
- **Research expectation.** Community-oriented policing reliably improves trust and perceived
  legitimacy; effects on crime are small and uncertain (Gill et al. 2014). See the trust scores on
  *Events and attendance*.
- **Small areas swing.** An area with few incidents can show a large percentage change by chance;
  read the interval, not the point.
"""
    )

st.subheader("Perception: trust before and after events")
by_program = page.load(queries.events_by_program, page.filters)
show_chart(
    charts.trust_scores(by_program),
    by_program[["program", "events", "survey_n", "trust_before", "trust_after"]],
    name="trust_by_program",
    counts=("events", "survey_n"),
    settings=page.settings,
)
