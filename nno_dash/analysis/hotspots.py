"""Hotspots: incidents counted on a square grid, and Getis-Ord Gi* hot and cold spots.

Points never leave DuckDB: `queries.incident_grid` counts incidents per grid cell, so
the work and the bytes sent to the browser depend on the number of cells (a few
thousand), not on the number of incidents. This module lays the grid over the areas,
keeps the cells inside them (a cell outside the city is not a "zero"), and runs Gi* with
queen contiguity (PySAL's esda, the statistic of ArcGIS's hot spot analysis), then a
Benjamini-Hochberg false-discovery-rate correction: with thousands of cells, uncorrected
p < 0.05 would flag a hundred "hot spots" by chance alone.

Sensitive offences are left out of the grid, and cells are at least 250 m across, so a
cell never locates an incident more precisely than its block.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from nno_dash.geo.areas import WGS84

MIN_CELL_M = 250.0
TARGET_CELLS = 2500
M_PER_DEG_LAT = 110_574.0
SPOT_LABELS = {
    (1, 99): "Hot spot, 99% confidence",
    (1, 95): "Hot spot, 95% confidence",
    (-1, 95): "Cold spot, 95% confidence",
    (-1, 99): "Cold spot, 99% confidence",
}
NOT_SIGNIFICANT = "Not significant"


@dataclass(frozen=True)
class Grid:
    """A square grid in metres, as origin and cell size in degrees (what the SQL needs)."""

    lat0: float
    lon0: float
    dlat: float
    dlon: float
    size_m: float

    def params(self) -> tuple[float, float, float, float]:
        return (self.lat0, self.lon0, self.dlat, self.dlon)


def _nice(metres: float) -> float:
    """Round a cell size up to a multiple of 50 m, so the legend can say "250 m cells"."""
    return float(math.ceil(metres / 50.0) * 50.0)


def grid_for(
    areas: gpd.GeoDataFrame, target_cells: int = TARGET_CELLS, min_size_m: float = MIN_CELL_M
) -> Grid:
    """A grid of about `target_cells` cells over the areas' bounds, never finer than
    `min_size_m`; anchored at the bounds' south-west corner."""
    minx, miny, maxx, maxy = areas.total_bounds
    mid_lat = (miny + maxy) / 2
    m_per_deg_lon = M_PER_DEG_LAT * math.cos(math.radians(mid_lat))
    width_m = max((maxx - minx) * m_per_deg_lon, 1.0)
    height_m = max((maxy - miny) * M_PER_DEG_LAT, 1.0)
    size = _nice(max(math.sqrt(width_m * height_m / target_cells), min_size_m))
    return Grid(
        lat0=float(miny),
        lon0=float(minx),
        dlat=size / M_PER_DEG_LAT,
        dlon=size / m_per_deg_lon,
        size_m=size,
    )


def city_cells(areas: gpd.GeoDataFrame, grid: Grid) -> gpd.GeoDataFrame:
    """cell_id, gx, gy and the square of every grid cell that touches an area."""
    minx, miny, maxx, maxy = areas.total_bounds
    nx = int(math.floor((maxx - grid.lon0) / grid.dlon)) + 1
    ny = int(math.floor((maxy - grid.lat0) / grid.dlat)) + 1
    gx, gy = np.meshgrid(np.arange(nx), np.arange(ny))
    gx, gy = gx.ravel(), gy.ravel()
    x0 = grid.lon0 + gx * grid.dlon
    y0 = grid.lat0 + gy * grid.dlat
    squares = shapely.box(x0, y0, x0 + grid.dlon, y0 + grid.dlat)
    city = shapely.union_all(areas.geometry.values)
    shapely.prepare(city)
    inside = shapely.intersects(city, squares)
    return gpd.GeoDataFrame(
        {
            "cell_id": [f"{x}:{y}" for x, y in zip(gx[inside], gy[inside], strict=True)],
            "gx": gx[inside],
            "gy": gy[inside],
        },
        geometry=squares[inside],
        crs=WGS84,
    )


def queen_neighbours(gx: np.ndarray, gy: np.ndarray) -> dict[int, list[int]]:
    """Row -> rows of the up to eight cells touching it (edges or corners)."""
    index = {(int(x), int(y)): i for i, (x, y) in enumerate(zip(gx, gy, strict=True))}
    out: dict[int, list[int]] = {}
    for (x, y), i in index.items():
        out[i] = [
            index[(x + dx, y + dy)]
            for dx in (-1, 0, 1)
            for dy in (-1, 0, 1)
            if (dx or dy) and (x + dx, y + dy) in index
        ]
    return out


def getis_ord(counts: pd.DataFrame, alpha: float = 0.05) -> pd.DataFrame:
    """Add z (Gi* z-score), p (two-sided), q (FDR-adjusted) and spot to a cell table.

    `counts` needs gx, gy and incidents for every cell of the study region, zeros
    included. Binary queen weights with each cell counted in its own neighbourhood (the
    "star" in Gi*). A spot at 99% has q < 0.01; at 95%, q < alpha.
    """
    from esda.getisord import G_Local  # import on use: esda is slow to import
    from libpysal.weights import W
    from scipy import stats  # on use too: the Outreach coverage page rarely needs it

    out = counts.copy()
    y = out["incidents"].to_numpy(dtype=float)
    if len(out) < 9 or y.sum() == 0 or np.all(y == y[0]):
        out["z"], out["p"], out["q"] = 0.0, 1.0, 1.0
        out["spot"] = NOT_SIGNIFICANT
        return out
    neighbours = queen_neighbours(out["gx"].to_numpy(), out["gy"].to_numpy())
    weights = W(neighbours, silence_warnings=True)
    gi = G_Local(y, weights, transform="B", star=True, permutations=0)
    z = np.nan_to_num(np.asarray(gi.Zs, dtype=float))
    p = 2 * stats.norm.sf(np.abs(z))
    q = stats.false_discovery_control(p)  # Benjamini-Hochberg
    out["z"], out["p"], out["q"] = z, p, q
    sign = np.sign(z).astype(int)
    level = np.where(q < 0.01, 99, np.where(q < alpha, 95, 0))
    out["spot"] = [
        SPOT_LABELS.get((s, lv), NOT_SIGNIFICANT) for s, lv in zip(sign, level, strict=True)
    ]
    return out


def hotspot_cells(
    areas: gpd.GeoDataFrame, grid: Grid, counts: pd.DataFrame, alpha: float = 0.05
) -> gpd.GeoDataFrame:
    """Every cell in the areas with its incidents (from queries.incident_grid) and Gi* result.

    Incidents that fall in cells outside the areas (bad coordinates) are dropped.
    """
    cells = city_cells(areas, grid)
    merged = cells.merge(counts[["gx", "gy", "incidents"]], on=["gx", "gy"], how="left")
    merged["incidents"] = merged["incidents"].fillna(0).astype(int)
    result = getis_ord(pd.DataFrame(merged.drop(columns="geometry")), alpha)
    return gpd.GeoDataFrame(result, geometry=merged.geometry.values, crs=WGS84)


def summary(cells: pd.DataFrame) -> dict[str, int]:
    """How many cells of each kind, and the incidents in hot spots (for a caption)."""
    hot = cells["spot"].str.startswith("Hot")
    return {
        "cells": len(cells),
        "hot": int(hot.sum()),
        "cold": int(cells["spot"].str.startswith("Cold").sum()),
        "incidents": int(cells["incidents"].sum()),
        "incidents_in_hot": int(cells.loc[hot, "incidents"].sum()),
    }
