"""Maps: area choropleths with outreach markers, drawn so they work with no internet.

The default style, "white-bg", needs no tile server; a tiled basemap is a setting
(NNO_MAP_STYLE). Incidents are never drawn as points: maps show area rates only, and the
markers are outreach events, which are public.
"""

from __future__ import annotations

import geopandas as gpd
import pandas as pd
import plotly.express as px
import plotly.graph_objects as go

from nno_dash import charts, geo
from nno_dash.vocab import PROGRAMS

# Sequential, colour-blind safe, light for low values so zero reads as "none".
SEQUENTIAL = "YlGnBu"


def area_map(
    areas: gpd.GeoDataFrame,
    frame: pd.DataFrame,
    value: str,
    *,
    events: pd.DataFrame | None = None,
    map_style: str = "white-bg",
    height: int = 560,
    width_px: int = 900,
    hover: dict[str, str] | None = None,
) -> go.Figure:
    """Choropleth of `value` per area_id, outlines for every area, optional event markers."""
    if areas.empty:
        return charts.empty_figure("No boundaries loaded for this kind of area")
    centre, zoom = geo.bounds_view(areas, width_px, height)
    data = areas[["area_id"]].merge(frame, on="area_id", how="left")
    hover_data = hover or {value: ":,.1f", "population": ":,"}
    fig = px.choropleth_map(
        data,
        geojson=geo.feature_collection(areas),
        locations="area_id",
        color=value,
        hover_name="name",
        hover_data={"area_id": False, **{k: v for k, v in hover_data.items() if k in data}},
        labels=charts.LABELS,
        color_continuous_scale=SEQUENTIAL,
        range_color=(0, max(float(data[value].max() or 0), 1e-9)),
        map_style=map_style,
        center=centre,
        zoom=zoom,
        opacity=0.8,
    )
    fig.update_traces(marker_line_width=0.8, marker_line_color="#4d4d4d")
    if events is not None and not events.empty:
        add_event_markers(fig, events)
    fig.update_layout(
        height=height,
        coloraxis_colorbar={"title": {"text": charts.LABELS.get(value, value), "side": "right"}},
    )
    return charts.style(fig)


def add_event_markers(fig: go.Figure, events: pd.DataFrame) -> None:
    """One marker trace per program, sized by attendance."""
    located = events.dropna(subset=["lat", "lon"])
    for program, colour in zip(PROGRAMS, charts.PALETTE, strict=True):
        part = located[located["program"] == program]
        if part.empty:
            continue
        size = 6 + (part["headcount"].fillna(0).clip(upper=400) ** 0.5) * 0.7
        fig.add_scattermap(
            lat=part["lat"],
            lon=part["lon"],
            mode="markers",
            marker={"size": size, "color": colour, "opacity": 0.85},
            name=PROGRAMS[program],
            text=part["title"],
            customdata=part[["starts_at", "headcount"]].astype(str).to_numpy(),
            hovertemplate="<b>%{text}</b><br>%{customdata[0]}<br>Attendance: %{customdata[1]}"
            "<extra></extra>",
        )
