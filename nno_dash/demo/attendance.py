"""Attendance at each event: head counts and their breakdown, trust surveys, and the
neighbourhoods attendees live in."""

from __future__ import annotations

import numpy as np
import pandas as pd

from nno_dash.core.vocab import PROGRAMS
from nno_dash.demo.city import City
from nno_dash.demo.plan import Plan
from nno_dash.demo.streams import random_stream

# program -> (headcount low, high, officers low, high, partners low, high, youth share low, high)
_ATTENDANCE = {
    "national_night_out": (40, 400, 3, 20, 1, 10, 0.20, 0.40),
    "coffee_with_a_cop": (10, 50, 2, 6, 0, 2, 0.00, 0.05),
    "neighbourhood_watch": (8, 40, 1, 3, 0, 2, 0.00, 0.02),
    "citizen_academy": (12, 30, 2, 6, 0, 3, 0.00, 0.00),
    "youth_program": (10, 80, 2, 6, 1, 6, 0.70, 0.90),
    "job_fair": (40, 250, 2, 5, 5, 25, 0.00, 0.05),
    "community_meeting": (5, 40, 2, 5, 0, 4, 0.00, 0.05),
    "other": (15, 150, 2, 8, 0, 6, 0.05, 0.30),
}
assert set(_ATTENDANCE) == set(PROGRAMS), "every program needs attendance ranges"


def _nullable(values: np.ndarray, mask: np.ndarray) -> pd.api.extensions.ExtensionArray:
    out = pd.array(np.where(mask, values, 0).astype(int), dtype="Int64")
    out[~mask] = pd.NA
    return out


def attendance_frames(
    city: City, plan: Plan, events: pd.DataFrame, seed: int
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Attendance rows (head counts for ~97 % of events, a breakdown for most, a survey for
    about half) and home neighbourhoods for about a quarter of them."""
    rng = random_stream(seed, "attendance")
    n = len(events)
    table = np.array([_ATTENDANCE[p] for p in events["program"]], dtype=float).reshape(n, 8)
    host = events["host"].to_numpy()
    pull = np.clip(plan.propensity[host] ** 0.3, 0.5, 1.5)
    low, high = table[:, 0], table[:, 1]
    headcount = np.clip(np.round(low + (high - low) * rng.beta(1.6, 3.2, n) * pull), low, high)
    officers = np.minimum(np.floor(rng.uniform(table[:, 2], table[:, 3] + 1)), headcount // 3)
    partners = np.minimum(np.floor(rng.uniform(table[:, 4], table[:, 5] + 1)), headcount // 4)
    youth = np.floor(headcount * rng.uniform(table[:, 6], table[:, 7]))
    unknown = np.floor(headcount * rng.uniform(0, 0.05, n))
    residents = headcount - officers - partners - youth - unknown
    youth = np.where(residents < 0, youth + residents, youth)  # never more than the room
    residents = np.maximum(residents, 0)
    locals_ = residents + youth
    survey_n, before, after = _surveys(city, plan, events, locals_, rng)
    surveyed = survey_n > 0
    has_row = rng.random(n) < 0.97
    has_breakdown = rng.random(n) < 0.9
    attendance = pd.DataFrame(
        {
            "event_id": events["event_id"].to_numpy(),
            "headcount": headcount.astype(int),
            "residents": _nullable(residents, has_breakdown),
            "youth": _nullable(youth, has_breakdown),
            "officers": _nullable(officers, has_breakdown),
            "partners": _nullable(partners, has_breakdown),
            "survey_n": _nullable(survey_n, surveyed),
            "trust_before": np.where(surveyed, before, np.nan),
            "trust_after": np.where(surveyed, after, np.nan),
        }
    )[has_row].reset_index(drop=True)
    with_homes = has_row & has_breakdown & (locals_ > 0) & (rng.random(n) < 0.25)
    homes = _home_areas(city, events, locals_, with_homes, rng)
    return attendance, homes


def _surveys(
    city: City, plan: Plan, events: pd.DataFrame, locals_: np.ndarray, rng: np.random.Generator
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Trust surveys (1-5) for about half the events: survey_n (0 = none), mean before, after.

    Trust is lower where crime is high, a little higher after an event (+0.3 on average,
    noisier for small samples), and higher in treated neighbourhoods once sustained
    outreach has started (+0.25): the perception side of the planted truth.
    """
    n = len(events)
    host = events["host"].to_numpy()
    risk = np.log(city.hoods["risk"].to_numpy())
    risk = (risk - risk.mean()) / risk.std()
    surveyed = (rng.random(n) < 0.5) & (locals_ >= 8)
    survey_n = np.where(surveyed, np.clip(rng.binomial(locals_.astype(int), 0.35), 5, None), 0)
    survey_n = np.minimum(survey_n, locals_).astype(int)
    sustained = np.isin(host, plan.treated) & (
        events["starts_at"].to_numpy() >= np.datetime64(plan.period.effect_start)
    )
    before = 3.4 - 0.35 * risk[host] + 0.25 * sustained + rng.normal(0, 0.25, n)
    before += np.where(events["program"] == "citizen_academy", 0.3, 0.0)  # self-selected
    lift = rng.normal(0.3, 0.12, n) + rng.normal(0, 0.8, n) / np.sqrt(np.maximum(survey_n, 1))
    after = np.round(np.clip(before + lift, 1, 5), 2)
    return survey_n, np.round(np.clip(before, 1, 5), 2), after


def _home_areas(
    city: City,
    events: pd.DataFrame,
    locals_: np.ndarray,
    mask: np.ndarray,
    rng: np.random.Generator,
) -> pd.DataFrame:
    """Where attendees live: mostly the host neighbourhood, the rest from adjacent ones."""
    host = events["host"].to_numpy()
    rows = []
    for i in np.flatnonzero(mask):
        near = city.neighbours[host[i]]
        k = min(len(near), int(rng.integers(1, 5)))
        others = rng.choice(near, k, replace=False) if k else np.array([], dtype=int)
        share = np.concatenate([[rng.uniform(1.5, 4.0)], rng.uniform(0.2, 1.0, k)])
        counts = rng.multinomial(int(locals_[i]), share / share.sum())
        for hood, count in zip([host[i], *others], counts, strict=True):
            if count > 0:
                rows.append((events["event_id"].iloc[i], f"neighbourhood:{hood + 1}", int(count)))
    return pd.DataFrame(rows, columns=["event_id", "home_area_id", "headcount"])
