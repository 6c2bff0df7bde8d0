"""The demo city's geography: outline, neighbourhoods, police beats and districts, council
districts, their populations, and the traits (risk, trend, hotspots) that drive crime."""

from __future__ import annotations

import math
from dataclasses import dataclass

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from nno_dash.demo.names import HOOD_NAMES, WATER_NAMES, district_name
from nno_dash.demo.offences import CATEGORY_CODES, DOWNTOWN_MIX
from nno_dash.demo.shapes import (
    centroid_xy,
    largest_polygon,
    object_array,
    sample_in,
    tessellate,
    to_lonlat,
)
from nno_dash.demo.streams import random_stream
from nno_dash.geo import areas as geo

CITY_RADIUS_M = 7_500.0

N_HOODS = 40
N_DISTRICTS = 8
N_COUNCIL = 8
N_BEATS = 120
BEATS_PER_DISTRICT = (10, 24)  # allowed range; the workload decides
TOTAL_POPULATION = 600_000
POPULATION_RANGE = (2_000, 45_000)
N_HIGH_CRIME = 5


def _outline(rng: np.random.Generator) -> tuple[shapely.Polygon, shapely.LineString]:
    """A wobbly, roughly round city about 15 km across, with a river notch in one side."""
    theta = np.linspace(0, 2 * np.pi, 256, endpoint=False)
    radius = np.ones_like(theta)
    for k in range(2, 7):
        amplitude = rng.uniform(0.03, 0.09) / math.sqrt(k - 1)
        radius += amplitude * np.cos(k * theta + rng.uniform(0, 2 * np.pi))
    r = CITY_RADIUS_M * radius
    city = shapely.Polygon(np.column_stack([r * np.cos(theta), r * np.sin(theta)]))
    # The river ends in a harbour inside the city, so the city stays one piece.
    angle = rng.uniform(0, 2 * np.pi)
    t = np.linspace(0, 1, 80)
    along = CITY_RADIUS_M * (1.3 - 0.75 * t)
    side = 320 * np.sin(2.5 * np.pi * t + rng.uniform(0, 2 * np.pi))
    direction = np.array([math.cos(angle), math.sin(angle)])
    normal = np.array([-direction[1], direction[0]])
    river = shapely.LineString(along[:, None] * direction + side[:, None] * normal)
    return largest_polygon(city.difference(river.buffer(200))), river


def _position_order(centroids: np.ndarray) -> np.ndarray:
    """Numbering order: the area at the centre first, then clockwise from north."""
    distance = np.hypot(centroids[:, 0], centroids[:, 1])
    first = int(np.argmin(distance))
    angle = np.mod(np.arctan2(centroids[:, 0], centroids[:, 1]), 2 * np.pi)
    angle[first] = -1
    return np.argsort(angle, kind="stable")


def _reading_order(centroids: np.ndarray) -> np.ndarray:
    """Neighbourhood numbering: north to south in bands of 2.5 km, west to east in a band."""
    band = np.floor(-centroids[:, 1] / 2_500)
    return np.lexsort((centroids[:, 0], band))


def _scale_to_total(raw: np.ndarray, total: float, low: float, high: float) -> np.ndarray:
    """Scale positive weights to a total while keeping every value inside [low, high]."""
    scale = total / raw.sum()
    for _ in range(100):
        values = np.clip(raw * scale, low, high)
        scale *= total / values.sum()
    return np.clip(raw * scale, low, high)


@dataclass
class City:
    """The fictional city in local metres; neighbourhood attributes drive crime and outreach."""

    areas: gpd.GeoDataFrame  # all kinds: area_id, kind, code, name, population, geometry
    hoods: gpd.GeoDataFrame  # one row per neighbourhood, in code order
    beats: gpd.GeoDataFrame  # beat rows, with the position of their district
    parts: gpd.GeoDataFrame  # beat x neighbourhood pieces: hood, beat, district, area_m2
    hotspots: list[np.ndarray]  # per neighbourhood, (k, 2) persistent hotspot points
    neighbours: list[np.ndarray]  # per neighbourhood, positions of adjacent ones
    category_mult: np.ndarray  # (neighbourhoods, categories) local mix of offences
    downtown: int


def _neighbourhoods(
    outline: shapely.Polygon, river: shapely.LineString, rng: np.random.Generator
) -> gpd.GeoDataFrame:
    """Neighbourhood polygons, numbered in reading order, with their people and their risk.

    Risk is a smooth gradient across the city plus noise, and a few persistently
    high-crime areas on top: crime clusters, as it does in real cities.
    """
    cells = tessellate(outline, N_HOODS, rng)
    order = _reading_order(centroid_xy(cells))
    cells = [cells[i] for i in order]
    centroids = centroid_xy(cells)
    downtown = int(np.argmin(np.hypot(centroids[:, 0], centroids[:, 1])))
    near_river = shapely.distance(object_array(cells), river) < 250
    water = [str(n) for n in rng.permutation(WATER_NAMES)]
    plain = [str(n) for n in rng.permutation(HOOD_NAMES)]
    names = [
        "Downtown" if i == downtown else water.pop() if near_river[i] and water else plain.pop()
        for i in range(N_HOODS)
    ]
    raw_pop = rng.lognormal(0, 0.6, N_HOODS)
    raw_pop[downtown] = 0.2 * raw_pop.mean()
    population = np.round(_scale_to_total(raw_pop, TOTAL_POPULATION, *POPULATION_RANGE), -1)

    direction = rng.normal(size=2)
    direction /= np.linalg.norm(direction)
    log_risk = 0.5 * (centroids @ direction) / CITY_RADIUS_M + rng.normal(0, 0.3, N_HOODS)
    log_risk[downtown] += 0.3
    ranked = [i for i in np.argsort(-log_risk) if i != downtown]
    high = np.sort(ranked[:N_HIGH_CRIME])
    log_risk[high] += rng.uniform(0.5, 0.8, len(high))
    propensity = rng.lognormal(0, 0.5, N_HOODS)
    codes = [str(i + 1) for i in range(N_HOODS)]
    return gpd.GeoDataFrame(
        {
            "area_id": [f"neighbourhood:{c}" for c in codes],
            "kind": "neighbourhood",
            "code": codes,
            "name": names,
            "population": population.astype(int),
            "risk": np.exp(log_risk),
            "high_crime": np.isin(np.arange(N_HOODS), high),
            "downtown": np.arange(N_HOODS) == downtown,
            "trend": rng.normal(-0.01, 0.025, N_HOODS),  # log change in crime per year
            "propensity": propensity / propensity.mean(),  # tendency to host outreach
        },
        geometry=cells,
    )


def _hotspots(hoods: gpd.GeoDataFrame, rng: np.random.Generator) -> list[np.ndarray]:
    """Persistent hotspot points: three in each high-crime area, a couple downtown, a few
    elsewhere; kept 150 m inside the edge so the hotspot is clearly in its area."""
    out = []
    for cell, high, downtown in zip(
        hoods.geometry, hoods["high_crime"], hoods["downtown"], strict=True
    ):
        k = 3 if high else 2 if downtown else int(rng.choice([0, 1, 1, 2]))
        core = cell.buffer(-150)
        out.append(sample_in(core if core.area > 0 else cell, k, rng))
    return out


def _police_areas(
    outline: shapely.Polygon, hoods: gpd.GeoDataFrame, rng: np.random.Generator
) -> tuple[gpd.GeoDataFrame, gpd.GeoDataFrame]:
    """Police districts and their beats; a district is exactly the union of its beats.

    Beats share out the workload, so busy districts get more (smaller) beats. Beat codes
    are district, sector and beat: "0111" is district 1, sector 1, beat 1.
    """
    district_cells = tessellate(outline, N_DISTRICTS, rng, relax=4)
    workload = hoods["population"].to_numpy() * hoods["risk"].to_numpy()
    overlap = shapely.area(
        shapely.intersection(
            object_array(district_cells)[:, None], hoods.geometry.to_numpy()[None, :]
        )
    )
    share = (overlap / shapely.area(hoods.geometry.values)[None, :]) @ workload
    n_beats = np.clip(np.round(N_BEATS * share / share.sum()), *BEATS_PER_DISTRICT).astype(int)
    beat_rows, district_rows = [], []
    for number, d in enumerate(_position_order(centroid_xy(district_cells)), start=1):
        beats = tessellate(district_cells[d], int(n_beats[d]), rng, relax=2)
        centroids = centroid_xy(beats)
        sectors = math.ceil(len(beats) / 5)
        per_sector = math.ceil(len(beats) / sectors)
        by_north = np.argsort(-centroids[:, 1], kind="stable")
        for s in range(sectors):
            chunk = by_north[s * per_sector : (s + 1) * per_sector]
            for b, i in enumerate(chunk[np.argsort(centroids[chunk, 0])], start=1):
                code = f"{number:02d}{s + 1}{b}"
                beat_rows.append(
                    (f"beat:{code}", "beat", code, f"Beat {code}", number - 1, beats[i])
                )
        district_rows.append(
            (f"district:{number}", "district", str(number), district_name(number),
             number - 1, shapely.union_all(beats))
        )  # fmt: skip
    columns = ["area_id", "kind", "code", "name", "district", "geometry"]
    return (
        gpd.GeoDataFrame(pd.DataFrame(beat_rows, columns=columns), geometry="geometry"),
        gpd.GeoDataFrame(pd.DataFrame(district_rows, columns=columns), geometry="geometry"),
    )


def _pieces(hoods: gpd.GeoDataFrame, beats: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """Beat x neighbourhood pieces: for areal interpolation, and to place venues."""
    hood_idx, beat_idx = shapely.STRtree(beats.geometry.values).query(
        hoods.geometry.values, predicate="intersects"
    )
    pieces = shapely.intersection(hoods.geometry.values[hood_idx], beats.geometry.values[beat_idx])
    area = shapely.area(pieces)
    keep = area > 1.0
    return gpd.GeoDataFrame(
        {
            "hood": hood_idx[keep],
            "beat": beat_idx[keep],
            "district": beats["district"].to_numpy()[beat_idx[keep]],
            "area_m2": area[keep],
        },
        geometry=pieces[keep],
    )


def _interpolate_population(hoods: gpd.GeoDataFrame, parts: gpd.GeoDataFrame, n: int) -> np.ndarray:
    """Beat populations by areal interpolation: residents spread evenly in a neighbourhood."""
    hood = parts["hood"].to_numpy()
    share = parts["area_m2"].to_numpy() / shapely.area(hoods.geometry.values)[hood]
    people = hoods["population"].to_numpy()[hood] * share
    return np.round(np.bincount(parts["beat"].to_numpy(), weights=people, minlength=n)).astype(int)


def _adjacency(hoods: gpd.GeoDataFrame) -> list[np.ndarray]:
    """For each neighbourhood, the ones sharing a border with it (a corner is not enough)."""
    geoms = hoods.geometry.to_numpy()
    left, right = shapely.STRtree(geoms).query(geoms, predicate="intersects")
    keep = left != right
    left, right = left[keep], right[keep]
    shared = shapely.length(
        shapely.intersection(shapely.boundary(geoms[left]), shapely.boundary(geoms[right]))
    )
    left, right = left[shared > 10], right[shared > 10]
    return [right[left == i] for i in range(len(geoms))]


def _council_districts(
    hoods: gpd.GeoDataFrame, adjacent: list[np.ndarray], rng: np.random.Generator
) -> gpd.GeoDataFrame:
    """Council districts: contiguous groups of whole neighbourhoods with similar populations.

    Grown from spread-out seed neighbourhoods: the least populous district so far takes
    the unassigned neighbour nearest its seed, as redistricting balances population.
    """
    centroids = centroid_xy(hoods.geometry.to_numpy())
    population = hoods["population"].to_numpy()
    seeds = [int(rng.integers(len(hoods)))]
    while len(seeds) < N_COUNCIL:  # farthest-point seeding spreads them over the city
        gaps = np.linalg.norm(centroids[:, None] - centroids[seeds][None], axis=2)
        seeds.append(int(np.argmax(gaps.min(axis=1))))
    labels = np.full(len(hoods), -1)
    labels[seeds] = np.arange(N_COUNCIL)
    totals = population[seeds].astype(float)
    while (labels < 0).any():
        for j in np.argsort(totals, kind="stable"):
            members = np.flatnonzero(labels == j)
            frontier = np.unique(np.concatenate([adjacent[m] for m in members]))
            frontier = frontier[labels[frontier] < 0]
            if len(frontier):
                gap = np.linalg.norm(centroids[frontier] - centroids[seeds[j]], axis=1)
                pick = frontier[np.argmin(gap)]
                labels[pick] = j
                totals[j] += population[pick]
                break
        else:  # no district can grow: impossible on a connected map, but never loop forever
            labels[labels < 0] = int(np.argmin(totals))
    middles = np.array([centroids[labels == j].mean(axis=0) for j in range(N_COUNCIL)])
    rows = []
    for number, j in enumerate(_position_order(middles), start=1):
        members = hoods[labels == j]
        rows.append(
            (f"council_district:{number}", "council_district", str(number),
             f"Council District {number}", int(members["population"].sum()),
             shapely.union_all(members.geometry.values))
        )  # fmt: skip
    columns = ["area_id", "kind", "code", "name", "population", "geometry"]
    return gpd.GeoDataFrame(pd.DataFrame(rows, columns=columns), geometry="geometry")


def make_city(seed: int) -> City:
    """The whole geography and its standing traits; depends on the seed alone."""
    rng = random_stream(seed, "city")
    outline, river = _outline(rng)
    hoods = _neighbourhoods(outline, river, rng)
    downtown = int(np.flatnonzero(hoods["downtown"])[0])
    category_mult = rng.lognormal(0, 0.2, (N_HOODS, len(CATEGORY_CODES)))
    for category, factor in DOWNTOWN_MIX.items():
        category_mult[downtown, CATEGORY_CODES.index(category)] *= factor
    hotspots = _hotspots(hoods, rng)
    beats, districts = _police_areas(outline, hoods, rng)
    parts = _pieces(hoods, beats)
    beats["population"] = _interpolate_population(hoods, parts, len(beats))
    districts["population"] = beats.groupby("district")["population"].sum().to_numpy()
    adjacent = _adjacency(hoods)
    councils = _council_districts(hoods, adjacent, rng)
    columns = ["area_id", "kind", "code", "name", "population", "geometry"]
    areas = pd.concat(
        [hoods[columns], beats[columns], districts[columns], councils[columns]],
        ignore_index=True,
    )
    return City(
        areas=gpd.GeoDataFrame(areas, geometry="geometry"),
        hoods=hoods,
        beats=beats,
        parts=parts,
        hotspots=hotspots,
        neighbours=adjacent,
        category_mult=category_mult,
        downtown=downtown,
    )


def areas_wgs84(city: City) -> gpd.GeoDataFrame:
    geoms = shapely.transform(
        city.areas.geometry.values,
        lambda xy: np.column_stack(to_lonlat(xy[:, 0], xy[:, 1])),
    )
    return gpd.GeoDataFrame(city.areas.drop(columns="geometry"), geometry=geoms, crs=geo.WGS84)
