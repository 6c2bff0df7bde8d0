"""Hotspots: Gi* on a small grid with a planted hotspot, FDR, the grid, and the demo city."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import shapely
from statsmodels.stats.multitest import multipletests

from nno_dash.analysis import hotspots
from nno_dash.core.filters import Filters, default_period
from nno_dash.queries import crime, datasets, geography


def lattice(counts: np.ndarray) -> pd.DataFrame:
    gy, gx = np.indices(counts.shape)
    return pd.DataFrame({"gx": gx.ravel(), "gy": gy.ravel(), "incidents": counts.ravel()})


@pytest.fixture(scope="module")
def planted():
    rng = np.random.default_rng(4)
    counts = rng.poisson(2.0, (15, 15))
    counts[5:8, 9:12] = rng.poisson(14.0, (3, 3))  # rows gy 5-7, columns gx 9-11
    return hotspots.getis_ord(lattice(counts))


def test_gi_star_flags_the_planted_hotspot(planted):
    hot = planted[planted["spot"].str.startswith("Hot")]
    core = planted[planted["gx"].between(9, 11) & planted["gy"].between(5, 7)]
    assert core["spot"].str.startswith("Hot").all()
    assert (core["z"] > 3).all()
    # everything flagged hot touches the planted block (queen neighbours share its counts)
    assert hot["gx"].between(8, 12).all() and hot["gy"].between(4, 8).all()


def test_gi_star_rarely_flags_anything_in_uniform_noise():
    """With no planted effect, the FDR correction keeps grids with any flagged cell rare,
    while uncorrected p < 0.05 flags some twenty cells in every grid."""
    flagged_grids, uncorrected = 0, []
    for seed in range(20):
        counts = np.random.default_rng(seed).poisson(3.0, (20, 20))
        result = hotspots.getis_ord(lattice(counts))
        flagged_grids += int((result["spot"] != hotspots.NOT_SIGNIFICANT).any())
        uncorrected.append(int((result["p"] < 0.05).sum()))
    assert flagged_grids <= 3
    assert min(uncorrected) > 5


def test_a_cold_spot_is_found_too():
    counts = np.full((15, 15), 8)
    counts += np.random.default_rng(2).poisson(1.0, counts.shape)
    counts[2:5, 2:5] = 0
    result = hotspots.getis_ord(lattice(counts))
    centre = result[(result["gx"] == 3) & (result["gy"] == 3)].iloc[0]
    assert centre["spot"].startswith("Cold") and centre["z"] < -3


def test_q_values_are_benjamini_hochberg_as_statsmodels_computes_them():
    counts = np.random.default_rng(1).poisson(3, (12, 12))
    counts[:3, :3] += 12
    result = hotspots.getis_ord(lattice(counts))
    theirs = multipletests(result["p"], alpha=0.05, method="fdr_bh")[1]
    np.testing.assert_allclose(result["q"], theirs)


def test_too_small_or_flat_grids_are_not_tested():
    assert (hotspots.getis_ord(lattice(np.full((5, 5), 4)))["spot"] == "Not significant").all()
    assert (hotspots.getis_ord(lattice(np.ones((2, 2))))["q"] == 1.0).all()


def test_queen_neighbours_on_a_grid():
    n = hotspots.queen_neighbours(np.array([0, 1, 2, 0, 1, 2]), np.array([0, 0, 0, 1, 1, 1]))
    assert sorted(n[0]) == [1, 3, 4]
    assert sorted(n[4]) == [0, 1, 2, 3, 5]


def test_grid_cells_cover_the_city_and_never_go_below_the_minimum(con):
    areas = geography.load_areas(con, "neighbourhood", display=True)
    grid = hotspots.grid_for(areas)
    assert grid.size_m >= hotspots.MIN_CELL_M and grid.size_m % 50 == 0
    cells = hotspots.city_cells(areas, grid)
    assert 500 < len(cells) < 2 * hotspots.TARGET_CELLS
    city = shapely.union_all(areas.geometry.values)
    assert shapely.intersects(city, cells.geometry.values).all()
    covered = shapely.union_all(cells.geometry.values)
    assert shapely.difference(city, covered).area < 1e-9
    small = hotspots.grid_for(areas.iloc[:1], target_cells=10_000)
    assert small.size_m == hotspots.MIN_CELL_M


def test_incident_grid_counts_every_non_sensitive_incident_in_the_period(con):
    last = datasets.latest_day(con)
    filters = Filters(*default_period(last), categories=("robbery", "burglary"))
    areas = geography.load_areas(con, "neighbourhood", display=True)
    grid = hotspots.grid_for(areas)
    counts = crime.incident_grid(con, filters, *grid.params())
    expected = con.execute(
        """select count(*) from incidents where occurred_on between $s and $e
           and category in ('robbery', 'burglary') and not sensitive and lat is not null""",
        {"s": filters.start, "e": filters.end},
    ).fetchone()[0]
    assert counts["incidents"].sum() == expected > 0
    assert set(counts.columns) == {"gx", "gy", "incidents"}


def test_hotspots_on_the_demo_city_sit_on_planted_hotspots(con):
    """Every hot cell is within 1.5 km of a hotspot the generator planted (meta demo_params)."""
    info = datasets.dataset_info(con)
    planted = np.array([[h["lon"], h["lat"]] for h in info["demo_params"]["hotspots"]])
    areas = geography.load_areas(con, "neighbourhood", display=True)
    grid = hotspots.grid_for(areas)
    filters = Filters(*default_period(info["last_day"]))
    cells = hotspots.hotspot_cells(areas, grid, crime.incident_grid(con, filters, *grid.params()))
    hot = cells[cells["spot"].str.startswith("Hot")]
    assert len(hot) >= 3
    centre = shapely.centroid(hot.geometry.values)
    dx = (shapely.get_x(centre)[:, None] - planted[None, :, 0]) * grid.size_m / grid.dlon
    dy = (shapely.get_y(centre)[:, None] - planted[None, :, 1]) * grid.size_m / grid.dlat
    nearest = np.sqrt(dx**2 + dy**2).min(axis=1)
    assert nearest.max() < 1500
    summary = hotspots.summary(cells)
    # hot cells hold far more than their share of the incidents
    assert summary["incidents_in_hot"] / summary["incidents"] > 3 * summary["hot"] / len(cells)
