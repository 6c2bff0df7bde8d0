"""What to generate (DemoParams), checked and resolved into the period the data covers."""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import date, datetime, timedelta

import numpy as np
import pandas as pd

from nno_dash.core.vocab import CATEGORIES
from nno_dash.demo.city import N_HOODS
from nno_dash.demo.dates import national_night_out

DEFAULT_EFFECT_CATEGORIES = ("robbery", "burglary", "motor_vehicle_theft", "larceny_theft")


@dataclass(frozen=True)
class DemoParams:
    """What to generate. The defaults are the shipped demo; tests shrink `incidents`.

    `treated_areas` are neighbourhood codes ("1".."40"); None lets the seed choose
    `treated_count` of them. `effect_start` None means National Night Out (first Tuesday
    of August) two years before `end_date`'s year.
    """

    seed: int = 42
    incidents: int = 300_000
    end_date: date = date(2026, 10, 31)
    years: int = 5
    effect: float = -0.20
    effect_categories: tuple[str, ...] = DEFAULT_EFFECT_CATEGORIES
    effect_start: date | None = None
    treated_areas: tuple[str, ...] | None = None
    treated_count: int = 6


@dataclass(frozen=True)
class Period:
    """The resolved dates: first and last day of data, the effect start, named treated codes."""

    start: date
    end: date
    effect_start: date
    treated_codes: tuple[str, ...] | None

    def days(self) -> np.ndarray:
        """Every day of the period, as numpy datetime64[D]."""
        return np.arange(np.datetime64(self.start), np.datetime64(self.end) + 1)


def _default_effect_start(start: date, end: date) -> date:
    """NNO two years before the end; if that is outside the data, the NNO nearest its middle."""
    preferred = national_night_out(end.year - 2)
    if start < preferred <= end:
        return preferred
    middle = start + (end - start) / 2
    nights = [
        national_night_out(y) for y in range(start.year, end.year + 1)
        if start < national_night_out(y) <= end
    ]  # fmt: skip
    return min(nights, key=lambda d: abs(d - middle)) if nights else middle


def validate(params: DemoParams) -> Period:
    """Check the parameters and resolve the defaults that depend on them; ValueError says why."""
    if not isinstance(params.seed, int) or params.seed < 0:
        raise ValueError(f"seed must be a whole number >= 0, got {params.seed!r}")
    if not 100 <= params.incidents <= 50_000_000:
        raise ValueError(f"incidents must be between 100 and 50,000,000, got {params.incidents:,}")
    if not 1 <= params.years <= 20:
        raise ValueError(f"years must be between 1 and 20, got {params.years}")
    if not math.isfinite(params.effect) or params.effect <= -1:
        raise ValueError(
            f"effect is a relative change and must be greater than -1 (-1 would remove all "
            f"crime), got {params.effect}"
        )
    unknown = sorted(set(params.effect_categories) - set(CATEGORIES))
    if unknown:
        raise ValueError(
            f"unknown effect categories {', '.join(unknown)}; known: {', '.join(CATEGORIES)}"
        )
    end = params.end_date
    end = end.date() if isinstance(end, datetime) else end
    # DateOffset moves 29 February to the 28th in a year without one.
    start = (pd.Timestamp(end) - pd.DateOffset(years=params.years)).date() + timedelta(days=1)
    effect_start = params.effect_start or _default_effect_start(start, end)
    effect_start = effect_start.date() if isinstance(effect_start, datetime) else effect_start
    if not start < effect_start <= end:
        raise ValueError(f"effect_start {effect_start} must fall after {start} and by {end}")
    codes = None
    if params.treated_areas is not None:
        codes = tuple(
            dict.fromkeys(str(c).removeprefix("neighbourhood:") for c in params.treated_areas)
        )
        valid = {str(i) for i in range(1, N_HOODS + 1)}
        bad = [c for c in codes if c not in valid]
        if bad:
            raise ValueError(
                f"unknown treated neighbourhood codes {', '.join(bad)}; the demo city's "
                f"neighbourhoods are 1 to {N_HOODS}"
            )
    elif not 0 <= params.treated_count <= N_HOODS // 2:
        raise ValueError(
            f"treated_count must be between 0 and {N_HOODS // 2}, got {params.treated_count}"
        )
    return Period(start, end, effect_start, codes)
