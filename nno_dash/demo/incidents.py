"""Incidents: the expected count per (neighbourhood, day, category), the Poisson draw, and
each incident's offence, times and place."""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from nno_dash.core.vocab import AREA_COLUMNS
from nno_dash.demo.city import N_HOODS, City
from nno_dash.demo.offences import (
    CATEGORY_CODES,
    HOUR_CURVES,
    MID_MONTH_DAY_OF_YEAR,
    OFFENCE_TABLE,
    PROFILES,
    SEASON,
    WEEKDAY_FACTOR,
)
from nno_dash.demo.params import DemoParams, Period
from nno_dash.demo.plan import UNDER_SERVED_TREND, Plan, area_weights
from nno_dash.demo.shapes import sample_in, to_lonlat
from nno_dash.demo.streams import random_stream
from nno_dash.demo.streets import block_addresses
from nno_dash.geo import areas as geo

HOTSPOT_SIGMA_M = 150.0


def intensity(city: City, plan: Plan, params: DemoParams) -> np.ndarray:
    """Expected incidents per (neighbourhood, day, category), the planted effect included.

    Normalised before the effect, so untreated areas get the same expectation whatever
    the effect is, and each category keeps its share of `params.incidents`.
    """
    days = plan.period.days()
    doy = (days - days.astype("datetime64[Y]")).astype(int)
    weekday = (days.astype(int) + 3) % 7  # 1970-01-01 was a Thursday
    years = (days - days[0]).astype(int) / 365.25
    years -= years.mean()
    cat = {
        name: np.array([getattr(PROFILES[c], name) for c in CATEGORY_CODES])
        for name in ("share", "season", "weekend", "trend")
    }
    season = np.interp(doy, MID_MONTH_DAY_OF_YEAR, SEASON, period=365)
    time_factor = (
        (1 + cat["season"][None, :] * (season[:, None] - 1))
        * (1 + cat["weekend"][None, :] * (WEEKDAY_FACTOR[weekday][:, None] - 1))
        * np.exp(cat["trend"][None, :] * years[:, None])
    )
    trend = city.hoods["trend"].to_numpy().copy()
    trend[plan.under_served] = UNDER_SERVED_TREND
    area_time = np.exp(trend[:, None] * years[None, :])
    lam = area_weights(city)[:, None, :] * time_factor[None, :, :] * area_time[:, :, None]
    lam *= (params.incidents * cat["share"] / cat["share"].sum()) / lam.sum(axis=(0, 1))
    post = np.flatnonzero(days >= np.datetime64(plan.period.effect_start))
    effect_cats = [CATEGORY_CODES.index(c) for c in params.effect_categories]
    lam[np.ix_(plan.treated, post, effect_cats)] *= 1 + params.effect
    return lam


def _counts(lam: np.ndarray, seed: int) -> np.ndarray:
    """Poisson counts, one random stream per neighbourhood: an untreated area's counts do
    not move when only the planted effect changes."""
    return np.stack([random_stream(seed, "counts", a).poisson(lam[a]) for a in range(len(lam))])


def _locations(
    city: City, hood: np.ndarray, category: np.ndarray, rng: np.random.Generator
) -> np.ndarray:
    """Points in each incident's neighbourhood; a share gathers round persistent hotspots."""
    xy = np.empty((len(hood), 2))
    hotspot_factor = np.array([PROFILES[c].hotspot for c in CATEGORY_CODES])
    order = np.argsort(hood, kind="stable")
    bounds = np.concatenate([[0], np.cumsum(np.bincount(hood, minlength=N_HOODS))])
    for a in range(N_HOODS):
        rows = order[bounds[a] : bounds[a + 1]]
        polygon = city.hoods.geometry.values[a]
        spots = city.hotspots[a]
        base = 0.0 if len(spots) == 0 else 0.35 if city.hoods["high_crime"][a] else 0.15
        if a == city.downtown:
            base = 0.4
        p_hot = np.clip(base * hotspot_factor[category[rows]], 0, 0.7)
        hot = rng.random(len(rows)) < p_hot
        points = np.empty((len(rows), 2))
        if hot.any():
            centre = spots[rng.integers(0, len(spots), int(hot.sum()))]
            near = centre + rng.normal(0, HOTSPOT_SIGMA_M, centre.shape)
            ok = shapely.contains_xy(polygon, near[:, 0], near[:, 1])
            idx = np.flatnonzero(hot)
            points[idx[ok]] = near[ok]
            hot[idx[~ok]] = False  # outside the area: placed uniformly instead
        points[~hot] = sample_in(polygon, int((~hot).sum()), rng)
        xy[rows] = points
    return xy


def _offences(category: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """An agency offence code (row of OFFENCE_TABLE) for each incident, by its category."""
    offence = np.empty(len(category), dtype=np.int64)
    weights = OFFENCE_TABLE["weight"].to_numpy()
    for c, code in enumerate(CATEGORY_CODES):
        rows = np.flatnonzero(category == c)
        choices = np.flatnonzero(OFFENCE_TABLE["category"].to_numpy() == code)
        p = weights[choices] / weights[choices].sum()
        offence[rows] = rng.choice(choices, len(rows), p=p)
    return offence


def _times(
    day: np.ndarray, category: np.ndarray, period: Period, rng: np.random.Generator
) -> tuple[np.ndarray, np.ndarray]:
    """Occurred and reported times: the hour from the category's daily curve, the report
    a lognormal delay later (minutes for robbery, days for fraud), never after the end."""
    n = len(day)
    hour = np.empty(n, dtype=np.int64)
    profile = np.array([list(HOUR_CURVES).index(PROFILES[c].hours) for c in CATEGORY_CODES])[
        category
    ]
    u = rng.random(n)
    for p, curve in enumerate(HOUR_CURVES.values()):
        rows = profile == p
        cdf = np.cumsum(curve) / np.sum(curve)
        hour[rows] = np.minimum(np.searchsorted(cdf, u[rows], side="right"), 23)
    seconds = hour * 3600 + rng.integers(0, 60, n) * 60
    occurred = period.days()[day].astype("datetime64[s]") + seconds.astype("timedelta64[s]")
    median_delay = np.array([PROFILES[c].report_hours for c in CATEGORY_CODES])[category]
    delay = np.maximum(5, np.round(median_delay * 60 * rng.lognormal(0, 1.1, n))) * 60
    last_minute = np.datetime64(period.end) + np.timedelta64(1, "D") - np.timedelta64(60, "s")
    reported = np.minimum(occurred + delay.astype("timedelta64[s]"), last_minute)
    return occurred, reported


def incident_frame(
    city: City, plan: Plan, params: DemoParams, areas: gpd.GeoDataFrame
) -> pd.DataFrame:
    """One row per incident, sorted by time, ready for the store to number.

    Counts come per (neighbourhood, day, category) cell and are expanded to rows with
    np.repeat; every other field is drawn for all rows at once. Areas of every kind are
    then assigned by point-in-polygon, as an import would.
    """
    counts = _counts(intensity(city, plan, params), params.seed)
    cell = np.repeat(np.arange(counts.size), counts.ravel())
    hood, day, category = np.unravel_index(cell, counts.shape)
    rng = random_stream(params.seed, "incidents")
    offence = _offences(category, rng)
    occurred, reported = _times(day, category, plan.period, rng)
    xy = _locations(city, hood, category, rng)
    lon, lat = to_lonlat(xy[:, 0], xy[:, 1])
    assigned = geo.assign_areas(lon, lat, areas)
    table = OFFENCE_TABLE
    frame = pd.DataFrame(
        {
            "occurred_at": occurred,
            "reported_at": reported,
            "offence_code": pd.Categorical.from_codes(offence, table["offence_code"].tolist()),
            "offence_description": pd.Categorical.from_codes(
                offence, table["offence_description"].tolist()
            ),
            "category": pd.Categorical.from_codes(category, list(CATEGORY_CODES)),
            "sensitive": table["sensitive"].to_numpy()[offence],
            "block_address": block_addresses(xy[:, 0], xy[:, 1]),
            "lat": lat,
            "lon": lon,
            **{column: assigned[column].to_numpy() for column in AREA_COLUMNS.values()},
        }
    )
    frame = frame.iloc[np.argsort(occurred, kind="stable")].reset_index(drop=True)
    frame.insert(0, "seq", np.arange(1, len(frame) + 1))
    return frame
