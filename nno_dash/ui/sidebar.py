"""The shared sidebar: one filter set for every page, kept in the session and in the URL.

Streamlit forgets a widget's state when a page that does not draw it runs, and the URL's
query string is not carried across page switches. So the filters live in
`st.session_state["filters"]` (a frozen Filters); each page seeds the widgets from it,
reads them back, stores the result and mirrors it into `st.query_params`. A fresh
session (an opened link) starts from the URL.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date

import pandas as pd
import streamlit as st

from nno_dash.filters import Filters, default_period
from nno_dash.vocab import AREA_KINDS, CATEGORIES, PROGRAMS, category_label, program_label

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


def _seed_widgets(filters: Filters) -> None:
    """Put the stored filters into the widgets' state where Streamlit has dropped it."""
    seeds = {
        "flt_period": (filters.start, filters.end),
        "flt_kind": filters.area_kind,
        "flt_areas": list(filters.area_ids),
        "flt_programs": list(filters.programs),
        "flt_categories": list(filters.categories),
    }
    for key, value in seeds.items():
        if key not in st.session_state:
            st.session_state[key] = value


def _reset() -> None:
    for key in (STATE_KEY, *WIDGET_KEYS):
        st.session_state.pop(key, None)
    st.query_params.clear()


def sidebar_filters(
    first_day: date,
    last_day: date,
    kinds: list[str],
    options_for_kind: Callable[[str], pd.DataFrame],
) -> Filters:
    """Draw the filters in the sidebar and return the chosen Filters (also put in the URL).

    `options_for_kind(kind)` returns the areas (area_id, name) of a kind for the area picker.
    """
    filters = current_filters(first_day, last_day)
    _seed_widgets(filters)
    with st.sidebar:
        st.header("Filters")
        period = st.date_input(
            "Period", key="flt_period", min_value=first_day, max_value=last_day,
            help="Comparisons use the same period a year earlier, so seasons don't mislead.",
        )
        start, end = (tuple(period) + (filters.end,))[:2] if period else (filters.start, filters.end)
        kind_choices = [k for k in AREA_KINDS if k in kinds] or list(AREA_KINDS)
        if st.session_state["flt_kind"] not in kind_choices:
            st.session_state["flt_kind"] = kind_choices[0]
        kind = st.selectbox(
            "Areas by", kind_choices, key="flt_kind", format_func=lambda k: AREA_KINDS[k]
        )
        options = options_for_kind(kind)
        names = dict(zip(options["area_id"], options["name"], strict=True))
        st.session_state["flt_areas"] = [a for a in st.session_state["flt_areas"] if a in names]
        areas = st.multiselect(
            "Areas", list(names), key="flt_areas", format_func=names.get,
            placeholder="All areas",
        )
        programs = st.multiselect(
            "Outreach programs", list(PROGRAMS), key="flt_programs", format_func=program_label,
            placeholder="All programs",
        )
        categories = st.multiselect(
            "Offence categories", list(CATEGORIES), key="flt_categories",
            format_func=category_label, placeholder="All offences",
        )
        st.button("Reset filters", on_click=_reset, width="stretch")
    filters = Filters(
        start=min(start, end), end=max(start, end), area_kind=kind, area_ids=tuple(areas),
        programs=tuple(programs), categories=tuple(categories),
    )
    st.session_state[STATE_KEY] = filters
    st.query_params.from_dict(filters.to_query_params())
    return filters
