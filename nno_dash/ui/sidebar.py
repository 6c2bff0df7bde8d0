"""The shared sidebar: one filter set for every page, kept in the session and in the URL.

Streamlit forgets a widget's state when a page that does not draw it runs, and the URL's
query string is not carried across page switches. So the filters live in
`st.session_state["filters"]` (a frozen Filters); each page seeds the widgets from it,
reads them back, stores the result and mirrors it into `st.query_params`. A fresh
session (an opened link) starts from the URL.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from datetime import date

import pandas as pd
import streamlit as st

from nno_dash.core.filters import DEFAULT_KIND, Filters, default_period
from nno_dash.core.vocab import AREA_KINDS, CATEGORIES, PROGRAMS, category_label, program_label

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
STATE_KEY = "filters"
WIDGET_KEYS = ("flt_period", "flt_kind", "flt_areas", "flt_programs", "flt_categories")


def _query_dict() -> dict[str, list[str]]:
    return {key: st.query_params.get_all(key) for key in st.query_params}


def current_filters(first_day: date, last_day: date) -> Filters:
    """The session's filters, starting from the URL when the session is new."""
    if STATE_KEY not in st.session_state:
        start, end = default_period(last_day)
        start = max(start, first_day)
        st.session_state[STATE_KEY] = Filters.from_query_params(_query_dict(), start, end)
    return st.session_state[STATE_KEY]


def likely_kind() -> str:
    """The area kind this run will most likely show, before the filters are worked out: the
    stored filters' (a change in the sidebar reaches them before the rerun), else the
    default. Only a guess, for asking the area list early (`ui.page.setup`)."""
    stored = st.session_state.get(STATE_KEY)
    return stored.area_kind if isinstance(stored, Filters) else DEFAULT_KIND


def _seed_widgets(filters: Filters) -> None:
    """Set every filter widget from the stored filters before it is drawn.

    A page switch gives the widgets new identities and Streamlit drops their values, so
    they are set on every run; a user's change reaches the stored filters first, through
    the widgets' on_change callback, so this never undoes it.
    """
    st.session_state["flt_period"] = (filters.start, filters.end)
    st.session_state["flt_kind"] = filters.area_kind
    st.session_state["flt_areas"] = list(filters.area_ids)
    st.session_state["flt_programs"] = list(filters.programs)
    st.session_state["flt_categories"] = list(filters.categories)


def _store_widgets() -> None:
    """on_change: copy the widgets' values into the stored filters."""
    old: Filters = st.session_state[STATE_KEY]
    period = tuple(st.session_state.get("flt_period") or ())
    start, end = (period + (old.end,))[:2] if period else (old.start, old.end)
    kind = st.session_state.get("flt_kind", old.area_kind)
    areas = [a for a in st.session_state.get("flt_areas", []) if a.startswith(f"{kind}:")]
    st.session_state[STATE_KEY] = Filters(
        start=min(start, end),
        end=max(start, end),
        area_kind=kind,
        area_ids=tuple(areas),
        programs=tuple(st.session_state.get("flt_programs", [])),
        categories=tuple(st.session_state.get("flt_categories", [])),
    )


def _reset() -> None:
    for key in (STATE_KEY, *WIDGET_KEYS):
        st.session_state.pop(key, None)
    st.query_params.clear()


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
    filters = current_filters(first_day, last_day)
    if filters.end < first_day or filters.start > last_day:
        # the data moved (an import into a running app, or an old link): start on its last year
        start, end = default_period(last_day)
        filters = replace(filters, start=max(start, first_day), end=end)
    kind_choices = [k for k in AREA_KINDS if k in kinds] or list(AREA_KINDS)
    if filters.area_kind not in kind_choices:
        filters = replace(filters, area_kind=kind_choices[0], area_ids=())
    names = options_for_kind(filters.area_kind).set_index("area_id")["name"].to_dict()
    filters = replace(filters, area_ids=tuple(a for a in filters.area_ids if a in names))
    _seed_widgets(filters)
    if not draw:  # presentation mode (issue 4): the URL holds the view, nothing to change it
        st.session_state[STATE_KEY] = filters
        st.query_params.from_dict({**filters.to_query_params(), **_page_params()})
        return filters
    with st.sidebar:
        for path, label, icon in PAGES:
            st.page_link(path, label=label, icon=icon)
        st.header("Filters")
        st.date_input(
            "Period",
            key="flt_period",
            min_value=min(first_day, filters.start),  # a linked period may reach past the data
            max_value=max(last_day, filters.end),
            on_change=_store_widgets,
            help="Comparisons use the same period a year earlier, so seasons don't mislead.",
        )
        st.selectbox(
            "Areas by",
            kind_choices,
            key="flt_kind",
            format_func=AREA_KINDS.get,
            on_change=_store_widgets,
        )
        st.multiselect(
            "Areas",
            list(names),
            key="flt_areas",
            format_func=names.get,
            on_change=_store_widgets,
            placeholder="All areas",
        )
        st.multiselect(
            "Outreach programs",
            list(PROGRAMS),
            key="flt_programs",
            format_func=program_label,
            on_change=_store_widgets,
            placeholder="All programs",
        )
        st.multiselect(
            "Offence categories",
            list(CATEGORIES),
            key="flt_categories",
            format_func=category_label,
            on_change=_store_widgets,
            placeholder="All offences",
        )
        st.button("Reset filters", on_click=_reset, width="stretch")
    st.session_state[STATE_KEY] = filters
    st.query_params.from_dict({**filters.to_query_params(), **_page_params()})
    return filters


# Page state in the URL (issue 4) --------------------------------------------------------------

# URL keys a page keeps beside the shared filters (map kind, overlays, presentation mode);
# kept when the filters are written back into the URL.
PAGE_PARAMS = ("map", "events", "present")


def _page_params() -> dict[str, list[str]]:
    return {key: st.query_params.get_all(key) for key in PAGE_PARAMS if key in st.query_params}
