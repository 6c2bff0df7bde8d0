"""Where outreach events happen: a point, a host neighbourhood and usually a venue name."""

from __future__ import annotations

from typing import NamedTuple

import numpy as np

from nno_dash.demo.city import N_HOODS, City
from nno_dash.demo.names import VENUE_KINDS
from nno_dash.demo.plan import Plan
from nno_dash.demo.shapes import sample_in


class Spot(NamedTuple):
    """Where an event is: its host neighbourhood, a point, and a venue name if it has one."""

    host: int
    x: float
    y: float
    venue: str | None = None


class Venues:
    """Where events happen: outreach goes where the neighbourhood's propensity is."""

    def __init__(self, city: City, plan: Plan, rng: np.random.Generator) -> None:
        self.city, self.plan, self.rng = city, plan, rng
        parts = city.parts
        self._part_weight = parts["area_m2"].to_numpy() * plan.propensity[parts["hood"]]

    def in_hood(self, hood: int, venue: str | None = None) -> Spot:
        x, y = sample_in(self.city.hoods.geometry.values[hood], 1, self.rng)[0]
        return Spot(int(hood), float(x), float(y), venue)

    def named_in_hood(self, hood: int) -> Spot:
        """A community venue (library, church hall, ...) in the neighbourhood."""
        kind = VENUE_KINDS[int(self.rng.integers(len(VENUE_KINDS)))]
        return self.in_hood(hood, kind.format(name=self.city.hoods["name"][hood]))

    def in_pieces(self, mask: np.ndarray, venue: str | None = None) -> Spot:
        """A venue in a beat or district: a beat x neighbourhood piece chosen by area x
        propensity, so it rarely lands where outreach is not welcome."""
        idx = np.flatnonzero(mask)
        weights = self._part_weight[idx]
        i = int(self.rng.choice(idx, p=weights / weights.sum()))
        x, y = sample_in(self.city.parts.geometry.values[i], 1, self.rng)[0]
        host = int(self.city.parts["hood"].iloc[i])
        if venue is None:
            kind = VENUE_KINDS[int(self.rng.integers(len(VENUE_KINDS)))]
            venue = kind.format(name=self.city.hoods["name"][host])
        return Spot(host, float(x), float(y), venue)

    def hosts(self, k: int, exclude: np.ndarray | None = None) -> list[int]:
        """k distinct neighbourhoods, likelier where people live and outreach is welcome."""
        weights = self.city.hoods["population"].to_numpy() * self.plan.propensity
        if exclude is not None:
            weights[exclude] = 0
        chosen = self.rng.choice(N_HOODS, k, replace=False, p=weights / weights.sum())
        return [int(h) for h in chosen]
