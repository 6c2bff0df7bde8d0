"""The shared sidebar: the page menu and one filter set for every page.

Where the filters are kept (session and URL) and how a widget's change reaches them is
`ui.state`'s business; this module only draws the controls.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from datetime import date

import pandas as pd
import streamlit as st

from nno_dash.core.filters import Filters, default_period
from nno_dash.core.vocab import AREA_KINDS, CATEGORIES, PROGRAMS, category_label, program_label
from nno_dash.ui import state

# (script path relative to dashboard.py, label, icon): the app's pages, in menu order.
PAGES = [
    ("dashboard.py", "Home", ":material/home:"),
    ("pages/1_Outreach_coverage.py", "Outreach coverage", ":material/map:"),
    ("pages/2_Crime_trends.py", "Crime trends", ":material/trending_up:"),
    ("pages/3_Outreach_and_crime.py", "Outreach and crime", ":material/handshake:"),
    ("pages/4_Events_and_attendance.py", "Events and attendance", ":material/event:"),
    ("pages/5_Press_kit.py", "Press kit", ":material/newspaper:"),
    ("pages/6_Data.py", "Data", ":material/database:"),
]


def sidebar_filters(
    first_day: date,
    last_day: date,
    kinds: list[str],
    options_for_kind: Callable[[str], pd.DataFrame],
    draw: bool = True,
) -> Filters:
    """Draw the filters in the sidebar and return the chosen Filters (also put in the URL).

    `options_for_kind(kind)` returns the areas (area_id, name) of a kind for the area picker.
    `draw=False` (presentation mode) returns the same filters without drawing any control.
    """
    filters = state.current(first_day, last_day)
    if filters.end < first_day or filters.start > last_day:
        # the data moved (an import into a running app, or an old link): start on its last year
        start, end = default_period(last_day)
        filters = replace(filters, start=max(start, first_day), end=end)
    kind_choices = [k for k in AREA_KINDS if k in kinds] or list(AREA_KINDS)
    if filters.area_kind not in kind_choices:
        filters = replace(filters, area_kind=kind_choices[0], area_ids=())
    names = options_for_kind(filters.area_kind).set_index("area_id")["name"].to_dict()
    filters = replace(filters, area_ids=tuple(a for a in filters.area_ids if a in names))
    state.seed_widgets(filters)
    if not draw:  # presentation mode: the URL holds the view, nothing to change it
        state.store(filters)
        return filters
    with st.sidebar:
        for path, label, icon in PAGES:
            st.page_link(path, label=label, icon=icon)
        st.header("Filters")
        st.date_input(
            "Period",
            key=state.PERIOD,
            min_value=min(first_day, filters.start),  # a linked period may reach past the data
            max_value=max(last_day, filters.end),
            on_change=state.from_widgets,
            help="Comparisons use the same period a year earlier, so seasons don't mislead.",
        )
        st.selectbox(
            "Areas by",
            kind_choices,
            key="area_kind",
            format_func=AREA_KINDS.get,
            on_change=state.from_widgets,
        )
        pickers = (
            ("Areas", "area_ids", names, names.get, "All areas"),
            ("Outreach programs", "programs", PROGRAMS, program_label, "All programs"),
            ("Offence categories", "categories", CATEGORIES, category_label, "All offences"),
        )
        for label, key, choices, words, placeholder in pickers:
            st.multiselect(
                label,
                list(choices),
                key=key,
                format_func=words,
                on_change=state.from_widgets,
                placeholder=placeholder,
            )
        st.button("Reset filters", on_click=state.reset, width="stretch")
    state.store(filters)
    return filters
