"""Maps: classed choropleths, markers, the bivariate key, hotspots, and the bytes they cost."""

from __future__ import annotations

import json

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely

from nno_dash.analysis import classes, coverage, hotspots
from nno_dash.core.filters import Filters, default_period
from nno_dash.core.vocab import PROGRAMS
from nno_dash.geo import areas as geo
from nno_dash.queries import crime, datasets, geography, outreach, overview
from nno_dash.viz import maps

MAX_FIGURE_BYTES = 2_000_000


def area_traces(fig) -> list:
    return [t for t in fig.data if t.type == "choroplethmap" and t.name != "Selected"]


@pytest.fixture(scope="module")
def demo(con):
    info = datasets.dataset_info(con)
    filters = Filters(*default_period(info["last_day"]))
    city = coverage.with_classes(overview.area_summary(con, filters))
    areas = geography.load_areas(con, "neighbourhood", display=True)
    events = outreach.event_list(con, filters)
    return areas, city, events


def synthetic_city(n_areas: int, seed: int = 3) -> gpd.GeoDataFrame:
    """n Voronoi areas over 30 km square near Chicago, with wiggly edges every 25 m, as real
    boundaries that follow streets, rivers and rail lines have."""
    rng = np.random.default_rng(seed)
    lon0, lat0 = -87.9, 41.65
    points = shapely.points(
        lon0 + rng.uniform(0, 0.36, n_areas), lat0 + rng.uniform(0, 0.27, n_areas)
    )
    frame = shapely.box(lon0, lat0, lon0 + 0.36, lat0 + 0.27)
    cells = shapely.voronoi_polygons(shapely.multipoints(points), extend_to=frame)
    cells = shapely.intersection(shapely.get_parts(cells), frame)
    dense = shapely.segmentize(cells, 0.0003)
    # a wiggle that depends only on the point, so rings stay closed and shared edges shared
    wiggly = shapely.transform(
        dense,
        lambda xy: xy + 0.0001 * np.sin(xy[:, ::-1] * np.array([9.1e4, 7.3e4])),
    )
    return gpd.GeoDataFrame(
        {
            "area_id": [f"beat:{i}" for i in range(len(cells))],
            "name": [f"Beat {i}" for i in range(len(cells))],
            "population": rng.integers(500, 20_000, len(cells)),
        },
        geometry=shapely.make_valid(wiggly),
        crs=geo.WGS84,
    )


def fake_events(areas: gpd.GeoDataFrame, n: int, seed: int = 1) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    minx, miny, maxx, maxy = areas.total_bounds
    return pd.DataFrame(
        {
            "event_id": [f"e{i}" for i in range(n)],
            "title": [f"Community meeting {i}" for i in range(n)],
            "program": rng.choice(list(PROGRAMS), n),
            "starts_at": pd.Timestamp("2026-08-04 18:00")
            + pd.to_timedelta(rng.integers(0, 300, n), "D"),
            "lat": rng.uniform(miny, maxy, n),
            "lon": rng.uniform(minx, maxx, n),
            "headcount": rng.integers(5, 400, n),
        }
    )


def test_each_area_is_in_exactly_one_class_trace_with_only_its_own_shape(demo):
    areas, city, _ = demo
    fig = maps.area_map(areas, city, "incident_rate")
    traces = area_traces(fig)
    located = [loc for t in traces for loc in t.locations]
    assert sorted(located) == sorted(areas["area_id"])
    for trace in traces:
        assert [f["id"] for f in trace.geojson["features"]] == list(trace.locations)
    cl = maps.default_classes(city, "incident_rate")
    assert [t.name for t in traces] == list(cl.labels)


def test_trace_colours_follow_the_classes_and_zero_is_grey(demo):
    areas, city, _ = demo
    fig = maps.area_map(areas, city, "event_rate")
    by_name = {t.name: t for t in area_traces(fig)}
    if (city["event_rate"] == 0).any():
        zero = by_name["0"]
        assert zero.colorscale[0][1] == classes.ZERO_COLOUR
        assert set(zero.locations) == set(city.loc[city["event_rate"] == 0, "area_id"])
    rates = city.set_index("area_id")["event_rate"]
    for trace in area_traces(fig):
        if trace.name == "0":
            continue
        low, high = (float(v) for v in trace.name.replace(",", "").split("–"))
        assert rates[list(trace.locations)].between(low - 0.01, high + 0.01).all()


def test_change_map_uses_the_fixed_diverging_classes(demo):
    areas, city, _ = demo
    fig = maps.area_map(areas, city, "incident_change_pct")
    names = [t.name for t in area_traces(fig)]
    assert set(names) <= {*classes.CHANGE_LABELS, classes.NO_DATA}


def test_bivariate_map_and_its_key(demo):
    areas, city, _ = demo
    fig = maps.area_map(
        areas, city, "bivariate", area_classes=classes.bivariate_classes(), class_legend=False
    )
    by_name = {t.name: t for t in area_traces(fig)}
    pink = by_name[classes.HIGH_CRIME_LOW_OUTREACH]
    assert pink.colorscale[0][1] == classes.BIVARIATE_COLOURS[2][0]
    assert set(pink.locations) == set(
        city.loc[city["bivariate"] == classes.HIGH_CRIME_LOW_OUTREACH, "area_id"]
    )
    assert not any(t.showlegend for t in area_traces(fig))
    key = maps.bivariate_legend(city)
    counts = sorted(int(a.text.strip("<b>/")) for a in key.layout.annotations)
    assert sum(counts) == city["bivariate"].ne(classes.NO_DATA).sum()
    assert len(key.layout.shapes) == 9


def test_highlight_outlines_the_selected_area_and_zooms_in(demo):
    areas, city, _ = demo
    whole = maps.area_map(areas, city, "incident_rate")
    one = maps.area_map(areas, city, "incident_rate", highlight=["neighbourhood:3"])
    selected = [t for t in one.data if t.name == "Selected"]
    assert len(selected) == 1 and list(selected[0].locations) == ["neighbourhood:3"]
    assert one.layout.map.zoom > whole.layout.map.zoom


def test_hover_shows_names_labels_and_dashes_for_missing():
    frame = pd.DataFrame(
        {"area_id": ["a"], "name": ["Ashland"], "incident_rate": [12.345], "events": [None]}
    )
    text = maps.hover_text(frame, {"incident_rate": ":,.1f", "events": ":,"})[0]
    assert text == "<b>Ashland</b><br>Incidents per 1,000 residents: 12.3<br>Outreach events: –"


def test_event_markers_hover_with_event_date_and_attendance(demo):
    areas, city, events = demo
    fig = maps.area_map(areas, city, "incident_rate", events=events)
    markers = [t for t in fig.data if t.type == "scattermap"]
    assert {t.name for t in markers} <= set(PROGRAMS.values())
    assert sum(len(t.lat) for t in markers) == events.dropna(subset=["lat", "lon"]).shape[0]
    first = markers[0]
    assert "Attendance" in first.hovertemplate and first.text[0]
    assert all(t.legend == "legend2" for t in markers)  # beside the class legend


def test_a_phone_gets_one_legend_under_the_map(demo):
    areas, city, events = demo
    fig = maps.area_map(areas, city, "incident_rate", events=events, width_px=370, height=500)
    assert fig.layout.legend.orientation == "h" and fig.layout.legend.y < 0
    assert fig.layout.height > 500


def test_figure_for_an_800_area_city_stays_under_2_mb():
    areas = synthetic_city(800)
    raw = len(areas.to_json())
    frame = pd.DataFrame(
        {
            "area_id": areas["area_id"],
            "population": areas["population"],
            "incident_rate": np.random.default_rng(2).gamma(2, 5, len(areas)),
        }
    )
    fig = maps.area_map(areas, frame, "incident_rate", events=fake_events(areas, 3000))
    size = maps.figure_bytes(fig)
    assert size < MAX_FIGURE_BYTES, f"{size:,} bytes"
    assert size < raw / 2  # simplification and rounding do real work
    # every area is still drawn
    assert sum(len(t.locations) for t in area_traces(fig)) == len(areas)


def test_maps_draw_the_simplified_features_they_are_given():
    areas = synthetic_city(50)
    first = maps.features(areas, 0.0005)
    assert maps.display_features(areas, 900) == maps.features(
        areas, maps.display_tolerance(areas, 900)
    )
    frame = areas[["area_id"]].assign(incident_rate=np.arange(len(areas), dtype=float))
    fig = maps.area_map(areas, frame, "incident_rate", area_features=first)
    drawn = {f["id"]: f for t in area_traces(fig) for f in t.geojson["features"]}
    assert drawn == {area_id: first[area_id] for area_id in areas["area_id"]}
    assert maps.features(areas, 0.0001) != first
    coords = json.dumps(first["beat:0"]["geometry"])
    assert all(
        len(part.split(".")[-1]) <= 5
        for part in coords.replace("]", ",").split(",")[:20]
        if "." in part
    )


def test_hotspot_map_draws_cells_not_points(con, demo):
    areas, _, events = demo
    info = datasets.dataset_info(con)
    filters = Filters(*default_period(info["last_day"]))
    grid = hotspots.grid_for(areas)
    cells = hotspots.hotspot_cells(areas, grid, crime.incident_grid(con, filters, *grid.params()))
    fig = maps.hotspot_map(cells, areas, events=events)
    spots = [t for t in fig.data if t.type == "choroplethmap" and t.name in maps.SPOT_COLOURS]
    assert spots and all(len(t.geojson["features"]) == len(t.locations) for t in spots)
    assert any(t.name.startswith("Hot spot") for t in spots)
    assert not [t for t in fig.data if t.type == "scattermap" and t.name not in PROGRAMS.values()]
    assert maps.figure_bytes(fig) < MAX_FIGURE_BYTES


def test_empty_inputs_give_the_no_data_figure():
    empty = gpd.GeoDataFrame({"area_id": [], "name": []}, geometry=[], crs=geo.WGS84)
    fig = maps.area_map(empty, pd.DataFrame({"area_id": [], "x": []}), "x")
    assert "No boundaries" in fig.layout.annotations[0].text
