"""The shared filters between the widgets, the session and the URL: read and written here only.

Streamlit forgets a widget's state when a page that does not draw it runs, and the URL's
query string is not carried across page switches. So the filters live in the session as
one frozen `Filters`; every page seeds the widgets from it, a widget's change is copied back
by `from_widgets`, and `store` writes the result to the session and the URL. A fresh
session (an opened link) starts from the URL.

One name for one thing: each widget's key is the `Filters` field it sets (the period's
date range sets `start` and `end` together, under `period`), and the URL uses the same
names (`Filters.to_query_params`).
"""

from __future__ import annotations

from dataclasses import replace
from datetime import date

import streamlit as st

from nno_dash.core.filters import DEFAULT_KIND, Filters, default_period

FILTERS = "filters"  # the session's current Filters
PERIOD = "period"  # the date-range widget: start and end
FIELD_WIDGETS = ("area_kind", "area_ids", "programs", "categories")
WIDGETS = (PERIOD, *FIELD_WIDGETS)
# URL keys a page keeps beside the shared filters (map kind, overlays, presentation mode);
# kept when the filters are written back into the URL.
PAGE_PARAMS = ("map", "events", "present")


def _query() -> dict[str, list[str]]:
    return {key: st.query_params.get_all(key) for key in st.query_params}


def current(first_day: date, last_day: date) -> Filters:
    """The session's filters, starting from the URL when the session is new."""
    if FILTERS not in st.session_state:
        start, end = default_period(last_day)
        start = max(start, first_day)
        st.session_state[FILTERS] = Filters.from_query_params(_query(), start, end)
    return st.session_state[FILTERS]


def stored() -> Filters | None:
    """The filters this session holds, if any (a widget callback runs before the page)."""
    value = st.session_state.get(FILTERS)
    return value if isinstance(value, Filters) else None


def likely_kind() -> str:
    """The area kind this run will most likely show, before the filters are worked out: the
    stored filters' (a change in the sidebar reaches them before the rerun), else the
    default. Only a guess, for asking the area list early."""
    filters = stored()
    return filters.area_kind if filters else DEFAULT_KIND


def seed_widgets(filters: Filters) -> None:
    """Set every filter widget from the filters before it is drawn.

    A page switch gives the widgets new identities and Streamlit drops their values, so
    they are set on every run; a user's change reaches the stored filters first, through
    `from_widgets`, so this never undoes it.
    """
    st.session_state[PERIOD] = (filters.start, filters.end)
    for name in FIELD_WIDGETS:
        value = getattr(filters, name)
        st.session_state[name] = list(value) if isinstance(value, tuple) else value


def from_widgets() -> None:
    """on_change of every filter widget: copy the widgets' values into the stored filters."""
    old = st.session_state[FILTERS]
    period = tuple(st.session_state.get(PERIOD) or ())
    start, end = (period + (old.end,))[:2] if period else (old.start, old.end)
    kind = st.session_state.get("area_kind", old.area_kind)
    areas = [a for a in st.session_state.get("area_ids", []) if a.startswith(f"{kind}:")]
    st.session_state[FILTERS] = Filters(
        start=min(start, end),
        end=max(start, end),
        area_kind=kind,
        area_ids=tuple(areas),
        programs=tuple(st.session_state.get("programs", [])),
        categories=tuple(st.session_state.get("categories", [])),
    )


def select_areas(area_ids: tuple[str, ...]) -> None:
    """Make these the chosen areas (a click on the map); the page's run writes the URL."""
    filters = stored()
    if filters is not None:
        st.session_state[FILTERS] = replace(filters, area_ids=area_ids)


def store(filters: Filters) -> None:
    """Keep the filters for the next run and put them in the URL, beside the page's own keys."""
    st.session_state[FILTERS] = filters
    page_params = {key: st.query_params.get_all(key) for key in PAGE_PARAMS}
    st.query_params.from_dict(
        {**filters.to_query_params(), **{k: v for k, v in page_params.items() if v}}
    )


def reset() -> None:
    """Forget the filters and the URL: the next run starts from the defaults."""
    for key in (FILTERS, *WIDGETS):
        st.session_state.pop(key, None)
    st.query_params.clear()
