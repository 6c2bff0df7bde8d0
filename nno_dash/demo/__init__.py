"""The demo city: a seeded, fictional city with areas, crime, outreach and a planted effect.

The dashboard's first run, the test fixtures and the benchmarks all come from here
(STYLE 12), so one seed means one city everywhere. The generator also plants a known
truth that the outreach-and-crime analytics are validated against: from `effect_start`
the treated neighbourhoods' expected counts in `effect_categories` are multiplied by
`1 + effect`, and a few high-crime "under-served" neighbourhoods get almost no outreach.
`meta.demo_params` records all of it.

Geometry is built in metres on a local plane (x east, y north of the city centre) and
converted to WGS84 at the end. Incident counts are Poisson draws from an intensity over
(neighbourhood x day x category), so nothing loops over incidents. Each stage draws from
its own seeded stream, so the geography does not change when only the size does.
"""

from __future__ import annotations

import json
import math
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import NamedTuple

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from nno_dash.core.vocab import AREA_COLUMNS, CATEGORIES, PROGRAMS
from nno_dash.geo import areas as geo
from nno_dash.store import db

AGENCY = "Demo City Police Department"
SOURCE = "demo"

# A fictional city on the plains; only the numbers are real.
LAT0, LON0 = 39.1, -94.9
M_PER_DEG_LAT = 110_574.0
M_PER_DEG_LON = 111_320.0 * math.cos(math.radians(LAT0))
CITY_RADIUS_M = 7_500.0

N_HOODS = 40
N_DISTRICTS = 8
N_COUNCIL = 8
N_BEATS = 120
BEATS_PER_DISTRICT = (10, 24)  # allowed range; the workload decides
TOTAL_POPULATION = 600_000
POPULATION_RANGE = (2_000, 45_000)
N_HIGH_CRIME = 5
N_UNDER_SERVED = 4
UNDER_SERVED_TREND = 0.06  # log change per year: crime rises where outreach is missing
N_OCTOBER_NNO = 5
HOTSPOT_SIGMA_M = 150.0
STREET_SPACING_M = 400.0
BLOCK_M = 200.0

# Downtown is shops and bars with few residents: its offence mix differs.
_DOWNTOWN_MIX = {
    "larceny_theft": 4.0, "fraud": 2.0, "robbery": 1.5, "drugs": 1.5, "disorder": 2.0,
    "burglary": 0.4,
}  # fmt: skip

DEFAULT_EFFECT_CATEGORIES = ("robbery", "burglary", "motor_vehicle_theft", "larceny_theft")

# Each stage has its own random stream: [seed, stage, ...] seeds a numpy SeedSequence.
_STREAMS = {"city": 1, "plan": 2, "counts": 3, "incidents": 4, "events": 5, "attendance": 6}


def _rng(seed: int, stream: str, *extra: int) -> np.random.Generator:
    return np.random.default_rng([seed, _STREAMS[stream], *extra])


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


# Offence categories --------------------------------------------------------------------


class _Cat(NamedTuple):
    share: float  # of all incidents, about UCR/NIBRS proportions for a US city
    concentration: float  # exponent on area risk: violence clusters more than fraud
    season: float  # strength of the summer peak
    weekend: float  # strength of the Friday/Saturday rise
    trend: float  # log change per year
    hours: str  # hour-of-day profile
    report_hours: float  # median delay before the report
    hotspot: float  # how strongly it gathers at hotspots


_CATS: dict[str, _Cat] = {
    "homicide": _Cat(0.0008, 1.6, 0.8, 1.4, -0.03, "night", 0.5, 1.0),
    "rape": _Cat(0.007, 1.1, 0.8, 1.2, 0.00, "night", 24.0, 0.6),
    "robbery": _Cat(0.035, 1.4, 1.0, 1.2, -0.02, "evening", 0.5, 1.4),
    "aggravated_assault": _Cat(0.055, 1.5, 1.1, 1.5, 0.01, "night", 1.0, 1.2),
    "burglary": _Cat(0.06, 0.9, 0.7, 0.4, -0.04, "day", 10.0, 0.5),
    "larceny_theft": _Cat(0.27, 0.8, 0.9, 0.6, -0.01, "day", 6.0, 1.4),
    "motor_vehicle_theft": _Cat(0.07, 1.0, 0.8, 0.6, 0.05, "evening", 8.0, 0.8),
    "arson": _Cat(0.004, 1.2, 1.0, 1.0, 0.00, "night", 1.0, 0.6),
    "simple_assault": _Cat(0.14, 1.2, 0.9, 1.3, 0.00, "evening", 2.0, 1.0),
    "vandalism": _Cat(0.10, 1.0, 0.8, 1.0, -0.01, "night", 12.0, 0.8),
    "fraud": _Cat(0.06, 0.5, 0.2, 0.2, 0.03, "office", 72.0, 0.3),
    "drugs": _Cat(0.05, 1.5, 0.5, 0.8, -0.06, "evening", 0.1, 1.6),
    "weapons": _Cat(0.02, 1.5, 0.8, 1.2, 0.02, "night", 0.2, 1.3),
    "disorder": _Cat(0.045, 1.1, 0.9, 1.2, -0.02, "evening", 0.5, 1.2),
    "other": _Cat(0.11, 1.0, 0.5, 0.6, 0.00, "day", 12.0, 0.6),
}
CATEGORY_CODES = tuple(CATEGORIES)
assert set(_CATS) == set(CATEGORY_CODES), "every vocabulary category needs a demo profile"

# Relative incidents by hour 0..23.
_HOURS = {
    "night": [9, 8, 7, 5, 3, 2, 2, 2, 3, 3, 4, 4, 5, 5, 5, 6, 6, 7, 8, 9, 10, 11, 11, 10],
    "evening": [6, 5, 4, 3, 2, 1.5, 1.5, 2, 3, 4, 4, 5, 5, 6, 6, 7, 8, 9, 10, 10, 10, 9, 8, 7],
    "day": [3, 2, 1.5, 1, 1, 1, 1.5, 3, 5, 6, 7, 8, 10, 9, 9, 9, 9, 8, 7, 6, 5, 4, 4, 3],
    "office": [4, 1, 1, 1, 1, 1, 1, 2, 5, 8, 9, 9, 10, 9, 9, 9, 8, 5, 3, 2, 2, 2, 1, 1],
}
# Summer peak (July/August about +25-30 %), trough in February; anchored mid-month.
_SEASON = np.array([0.86, 0.80, 0.90, 0.95, 1.04, 1.14, 1.26, 1.25, 1.10, 1.02, 0.92, 0.89])
_MID_MONTH_DOY = np.array([15, 45, 74, 105, 135, 166, 196, 227, 258, 288, 319, 349])
# Monday .. Sunday: Friday and Saturday are the busy days.
_WEEK = np.array([0.95, 0.94, 0.95, 0.97, 1.07, 1.12, 1.00])

# Agency offence codes, IUCR-style: (code, description, category, weight, sensitive).
# Sensitive: every sex offence, domestic violence (about a quarter of assaults) and
# offences with a juvenile victim.
_OFFENCES: tuple[tuple[str, str, str, float, bool], ...] = (
    ("0110", "HOMICIDE - FIRST DEGREE MURDER", "homicide", 0.88, False),
    ("0130", "HOMICIDE - SECOND DEGREE MURDER", "homicide", 0.07, False),
    ("0142", "HOMICIDE - RECKLESS HOMICIDE", "homicide", 0.05, False),
    ("0261", "CRIMINAL SEXUAL ASSAULT - AGGRAVATED", "rape", 0.25, True),
    ("0281", "CRIMINAL SEXUAL ASSAULT - NON-AGGRAVATED", "rape", 0.65, True),
    ("0291", "CRIMINAL SEXUAL ASSAULT - ATTEMPT", "rape", 0.10, True),
    ("031A", "ROBBERY - ARMED: HANDGUN", "robbery", 0.35, False),
    ("033A", "ROBBERY - ARMED: OTHER DANGEROUS WEAPON", "robbery", 0.10, False),
    ("0320", "ROBBERY - STRONG ARM, NO WEAPON", "robbery", 0.40, False),
    ("0325", "ROBBERY - VEHICULAR HIJACKING", "robbery", 0.08, False),
    ("0340", "ROBBERY - ATTEMPT", "robbery", 0.07, False),
    ("041A", "AGGRAVATED BATTERY - HANDGUN", "aggravated_assault", 0.20, False),
    ("0420", "AGGRAVATED BATTERY - KNIFE/CUTTING INSTRUMENT", "aggravated_assault", 0.15, False),
    ("051A", "AGGRAVATED ASSAULT - HANDGUN", "aggravated_assault", 0.25, False),
    ("0550", "AGGRAVATED ASSAULT - OTHER DANGEROUS WEAPON", "aggravated_assault", 0.15, False),
    ("04B9", "AGGRAVATED DOMESTIC BATTERY", "aggravated_assault", 0.25, True),
    ("0610", "BURGLARY - FORCIBLE ENTRY", "burglary", 0.55, False),
    ("0620", "BURGLARY - UNLAWFUL ENTRY", "burglary", 0.30, False),
    ("0630", "BURGLARY - ATTEMPT FORCIBLE ENTRY", "burglary", 0.10, False),
    ("0650", "BURGLARY - HOME INVASION", "burglary", 0.05, False),
    ("0810", "THEFT - OVER $500", "larceny_theft", 0.22, False),
    ("0820", "THEFT - $500 AND UNDER", "larceny_theft", 0.30, False),
    ("0845", "THEFT - FROM MOTOR VEHICLE", "larceny_theft", 0.22, False),
    ("0860", "THEFT - RETAIL THEFT", "larceny_theft", 0.16, False),
    ("0870", "THEFT - POCKET-PICKING", "larceny_theft", 0.03, False),
    ("0890", "THEFT - FROM BUILDING", "larceny_theft", 0.07, False),
    ("0910", "MOTOR VEHICLE THEFT - AUTOMOBILE", "motor_vehicle_theft", 0.80, False),
    ("0915", "MOTOR VEHICLE THEFT - TRUCK, BUS, MOTOR HOME", "motor_vehicle_theft", 0.08, False),
    ("0917", "MOTOR VEHICLE THEFT - CYCLE, SCOOTER, BIKE", "motor_vehicle_theft", 0.07, False),
    ("0930", "MOTOR VEHICLE THEFT - ATTEMPT", "motor_vehicle_theft", 0.05, False),
    ("1010", "ARSON - BY FIRE", "arson", 0.80, False),
    ("1020", "ARSON - BY EXPLOSIVE", "arson", 0.05, False),
    ("1090", "ARSON - ATTEMPT", "arson", 0.15, False),
    ("0460", "BATTERY - SIMPLE", "simple_assault", 0.45, False),
    ("0560", "ASSAULT - SIMPLE", "simple_assault", 0.30, False),
    ("0486", "DOMESTIC BATTERY - SIMPLE", "simple_assault", 0.25, True),
    ("1305", "CRIMINAL DAMAGE - CRIMINAL DEFACEMENT", "vandalism", 0.15, False),
    ("1310", "CRIMINAL DAMAGE - TO PROPERTY", "vandalism", 0.50, False),
    ("1320", "CRIMINAL DAMAGE - TO VEHICLE", "vandalism", 0.35, False),
    ("1110", "DECEPTIVE PRACTICE - BOGUS CHECK", "fraud", 0.10, False),
    ("1150", "DECEPTIVE PRACTICE - CREDIT CARD FRAUD", "fraud", 0.35, False),
    ("1153", "DECEPTIVE PRACTICE - FINANCIAL IDENTITY THEFT", "fraud", 0.40, False),
    (
        "1195",
        "DECEPTIVE PRACTICE - FINANCIAL EXPLOITATION OF AN ELDERLY PERSON",
        "fraud",
        0.15,
        False,
    ),
    ("1811", "NARCOTICS - POSSESS CANNABIS", "drugs", 0.25, False),
    ("2024", "NARCOTICS - POSSESS HEROIN", "drugs", 0.20, False),
    ("2027", "NARCOTICS - POSSESS CRACK", "drugs", 0.20, False),
    ("2017", "NARCOTICS - MANUFACTURE/DELIVER CRACK", "drugs", 0.15, False),
    ("2170", "NARCOTICS - POSSESSION OF DRUG EQUIPMENT", "drugs", 0.20, False),
    ("143A", "WEAPONS VIOLATION - UNLAWFUL POSSESSION OF HANDGUN", "weapons", 0.55, False),
    ("141A", "WEAPONS VIOLATION - UNLAWFUL USE OF HANDGUN", "weapons", 0.25, False),
    ("1477", "WEAPONS VIOLATION - RECKLESS FIREARM DISCHARGE", "weapons", 0.20, False),
    ("1330", "CRIMINAL TRESPASS - TO LAND", "disorder", 0.35, False),
    ("2820", "PUBLIC PEACE VIOLATION - TELEPHONE THREAT", "disorder", 0.20, False),
    ("2890", "PUBLIC PEACE VIOLATION - OTHER", "disorder", 0.30, False),
    ("2250", "LIQUOR LAW VIOLATION - PUBLIC CONSUMPTION", "disorder", 0.15, False),
    ("1750", "OFFENSE INVOLVING CHILDREN - CHILD ABUSE", "other", 0.08, True),
    ("1792", "OFFENSE INVOLVING CHILDREN - CHILD ENDANGERMENT", "other", 0.05, True),
    ("1544", "SEX OFFENSE - SEXUAL EXPLOITATION OF A CHILD", "other", 0.02, True),
    ("4387", "OTHER OFFENSE - VIOLATE ORDER OF PROTECTION", "other", 0.15, True),
    ("2825", "OTHER OFFENSE - HARASSMENT BY TELEPHONE", "other", 0.20, False),
    ("3731", "INTERFERENCE WITH PUBLIC OFFICER - OBSTRUCTING", "other", 0.15, False),
    ("5002", "OTHER OFFENSE - OTHER VEHICLE OFFENSE", "other", 0.20, False),
    ("5011", "OTHER OFFENSE - LICENSE VIOLATION", "other", 0.15, False),
)
_OFFENCE_TABLE = pd.DataFrame(
    _OFFENCES, columns=["offence_code", "offence_description", "category", "weight", "sensitive"]
)
assert _OFFENCE_TABLE["offence_code"].is_unique
assert set(_OFFENCE_TABLE["category"]) == set(CATEGORY_CODES)

# Names ---------------------------------------------------------------------------------

_HOOD_NAMES = (
    "Oak Park Hill", "Millbrook", "Cedar Heights", "Westport Junction", "Foxhall",
    "Linden Park", "Quarry Hill", "Bluestem", "Prairie View", "Old Mill", "Union Yards",
    "Elmwood", "Sycamore Flats", "Mission Gardens", "Northgate", "South Fairmount",
    "Brickyard", "Kensington Heights", "Ashland Square", "Walnut Grove", "Copper Ridge",
    "Hawthorne", "Dover Crossing", "Maple Leaf", "Stockyards", "Fairview", "Belmont Park",
    "Pioneer Square", "Birchwood", "Highland Ridge", "Sunset Hill", "Clover Meadows",
    "Ironworks", "Rosedale", "Greystone", "Meadowlark", "Willow Bend", "Prospect Heights",
    "Garfield Park", "Orchard Glen", "Tanner's Row", "Summit Terrace", "Liberty Square",
    "Hollister", "Chestnut Hill", "Larkspur", "Carver Heights", "Juniper Flats",
)  # fmt: skip
_WATER_NAMES = (
    "Riverside", "Harbor Bend", "Riverview", "Ferry Landing", "Mill Creek", "Levee Park",
    "Bridgeport", "Wharf District", "Waterworks", "Cottonwood Bottoms",
)  # fmt: skip
_NS_NAMES = (
    "ADAMS", "BALSAM", "CALHOUN", "DEARBORN", "EMERSON", "FRANKLIN", "GRANT", "HARRISON",
    "IRVING", "JACKSON", "KEOKUK", "LINCOLN", "MADISON", "NEWTON", "OSAGE", "PIERCE",
    "QUINCY", "RANDOLPH", "SHERIDAN", "TYLER", "UNION", "VAN BUREN", "WASHINGTON", "YATES",
    "ASHBY", "BROOKS", "COLFAX", "DOUGLAS", "ELLIOTT", "FULTON", "GARFIELD", "HAMILTON",
    "JEFFERSON", "KENWOOD", "LAWRENCE", "MONROE", "NORWOOD", "OGDEN", "PARK", "REED",
)  # fmt: skip
_EW_NAMES = (
    "ELM", "OAK", "MAPLE", "WALNUT", "CHERRY", "HICKORY", "LOCUST", "PINE", "SPRUCE",
    "CEDAR", "BIRCH", "LINDEN", "POPLAR", "SYCAMORE", "CHESTNUT", "BUCKEYE", "HAZEL",
    "JUNIPER", "LAUREL", "MULBERRY", "ASPEN", "CYPRESS", "HOLLY", "MAGNOLIA", "WILLOW",
)  # fmt: skip
_CAFES = (
    "Daily Grind Coffee", "Bean There Cafe", "Sunrise Bakery", "Java Junction", "Corner Cup",
    "Main Street Diner", "Perk Place", "Two Rivers Roasters", "Hometown Donuts",
    "The Grounds Keeper", "Copper Kettle Diner", "Prairie Perk", "Steamboat Coffee Co.",
    "Mugs & Muffins", "Union Depot Cafe", "Blue Heron Coffee", "Kolache Corner",
    "Second Shift Coffee", "Honeycomb Bakery", "Railyard Espresso", "Lucky Penny Diner",
    "Crossroads Coffee", "Pecan Street Pancakes", "Brick Oven Bagels",
)  # fmt: skip
_VENUE_KINDS = (
    "{name} Community Center", "{name} Branch Library", "{name} Park pavilion",
    "{name} Elementary School gym", "{name} Baptist Church hall", "St. Mark's Parish hall",
    "{name} Senior Center", "{name} Recreation Center",
)  # fmt: skip
_CITY_ORGS = (
    "Demo City Public Library", "Heartland Boys & Girls Club", "YMCA of Demo City",
    "United Way of Demo County", "Faith Leaders Coalition", "Neighborhood Housing Services",
    "Demo City Parks & Recreation", "Eastside Food Pantry", "Rotary Club of Demo City",
    "Demo City Public Schools", "Big Brothers Big Sisters", "Mothers Against Violence",
    "Local Business Alliance", "Demo City Fire Department",
)  # fmt: skip
_JOB_PARTNERS = (
    "Second Chance Workforce Alliance", "Metro Community College", "Demo County Reentry Council",
    "Demo City Workforce Center", "Heartland Builders Union",
)  # fmt: skip
_NNO_UNITS = (
    ("Patrol", 0.95), ("K9", 0.45), ("Mounted", 0.12), ("SWAT", 0.15), ("Bomb squad", 0.06),
    ("Crime prevention", 0.7), ("Fire department", 0.4),
)  # fmt: skip


def _ordinal(n: int) -> str:
    suffix = "TH" if 10 <= n % 100 <= 20 else {1: "ST", 2: "ND", 3: "RD"}.get(n % 10, "TH")
    return f"{n}{suffix}"


def _district_name(number: int) -> str:
    return f"{_ordinal(number).lower()} District"


# Dates ---------------------------------------------------------------------------------


def _nth_weekday(year: int, month: int, weekday: int, n: int = 1) -> date:
    """The n-th given weekday (Monday 0) of a month; n=-1 is the last one."""
    if n < 0:
        after = date(year + month // 12, month % 12 + 1, 1)
        return after - timedelta(days=(after.weekday() - weekday - 1) % 7 + 1)
    first = date(year, month, 1)
    return first + timedelta(days=(weekday - first.weekday()) % 7 + 7 * (n - 1))


def national_night_out(year: int, month: int = 8) -> date:
    """First Tuesday of August (some agencies hold it on the first Tuesday of October)."""
    return _nth_weekday(year, month, 1)


def _shift_years(day: date, years: int) -> date:
    try:
        return day.replace(year=day.year + years)
    except ValueError:  # 29 February
        return day.replace(year=day.year + years, day=28)


def _months(start: date, end: date) -> Iterator[tuple[int, int]]:
    year, month = start.year, start.month
    while (year, month) <= (end.year, end.month):
        yield year, month
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)


# Parameters ----------------------------------------------------------------------------


@dataclass(frozen=True)
class _Period:
    start: date
    end: date
    effect_start: date
    treated_codes: tuple[str, ...] | None


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


def _validate(params: DemoParams) -> _Period:
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
    start = _shift_years(end, -params.years) + timedelta(days=1)
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
    return _Period(start, end, effect_start, codes)


# The city: outline and areas -----------------------------------------------------------


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
    return _largest(city.difference(river.buffer(200))), river


def _polygons(geom: shapely.Geometry) -> list[shapely.Polygon]:
    return [p for p in shapely.get_parts(geom) if isinstance(p, shapely.Polygon) and p.area > 0]


def _largest(geom: shapely.Geometry) -> shapely.Polygon:
    return max(_polygons(geom), key=lambda p: p.area)


def _sample_in(geom: shapely.Geometry, n: int, rng: np.random.Generator) -> np.ndarray:
    """n uniform points inside a polygon: vectorised rejection sampling from its box."""
    out = np.empty((n, 2))
    if n == 0:
        return out
    shapely.prepare(geom)
    minx, miny, maxx, maxy = geom.bounds
    ratio = (maxx - minx) * (maxy - miny) / max(geom.area, 1e-9)
    filled = 0
    while filled < n:
        m = int((n - filled) * ratio * 1.2) + 16
        x = rng.uniform(minx, maxx, m)
        y = rng.uniform(miny, maxy, m)
        inside = shapely.contains_xy(geom, x, y)
        take = min(n - filled, int(inside.sum()))
        out[filled : filled + take, 0] = x[inside][:take]
        out[filled : filled + take, 1] = y[inside][:take]
        filled += take
    return out


def _tessellate(
    region: shapely.Polygon, n: int, rng: np.random.Generator, relax: int = 3
) -> list[shapely.Polygon]:
    """n Voronoi cells covering a region, evened out by a few Lloyd steps, one piece each."""
    points = _sample_in(region, n, rng)
    for step in range(relax + 1):
        cells = shapely.get_parts(
            shapely.voronoi_polygons(shapely.multipoints(points), extend_to=region, ordered=True)
        )
        cells = shapely.intersection(cells, region)
        if step < relax:
            centres = shapely.centroid(cells)
            inside = shapely.within(centres, region)
            centres = np.where(inside, centres, shapely.point_on_surface(cells))
            points = shapely.get_coordinates(centres)
    return _whole(cells)


def _whole(cells: np.ndarray) -> list[shapely.Polygon]:
    """Give each cell's stray fragments (cut off by the river or a bay) to the neighbour
    they share most border with, so every area is one polygon and the cover stays exact."""
    parts = [sorted(_polygons(c), key=lambda p: p.area, reverse=True) for c in cells]
    mains = np.array([p[0] for p in parts], dtype=object)
    for i, cell_parts in enumerate(parts):
        for fragment in cell_parts[1:]:
            shared = shapely.area(shapely.intersection(fragment.buffer(1.0), mains))
            shared[i] = -1
            j = int(np.argmax(shared))
            mains[j] = shapely.union(mains[j], fragment)
    return list(mains)


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
class _City:
    """The fictional city in local metres; neighbourhood attributes drive crime and outreach."""

    areas: gpd.GeoDataFrame  # all kinds: area_id, kind, code, name, population, geometry
    hoods: gpd.GeoDataFrame  # one row per neighbourhood, in code order
    beats: gpd.GeoDataFrame  # beat rows, with the position of their district
    parts: gpd.GeoDataFrame  # beat x neighbourhood pieces: hood, beat, district, area_m2
    hotspots: list[np.ndarray]  # per neighbourhood, (k, 2) persistent hotspot points
    neighbours: list[np.ndarray]  # per neighbourhood, positions of adjacent ones
    category_mult: np.ndarray  # (neighbourhoods, categories) local mix of offences
    downtown: int


def _objects(geoms: list[shapely.Geometry]) -> np.ndarray:
    return np.array(geoms, dtype=object)


def _centroids(geoms: list[shapely.Geometry] | np.ndarray) -> np.ndarray:
    return shapely.get_coordinates(shapely.centroid(_objects(list(geoms))))


def _neighbourhoods(
    outline: shapely.Polygon, river: shapely.LineString, rng: np.random.Generator
) -> gpd.GeoDataFrame:
    """Neighbourhood polygons, numbered in reading order, with their people and their risk.

    Risk is a smooth gradient across the city plus noise, and a few persistently
    high-crime areas on top: crime clusters, as it does in real cities.
    """
    cells = _tessellate(outline, N_HOODS, rng)
    order = _reading_order(_centroids(cells))
    cells = [cells[i] for i in order]
    centroids = _centroids(cells)
    downtown = int(np.argmin(np.hypot(centroids[:, 0], centroids[:, 1])))
    near_river = shapely.distance(_objects(cells), river) < 250
    water = [str(n) for n in rng.permutation(_WATER_NAMES)]
    plain = [str(n) for n in rng.permutation(_HOOD_NAMES)]
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
        out.append(_sample_in(core if core.area > 0 else cell, k, rng))
    return out


def _police_areas(
    outline: shapely.Polygon, hoods: gpd.GeoDataFrame, rng: np.random.Generator
) -> tuple[gpd.GeoDataFrame, gpd.GeoDataFrame]:
    """Police districts and their beats; a district is exactly the union of its beats.

    Beats share out the workload, so busy districts get more (smaller) beats. Beat codes
    are district, sector and beat: "0111" is district 1, sector 1, beat 1.
    """
    district_cells = _tessellate(outline, N_DISTRICTS, rng, relax=4)
    workload = hoods["population"].to_numpy() * hoods["risk"].to_numpy()
    overlap = shapely.area(
        shapely.intersection(_objects(district_cells)[:, None], hoods.geometry.to_numpy()[None, :])
    )
    share = (overlap / shapely.area(hoods.geometry.values)[None, :]) @ workload
    n_beats = np.clip(np.round(N_BEATS * share / share.sum()), *BEATS_PER_DISTRICT).astype(int)
    beat_rows, district_rows = [], []
    for number, d in enumerate(_position_order(_centroids(district_cells)), start=1):
        beats = _tessellate(district_cells[d], int(n_beats[d]), rng, relax=2)
        centroids = _centroids(beats)
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
            (f"district:{number}", "district", str(number), _district_name(number),
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
    centroids = _centroids(hoods.geometry.to_numpy())
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


def _make_city(seed: int) -> _City:
    """The whole geography and its standing traits; depends on the seed alone."""
    rng = _rng(seed, "city")
    outline, river = _outline(rng)
    hoods = _neighbourhoods(outline, river, rng)
    downtown = int(np.flatnonzero(hoods["downtown"])[0])
    category_mult = rng.lognormal(0, 0.2, (N_HOODS, len(CATEGORY_CODES)))
    for category, factor in _DOWNTOWN_MIX.items():
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
    return _City(
        areas=gpd.GeoDataFrame(areas, geometry="geometry"),
        hoods=hoods,
        beats=beats,
        parts=parts,
        hotspots=hotspots,
        neighbours=adjacent,
        category_mult=category_mult,
        downtown=downtown,
    )


def _to_lonlat(x: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    return LON0 + np.asarray(x) / M_PER_DEG_LON, LAT0 + np.asarray(y) / M_PER_DEG_LAT


def _areas_wgs84(city: _City) -> gpd.GeoDataFrame:
    geoms = shapely.transform(
        city.areas.geometry.values,
        lambda xy: np.column_stack(_to_lonlat(xy[:, 0], xy[:, 1])),
    )
    return gpd.GeoDataFrame(city.areas.drop(columns="geometry"), geometry=geoms, crs=geo.WGS84)


# The plan: who is treated, who is left out ---------------------------------------------


@dataclass(frozen=True)
class _Plan:
    """The planted truth, in neighbourhood positions (code = position + 1)."""

    period: _Period
    treated: np.ndarray
    under_served: np.ndarray
    october_nno: np.ndarray
    propensity: np.ndarray  # outreach tendency per neighbourhood, mean about 1
    watch: np.ndarray  # has a neighbourhood watch group


def _area_weights(city: _City) -> np.ndarray:
    """(neighbourhoods, categories) share of all incidents: people x risk x local mix."""
    concentration = np.array([_CATS[c].concentration for c in CATEGORY_CODES])
    share = np.array([_CATS[c].share for c in CATEGORY_CODES])
    weights = (
        city.hoods["population"].to_numpy()[:, None]
        * city.hoods["risk"].to_numpy()[:, None] ** concentration[None, :]
        * city.category_mult
    )
    return weights / weights.sum(axis=0) * (share / share.sum())


def _make_plan(city: _City, period: _Period, params: DemoParams) -> _Plan:
    """Choose the under-served areas (4 of the 7 highest expected crime rates, downtown
    aside), the treated ones (named, or drawn from the top two thirds by rate, never
    under-served), the October NNO areas and the watch groups."""
    rng = _rng(params.seed, "plan")
    rate = _area_weights(city).sum(axis=1) / city.hoods["population"].to_numpy()
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
    return _Plan(period, treated, under_served, october, propensity, watch)


# Incidents ------------------------------------------------------------------------------


def _days(period: _Period) -> np.ndarray:
    return np.arange(np.datetime64(period.start), np.datetime64(period.end) + 1)


def _intensity(city: _City, plan: _Plan, params: DemoParams) -> np.ndarray:
    """Expected incidents per (neighbourhood, day, category), the planted effect included.

    Normalised before the effect, so untreated areas get the same expectation whatever
    the effect is, and each category keeps its share of `params.incidents`.
    """
    days = _days(plan.period)
    doy = (days - days.astype("datetime64[Y]")).astype(int)
    weekday = (days.astype(int) + 3) % 7  # 1970-01-01 was a Thursday
    years = (days - days[0]).astype(int) / 365.25
    years -= years.mean()
    cat = {
        name: np.array([getattr(_CATS[c], name) for c in CATEGORY_CODES])
        for name in ("share", "season", "weekend", "trend")
    }
    season = np.interp(doy, _MID_MONTH_DOY, _SEASON, period=365)
    time_factor = (
        (1 + cat["season"][None, :] * (season[:, None] - 1))
        * (1 + cat["weekend"][None, :] * (_WEEK[weekday][:, None] - 1))
        * np.exp(cat["trend"][None, :] * years[:, None])
    )
    trend = city.hoods["trend"].to_numpy().copy()
    trend[plan.under_served] = UNDER_SERVED_TREND
    area_time = np.exp(trend[:, None] * years[None, :])
    lam = _area_weights(city)[:, None, :] * time_factor[None, :, :] * area_time[:, :, None]
    lam *= (params.incidents * cat["share"] / cat["share"].sum()) / lam.sum(axis=(0, 1))
    post = np.flatnonzero(days >= np.datetime64(plan.period.effect_start))
    effect_cats = [CATEGORY_CODES.index(c) for c in params.effect_categories]
    lam[np.ix_(plan.treated, post, effect_cats)] *= 1 + params.effect
    return lam


def _counts(lam: np.ndarray, seed: int) -> np.ndarray:
    """Poisson counts, one random stream per neighbourhood: an untreated area's counts do
    not move when only the planted effect changes."""
    return np.stack([_rng(seed, "counts", a).poisson(lam[a]) for a in range(len(lam))])


def _block_addresses(x: np.ndarray, y: np.ndarray) -> pd.Categorical:
    """Agency-style block addresses ("012XX W ELM ST") on a fictional street grid.

    North-south avenues and east-west streets every 400 m, MAIN ST and CENTRAL AVE as the
    base lines, 100 house numbers per 200 m; each point takes the nearest street.
    """
    kx = np.round(x / STREET_SPACING_M).astype(int)
    ky = np.round(y / STREET_SPACING_M).astype(int)
    on_ns = np.abs(x - kx * STREET_SPACING_M) <= np.abs(y - ky * STREET_SPACING_M)
    line = np.where(on_ns, kx, ky)
    positive = np.where(on_ns, y >= 0, x >= 0)
    block = np.floor(np.where(on_ns, np.abs(y), np.abs(x)) / BLOCK_M).astype(int)
    key = ((on_ns * 1000 + line + 500) * 2 + positive) * 1000 + block
    _, first, inverse = np.unique(key, return_index=True, return_inverse=True)
    labels = []
    for i in first:
        if on_ns[i]:
            k = line[i]
            street = "MAIN ST" if k == 0 else f"{_NS_NAMES[k % len(_NS_NAMES)]} AVE"
            prefix = "N" if positive[i] else "S"
        else:
            k = line[i]
            if k == 0:
                street = "CENTRAL AVE"
            elif k > 0:
                street = f"{_EW_NAMES[(k - 1) % len(_EW_NAMES)]} ST"
            else:
                street = f"{_ordinal(-k)} ST"
            prefix = "E" if positive[i] else "W"
        labels.append(f"{block[i]:03d}XX {prefix} {street}")
    # Distinct keys can share a label when a name list wraps round; categories must be unique.
    labels_arr = np.array(labels, dtype=object)
    names, codes = np.unique(labels_arr, return_inverse=True)
    return pd.Categorical.from_codes(codes[inverse.ravel()], categories=names.tolist())


def _locations(
    city: _City, hood: np.ndarray, category: np.ndarray, rng: np.random.Generator
) -> np.ndarray:
    """Points in each incident's neighbourhood; a share gathers round persistent hotspots."""
    xy = np.empty((len(hood), 2))
    hotspot_factor = np.array([_CATS[c].hotspot for c in CATEGORY_CODES])
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
        points[~hot] = _sample_in(polygon, int((~hot).sum()), rng)
        xy[rows] = points
    return xy


def _offences(category: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """An agency offence code (row of _OFFENCE_TABLE) for each incident, by its category."""
    offence = np.empty(len(category), dtype=np.int64)
    weights = _OFFENCE_TABLE["weight"].to_numpy()
    for c, code in enumerate(CATEGORY_CODES):
        rows = np.flatnonzero(category == c)
        choices = np.flatnonzero(_OFFENCE_TABLE["category"].to_numpy() == code)
        p = weights[choices] / weights[choices].sum()
        offence[rows] = rng.choice(choices, len(rows), p=p)
    return offence


def _times(
    day: np.ndarray, category: np.ndarray, period: _Period, rng: np.random.Generator
) -> tuple[np.ndarray, np.ndarray]:
    """Occurred and reported times: the hour from the category's daily curve, the report
    a lognormal delay later (minutes for robbery, days for fraud), never after the end."""
    n = len(day)
    hour = np.empty(n, dtype=np.int64)
    profile = np.array([list(_HOURS).index(_CATS[c].hours) for c in CATEGORY_CODES])[category]
    u = rng.random(n)
    for p, curve in enumerate(_HOURS.values()):
        rows = profile == p
        cdf = np.cumsum(curve) / np.sum(curve)
        hour[rows] = np.minimum(np.searchsorted(cdf, u[rows], side="right"), 23)
    seconds = hour * 3600 + rng.integers(0, 60, n) * 60
    occurred = _days(period)[day].astype("datetime64[s]") + seconds.astype("timedelta64[s]")
    median_delay = np.array([_CATS[c].report_hours for c in CATEGORY_CODES])[category]
    delay = np.maximum(5, np.round(median_delay * 60 * rng.lognormal(0, 1.1, n))) * 60
    last_minute = np.datetime64(period.end) + np.timedelta64(1, "D") - np.timedelta64(60, "s")
    reported = np.minimum(occurred + delay.astype("timedelta64[s]"), last_minute)
    return occurred, reported


def _incidents(
    city: _City, plan: _Plan, params: DemoParams, areas: gpd.GeoDataFrame
) -> pd.DataFrame:
    """One row per incident, sorted by time, ready for the insert (ids are made in SQL).

    Counts come per (neighbourhood, day, category) cell and are expanded to rows with
    np.repeat; every other field is drawn for all rows at once. Areas of every kind are
    then assigned by point-in-polygon, as an import would.
    """
    counts = _counts(_intensity(city, plan, params), params.seed)
    cell = np.repeat(np.arange(counts.size), counts.ravel())
    hood, day, category = np.unravel_index(cell, counts.shape)
    rng = _rng(params.seed, "incidents")
    offence = _offences(category, rng)
    occurred, reported = _times(day, category, plan.period, rng)
    xy = _locations(city, hood, category, rng)
    lon, lat = _to_lonlat(xy[:, 0], xy[:, 1])
    assigned = geo.assign_areas(lon, lat, areas)
    table = _OFFENCE_TABLE
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
            "block_address": _block_addresses(xy[:, 0], xy[:, 1]),
            "lat": lat,
            "lon": lon,
            **{column: assigned[column].to_numpy() for column in AREA_COLUMNS.values()},
        }
    )
    frame = frame.iloc[np.argsort(occurred, kind="stable")].reset_index(drop=True)
    frame.insert(0, "seq", np.arange(1, len(frame) + 1))
    return frame


# Outreach events ------------------------------------------------------------------------


class _Spot(NamedTuple):
    """Where an event is: its host neighbourhood, a point, and a venue name if it has one."""

    host: int
    x: float
    y: float
    venue: str | None = None


class _Event(NamedTuple):
    program: str
    title: str
    starts_at: datetime
    minutes: int
    spot: _Spot
    units: str | None = None
    partners: str | None = None


class _Venues:
    """Where events happen: outreach goes where the neighbourhood's propensity is."""

    def __init__(self, city: _City, plan: _Plan, rng: np.random.Generator) -> None:
        self.city, self.plan, self.rng = city, plan, rng
        parts = city.parts
        self._part_weight = parts["area_m2"].to_numpy() * plan.propensity[parts["hood"]]

    def in_hood(self, hood: int, venue: str | None = None) -> _Spot:
        x, y = _sample_in(self.city.hoods.geometry.values[hood], 1, self.rng)[0]
        return _Spot(int(hood), float(x), float(y), venue)

    def named_in_hood(self, hood: int) -> _Spot:
        """A community venue (library, church hall, ...) in the neighbourhood."""
        kind = _VENUE_KINDS[int(self.rng.integers(len(_VENUE_KINDS)))]
        return self.in_hood(hood, kind.format(name=self.city.hoods["name"][hood]))

    def in_pieces(self, mask: np.ndarray, venue: str | None = None) -> _Spot:
        """A venue in a beat or district: a beat x neighbourhood piece chosen by area x
        propensity, so it rarely lands where outreach is not welcome."""
        idx = np.flatnonzero(mask)
        weights = self._part_weight[idx]
        i = int(self.rng.choice(idx, p=weights / weights.sum()))
        x, y = _sample_in(self.city.parts.geometry.values[i], 1, self.rng)[0]
        host = int(self.city.parts["hood"].iloc[i])
        if venue is None:
            kind = _VENUE_KINDS[int(self.rng.integers(len(_VENUE_KINDS)))]
            venue = kind.format(name=self.city.hoods["name"][host])
        return _Spot(host, float(x), float(y), venue)

    def hosts(self, k: int, exclude: np.ndarray | None = None) -> list[int]:
        """k distinct neighbourhoods, likelier where people live and outreach is welcome."""
        weights = self.city.hoods["population"].to_numpy() * self.plan.propensity
        if exclude is not None:
            weights[exclude] = 0
        chosen = self.rng.choice(N_HOODS, k, replace=False, p=weights / weights.sum())
        return [int(h) for h in chosen]


def _pick(rng: np.random.Generator, items: tuple[str, ...], k: int) -> list[str]:
    return [items[i] for i in sorted(rng.choice(len(items), k, replace=False))]


def _at(day: date, hour: int, minute: int = 0) -> datetime:
    return datetime(day.year, day.month, day.day) + timedelta(hours=hour, minutes=minute)


def _nno_events(
    city: _City, plan: _Plan, venues: _Venues, rng: np.random.Generator
) -> list[_Event]:
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
                units = [u for u, p in _NNO_UNITS if rng.random() < p] or ["Patrol"]
                orgs = _pick(rng, _CITY_ORGS, int(rng.integers(0, 3)))
                start = _at(day, 17, int(rng.choice([0, 30, 60, 90])))
                end = _at(day, 20, int(rng.choice([0, 30, 60])))
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
    city: _City, plan: _Plan, venues: _Venues, rng: np.random.Generator
) -> list[_Event]:
    """Coffee with a Cop: one per police district a month, rotating round 3 local cafes."""
    events = []
    cafes = [str(c) for c in rng.permutation(_CAFES)]
    districts = city.parts["district"].to_numpy()
    for d in range(N_DISTRICTS):
        spots = [
            venues.in_pieces(districts == d, cafes[(3 * d + k) % len(cafes)]) for k in range(3)
        ]
        for m, (year, month) in enumerate(_months(plan.period.start, plan.period.end)):
            day = _nth_weekday(year, month, int(rng.integers(1, 4)), int(rng.integers(1, 4)))
            start = _at(day, int(rng.choice([7, 8, 9])), 30)
            title = f"Coffee with a Cop – {_district_name(d + 1)}"
            events.append(_Event("coffee_with_a_cop", title, start, 120, spots[m % 3], "Patrol"))
    return events


def _meeting_events(
    city: _City, plan: _Plan, venues: _Venues, rng: np.random.Generator
) -> list[_Event]:
    """Monthly neighbourhood watch meetings, and CAPS-style beat meetings every two months.

    Beat meetings are held with a probability that follows the host's outreach
    propensity: meetings lapse where nobody comes. From the effect start, treated
    neighbourhoods meet every month, a watch meeting and a partnership meeting.
    """
    events = []
    period = plan.period
    months = list(_months(period.start, period.end))
    treated = set(plan.treated.tolist())
    for hood, name in enumerate(city.hoods["name"]):
        spot = venues.named_in_hood(hood)
        association = f"{name} Neighborhood Association"
        weekday, week = int(rng.choice([0, 1, 3])), int(rng.integers(1, 4))
        for year, month in months:
            day = _nth_weekday(year, month, weekday, week)
            boosted = hood in treated and day >= period.effect_start
            if (plan.watch[hood] and rng.random() < 0.85) or boosted:
                title = f"{name} Neighborhood Watch meeting"
                events.append(
                    _Event("neighbourhood_watch", title, _at(day, 19), 60, spot,
                           "Crime prevention", association)
                )  # fmt: skip
            day = _nth_weekday(year, month, 3, -1)
            if hood in treated and day >= period.effect_start:
                title = f"{name} Safe Neighborhoods partnership meeting"
                events.append(
                    _Event("community_meeting", title, _at(day, 18), 90, spot,
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
            day = _nth_weekday(year, month, weekday, week)
            events.append(
                _Event("community_meeting", f"Beat {code} community meeting", _at(day, 18, 30),
                       60, spot, "Patrol", f"{_district_name(district + 1)} Advisory Council")
            )  # fmt: skip
    return events


def _academy_events(venues: _Venues, period: _Period) -> list[_Event]:
    """Citizen Police Academy: spring and fall cohorts, eight weekly Tuesday sessions."""
    spot = venues.in_hood(venues.hosts(1)[0], "Demo City Police Training Academy")
    events = []
    for year in range(period.start.year, period.end.year + 1):
        for season, month in (("Spring", 3), ("Fall", 9)):
            first = _nth_weekday(year, month, 1)
            for session in range(8):
                title = (
                    f"Citizen Police Academy – {season} {year} cohort, session {session + 1} of 8"
                )
                start = _at(first + timedelta(weeks=session), 18)
                events.append(
                    _Event("citizen_academy", title, start, 180, spot,
                           "Patrol, K9, SWAT, Crime prevention")
                )  # fmt: skip
    return events


def _youth_events(city: _City, plan: _Plan, venues: _Venues) -> list[_Event]:
    """A summer basketball league at six sites a year, and three year-round programs."""
    events = []
    period = plan.period
    for year in range(period.start.year, period.end.year + 1):
        first = _nth_weekday(year, 6, 2, 2)
        for hood in venues.hosts(6, exclude=plan.under_served):
            name = city.hoods["name"][hood]
            spot = venues.in_hood(hood, f"{name} Recreation Center")
            for week in range(9):
                events.append(
                    _Event("youth_program", f"Summer youth basketball league – {name}",
                           _at(first + timedelta(weeks=week), 18), 120, spot, "Patrol",
                           "Heartland Boys & Girls Club, Demo City Parks & Recreation")
                )  # fmt: skip
    programs = ("Police Athletic League", "Youth mentoring night", "Police Explorers")
    for program, hood in zip(programs, venues.hosts(3, exclude=plan.under_served), strict=True):
        spot = venues.named_in_hood(hood)
        title = f"{program} – {city.hoods['name'][hood]}"
        for year, month in _months(period.start, period.end):
            start = _at(_nth_weekday(year, month, 5, 2), 10)
            partners = "Big Brothers Big Sisters"
            events.append(_Event("youth_program", title, start, 150, spot, "Patrol", partners))
    return events


def _job_fair_events(venues: _Venues, period: _Period, rng: np.random.Generator) -> list[_Event]:
    """Second-chance job fairs for returning citizens, quarterly, at three rotating venues."""
    spots = [venues.named_in_hood(h) for h in venues.hosts(3)]
    quarters = [(y, m) for y, m in _months(period.start, period.end) if m in (2, 5, 8, 11)]
    events = []
    for q, (year, month) in enumerate(quarters):
        title = f"Second-chance job fair for returning citizens – {year} Q{(month + 1) // 3}"
        start = _at(_nth_weekday(year, month, 2, 2), 10)
        partners = ", ".join(_pick(rng, _JOB_PARTNERS, 3))
        spot = spots[q % 3]
        events.append(_Event("job_fair", title, start, 240, spot, "Crime prevention", partners))
    return events


_OTHER_EVENTS = (
    ("Senior safety seminar", 14, 90), ("Bike safety rodeo", 10, 180),
    ("Police station open house", 11, 240), ("Holiday toy drive", 12, 180),
    ("Prescription drug take-back day", 10, 240),
)  # fmt: skip


def _other_events(
    city: _City, venues: _Venues, period: _Period, rng: np.random.Generator
) -> list[_Event]:
    """A handful of one-off events a year: seminars, rodeos, open houses, drives."""
    events = []
    for year in range(period.start.year, period.end.year + 1):
        for hood in venues.hosts(8):
            title, hour, minutes = _OTHER_EVENTS[int(rng.integers(len(_OTHER_EVENTS)))]
            day = _nth_weekday(year, int(rng.integers(3, 13)), 5, int(rng.integers(1, 4)))
            events.append(
                _Event("other", f"{title} – {city.hoods['name'][hood]}", _at(day, hour), minutes,
                       venues.named_in_hood(hood), "Crime prevention",
                       ", ".join(_pick(rng, _CITY_ORGS, 1)))
            )  # fmt: skip
    return events


def _events(city: _City, plan: _Plan, seed: int, areas: gpd.GeoDataFrame) -> pd.DataFrame:
    """Every outreach event inside the period, ids in time order, areas by point-in-polygon."""
    rng = _rng(seed, "events")
    venues = _Venues(city, plan, rng)
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
        [(*e[:4], *e.spot, e.units, e.partners) for e in rows],
        columns=["program", "title", "starts_at", "minutes", *_Spot._fields, "units", "partners"],
    )
    inside = (frame["starts_at"] >= _at(period.start, 0)) & (
        frame["starts_at"] < _at(period.end + timedelta(days=1), 0)
    )
    frame = frame[inside].sort_values(["starts_at", "program", "title", "x"], kind="stable")
    frame = frame.reset_index(drop=True)
    width = max(5, len(str(len(frame))))
    frame.insert(0, "event_id", [f"EV-{i:0{width}d}" for i in range(1, len(frame) + 1)])
    frame["ends_at"] = frame["starts_at"] + pd.to_timedelta(frame["minutes"], unit="min")
    addresses = _block_addresses(frame["x"].to_numpy(), frame["y"].to_numpy()).astype(str)
    frame["location"] = [
        f"{venue}, {address}" if isinstance(venue, str) else address
        for venue, address in zip(frame["venue"], addresses, strict=True)
    ]
    lon, lat = _to_lonlat(frame["x"].to_numpy(), frame["y"].to_numpy())
    frame["lon"], frame["lat"] = lon, lat
    frame["agency"] = AGENCY
    frame["source"] = SOURCE
    assigned = geo.assign_areas(lon, lat, areas)
    for column in AREA_COLUMNS.values():
        frame[column] = assigned[column].to_numpy()
    return frame


# Attendance -----------------------------------------------------------------------------

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


def _attendance(
    city: _City, plan: _Plan, events: pd.DataFrame, seed: int
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Attendance rows (head counts for ~97 % of events, a breakdown for most, a survey for
    about half) and home neighbourhoods for about a quarter of them."""
    rng = _rng(seed, "attendance")
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
    city: _City, plan: _Plan, events: pd.DataFrame, locals_: np.ndarray, rng: np.random.Generator
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
    city: _City,
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


# Writing --------------------------------------------------------------------------------

_EVENT_COLUMNS = [
    "event_id", "title", "program", "starts_at", "ends_at", "location", "lat", "lon", "agency",
    "units", "partners", *AREA_COLUMNS.values(), "source",
]  # fmt: skip

_INSERT_INCIDENTS = """
insert into incidents by name
select
    printf($id_format, seq) as incident_id,
    'J' || chr(65 + (((year(reported_at) - 2018) % 26 + 26) % 26)::integer)
        || printf('%06d', 100000 + row_number() over (
            partition by year(reported_at) order by reported_at, seq)) as case_number,
    occurred_at::timestamp as occurred_at,
    occurred_at::date as occurred_on,
    reported_at::timestamp as reported_at,
    offence_code::varchar as offence_code,
    offence_description::varchar as offence_description,
    category::varchar as category,
    sensitive,
    block_address::varchar as block_address,
    lat, lon, neighbourhood_id, beat_id, district_id, council_district_id,
    $source as source
from demo_incidents
order by seq
"""


def _write(
    path: Path,
    areas: pd.DataFrame,
    incidents: pd.DataFrame,
    events: pd.DataFrame,
    attendance: pd.DataFrame,
    homes: pd.DataFrame,
    meta: dict[str, object],
) -> None:
    """Everything in one write session: the live file changes all at once or not at all."""
    width = max(6, len(str(len(incidents))))
    with db.write_session(path, fresh=True) as con:
        frames = {
            "areas": areas,
            "events": events[_EVENT_COLUMNS],
            "attendance": attendance,
            "attendance_home_areas": homes,
        }
        for table, frame in frames.items():
            con.register("demo_frame", frame)
            con.execute(f"insert into {table} by name select * from demo_frame")
            con.unregister("demo_frame")
        con.register("demo_incidents", incidents)
        con.execute(_INSERT_INCIDENTS, {"id_format": f"DC-%0{width}d", "source": SOURCE})
        con.unregister("demo_incidents")
        db.refresh_aggregates(con)
        db.refresh_event_facts(con)
        rows = len(areas) + len(incidents) + len(events) + len(attendance) + len(homes)
        db.log_import(
            con,
            kind="demo",
            source_file=f"demo generator (seed {meta['seed']})",
            rows_read=rows,
            rows_loaded=rows,
            notes="fictional city; planted truth in meta demo_params",
        )
        db.set_meta(con, "dataset", "demo")
        db.set_meta(con, "dataset_label", "Demo data: fictional city")
        db.set_meta(con, "demo_params", json.dumps(meta))
        db.set_meta(con, "agency_name", AGENCY)
        db.bump_data_version(con, as_of=date.fromisoformat(str(meta["end_date"])))


def _hood_ids(positions: np.ndarray) -> list[str]:
    return [f"neighbourhood:{int(i) + 1}" for i in positions]


def _meta(
    city: _City, plan: _Plan, params: DemoParams, counts: dict[str, int]
) -> dict[str, object]:
    """The parameters and the planted truth, for the validation of the analytics."""
    period = plan.period
    names = city.hoods["name"]
    nno_dates = sorted(
        national_night_out(y, m)
        for y in range(period.start.year, period.end.year + 1)
        for m in (8, 10)
        if period.start <= national_night_out(y, m) <= period.end
    )
    return {
        "generator": "nno_dash.demo",
        "seed": params.seed,
        "incidents_requested": params.incidents,
        "years": params.years,
        "start_date": period.start.isoformat(),
        "end_date": period.end.isoformat(),
        "effect": params.effect,
        "effect_categories": list(params.effect_categories),
        "effect_start": period.effect_start.isoformat(),
        "treated_count": len(plan.treated),
        "treated_areas": [str(int(i) + 1) for i in plan.treated],
        "treated_area_ids": _hood_ids(plan.treated),
        "treated_area_names": [names[int(i)] for i in plan.treated],
        "under_served_area_ids": _hood_ids(plan.under_served),
        "under_served_area_names": [names[int(i)] for i in plan.under_served],
        "high_crime_area_ids": _hood_ids(np.flatnonzero(city.hoods["high_crime"])),
        "hotspots": [
            {"area_id": f"neighbourhood:{a + 1}", "lat": float(lat), "lon": float(lon)}
            for a, spots in enumerate(city.hotspots)
            for lon, lat in zip(*_to_lonlat(spots[:, 0], spots[:, 1]), strict=True)
        ],
        "under_served_trend_per_year": UNDER_SERVED_TREND,
        "october_nno_area_ids": _hood_ids(plan.october_nno),
        "nno_dates": [d.isoformat() for d in nno_dates],
        "counts": counts,
        "truth": (
            "From effect_start, expected incident counts in effect_categories in the treated "
            "neighbourhoods are multiplied by (1 + effect); nothing else changes. Treated "
            "neighbourhoods get monthly watch and partnership meetings and extra National "
            "Night Out parties from then on. Under-served neighbourhoods have among the "
            "highest crime rates, rising, and almost no outreach. Survey trust scores in "
            "treated neighbourhoods are 0.25 higher from effect_start."
        ),
    }


def build_demo(
    path: str | Path,
    params: DemoParams | None = None,
    progress: Callable[[str], None] | None = None,
) -> dict[str, object]:
    """Generate the demo city into `path` (replacing it) and return a small summary."""
    params = params or DemoParams()
    say = progress or (lambda _message: None)
    started = time.perf_counter()
    period = _validate(params)

    say("areas")
    city = _make_city(params.seed)
    plan = _make_plan(city, period, params)
    area_rows = geo.area_rows(_areas_wgs84(city))
    # Assign points against the geometry exactly as stored, as an import would.
    stored = gpd.GeoDataFrame(
        area_rows[["area_id", "kind"]],
        geometry=shapely.from_geojson(area_rows["geometry"].to_numpy()),
        crs=geo.WGS84,
    )

    say("incidents")
    incidents = _incidents(city, plan, params, stored)
    say(f"incidents: {len(incidents):,}")
    say("events")
    events = _events(city, plan, params.seed, stored)
    say("attendance")
    attendance, homes = _attendance(city, plan, events, params.seed)

    counts = {
        "areas": len(area_rows),
        "incidents": len(incidents),
        "events": len(events),
        "attendance": len(attendance),
        "attendance_home_areas": len(homes),
    }
    meta = _meta(city, plan, params, counts)
    say("writing")
    _write(Path(path), area_rows, incidents, events, attendance, homes, meta)
    return {
        "path": str(path),
        "seconds": round(time.perf_counter() - started, 2),
        "seed": params.seed,
        "counts": counts,
        "start_date": meta["start_date"],
        "end_date": meta["end_date"],
        "effect": params.effect,
        "effect_categories": list(params.effect_categories),
        "effect_start": meta["effect_start"],
        "treated_area_ids": meta["treated_area_ids"],
        "under_served_area_ids": meta["under_served_area_ids"],
    }


def describe_summary(summary: dict[str, object]) -> str:
    """A few lines for the terminal: what was written, where, and the planted truth."""
    counts = summary["counts"]
    treated = summary["treated_area_ids"] or ["none"]
    lines = [
        f"Demo city (seed {summary['seed']}) written to {summary['path']} "
        f"in {summary['seconds']:.1f} s",
        f"  {counts['incidents']:,} incidents {summary['start_date']} to {summary['end_date']}, "
        f"{counts['areas']} areas",
        f"  {counts['events']:,} outreach events, {counts['attendance']:,} with attendance, "
        f"{counts['attendance_home_areas']:,} home-area rows",
        f"  planted effect {float(summary['effect']):+.0%} in "
        f"{', '.join(summary['effect_categories']) or 'no categories'} "
        f"from {summary['effect_start']} in {', '.join(treated)}",
        f"  under-served: {', '.join(summary['under_served_area_ids'])}",
    ]
    return "\n".join(lines)
