"""The frame every page shares: page config, data notice, sidebar filters, chart blocks.

A page calls `setup(...)` and gets a `Page`: the chosen filters plus `load(query, ...)`,
which runs a cached query from nno_dash.queries. Then it lays out what comes back.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date
from typing import Any

import geopandas as gpd
import pandas as pd
import plotly.graph_objects as go
import streamlit as st

from nno_dash import privacy, queries
from nno_dash.filters import Filters
from nno_dash.settings import Settings
from nno_dash.statistics import Change
from nno_dash.ui import data, presentation
from nno_dash.ui.sidebar import sidebar_filters


@dataclass(frozen=True)
class Page:
    filters: Filters
    settings: Settings
    info: dict[str, Any]
    present: bool = False  # council presentation mode (issue 4): no controls, large type

    def load(self, query: Callable[..., pd.DataFrame], *args: Any) -> Any:
        """A cached result of `query(con, *args)`: `page.load(queries.headline, page.filters)`."""
        return data.load(self.settings.db_path, query, *args)

    def areas(self, kind: str | None = None) -> gpd.GeoDataFrame:
        return data.display_areas(self.settings.db_path, kind or self.filters.area_kind)

    def area_names(self) -> dict[str, str]:
        options = self.load(queries.area_options, self.filters.area_kind)
        return dict(zip(options["area_id"], options["name"], strict=True))

    def describe(self) -> str:
        return self.filters.describe(self.area_names())

    @property
    def is_demo(self) -> bool:
        return self.info.get("dataset") == "demo"


def setup(title: str, icon: str, intro: str) -> Page:
    """Configure the page, make sure data exists, draw the notice and the sidebar filters."""
    st.set_page_config(page_title=f"{title} · Outreach & Crime", page_icon=icon, layout="wide")
    settings = data.settings()
    built = data.ensure_database(settings.db_path, settings.demo_incidents)
    if built:
        st.session_state["_built_message"] = built
    path = settings.db_path
    info = data.load(path, queries.dataset_info)
    kinds = data.load(path, queries.area_kinds_present)
    first = info["first_day"] or date.today()
    last = info["last_day"] or date.today()
    present = presentation.is_on()
    filters = sidebar_filters(
        first,
        last,
        kinds,
        lambda kind: data.load(path, queries.area_options, kind),
        draw=not present,
    )
    page = Page(filters=filters, settings=settings, info=info, present=present)
    if present:
        presentation.title_block(page, title)
        return page

    st.title(title)
    if page.is_demo:
        st.info(
            f"**{info['label'] or 'Demo data: fictional city'}.** Every place, person and number "
            "here is generated; the city does not exist.",
            icon=":material/science:",
        )
    if message := st.session_state.pop("_built_message", None):
        st.success(message)
    st.caption(
        f"{intro}  \n**Showing:** {page.describe()}. Data as of {info['data_as_of'] or 'unknown'}."
    )
    return page


def show_chart(
    fig: go.Figure,
    frame: pd.DataFrame,
    *,
    name: str,
    counts: Iterable[str] = (),
    settings: Settings,
    **plotly_kwargs: Any,
) -> Any:
    """A chart, then its numbers one click away (table and CSV, small counts suppressed)."""
    event = st.plotly_chart(fig, width="stretch", key=f"chart_{name}", **plotly_kwargs)
    safe = privacy.suppress_small_counts(frame, counts, settings.suppression_threshold)
    with st.expander("Numbers behind this chart"):
        st.dataframe(safe, hide_index=True, width="stretch")
        st.download_button(
            "Download CSV",
            safe.to_csv(index=False).encode("utf-8"),
            file_name=f"{name}.csv",
            mime="text/csv",
            key=f"csv_{name}",
        )
    return event


def change_delta(change: Change, *, previous_complete: bool = True) -> tuple[str | None, str]:
    """The delta text for st.metric and a help sentence, honest about small numbers."""
    if not previous_complete:
        return None, "The data does not cover the whole period a year earlier."
    if change.change_pct is None:
        return None, "No incidents in the same period a year earlier."
    delta = f"{change.change_pct:+.1f}% vs a year earlier"
    return delta, change.words().capitalize() + "."
