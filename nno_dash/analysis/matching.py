"""Comparison areas for the event study: which areas touch the treated ones (the buffer),
and which of the others look most like them on prior crime."""

from __future__ import annotations

import numpy as np
import pandas as pd
import shapely


def touching(areas: pd.DataFrame) -> dict[str, set[str]]:
    """Area id -> ids of areas sharing a border (or within ~1 m: real boundaries leave slivers).

    `areas` is a GeoDataFrame of one kind, as queries.geography.load_areas returns it.
    """
    geoms = np.asarray(areas.geometry.values, dtype=object)
    ids = areas["area_id"].to_numpy(dtype=object)
    grown = shapely.buffer(geoms, 1e-5)
    tree = shapely.STRtree(geoms)
    left, right = tree.query(grown, predicate="intersects")
    out: dict[str, set[str]] = {str(a): set() for a in ids}
    for i, j in zip(left, right, strict=True):
        if i != j:
            out[str(ids[i])].add(str(ids[j]))
            out[str(ids[j])].add(str(ids[i]))
    return out


def match_comparisons(
    areas: pd.DataFrame, treated: list[str], pool: list[str], n: int
) -> pd.DataFrame:
    """Pick n pool areas nearest the treated ones on prior crime level and trend.

    `areas` has area_id, prior_level (log incidents per 1,000 in the baseline year) and
    prior_trend (log ratio of its second half to its first). Distances are on standardised
    features; treated areas take turns choosing their nearest unused pool area, so every
    treated area gets look-alikes. Returns the chosen rows with `distance`, nearest first
    (a fresh index).
    """
    if not pool or not treated or n <= 0:
        return areas.iloc[0:0].assign(distance=[])
    position = {a: i for i, a in enumerate(areas["area_id"])}
    features = np.column_stack(
        [areas["prior_level"].to_numpy(float), areas["prior_trend"].to_numpy(float)]
    )
    both = features[[position[a] for a in treated + pool]]
    with np.errstate(invalid="ignore"):
        spread = np.nanstd(both, axis=0)
    spread = np.where(np.isfinite(spread) & (spread > 0), spread, 1.0)
    z = (both - np.nanmean(both, axis=0)) / spread
    t, p = z[: len(treated)], z[len(treated) :]
    dist = np.sqrt(((t[:, None, :] - p[None, :, :]) ** 2).sum(axis=2))  # treated x pool
    chosen: list[int] = []
    distance: list[float] = []
    order = [list(np.argsort(row, kind="stable")) for row in dist]
    while len(chosen) < min(n, len(pool)):
        for i, ranks in enumerate(order):
            while ranks and ranks[0] in chosen:
                ranks.pop(0)
            if ranks and len(chosen) < n:
                j = ranks.pop(0)
                chosen.append(j)
                distance.append(float(dist[i, j]))
    nearest = np.argsort(distance, kind="stable")
    rows = [position[pool[chosen[i]]] for i in nearest]
    picked = areas.iloc[rows].assign(distance=np.asarray(distance, dtype=float)[nearest])
    return picked.reset_index(drop=True)
