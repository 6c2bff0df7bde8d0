"""The Outreach coverage page's pieces: the map and its URL state, the area profile, the
gap list. Streamlit glue only; the numbers come from queries, coverage and hotspots.

Page state beside the shared filters lives in the URL (`map=`, `events=off`), so a
prepared link reopens the same view. A click on an area sets the shared area filter
(`area_ids=` in the URL, the sidebar's Areas box) to that area, so the whole page, and every
other page, follows it; a second click on it clears it. Maps and ranks keep the whole
city as context: a selected area is outlined and zoomed to, not shown alone.
"""

from __future__ import annotations

from dataclasses import replace

import geopandas as gpd
import pandas as pd
import shapely
import streamlit as st

from nno_dash.analysis import classes, coverage, hotspots, statistics
from nno_dash.core.filters import Filters
from nno_dash.publish import privacy
from nno_dash.queries import crime, outreach, overview
from nno_dash.ui import data, presentation, state
from nno_dash.ui.page import Answers, Page, show_chart
from nno_dash.viz import comparisons, maps, time_series

MAP_KINDS = {
    "bivariate": "Crime × outreach",
    "event_rate": "Outreach per 1,000",
    "attendance_rate": "Attendance per 1,000",
    "incident_rate": "Incidents per 1,000",
    "incident_change_pct": "Change on a year earlier",
    "hotspots": "Hotspots",
}
DEFAULT_MAP = "bivariate"
BIVARIATE_MAP_SHARE = [4, 1]  # the bivariate map's columns: the map, its key
MAP_NAME = "coverage_map"
MAP_KEY = f"chart_{MAP_NAME}"  # show_chart's key for it
HOVER = {
    "incident_rate": ":,.1f",
    "incident_change_pct": ":+.0f",
    "event_rate": ":,.2f",
    "attendance_rate": ":,.1f",
    "events": ":,",
    "population": ":,",
}


def _chart(page: Page, fig, frame: pd.DataFrame, *, name: str, counts, settings, **kwargs):
    """show_chart, or in presentation mode the chart alone: no table, no download."""
    if page.present:
        return st.plotly_chart(fig, width="stretch", key=f"chart_{name}", **kwargs)
    return show_chart(fig, frame, name=name, counts=counts, settings=settings, **kwargs)


# URL state ------------------------------------------------------------------------------


def _url_map_kind() -> str:
    kind = st.query_params.get("map", DEFAULT_MAP)
    return kind if kind in MAP_KINDS else DEFAULT_MAP


def _store_map_kind() -> None:
    kind = st.session_state.get("cov_map") or DEFAULT_MAP
    if kind == DEFAULT_MAP:
        st.query_params.pop("map", None)
    else:
        st.query_params["map"] = kind


def _store_events() -> None:
    if st.session_state.get("cov_events", True):
        st.query_params.pop("events", None)
    else:
        st.query_params["events"] = "off"


def map_controls(page: Page) -> tuple[str, bool]:
    """The map kind and whether outreach events are drawn on it, from the URL; outside
    presentation mode, with the controls that change them."""
    kind = _url_map_kind()
    show_events = st.query_params.get("events", "") != "off"
    if page.present:
        return kind, show_events
    st.session_state["cov_map"] = kind
    st.session_state["cov_events"] = show_events
    left, middle, right = st.columns([6, 2, 2], vertical_alignment="center")
    with left:
        st.segmented_control(
            "Map",
            list(MAP_KINDS),
            format_func=MAP_KINDS.get,
            key="cov_map",
            on_change=_store_map_kind,
            label_visibility="collapsed",
        )
    with middle:
        st.toggle("Outreach events", key="cov_events", on_change=_store_events)
    with right:
        presentation.toggle()
    return st.session_state.get("cov_map") or DEFAULT_MAP, bool(st.session_state["cov_events"])


def _on_map_click() -> None:
    """A click on an area makes it the page's (and the app's) area filter; again clears.

    A click that lands on an outreach marker (or a hotspot cell) selects the area under it.
    """
    selection = st.session_state.get(MAP_KEY)
    filters = state.stored()
    if selection is None or filters is None:
        return
    clicked = [_area_of(p, filters.area_kind) for p in selection["selection"]["points"]]
    clicked = [c for c in clicked if c]
    if not clicked:
        return
    state.select_areas(() if filters.area_ids == (clicked[0],) else (clicked[0],))


def _area_of(point: object, kind: str) -> str | None:
    if not isinstance(point, dict):
        return None
    location = point.get("location")
    if isinstance(location, str) and location.startswith(f"{kind}:"):
        return location
    lon, lat = point.get("lon"), point.get("lat")
    if isinstance(lon, int | float) and isinstance(lat, int | float):
        areas = data.display_areas(data.settings().db_path, kind)
        inside = shapely.contains_xy(areas.geometry.values, lon, lat)
        if inside.any():
            return str(areas["area_id"].to_numpy()[inside.argmax()])
    return None


# The map --------------------------------------------------------------------------------


def missing_data(page: Page, city: pd.DataFrame) -> list[str]:
    """What the maps and the gap list cannot show on this data, and what would fill it."""
    notes = []
    if city["population"].isna().all():
        notes.append(
            "No population is on record for these areas, so rates per 1,000 residents, the "
            "crime × outreach map and the gap list cannot be worked out. Import a population "
            "table for the areas (`python -m nno_dash import areas FILE`, or the Data page)."
        )
    if page.info.get("first_event_day") is None:
        notes.append(
            "No outreach events are on file yet, so no area shows any outreach. Import the "
            "outreach log (`python -m nno_dash import events FILE`, or the Data page)."
        )
    elif city["events"].sum() == 0:
        notes.append(
            "No outreach events are on record in this period, so every area counts as low "
            f"outreach. Events on file run from {page.info['first_event_day']} to "
            f"{page.info['last_event_day']}."
        )
    return notes


def citywide(filters: Filters) -> Filters:
    """The same filters over every area: the context classes and ranks are computed in."""
    return replace(filters, area_ids=())


def questions(page: Page, kind: str, with_events: bool) -> dict[str, tuple | None]:
    """What the page will read, by name, in its order, for `page.ask`."""
    profile = len(page.filters.area_ids) == 1
    return {
        "city": (overview.area_summary, citywide(page.filters)),
        "events": (outreach.event_points, page.filters) if with_events else None,
        "grid": (
            (crime.incident_grid, page.filters, *_hotspot_grid(page)[1].params())
            if kind == "hotspots"
            else None
        ),
        "programs": (outreach.events_by_program, page.filters) if profile else None,
        "trend": (
            (crime.incident_series, _profile_trend_filters(page), "month") if profile else None
        ),
        "by_month": (outreach.events_by_month, page.filters) if profile else None,
    }


def _hotspot_grid(page: Page) -> tuple[gpd.GeoDataFrame, hotspots.Grid]:
    """The selected areas (or the city) and the hotspot grid over them."""
    areas = page.areas()
    if page.filters.area_ids:
        areas = areas[areas["area_id"].isin(page.filters.area_ids)]
    return areas, hotspots.grid_for(areas)


def hotspot_cells(page: Page, counts: pd.DataFrame) -> gpd.GeoDataFrame:
    """Gi* cells over the selected areas (or the city) from the grid's counts, cached by data
    version and filters."""
    areas, grid = _hotspot_grid(page)
    return _gi_cached(data.connection(page.settings.db_path)[1], page.filters, grid, counts, areas)


@st.cache_data(max_entries=64, show_spinner="Finding hot spots…")
def _gi_cached(
    version: str,
    filters: Filters,
    grid: hotspots.Grid,
    _counts: pd.DataFrame,
    _areas: gpd.GeoDataFrame,
) -> gpd.GeoDataFrame:
    return hotspots.hotspot_cells(_areas, grid, _counts)


def draw_map(page: Page, kind: str, summary: pd.DataFrame, answers: Answers) -> None:
    """The chosen map, full width, clickable; its numbers one click away."""
    width, height = presentation.map_size(page.present)
    events = answers["events"] if "events" in answers.calls else None
    common = {"events": events, "map_style": page.settings.map_style, "height": height}
    if kind == "hotspots":
        cells = hotspot_cells(page, answers["grid"])
        features = data.display_features(page.settings.db_path, page.filters.area_kind, width)
        fig = maps.hotspot_map(
            cells, page.areas(), width_px=width, area_features=features, **common
        )
        frame = pd.DataFrame(cells.drop(columns="geometry"))[
            ["cell_id", "incidents", "z", "p", "q", "spot"]
        ]
        counts: tuple[str, ...] = ("incidents",)
    else:
        area_classes = None
        value = kind
        if kind == "bivariate":
            area_classes = classes.bivariate_classes()
            if not presentation.is_phone():  # the key takes a column beside the map
                width = width * BIVARIATE_MAP_SHARE[0] // sum(BIVARIATE_MAP_SHARE)
        fig = maps.area_map(
            page.areas(),
            summary,
            value,
            width_px=width,
            area_features=data.display_features(
                page.settings.db_path, page.filters.area_kind, width
            ),
            hover=HOVER,
            area_classes=area_classes,
            highlight=page.filters.area_ids,
            class_legend=kind != "bivariate",
            **common,
        )
        frame = summary[
            [
                "name",
                "population",
                "incidents",
                "incident_rate",
                "incident_change_pct",
                "events",
                "event_rate",
                "attendance",
                "attendance_rate",
                "bivariate",
            ]
        ]
        counts = ("incidents", "events", "attendance")
    presentation.enlarge(fig, page.present)
    if kind == "bivariate":
        map_col, key_col = (
            st.columns(BIVARIATE_MAP_SHARE)
            if not presentation.is_phone()
            else (st.container(), st.container())
        )
        with map_col:
            _show_map(page, fig, frame, counts)
        with key_col:
            st.markdown("**Key** (number of areas)")
            legend = maps.bivariate_legend(summary, 18 if page.present else 14)
            st.plotly_chart(
                legend,
                key="bivariate_key",
                width="content",
                theme=None,
            )
            st.caption(
                "Thirds of the areas by incidents per 1,000 residents and by outreach "
                "events per 1,000. Outlined: high crime, low outreach."
            )
    else:
        _show_map(page, fig, frame, counts)
    if kind == "hotspots":
        caption_hotspots(cells)


def _show_map(page: Page, fig, frame: pd.DataFrame, counts: tuple[str, ...]) -> None:
    _chart(
        page,
        fig,
        frame,
        name=MAP_NAME,
        counts=counts,
        settings=page.settings,
        on_select=_on_map_click,
        selection_mode="points",
        config={"scrollZoom": True, "displayModeBar": False},
        theme=None,  # the house style (theme.style), so legends match at any size
    )


def caption_hotspots(cells: gpd.GeoDataFrame) -> None:
    s = hotspots.summary(cells)
    size = hotspots.grid_for(cells).size_m if len(cells) else hotspots.MIN_CELL_M
    share = 100 * s["incidents_in_hot"] / s["incidents"] if s["incidents"] else 0
    st.caption(
        f"{s['hot']} hot and {s['cold']} cold spots among {s['cells']:,} cells of about "
        f"{size:.0f} m; the hot spots hold {share:.0f}% of the {s['incidents']:,} incidents "
        "mapped. Getis-Ord Gi* with queen neighbours, Benjamini–Hochberg false discovery rate "
        "5%. Sensitive offences are left out; no incident is drawn as a point."
    )


# The area profile -----------------------------------------------------------------------


def _profile_trend_filters(page: Page) -> Filters:
    """The profile's trend: this period and the year before it."""
    return page.filters.with_period(page.filters.previous_year().start, page.filters.end)


def draw_profile(page: Page, gaps: pd.DataFrame, n_areas: int, answers: Answers) -> None:
    """Population, crime trend, outreach and attendance over time, trust scores for the
    one selected area."""
    area_id = page.filters.area_ids[0]
    match = gaps[gaps["area_id"] == area_id]
    if match.empty:
        st.info("This area has no population on record, so it has no rates to profile.")
        return
    row = match.iloc[0]
    st.subheader(f"{row['name']}")
    st.caption(coverage.gap_reason(row, n_areas))
    change = statistics.compare_counts(row["incidents"], row["incidents_prev"])
    trust = answers["programs"]
    trust_n = trust["survey_n"].fillna(0)
    cols = st.columns(3 if presentation.is_phone() else 6)
    cols[0].metric("Residents", f"{row['population']:,.0f}")
    cols[1 % len(cols)].metric(
        "Incidents per 1,000",
        f"{row['incident_rate']:,.1f}",
        None if change.change_pct is None else f"{change.change_pct:+.0f}% vs a year earlier",
        delta_color="inverse",
        help=change.words().capitalize() + ".",
    )
    cols[2 % len(cols)].metric("Outreach events", f"{row['events']:,}")
    cols[3 % len(cols)].metric("Attendance", f"{row['attendance']:,}")
    since = row["days_since_event"]
    cols[4 % len(cols)].metric(
        "Days since last event", "never" if pd.isna(since) else f"{int(since):,}"
    )
    if trust_n.sum() > 0:
        after = (trust["trust_after"] * trust_n).sum() / trust_n.sum()
        before = (trust["trust_before"] * trust_n).sum() / trust_n.sum()
        cols[5 % len(cols)].metric(
            "Trust after events (1–5)",
            f"{after:.2f}",
            f"{after - before:+.2f} on before",
            help=f"Mean survey score of {int(trust_n.sum()):,} respondents.",
        )
    series, by_month = answers["trend"], answers["by_month"]
    columns = st.columns(2) if not page.present else (st.container(), st.container())
    panels = (
        ("Incidents per month, this period and the year before", time_series.incident_trend,
         series, "profile_incidents", ("incidents",)),
        ("Outreach events per month", time_series.monthly_outreach,
         by_month, "profile_outreach", ("events", "attendance")),
    )  # fmt: skip
    for column, (heading, chart, frame, name, counts) in zip(columns, panels, strict=True):
        with column:
            st.markdown(f"**{heading}**")
            _chart(
                page,
                presentation.enlarge(chart(frame), page.present),
                frame,
                name=name,
                counts=counts,
                settings=page.settings,
            )
    if not page.present and trust_n.sum() > 0:
        st.markdown("**Trust scores before and after events, by program**")
        _chart(
            page,
            comparisons.trust_scores(trust),
            trust,
            name="profile_trust",
            counts=("events", "survey_n"),
            settings=page.settings,
        )


# The gap list ---------------------------------------------------------------------------

GAP_CONFIG = {
    "area_id": None,
    "name": "Area",
    "population": st.column_config.NumberColumn("Residents", format="localized"),
    "incidents": st.column_config.NumberColumn("Incidents", format="localized"),
    "incidents_prev": st.column_config.NumberColumn("A year earlier", format="localized"),
    "incident_rate": st.column_config.NumberColumn("Incidents per 1,000", format="%.1f"),
    "incident_change_pct": st.column_config.NumberColumn(
        "Change vs year earlier", format="%+.0f%%"
    ),
    "events": "Events",
    "event_rate": st.column_config.NumberColumn("Events per 1,000", format="%.2f"),
    "attendance": st.column_config.NumberColumn("Attendance", format="localized"),
    "last_event_on": st.column_config.DateColumn("Last event"),
    "days_since_event": st.column_config.NumberColumn("Days since last event"),
    "need_rank": "Need rank",
    "outreach_rank": "Outreach rank",
    "bivariate": "Class",
    "gap": st.column_config.ProgressColumn("Gap", min_value=-1.0, max_value=1.35, format="%.2f"),
}
PRESENT_COLUMNS = ["name", "incident_rate", "incident_change_pct", "events", "days_since_event"]


def draw_gap_list(page: Page, gaps: pd.DataFrame) -> None:
    """The ranked gap list (the selected areas only, ranked among all), with its CSV."""
    shown = gaps[gaps["area_id"].isin(page.filters.area_ids)] if page.filters.area_ids else gaps
    if page.present:
        shown = shown.head(10)[PRESENT_COLUMNS]
    st.dataframe(
        shown,
        hide_index=True,
        width="stretch",
        column_config=GAP_CONFIG,
        height="auto" if page.present else 460,
    )
    if page.present:
        return
    # Through the one export path: small counts "<3", secondary suppression, rates from
    # hidden counts withheld, as every other download.
    safe = privacy.protect(
        gaps,
        ("incidents", "incidents_prev", "events", "attendance"),
        page.settings.suppression_threshold,
    )
    st.download_button(
        "Download the gap list (CSV)",
        safe.csv(),
        file_name="coverage_gaps.csv",
        mime="text/csv",
        key="csv_coverage_gaps",
    )
    if safe.any_hidden:
        st.caption(safe.explain())
