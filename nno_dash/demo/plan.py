"""The planted truth: which neighbourhoods get sustained outreach (treated), which are
left out (under-served), which hold National Night Out in October, which have a watch."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from nno_dash.demo.city import N_HOODS, City
from nno_dash.demo.offences import CATEGORY_CODES, PROFILES
from nno_dash.demo.params import DemoParams, Period
from nno_dash.demo.streams import random_stream

N_UNDER_SERVED = 4
UNDER_SERVED_TREND = 0.06  # log change per year: crime rises where outreach is missing
N_OCTOBER_NNO = 5


@dataclass(frozen=True)
class Plan:
    """The planted truth, in neighbourhood positions (code = position + 1)."""

    period: Period
    treated: np.ndarray
    under_served: np.ndarray
    october_nno: np.ndarray
    propensity: np.ndarray  # outreach tendency per neighbourhood, mean about 1
    watch: np.ndarray  # has a neighbourhood watch group


def area_weights(city: City) -> np.ndarray:
    """(neighbourhoods, categories) share of all incidents: people x risk x local mix."""
    concentration = np.array([PROFILES[c].concentration for c in CATEGORY_CODES])
    share = np.array([PROFILES[c].share for c in CATEGORY_CODES])
    weights = (
        city.hoods["population"].to_numpy()[:, None]
        * city.hoods["risk"].to_numpy()[:, None] ** concentration[None, :]
        * city.category_mult
    )
    return weights / weights.sum(axis=0) * (share / share.sum())


def make_plan(city: City, period: Period, params: DemoParams) -> Plan:
    """Choose the under-served areas (4 of the 7 highest expected crime rates, downtown
    aside), the treated ones (named, or drawn from the top two thirds by rate, never
    under-served), the October NNO areas and the watch groups."""
    rng = random_stream(params.seed, "plan")
    rate = area_weights(city).sum(axis=1) / city.hoods["population"].to_numpy()
    by_rate = [i for i in np.argsort(-rate, kind="stable") if i != city.downtown]
    named = [int(c) - 1 for c in period.treated_codes] if period.treated_codes is not None else []
    # Under-served: among the very highest crime rates, yet outreach rarely comes.
    top = [i for i in by_rate[: N_UNDER_SERVED + 3] if i not in named]
    under_served = np.sort(rng.choice(top, min(N_UNDER_SERVED, len(top)), replace=False))
    if period.treated_codes is not None:
        treated = np.array(sorted(named), dtype=int)
    else:
        eligible = [i for i in by_rate[: 2 * N_HOODS // 3] if i not in under_served]
        if params.treated_count > len(eligible):
            raise ValueError(
                f"treated_count must be at most {len(eligible)} (mid/high-crime neighbourhoods "
                f"that are not under-served), got {params.treated_count}"
            )
        treated = np.sort(rng.choice(eligible, params.treated_count, replace=False)).astype(int)
    others = [i for i in range(N_HOODS) if i not in treated and i not in under_served]
    october = np.sort(rng.choice(others, N_OCTOBER_NNO, replace=False))
    propensity = city.hoods["propensity"].to_numpy().copy()
    propensity[under_served] = 0.01
    watch = rng.random(N_HOODS) < np.clip(0.2 + 0.35 * propensity, 0, 0.9)
    watch[under_served] = False
    return Plan(period, treated, under_served, october, propensity, watch)
