"""Maps: classed area choropleths, the bivariate map, outreach markers, the hotspot grid.

Drawn so they work with no internet: the default style, "white-bg", needs no tile server;
a tiled basemap is a setting (NNO_MAP_STYLE). Incidents are never drawn as points: maps
show area rates or grid cells of at least a block, and the markers are outreach events,
which are public.

Size matters on a slow council-chamber connection: boundaries are simplified to about
half a pixel at the map's opening zoom, rounded to ~1 m, sent once (each class is one
trace carrying only its own areas). The simplified shapes (`features`) are the caller's
to compute and pass in; the UI caches them per kind of area, data version and width.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping, Sequence

import geopandas as gpd
import numpy as np
import pandas as pd
import plotly.graph_objects as go
import shapely

from nno_dash.analysis import classes
from nno_dash.core.vocab import COLUMN_LABELS, PROGRAMS
from nno_dash.geo import areas as geo
from nno_dash.viz import theme

OUTLINE = "#4d4d4d"
HIGHLIGHT = "#000000"
COORD_DECIMALS = 5  # ~1 m: finer than any screen shows
DEFAULT_WIDTH_PX = 900
NARROW_PX = 600  # below this width (a phone) legends go under the map, not beside it
LEGEND_ROW_PX = 24  # one row of a legend under the map

# Which classes each mapped value gets, and its unit for labels; others: blue quantiles.
VALUE_STYLE: dict[str, tuple[tuple[str, ...], int]] = {
    "event_rate": (classes.ORANGES, 2),
    "attendance_rate": (classes.ORANGES, 1),
    "incident_rate": (classes.BLUES, 1),
    "incidents": (classes.BLUES, 0),  # the count map where no population is on record
}


# Geometry for display -----------------------------------------------------------------


def display_tolerance(areas: gpd.GeoDataFrame, width_px: int) -> float:
    """Half a pixel at the opening zoom, in degrees, floored so tiny areas keep a shape."""
    if areas.empty:
        return 0.0
    minx, _, maxx, _ = areas.total_bounds
    return float(max((maxx - minx) / max(width_px, 1) / 2, 1e-6))


def features(areas: gpd.GeoDataFrame, tolerance: float) -> dict[str, dict]:
    """area_id -> GeoJSON feature, simplified to `tolerance` degrees and rounded to ~1 m."""
    geoms = shapely.simplify(areas.geometry.values, tolerance, preserve_topology=True)
    geoms = shapely.transform(geoms, lambda xy: np.round(xy, COORD_DECIMALS))
    return {
        area_id: {"type": "Feature", "id": area_id, "properties": {}, "geometry": json.loads(gj)}
        for area_id, gj in zip(areas["area_id"], shapely.to_geojson(geoms), strict=True)
    }


def display_features(areas: gpd.GeoDataFrame, width_px: int) -> dict[str, dict]:
    """The areas' features for a map `width_px` wide: what area_map draws when not given them."""
    return features(areas, display_tolerance(areas, width_px))


def _collection(feats: Mapping[str, dict], ids: Iterable[str]) -> dict:
    return {"type": "FeatureCollection", "features": [feats[i] for i in ids if i in feats]}


# Hover text -----------------------------------------------------------------------------


def _format(value: object, spec: str) -> str:
    if value is None or (isinstance(value, float) and np.isnan(value)) or value is pd.NA:
        return "–"
    try:
        return format(value, spec.lstrip(":"))
    except (TypeError, ValueError):
        return str(value)


def hover_text(frame: pd.DataFrame, hover: Mapping[str, str]) -> list[str]:
    """One HTML hover block per row: the area name, then each column's label and value."""
    rows = []
    for _, row in frame.iterrows():
        lines = [f"<b>{row.get('name', row['area_id'])}</b>"]
        lines += [
            f"{COLUMN_LABELS.get(col, col)}: {_format(row[col], spec)}"
            for col, spec in hover.items()
            if col in frame
        ]
        rows.append("<br>".join(lines))
    return rows


# Area maps ------------------------------------------------------------------------------


def default_classes(frame: pd.DataFrame, value: str, method: str = "quantile") -> classes.Classes:
    """The classes a value is mapped with: fixed diverging ones for change, else classed."""
    if value == "incident_change_pct":
        return classes.change_classes()
    colours, decimals = VALUE_STYLE.get(value, (classes.BLUES, 1))
    return classes.classify(frame[value], method=method, colours=colours, decimals=decimals)


def area_map(
    areas: gpd.GeoDataFrame,
    frame: pd.DataFrame,
    value: str,
    *,
    events: pd.DataFrame | None = None,
    map_style: str = "white-bg",
    height: int = 560,
    width_px: int = DEFAULT_WIDTH_PX,
    area_features: Mapping[str, dict] | None = None,
    hover: dict[str, str] | None = None,
    area_classes: classes.Classes | None = None,
    method: str = "quantile",
    highlight: Sequence[str] = (),
    legend_title: str | None = None,
    class_legend: bool = True,
) -> go.Figure:
    """Classed choropleth of `value` per area_id, outreach markers on top if given.

    `value` may already hold class labels (the bivariate map): pass its `area_classes`.
    `highlight` outlines those areas and opens the map on them. Clicking an area selects
    it: the point carries `location` = area_id. `class_legend=False` when the page draws
    its own key (the bivariate grid). `height` is the map's own height; legends under it
    on a narrow screen add to the figure's. `area_features`: `display_features(areas,
    width_px)`, which the UI caches; worked out here when not given.
    """
    if areas.empty:
        return theme.empty_figure("No boundaries loaded for this kind of area")
    data = areas[["area_id", "name"]].merge(
        frame.drop(columns=["name"], errors="ignore"), on="area_id", how="left"
    )
    area_classes = area_classes or default_classes(data, value, method)
    is_labels = not pd.api.types.is_numeric_dtype(data[value])
    data["class"] = (
        data[value].fillna(classes.NO_DATA) if is_labels else area_classes.assign(data[value])
    )
    hover = hover or {value: ":,.1f", "population": ":,"}
    data["hover"] = hover_text(data, {"class": "", **hover} if is_labels else hover)
    feats = display_features(areas, width_px) if area_features is None else area_features

    traces = []
    colour_of = area_classes.colour_map()
    order = [*area_classes.labels, classes.NO_DATA]
    for label in order:
        part = data[data["class"] == label]
        if part.empty and label == classes.NO_DATA:
            continue
        traces.append(
            _filled(
                feats,
                part["area_id"].tolist(),
                colour_of[label],
                marker={"opacity": 0.85, "line": {"width": 0.8, "color": OUTLINE}},
                name=label,
                legendgroup="classes",
                showlegend=class_legend,
                customdata=part["area_id"].tolist(),
                hovertext=part["hover"].tolist(),
                hovertemplate="%{hovertext}<extra></extra>",
            )
        )
    chosen = [a for a in highlight if a in feats]
    if chosen:
        traces.append(
            _filled(
                feats,
                chosen,
                "rgba(0,0,0,0)",
                marker={"line": {"width": 4, "color": HIGHLIGHT}},
                name="Selected",
                legendgroup="classes",
                showlegend=class_legend,
                hoverinfo="skip",
            )
        )
    if events is not None:
        traces += event_marker_traces(events)
    view_of = areas[areas["area_id"].isin(chosen)] if chosen else areas
    fit_width = map_width(width_px)
    centre, zoom = geo.bounds_view(view_of, fit_width, height - 20)
    if chosen:
        zoom = min(zoom, geo.bounds_view(areas, fit_width, height - 20)[1] + 1.5)
    return _map_figure(
        traces,
        {"map": {"style": map_style, "center": centre, "zoom": zoom}, "clickmode": "event+select"},
        width_px,
        height,
        legend_title or COLUMN_LABELS.get(value, value),
    )


def _filled(feats: Mapping[str, dict], ids: list[str], colour: str, **trace: object) -> dict:
    """A choropleth trace (a plain dict) filling the areas `ids` in one colour."""
    return {
        "type": "choroplethmap",
        "geojson": _collection(feats, ids),
        "locations": ids,
        "z": np.zeros(len(ids)),
        "colorscale": [[0, colour], [1, colour]],
        "showscale": False,
        **trace,
    }


def _map_figure(
    traces: list[dict], layout: dict, width_px: int, height: int, classes_title: str
) -> go.Figure:
    """The figure from plain trace and layout dicts, built and validated once.

    Adding traces and updating the layout one call at a time made Plotly validate and
    dispatch every property again, on every rerun of Home and Outreach coverage; one
    construction costs about a third as much.
    """
    return go.Figure(
        data=traces,
        layout={
            **theme.HOUSE_LAYOUT,
            **layout,
            **_legends(traces, width_px, height, classes_title),
        },
    )


def map_width(width_px: int) -> int:
    """The map's own width: the legends take about 260 px beside it on a wide screen."""
    return width_px if width_px < NARROW_PX else width_px - 260


def _legends(traces: list[dict], width_px: int, height: int, classes_title: str) -> dict:
    """The layout of the legends: the classes and the programs beside the map (top and
    bottom of its right edge) on a wide screen, one legend under it on a phone. Moves the
    program traces to the second legend where there are two."""
    entries = [t for t in traces if t.get("showlegend", True) is not False]
    programs = [t for t in entries if t.get("legendgroup") == "events"]
    has_classes = len(entries) > len(programs)
    # fonts set here, not left to a theme, so both legends read alike on every page
    font = {"family": theme.FONT, "size": 14, "color": theme.TEXT_COLOUR}
    common = {
        "itemclick": False,
        "itemdoubleclick": False,
        "traceorder": "grouped",
        "font": font,
    }
    events_title = "Outreach events (size: attendance)"
    title = {"text": classes_title if has_classes else events_title, "font": font}
    margin = {"l": 0, "r": 0, "t": 10, "b": 10}
    if width_px < NARROW_PX:
        rows = (len(entries) + 1) // 2 + 2
        return {
            "height": height + rows * LEGEND_ROW_PX,
            "margin": margin,
            "legend": {**common, "orientation": "h", "yanchor": "top", "y": -0.01, "x": 0,
                       "title": title},
        }  # fmt: skip
    side = {"orientation": "v", "x": 1.01, "xanchor": "left"}
    out = {
        "height": height,
        "margin": margin,
        "legend": {**common, **side, "yanchor": "top", "y": 1, "title": title},
    }
    if has_classes and programs:
        for trace in programs:
            trace["legend"] = "legend2"
        out["legend2"] = {
            **common, **side, "yanchor": "bottom", "y": 0,
            "title": {"text": events_title, "font": font},
        }  # fmt: skip
    return out


def event_marker_traces(events: pd.DataFrame) -> list[dict]:
    """One marker trace (a dict) per program, sized by attendance; hover: event, date,
    attendance.

    Columns are worked out once as numpy arrays and handed to Plotly as such: per-program
    pandas slices cost Plotly's validation ten times as much, on every rerun of Home.
    """
    located = events.dropna(subset=["lat", "lon"])
    if located.empty:
        return []
    headcount = pd.to_numeric(located["headcount"], errors="coerce").to_numpy(float)
    size = np.round(5 + np.sqrt(np.clip(np.nan_to_num(headcount), None, 400)) * 0.6, 1)
    when = pd.to_datetime(located["starts_at"]).dt.strftime("%a %-d %b %Y, %H:%M").to_numpy()
    attendance = np.array(
        ["not recorded" if np.isnan(v) else f"{int(v):,}" for v in headcount], dtype=object
    )
    lat = located["lat"].round(COORD_DECIMALS).to_numpy(float)
    lon = located["lon"].round(COORD_DECIMALS).to_numpy(float)
    program_of = located["program"].to_numpy(object)
    title = located["title"].to_numpy(object)
    traces = []
    for program, colour in zip(PROGRAMS, theme.PALETTE, strict=True):
        mask = program_of == program
        if not mask.any():
            continue
        traces.append(
            dict(  # noqa: C408 (Plotly's own names, as keywords)
                type="scattermap",
                lat=lat[mask],
                lon=lon[mask],
                mode="markers",
                marker={"size": size[mask], "color": colour, "opacity": 0.8},
                name=PROGRAMS[program],
                legendgroup="events",
                text=title[mask],
                customdata=np.column_stack([when[mask], attendance[mask]]),
                hovertemplate="<b>%{text}</b><br>"
                + PROGRAMS[program]
                + "<br>%{customdata[0]}<br>Attendance: %{customdata[1]}<extra></extra>",
            )
        )
    return traces


def bivariate_legend(frame: pd.DataFrame, font_size: int = 14) -> go.Figure:
    """The 3×3 key of the bivariate map, with how many areas fall in each cell.

    Cells are shapes in data units, so they stay square at any size; the high-crime,
    low-outreach corner is outlined, as on the page's caption.
    """
    counts = (
        frame.dropna(subset=["crime_level", "outreach_level"])
        .groupby(["crime_level", "outreach_level"])
        .size()
    )
    fig = go.Figure()
    xs, ys, texts = [], [], []
    for ci in range(3):
        for oi in range(3):
            n = int(counts.get((ci, oi), 0))
            corner = (ci, oi) == (2, 0)
            fig.add_shape(
                type="rect",
                x0=oi - 0.5,
                x1=oi + 0.5,
                y0=ci - 0.5,
                y1=ci + 0.5,
                fillcolor=classes.BIVARIATE_COLOURS[ci][oi],
                line={"width": 4 if corner else 1, "color": HIGHLIGHT if corner else "#ffffff"},
                layer="below",
            )
            xs.append(oi)
            ys.append(ci)
            texts.append(f"{classes.bivariate_label(ci, oi)}: {n} areas")
            fig.add_annotation(
                x=oi,
                y=ci,
                text=f"<b>{n}</b>",
                showarrow=False,
                font={
                    "size": font_size + 2,
                    "color": "#ffffff" if ci + oi >= 3 and ci >= 1 else theme.TEXT_COLOUR,
                },
            )
    fig.add_scatter(
        x=xs,
        y=ys,
        mode="markers",
        marker={"size": 40, "opacity": 0},
        hovertext=texts,
        hovertemplate="%{hovertext}<extra></extra>",
        showlegend=False,
    )
    ticks = ["Low", "Mid", "High"]
    axis = {
        "tickvals": [0, 1, 2],
        "ticktext": ticks,
        "range": [-0.5, 2.5],
        "showgrid": False,
        "zeroline": False,
        "tickangle": 0,
        "fixedrange": True,
    }
    fig.update_xaxes(title="Outreach per 1,000 →", **axis)
    fig.update_yaxes(title="Crime per 1,000 →", scaleanchor="x", **axis)
    side = 230 + 8 * font_size
    fig.update_layout(height=side, width=side, showlegend=False)
    theme.style(fig)
    fig.update_layout(
        font={"size": font_size},
        margin={"l": 10, "r": 10, "t": 10, "b": 10},
        plot_bgcolor="#ffffff",
    )
    return fig


# Hotspot grid -----------------------------------------------------------------------------

SPOT_COLOURS = {
    "Hot spot, 99% confidence": "#b2182b",
    "Hot spot, 95% confidence": "#ef8a62",
    "Not significant": "#e0e0e0",
    "Cold spot, 95% confidence": "#67a9cf",
    "Cold spot, 99% confidence": "#2166ac",
}


def hotspot_map(
    cells: gpd.GeoDataFrame,
    areas: gpd.GeoDataFrame,
    *,
    events: pd.DataFrame | None = None,
    map_style: str = "white-bg",
    height: int = 560,
    width_px: int = DEFAULT_WIDTH_PX,
    area_features: Mapping[str, dict] | None = None,
) -> go.Figure:
    """Grid cells coloured by Gi* class (hot, cold, not significant), area outlines on top.

    Cells with no incidents that are not significant are left out: they carry nothing and
    cost bytes. `area_features` as for area_map.
    """
    if cells.empty or areas.empty:
        return theme.empty_figure("No incidents with a location for these filters")
    shown = cells[(cells["incidents"] > 0) | (cells["spot"] != "Not significant")]
    cell_geoms = shapely.transform(shown.geometry.values, lambda xy: np.round(xy, COORD_DECIMALS))
    cell_feats = {
        cid: {"type": "Feature", "id": cid, "properties": {}, "geometry": json.loads(gj)}
        for cid, gj in zip(shown["cell_id"], shapely.to_geojson(cell_geoms), strict=True)
    }
    traces = []
    for label, colour in SPOT_COLOURS.items():
        part = shown[shown["spot"] == label]
        if part.empty:
            continue
        text = [
            f"<b>{label}</b><br>Incidents in this cell: {n if n == 0 or n >= 3 else '<3'}"
            f"<br>Gi* z = {z:+.1f}"
            for n, z in zip(part["incidents"], part["z"], strict=True)
        ]
        traces.append(
            _filled(
                cell_feats,
                part["cell_id"].tolist(),
                colour,
                marker={"opacity": 0.8, "line": {"width": 0}},
                name=label,
                legendgroup="classes",
                showlegend=True,
                hovertext=text,
                hovertemplate="%{hovertext}<extra></extra>",
            )
        )
    feats = display_features(areas, width_px) if area_features is None else area_features
    traces.append(
        _filled(
            feats,
            areas["area_id"].tolist(),
            "rgba(0,0,0,0)",
            marker={"line": {"width": 1, "color": OUTLINE}},
            name="Area boundaries",
            showlegend=False,
            hovertext=areas["name"].tolist(),
            hovertemplate="%{hovertext}<extra></extra>",
        )
    )
    if events is not None:
        traces += event_marker_traces(events)
    centre, zoom = geo.bounds_view(cells, map_width(width_px), height - 20)
    return _map_figure(
        traces,
        {"map": {"style": map_style, "center": centre, "zoom": zoom}},
        width_px,
        height,
        "Hot spots (Getis-Ord Gi*, FDR 5%)",
    )


def figure_bytes(fig: go.Figure) -> int:
    """What the browser receives for this figure (its JSON), in bytes."""
    return len(fig.to_json().encode("utf-8"))
