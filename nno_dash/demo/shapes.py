"""Plane geometry for the demo city: sampling, tessellating, and metres to longitude/latitude.

The city is drawn in metres on a local plane (x east, y north of the centre) and
converted to WGS84 only at the end.
"""

from __future__ import annotations

import math

import numpy as np
import shapely

# A fictional city on the plains; only the numbers are real.
LAT0, LON0 = 39.1, -94.9
M_PER_DEG_LAT = 110_574.0
M_PER_DEG_LON = 111_320.0 * math.cos(math.radians(LAT0))


def _polygons(geom: shapely.Geometry) -> list[shapely.Polygon]:
    return [p for p in shapely.get_parts(geom) if isinstance(p, shapely.Polygon) and p.area > 0]


def largest_polygon(geom: shapely.Geometry) -> shapely.Polygon:
    return max(_polygons(geom), key=lambda p: p.area)


def sample_in(geom: shapely.Geometry, n: int, rng: np.random.Generator) -> np.ndarray:
    """n uniform points inside a polygon: vectorised rejection sampling from its box."""
    out = np.empty((n, 2))
    if n == 0:
        return out
    shapely.prepare(geom)
    minx, miny, maxx, maxy = geom.bounds
    ratio = (maxx - minx) * (maxy - miny) / max(geom.area, 1e-9)
    filled = 0
    while filled < n:
        m = int((n - filled) * ratio * 1.2) + 16
        x = rng.uniform(minx, maxx, m)
        y = rng.uniform(miny, maxy, m)
        inside = shapely.contains_xy(geom, x, y)
        take = min(n - filled, int(inside.sum()))
        out[filled : filled + take, 0] = x[inside][:take]
        out[filled : filled + take, 1] = y[inside][:take]
        filled += take
    return out


def tessellate(
    region: shapely.Polygon, n: int, rng: np.random.Generator, relax: int = 3
) -> list[shapely.Polygon]:
    """n Voronoi cells covering a region, evened out by a few Lloyd steps, one piece each."""
    points = sample_in(region, n, rng)
    for step in range(relax + 1):
        cells = shapely.get_parts(
            shapely.voronoi_polygons(shapely.multipoints(points), extend_to=region, ordered=True)
        )
        cells = shapely.intersection(cells, region)
        if step < relax:
            centres = shapely.centroid(cells)
            inside = shapely.within(centres, region)
            centres = np.where(inside, centres, shapely.point_on_surface(cells))
            points = shapely.get_coordinates(centres)
    return _whole(cells)


def _whole(cells: np.ndarray) -> list[shapely.Polygon]:
    """Give each cell's stray fragments (cut off by the river or a bay) to the neighbour
    they share most border with, so every area is one polygon and the cover stays exact."""
    parts = [sorted(_polygons(c), key=lambda p: p.area, reverse=True) for c in cells]
    mains = np.array([p[0] for p in parts], dtype=object)
    for i, cell_parts in enumerate(parts):
        for fragment in cell_parts[1:]:
            shared = shapely.area(shapely.intersection(fragment.buffer(1.0), mains))
            shared[i] = -1
            j = int(np.argmax(shared))
            mains[j] = shapely.union(mains[j], fragment)
    return list(mains)


def object_array(geoms: list[shapely.Geometry]) -> np.ndarray:
    return np.array(geoms, dtype=object)


def centroid_xy(geoms: list[shapely.Geometry] | np.ndarray) -> np.ndarray:
    return shapely.get_coordinates(shapely.centroid(object_array(list(geoms))))


def to_lonlat(x: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    return LON0 + np.asarray(x) / M_PER_DEG_LON, LAT0 + np.asarray(y) / M_PER_DEG_LAT
