"""Outreach coverage: where outreach reached, where crime is, and the gaps between them."""

import streamlit as st

from nno_dash.ui.preload import plotly_js

plotly_js()  # first: the browser loads plotly.js while the imports below run

from nno_dash.analysis import classes, coverage
from nno_dash.ui import coverage_view as view
from nno_dash.ui import presentation
from nno_dash.ui.page import setup

page = setup(
    "Outreach coverage",
    ":material/map:",
    "Which areas with high or rising crime got little outreach. Click an area on the map to "
    "focus the page on it; click it again to clear.",
)
kind, with_events = view.map_controls(page)
answers = page.ask(**view.questions(page, kind, with_events))

# Classes and ranks are citywide, so a selected area is seen against the whole city.
city = coverage.with_classes(answers["city"])
gaps = coverage.gap_list(city)

short = city[city["bivariate"] == classes.HIGH_CRIME_LOW_OUTREACH]
for note in view.missing_data(page, city):
    st.warning(note)
if len(short) and city["events"].sum() > 0:
    st.markdown(
        f"**{len(short)} {'area is' if len(short) == 1 else 'areas are'} in the top third for "
        f"crime and the bottom third for outreach:** "
        + ", ".join(gaps[gaps["area_id"].isin(short["area_id"])]["name"])
        + "."
    )

view.draw_map(page, kind, city, answers)

if len(page.filters.area_ids) == 1:
    view.draw_profile(page, gaps, len(gaps), answers)

st.subheader("Coverage gaps: high crime, little outreach")
if not page.present:
    st.caption(
        "Areas ranked by need (incidents per 1,000 residents, their change on the same period "
        "a year earlier, and residents) against outreach events per 1,000 residents; rank 1 is "
        "the highest crime rate or the most outreach. Use it to plan the next National Night "
        "Out or meeting; a gap is an association to look into, not proof of cause."
    )
view.draw_gap_list(page, gaps)

if page.present:
    presentation.exit_button()
