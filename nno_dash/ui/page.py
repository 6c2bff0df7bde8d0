"""The frame every page shares: page config, data notice, sidebar filters, chart blocks.

A page calls `setup(...)` and gets a `Page`: the chosen filters plus `load(query, ...)`,
which runs a cached query from a module of nno_dash.queries. Then it lays out what comes back.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date
from typing import Any

import geopandas as gpd
import pandas as pd
import plotly.graph_objects as go
import streamlit as st

from nno_dash.analysis.statistics import Change
from nno_dash.core.filters import Filters
from nno_dash.core.settings import Settings
from nno_dash.publish import branding, export, i18n, privacy
from nno_dash.queries import datasets, geography, parallel
from nno_dash.ui import data, presentation
from nno_dash.ui.sidebar import sidebar_filters
from nno_dash.ui.state import likely_kind


@dataclass(frozen=True)
class Answers:
    """A page's questions, each named once, answered two at a time as the page lays out:
    a helper thread works from the last while `answers["name"]` takes from the first."""

    calls: dict[str, data.Call]
    started: parallel.Prefetch
    _read: dict[str, Any] = field(default_factory=dict, repr=False, compare=False)

    def __getitem__(self, name: str) -> Any:
        if name not in self._read:
            self._read[name] = self.started.take(self.calls[name])
        return self._read[name]


@dataclass(frozen=True)
class Page:
    filters: Filters
    settings: Settings
    info: dict[str, Any]
    present: bool = False  # council presentation mode: no controls, large type
    asked: list[Answers] = field(default_factory=list, repr=False, compare=False)

    def load(self, query: Callable[..., pd.DataFrame], *args: Any) -> Any:
        """A cached result of `query(con, *args)`: `page.load(overview.headline, page.filters)`."""
        return data.load(self.settings.db_path, query, *args)

    def ask(self, **questions: tuple[Any, ...] | None) -> Answers:
        """Name the questions this page will read, in the order it reads them, and start
        answering them: `answers = page.ask(summary=(overview.area_summary, page.filters))`,
        then `answers["summary"]`. A question given as None is not asked."""
        calls = {
            name: (call[0], tuple(call[1:])) for name, call in questions.items() if call is not None
        }
        answers = Answers(calls, data.prefetch(self.settings.db_path, list(calls.values())))
        self.asked.append(answers)
        return answers

    def load_all(self, *calls: tuple[Any, ...]) -> list[Any]:
        """`load` for each call, two at a time: `a, b = page.load_all((crime.x, f), ...)`."""
        return data.load_all(self.settings.db_path, [(call[0], tuple(call[1:])) for call in calls])

    def areas(self, kind: str | None = None) -> gpd.GeoDataFrame:
        return data.display_areas(self.settings.db_path, kind or self.filters.area_kind)

    def area_names(self) -> dict[str, str]:
        options = self.load(geography.area_options, self.filters.area_kind)
        return dict(zip(options["area_id"], options["name"], strict=True))

    def describe(self) -> str:
        return self.filters.describe(self.area_names())

    @property
    def is_demo(self) -> bool:
        return self.info.get("dataset") == "demo"

    def branding(self) -> branding.Branding:
        """The agency's name, colours and logo for exported charts."""
        return branding.for_settings(self.settings, self.info.get("agency") or None)

    def source_line(self, lang: str = "en") -> str:
        brand = self.branding()
        return i18n.source_line(
            brand.agency_name, self.info.get("data_as_of"), lang, brand.custom_source()
        )


EXPORT_CONTEXT = "_nno_export_page"  # session key: the page drawing now, for chart exports


def setup(title: str, icon: str, intro: str) -> Page:
    """Configure the page, make sure data exists, draw the notice and the sidebar filters."""
    st.set_page_config(page_title=f"{title} · Outreach & Crime", page_icon=icon, layout="wide")
    settings = data.settings()
    built = data.ensure_database(settings.db_path, settings.demo_incidents)
    if built:
        st.session_state["_built_message"] = built
    path = settings.db_path
    # The sidebar asks for the area list of the filters' kind next: asked here too, with the
    # kind the run most likely shows, it comes from the helper thread and the cache.
    info, kinds, _ = data.load_all(
        path,
        [
            (datasets.dataset_info, ()),
            (geography.area_kinds_present, ()),
            (geography.area_options, (likely_kind(),)),
        ],
    )
    first = info["first_day"] or date.today()
    last = info["last_day"] or date.today()
    present = presentation.is_on()
    filters = sidebar_filters(
        first,
        last,
        kinds,
        lambda kind: data.load(path, geography.area_options, kind),
        draw=not present,
    )
    page = Page(filters=filters, settings=settings, info=info, present=present)
    st.session_state[EXPORT_CONTEXT] = page
    if present:
        presentation.title_block(
            title,
            filters,
            page.area_names(),
            as_of=info.get("data_as_of"),
            source=page.branding().agency_name,
            demo=page.is_demo,
        )
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
    title: str | None = None,
    subtitle: str | None = None,
    **plotly_kwargs: Any,
) -> Any:
    """A chart, its numbers one click away (table and CSV), and a download control that
    renders it as a titled, sourced, dated PNG or SVG on demand. Everything shown or
    downloaded goes through privacy.protect (small counts "<3", secondary suppression)."""
    event = st.plotly_chart(fig, width="stretch", key=f"chart_{name}", **plotly_kwargs)
    safe = privacy.protect(frame, counts, settings.suppression_threshold)
    with st.expander("Numbers behind this chart"):
        st.dataframe(safe.display(), hide_index=True, width="stretch")
        st.download_button(
            "Download CSV",
            safe.csv(),
            file_name=f"{name}.csv",
            mime="text/csv",
            key=f"csv_{name}",
        )
        if safe.any_hidden:
            st.caption(safe.explain())
    page = st.session_state.get(EXPORT_CONTEXT)
    if isinstance(page, Page) and not page.present:
        item = export.Exportable(
            name=name,
            figure=fig,
            table=safe,
            caption=export.Caption(
                title=title or _figure_title(fig) or name.replace("_", " ").capitalize(),
                subtitle=subtitle or page.describe(),
                source=page.source_line(),
                note=i18n.t("suppressed_note", n=safe.threshold) if safe.any_hidden else "",
            ),
        )
        download_control(item, page.branding(), key=name)
    return event


def _figure_title(fig: go.Figure) -> str:
    text = fig.layout.title.text or ""
    return text.replace("<b>", "").replace("</b>", "").split("<br>")[0].strip()


def download_control(item: export.Exportable, brand: branding.Branding, *, key: str) -> None:
    """A small "Download" popover: size and resolution, then PNG, SVG and CSV buttons.

    Images are drawn only when a button is clicked (Streamlit calls the function then),
    so pages stay fast; the first image starts the shared browser (a few seconds).
    """
    with st.popover("Download chart", icon=":material/download:"):
        size = st.selectbox(
            "Size",
            list(export.SIZES),
            format_func=size_label,
            key=f"dl_size_{key}",
        )
        scale = st.radio(
            "Resolution",
            export.SCALES,
            format_func=lambda s: f"{s}×",
            horizontal=True,
            key=f"dl_scale_{key}",
        )
        image_buttons(item, brand, size, scale, key=key)


def size_label(size: str) -> str:
    width, height, use = export.SIZES[size]
    return f"{width}×{height} · {use}"


def image_buttons(
    item: export.Exportable, brand: branding.Branding, size: str, scale: int, *, key: str
) -> None:
    """PNG, SVG and CSV download buttons for one chart; images drawn on click."""
    cols = st.columns(3)
    for col, fmt in zip(cols, ("png", "svg"), strict=False):
        col.download_button(
            fmt.upper(),
            data=lambda fmt=fmt: export.image(item, fmt, brand, size, scale),
            file_name=export.file_name(item, fmt, size, scale),
            mime=export.MIME[fmt],
            on_click="ignore",
            key=f"{fmt}_{key}",
            icon=":material/image:",
        )
    cols[2].download_button(
        "CSV",
        data=item.csv(),
        file_name=export.file_name(item, "csv"),
        mime=export.MIME["csv"],
        on_click="ignore",
        key=f"csvx_{key}",
        icon=":material/table:",
    )


def change_delta(change: Change, *, previous_complete: bool = True) -> tuple[str | None, str]:
    """The delta text for st.metric and a help sentence, honest about small numbers."""
    if not previous_complete:
        return None, "The data does not cover the whole period a year earlier."
    if change.change_pct is None:
        return None, "No incidents in the same period a year earlier."
    delta = f"{change.change_pct:+.1f}% vs a year earlier"
    return delta, change.words().capitalize() + "."
