"""Outreach and crime: crime around an outreach day against similar areas, dose, perception."""

from urllib.parse import urlencode

import streamlit as st

from nno_dash.ui.preload import plotly_js

plotly_js()  # first: the browser loads plotly.js while the imports below run

from nno_dash.analysis import event_study, statistics
from nno_dash.analysis.dose import dose_response, trust_change
from nno_dash.core.vocab import PROGRAMS, category_label
from nno_dash.queries import evaluation, outreach, overview
from nno_dash.ui import data
from nno_dash.ui.page import setup, show_chart
from nno_dash.viz import comparisons, time_series

page = setup(
    "Outreach and crime",
    ":material/handshake:",
    "How crime moved around outreach, against similar areas that had none: an association "
    "with its uncertainty, never proof of cause.",
)

# The sections below the event study depend only on the filters: a helper thread answers
# them while this one works out the study.
below = page.ask(
    summary=(overview.area_summary, page.filters),
    surveys=(outreach.survey_by_event, page.filters),
    attendance=(outreach.attendance_by_month, page.filters),
)

st.subheader("Before and after the event, against similar areas")
left, middle, right = st.columns([2, 2, 1])
programs = list(PROGRAMS)
program = left.selectbox(
    "Program",
    programs,
    index=programs.index(event_study.default_program(page.filters)),
    format_func=PROGRAMS.get,
    key="es_program",
)
days = page.load(evaluation.program_days, program)
choices, default_day = event_study.anchor_choices(days, page.filters.start, page.filters.end)
anchor = middle.selectbox(
    "Event day", choices, index=default_day, format_func=lambda d: f"{d:%-d %b %Y}", key="es_day"
)
weeks = right.number_input("Weeks either side", 4, 26, event_study.DEFAULT_WEEKS, key="es_weeks")
if anchor is None:
    study = event_study.no_events(program, page.filters.end, int(weeks))
else:
    study = data.event_study(  # not the period: the study's window is set by the day
        page.settings.db_path,
        page.filters.area_kind,
        page.filters.categories,
        page.filters.area_ids,
        program,
        anchor,
        int(weeks),
    )

if study.estimate is None or not study.estimate.estimated:
    st.warning(study.words())
else:
    st.markdown(f"**{study.words()}**")
    st.caption(study.estimate.basis())
    if study.placebo is not None:
        st.caption(
            f"Check: the same comparison 52 weeks earlier, with no event between, gives "
            f"{study.placebo.change_pct:+.0f}% (95% CI {study.placebo.ci_low_pct:+.0f}% to "
            f"{study.placebo.ci_high_pct:+.0f}%). A clear difference there too means the areas "
            "were already drifting apart, or the treated areas' outreach started earlier."
        )
for note in study.notes:
    st.caption(f"Note: {note}")
show_chart(
    time_series.event_study(study.series),
    study.series,
    name="event_study",
    counts=("incidents",),
    settings=page.settings,
)
if study.wdd is not None:
    st.markdown(study.wdd.words())
counted = f"{len(study.treated)} treated, {len(study.comparison)} comparison"
with st.expander(f"The areas compared ({counted}, {len(study.buffer)} surrounding)"):
    columns = ["name", "population", "prior_rate", "program_events"]
    st.markdown("**Treated**")
    st.dataframe(study.treated[columns], hide_index=True, width="stretch")
    st.markdown("**Comparison**, nearest on prior crime rate and trend")
    st.dataframe(study.comparison[[*columns, "distance"]], hide_index=True, width="stretch")
    st.markdown("**Surrounding (buffer)**: " + (", ".join(study.buffer["name"]) or "none"))
    if study.wdd is not None:
        st.dataframe(study.wdd.counts, hide_index=True, width="stretch")

if page.is_demo and (check := event_study.demo_check(page.info)):
    st.info(
        f"**Demo check.** The generator planted a {check['effect_pct']:+.0f}% change in "
        f"{', '.join(category_label(c) for c in check['categories'])} from "
        f"{check['effect_start']:%-d %b %Y} in {', '.join(check['areas'])}. "
        f"[Open that view](?{urlencode(check['query'], doseq=True)}) (its event day is "
        f"{check['effect_start']:%-d %b %Y}; 26 weeks either side narrows the interval) to see "
        "whether the estimate recovers it.",
        icon=":material/science:",
    )

st.subheader("Outreach dose and change in crime, by area")
summary = below["summary"]
dose = dose_response(summary)
association = statistics.rank_association(summary["event_rate"], summary["incident_change_pct"])
st.markdown(dose.words())
show_chart(
    comparisons.dose_line(dose.points, dose.line),
    dose.points.reindex(
        columns=[
            "name",
            "population",
            "events",
            "event_rate",
            "incidents_prev",
            "incidents",
            "incident_rate_prev",
            "incident_rate",
            "rate_change",
        ]
    ),
    name="outreach_dose",
    counts=("events", "incidents", "incidents_prev"),
    settings=page.settings,
)
st.caption(association.words("outreach per 1,000 residents", "the change in incidents"))

st.subheader("Perception: trust before and after events, and attendance")
trust = trust_change(below["surveys"])
show_chart(
    comparisons.trust_change(trust),
    trust,
    name="trust_change",
    counts=("events", "survey_n"),
    settings=page.settings,
)
attendance = below["attendance"]
show_chart(
    time_series.attendance_trend(attendance),
    attendance,
    name="attendance_by_month",
    counts=("events", "attendance", "survey_n"),
    settings=page.settings,
)

with st.expander("How to read this", expanded=False):
    st.markdown(
        f"""
**The method.** For the chosen program and day (National Night Out by default), the treated areas
are the areas chosen in the sidebar, or, with none chosen, every area that held the program's
events within {event_study.ANCHOR_SLACK_DAYS} days of the day. Comparison areas are other areas of
the same kind that had none of the program's events in the window and do not border a treated
area, chosen as the nearest on crime rate and trend in the year before the window. Weekly incidents
are fitted with a Poisson model (area and week effects, residents as exposure); the headline is
the treated areas' change relative to what the comparison areas' weeks predict, with a 95%
interval that allows for over-dispersion and for weeks within an area moving together. The
Weighted Displacement Difference (Wheeler & Ratcliffe 2018) adds the bordering areas, to see
whether crime moved next door rather than fell.

**Assumptions.** Without the event, treated and comparison areas would have moved in parallel
(the dashed line); the placebo a year earlier tests this. Nothing else changed in the treated
areas at the same time.

**Caveats.** This is an association, not proof that outreach caused anything: outreach goes where
communities are organised or crime is already changing. Small areas and short windows give wide
intervals; read the interval, not the point. Research finds community outreach moves trust and
legitimacy more reliably than crime (Gill et al. 2014), so read the trust scores beside it.
The full method and its measured false-positive rate are in `docs/methods.md`.
"""
    )
