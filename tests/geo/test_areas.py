"""Point-in-polygon (geo.assign_areas / locate_areas): one implementation for the demo
generator and the importer, checked against a geopandas spatial join, with and without
its grid."""

from __future__ import annotations

import duckdb
import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely
from import_fixtures import areas_db  # noqa: F401

from nno_dash.geo import areas as geo
from nno_dash.queries import geography


def _frame(rows: list[tuple[str, str, shapely.Geometry]]) -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame(
        {
            "area_id": [r[0] for r in rows],
            "kind": [r[1] for r in rows],
            "code": [r[0].split(":")[1] for r in rows],
            "name": [r[0] for r in rows],
            "population": [1000] * len(rows),
        },
        geometry=[r[2] for r in rows],
        crs=geo.WGS84,
    )


def _reference(lon: np.ndarray, lat: np.ndarray, areas: gpd.GeoDataFrame) -> pd.DataFrame:
    """geopandas' `within` join: the first area in the frame's order wins."""
    points = gpd.GeoDataFrame(
        {"i": np.arange(len(lon))}, geometry=gpd.points_from_xy(lon, lat), crs=geo.WGS84
    )
    out = pd.DataFrame(index=pd.RangeIndex(len(lon)))
    for kind, column in geo.AREA_COLUMNS.items():
        own = areas.loc[areas["kind"] == kind, ["area_id", "geometry"]].reset_index(drop=True)
        own["order"] = np.arange(len(own))
        hits = gpd.sjoin(points, own, predicate="within").sort_values(["i", "order"])
        hits = hits.drop_duplicates("i")
        values = np.full(len(lon), None, dtype=object)
        values[hits["i"].to_numpy()] = hits["area_id"].to_numpy()
        out[column] = values
    return out


def _same(a: pd.DataFrame, b: pd.DataFrame) -> None:
    assert list(a.columns) == list(b.columns)
    for column in a.columns:
        same = (a[column].isna() & b[column].isna()) | (a[column] == b[column])
        assert same.all(), (column, a[column][~same].head(), b[column][~same].head())


@pytest.fixture
def grid_on(monkeypatch):
    """Build the grid for any number of points."""
    monkeypatch.setattr(geo, "GRID_MIN_POINTS", 0)


@pytest.fixture
def grid_off(monkeypatch):
    monkeypatch.setattr(geo, "GRID_MIN_POINTS", 10**12)


@pytest.mark.parametrize("mode", ["grid_off", "grid_on"])
def test_chicago_points_match_a_spatial_join(areas_db, request, mode):  # noqa: F811
    request.getfixturevalue(mode)
    with duckdb.connect(str(areas_db), read_only=True) as con:
        areas = geography.load_areas(con)
    rng = np.random.default_rng(7)
    lon = rng.uniform(-87.95, -87.5, 20_000)
    lat = rng.uniform(41.63, 42.03, 20_000)
    # every vertex of a few areas: points exactly on edges, in neither area by `within`
    vertices = np.concatenate(
        [shapely.get_coordinates(g) for g in areas.geometry.iloc[:: len(areas) // 8]]
    )
    lon, lat = np.r_[lon, vertices[:, 0], np.nan], np.r_[lat, vertices[:, 1], 41.8]
    found = geo.assign_areas(lon, lat, areas)
    _same(found, _reference(lon, lat, areas))
    assert found["neighbourhood_id"].notna().sum() > 8_000  # about half the box is Chicago
    assert found.iloc[-1].isna().all()  # no longitude: no area
    index = geo.area_index(areas)
    geo.locate_areas(lon, lat, index)
    built = index["neighbourhood"].cells is not None
    assert built == (mode == "grid_on")


@pytest.mark.parametrize("mode", ["grid_off", "grid_on"])
def test_overlaps_go_to_the_first_area_and_edges_to_none(request, mode):
    request.getfixturevalue(mode)
    areas = _frame(
        [
            ("beat:1", "beat", shapely.box(0, 0, 2, 2)),
            ("beat:2", "beat", shapely.box(1, 1, 3, 3)),  # overlaps beat 1 in [1,2]x[1,2]
            ("district:9", "district", shapely.box(0, 0, 3, 3)),
        ]
    )
    lon = np.array([0.5, 1.5, 2.5, 2.0, 5.0])
    lat = np.array([0.5, 1.5, 2.5, 0.5, 5.0])
    found = geo.assign_areas(lon, lat, areas)

    def ids(column: str) -> list[str | None]:
        return [v if isinstance(v, str) else None for v in found[column]]

    # (2, 0.5) is on beat 1's edge: in neither beat
    assert ids("beat_id") == ["beat:1", "beat:1", "beat:2", None, None]
    assert ids("district_id") == ["district:9"] * 4 + [None]
    assert found["neighbourhood_id"].isna().all()  # no areas of that kind
    _same(found, _reference(lon, lat, areas))


def test_the_callers_index_keeps_its_grid_and_builds_it_on_demand():
    areas = _frame([("beat:1", "beat", shapely.box(0, 0, 1, 1))])
    index = geo.area_index(areas)
    assert geo.area_index(areas) is not index  # no hidden cache: the caller keeps the index
    beat = index["beat"]
    beat.locate(np.array([0.5]), np.array([0.5]))
    assert beat.cells is None  # one point: the exact test only
    where = beat.locate(np.array([0.5, 2.0]), np.array([0.5, 0.5]), total=geo.GRID_MIN_POINTS)
    assert beat.cells is not None  # the caller will locate many points in chunks
    assert list(where) == [0, -1]
    cells = beat.cells
    geo.locate_areas(np.array([0.5]), np.array([0.5]), index, total=geo.GRID_MIN_POINTS)
    assert index["beat"].cells is cells  # built once, kept with the caller's index
