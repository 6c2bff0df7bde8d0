"""The incidents' expectation: the planted effect is in it, exactly, and nowhere else."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest

from nno_dash.demo.city import N_HOODS, make_city
from nno_dash.demo.incidents import intensity
from nno_dash.demo.offences import CATEGORY_CODES
from nno_dash.demo.params import DemoParams, validate
from nno_dash.demo.plan import make_plan


def test_intensity_carries_exactly_the_planted_effect() -> None:
    """The expectation itself: x(1 + effect) in treated areas, effect categories, from the
    start; untouched everywhere else."""
    params = DemoParams(seed=5, incidents=50_000, effect=-0.3)
    period = validate(params)
    city = make_city(params.seed)
    plan = make_plan(city, period, params)
    lam = intensity(city, plan, params)
    lam0 = intensity(city, plan, replace(params, effect=0.0))
    ratio = lam / lam0
    days = period.days()
    post = days >= np.datetime64(period.effect_start)
    cats = np.isin(CATEGORY_CODES, params.effect_categories)
    treated = np.isin(np.arange(N_HOODS), plan.treated)
    hit = treated[:, None, None] & post[None, :, None] & cats[None, None, :]
    assert np.allclose(ratio[hit], 0.7) and np.allclose(ratio[~hit], 1.0)
    assert lam0.sum() == pytest.approx(params.incidents)
