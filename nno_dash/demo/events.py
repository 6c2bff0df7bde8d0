"""Outreach events: each program's calendar (National Night Out, Coffee with a Cop,
meetings, academy, youth programs, job fairs, one-offs) as one frame of events."""

from __future__ import annotations

import math
from datetime import datetime, timedelta
from typing import NamedTuple

import geopandas as gpd
import numpy as np
import pandas as pd

from nno_dash.core.vocab import AREA_COLUMNS
from nno_dash.demo.city import N_DISTRICTS, City
from nno_dash.demo.dates import at_time, months_between, national_night_out, nth_weekday
from nno_dash.demo.names import (
    AGENCY,
    CAFES,
    CITY_ORGS,
    JOB_PARTNERS,
    NNO_UNITS,
    SOURCE,
    district_name,
)
from nno_dash.demo.params import Period
from nno_dash.demo.plan import Plan
from nno_dash.demo.shapes import to_lonlat
from nno_dash.demo.streams import random_stream
from nno_dash.demo.streets import block_addresses
from nno_dash.demo.venues import Spot, Venues
from nno_dash.geo import areas as geo


class _Event(NamedTuple):
    program: str
    title: str
    starts_at: datetime
    minutes: int
    spot: Spot
    units: str | None = None
    partners: str | None = None


def _pick(rng: np.random.Generator, items: tuple[str, ...], k: int) -> list[str]:
    return [items[i] for i in sorted(rng.choice(len(items), k, replace=False))]


def _nno_events(city: City, plan: Plan, venues: Venues, rng: np.random.Generator) -> list[_Event]:
    """Block parties, 17:00-21:00 on the first Tuesday of August (October in a few areas).

    Parties follow population and outreach propensity; treated neighbourhoods hold four
    more a year from the effect start.
    """
    events = []
    treated = set(plan.treated.tolist())
    for year in range(plan.period.start.year, plan.period.end.year + 1):
        for hood, name in enumerate(city.hoods["name"]):
            day = national_night_out(year, 10 if hood in plan.october_nno else 8)
            rate = 0.15 * city.hoods["population"][hood] / 1000 * plan.propensity[hood]
            parties = int(rng.poisson(rate))
            if hood in treated and day >= plan.period.effect_start:
                parties += 4
            for _ in range(parties):
                units = [u for u, p in NNO_UNITS if rng.random() < p] or ["Patrol"]
                orgs = _pick(rng, CITY_ORGS, int(rng.integers(0, 3)))
                start = at_time(day, 17, int(rng.choice([0, 30, 60, 90])))
                end = at_time(day, 20, int(rng.choice([0, 30, 60])))
                events.append(
                    _Event(
                        "national_night_out",
                        f"National Night Out – {name} block party",
                        start,
                        (end - start).seconds // 60,
                        venues.in_hood(hood),
                        ", ".join(units),
                        ", ".join([f"{name} Neighborhood Association", *orgs]),
                    )
                )
    return events


def _coffee_events(
    city: City, plan: Plan, venues: Venues, rng: np.random.Generator
) -> list[_Event]:
    """Coffee with a Cop: one per police district a month, rotating round 3 local cafes."""
    events = []
    cafes = [str(c) for c in rng.permutation(CAFES)]
    districts = city.parts["district"].to_numpy()
    for d in range(N_DISTRICTS):
        spots = [
            venues.in_pieces(districts == d, cafes[(3 * d + k) % len(cafes)]) for k in range(3)
        ]
        for m, (year, month) in enumerate(months_between(plan.period.start, plan.period.end)):
            day = nth_weekday(year, month, int(rng.integers(1, 4)), int(rng.integers(1, 4)))
            start = at_time(day, int(rng.choice([7, 8, 9])), 30)
            title = f"Coffee with a Cop – {district_name(d + 1)}"
            events.append(_Event("coffee_with_a_cop", title, start, 120, spots[m % 3], "Patrol"))
    return events


def _meeting_events(
    city: City, plan: Plan, venues: Venues, rng: np.random.Generator
) -> list[_Event]:
    """Monthly neighbourhood watch meetings, and CAPS-style beat meetings every two months.

    Beat meetings are held with a probability that follows the host's outreach
    propensity: meetings lapse where nobody comes. From the effect start, treated
    neighbourhoods meet every month, a watch meeting and a partnership meeting.
    """
    events = []
    period = plan.period
    months = list(months_between(period.start, period.end))
    treated = set(plan.treated.tolist())
    for hood, name in enumerate(city.hoods["name"]):
        spot = venues.named_in_hood(hood)
        association = f"{name} Neighborhood Association"
        weekday, week = int(rng.choice([0, 1, 3])), int(rng.integers(1, 4))
        for year, month in months:
            day = nth_weekday(year, month, weekday, week)
            boosted = hood in treated and day >= period.effect_start
            if (plan.watch[hood] and rng.random() < 0.85) or boosted:
                title = f"{name} Neighborhood Watch meeting"
                events.append(
                    _Event("neighbourhood_watch", title, at_time(day, 19), 60, spot,
                           "Crime prevention", association)
                )  # fmt: skip
            day = nth_weekday(year, month, 3, -1)
            if hood in treated and day >= period.effect_start:
                title = f"{name} Safe Neighborhoods partnership meeting"
                events.append(
                    _Event("community_meeting", title, at_time(day, 18), 90, spot,
                           "Patrol, Crime prevention", f"{association}, Faith Leaders Coalition")
                )  # fmt: skip
    beat_of_piece = city.parts["beat"].to_numpy()
    beats = zip(city.beats["code"], city.beats["district"], strict=True)
    for b, (code, district) in enumerate(beats):
        spot = venues.in_pieces(beat_of_piece == b)
        p_held = float(np.clip(0.9 * math.sqrt(plan.propensity[spot.host]), 0.05, 0.95))
        weekday, week = int(rng.choice([1, 2, 3])), 1 + b % 3
        for year, month in months:
            if month % 2 != b % 2 or rng.random() >= p_held:
                continue
            day = nth_weekday(year, month, weekday, week)
            events.append(
                _Event("community_meeting", f"Beat {code} community meeting", at_time(day, 18, 30),
                       60, spot, "Patrol", f"{district_name(district + 1)} Advisory Council")
            )  # fmt: skip
    return events


def _academy_events(venues: Venues, period: Period) -> list[_Event]:
    """Citizen Police Academy: spring and fall cohorts, eight weekly Tuesday sessions."""
    spot = venues.in_hood(venues.hosts(1)[0], "Demo City Police Training Academy")
    events = []
    for year in range(period.start.year, period.end.year + 1):
        for season, month in (("Spring", 3), ("Fall", 9)):
            first = nth_weekday(year, month, 1)
            for session in range(8):
                title = (
                    f"Citizen Police Academy – {season} {year} cohort, session {session + 1} of 8"
                )
                start = at_time(first + timedelta(weeks=session), 18)
                events.append(
                    _Event("citizen_academy", title, start, 180, spot,
                           "Patrol, K9, SWAT, Crime prevention")
                )  # fmt: skip
    return events


def _youth_events(city: City, plan: Plan, venues: Venues) -> list[_Event]:
    """A summer basketball league at six sites a year, and three year-round programs."""
    events = []
    period = plan.period
    for year in range(period.start.year, period.end.year + 1):
        first = nth_weekday(year, 6, 2, 2)
        for hood in venues.hosts(6, exclude=plan.under_served):
            name = city.hoods["name"][hood]
            spot = venues.in_hood(hood, f"{name} Recreation Center")
            for week in range(9):
                events.append(
                    _Event("youth_program", f"Summer youth basketball league – {name}",
                           at_time(first + timedelta(weeks=week), 18), 120, spot, "Patrol",
                           "Heartland Boys & Girls Club, Demo City Parks & Recreation")
                )  # fmt: skip
    programs = ("Police Athletic League", "Youth mentoring night", "Police Explorers")
    for program, hood in zip(programs, venues.hosts(3, exclude=plan.under_served), strict=True):
        spot = venues.named_in_hood(hood)
        title = f"{program} – {city.hoods['name'][hood]}"
        for year, month in months_between(period.start, period.end):
            start = at_time(nth_weekday(year, month, 5, 2), 10)
            partners = "Big Brothers Big Sisters"
            events.append(_Event("youth_program", title, start, 150, spot, "Patrol", partners))
    return events


def _job_fair_events(venues: Venues, period: Period, rng: np.random.Generator) -> list[_Event]:
    """Second-chance job fairs for returning citizens, quarterly, at three rotating venues."""
    spots = [venues.named_in_hood(h) for h in venues.hosts(3)]
    quarters = [(y, m) for y, m in months_between(period.start, period.end) if m in (2, 5, 8, 11)]
    events = []
    for q, (year, month) in enumerate(quarters):
        title = f"Second-chance job fair for returning citizens – {year} Q{(month + 1) // 3}"
        start = at_time(nth_weekday(year, month, 2, 2), 10)
        partners = ", ".join(_pick(rng, JOB_PARTNERS, 3))
        spot = spots[q % 3]
        events.append(_Event("job_fair", title, start, 240, spot, "Crime prevention", partners))
    return events


_OTHER_EVENTS = (
    ("Senior safety seminar", 14, 90), ("Bike safety rodeo", 10, 180),
    ("Police station open house", 11, 240), ("Holiday toy drive", 12, 180),
    ("Prescription drug take-back day", 10, 240),
)  # fmt: skip


def _other_events(
    city: City, venues: Venues, period: Period, rng: np.random.Generator
) -> list[_Event]:
    """A handful of one-off events a year: seminars, rodeos, open houses, drives."""
    events = []
    for year in range(period.start.year, period.end.year + 1):
        for hood in venues.hosts(8):
            title, hour, minutes = _OTHER_EVENTS[int(rng.integers(len(_OTHER_EVENTS)))]
            day = nth_weekday(year, int(rng.integers(3, 13)), 5, int(rng.integers(1, 4)))
            name = city.hoods["name"][hood]
            events.append(
                _Event("other", f"{title} – {name}", at_time(day, hour), minutes,
                       venues.named_in_hood(hood), "Crime prevention",
                       ", ".join(_pick(rng, CITY_ORGS, 1)))
            )  # fmt: skip
    return events


def event_frame(city: City, plan: Plan, seed: int, areas: gpd.GeoDataFrame) -> pd.DataFrame:
    """Every outreach event inside the period, ids in time order, areas by point-in-polygon."""
    rng = random_stream(seed, "events")
    venues = Venues(city, plan, rng)
    period = plan.period
    rows = [
        *_nno_events(city, plan, venues, rng),
        *_coffee_events(city, plan, venues, rng),
        *_meeting_events(city, plan, venues, rng),
        *_academy_events(venues, period),
        *_youth_events(city, plan, venues),
        *_job_fair_events(venues, period, rng),
        *_other_events(city, venues, period, rng),
    ]
    frame = pd.DataFrame(
        [(e.program, e.title, e.starts_at, e.minutes, *e.spot, e.units, e.partners) for e in rows],
        columns=["program", "title", "starts_at", "minutes", *Spot._fields, "units", "partners"],
    )
    inside = (frame["starts_at"] >= at_time(period.start, 0)) & (
        frame["starts_at"] < at_time(period.end + timedelta(days=1), 0)
    )
    frame = frame[inside].sort_values(["starts_at", "program", "title", "x"], kind="stable")
    frame = frame.reset_index(drop=True)
    width = max(5, len(str(len(frame))))
    frame.insert(0, "event_id", [f"EV-{i:0{width}d}" for i in range(1, len(frame) + 1)])
    frame["ends_at"] = frame["starts_at"] + pd.to_timedelta(frame["minutes"], unit="min")
    addresses = block_addresses(frame["x"].to_numpy(), frame["y"].to_numpy()).astype(str)
    frame["location"] = [
        f"{venue}, {address}" if isinstance(venue, str) else address
        for venue, address in zip(frame["venue"], addresses, strict=True)
    ]
    lon, lat = to_lonlat(frame["x"].to_numpy(), frame["y"].to_numpy())
    frame["lon"], frame["lat"] = lon, lat
    frame["agency"] = AGENCY
    frame["source"] = SOURCE
    assigned = geo.assign_areas(lon, lat, areas)
    for column in AREA_COLUMNS.values():
        frame[column] = assigned[column].to_numpy()
    return frame
