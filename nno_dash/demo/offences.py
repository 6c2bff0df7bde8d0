"""How each offence category behaves (share, clustering, cycles, trend) and its agency codes."""

from __future__ import annotations

from typing import NamedTuple

import numpy as np
import pandas as pd

from nno_dash.core.vocab import CATEGORIES


class CategoryProfile(NamedTuple):
    """How one offence category behaves in the demo city."""

    share: float  # of all incidents, about UCR/NIBRS proportions for a US city
    concentration: float  # exponent on area risk: violence clusters more than fraud
    season: float  # strength of the summer peak
    weekend: float  # strength of the Friday/Saturday rise
    trend: float  # log change per year
    hours: str  # hour-of-day profile
    report_hours: float  # median delay before the report
    hotspot: float  # how strongly it gathers at hotspots


PROFILES: dict[str, CategoryProfile] = {
    "homicide": CategoryProfile(0.0008, 1.6, 0.8, 1.4, -0.03, "night", 0.5, 1.0),
    "rape": CategoryProfile(0.007, 1.1, 0.8, 1.2, 0.00, "night", 24.0, 0.6),
    "robbery": CategoryProfile(0.035, 1.4, 1.0, 1.2, -0.02, "evening", 0.5, 1.4),
    "aggravated_assault": CategoryProfile(0.055, 1.5, 1.1, 1.5, 0.01, "night", 1.0, 1.2),
    "burglary": CategoryProfile(0.06, 0.9, 0.7, 0.4, -0.04, "day", 10.0, 0.5),
    "larceny_theft": CategoryProfile(0.27, 0.8, 0.9, 0.6, -0.01, "day", 6.0, 1.4),
    "motor_vehicle_theft": CategoryProfile(0.07, 1.0, 0.8, 0.6, 0.05, "evening", 8.0, 0.8),
    "arson": CategoryProfile(0.004, 1.2, 1.0, 1.0, 0.00, "night", 1.0, 0.6),
    "simple_assault": CategoryProfile(0.14, 1.2, 0.9, 1.3, 0.00, "evening", 2.0, 1.0),
    "vandalism": CategoryProfile(0.10, 1.0, 0.8, 1.0, -0.01, "night", 12.0, 0.8),
    "fraud": CategoryProfile(0.06, 0.5, 0.2, 0.2, 0.03, "office", 72.0, 0.3),
    "drugs": CategoryProfile(0.05, 1.5, 0.5, 0.8, -0.06, "evening", 0.1, 1.6),
    "weapons": CategoryProfile(0.02, 1.5, 0.8, 1.2, 0.02, "night", 0.2, 1.3),
    "disorder": CategoryProfile(0.045, 1.1, 0.9, 1.2, -0.02, "evening", 0.5, 1.2),
    "other": CategoryProfile(0.11, 1.0, 0.5, 0.6, 0.00, "day", 12.0, 0.6),
}
CATEGORY_CODES = tuple(CATEGORIES)
assert set(PROFILES) == set(CATEGORY_CODES), "every vocabulary category needs a demo profile"

# Relative incidents by hour 0..23.
HOUR_CURVES = {
    "night": [9, 8, 7, 5, 3, 2, 2, 2, 3, 3, 4, 4, 5, 5, 5, 6, 6, 7, 8, 9, 10, 11, 11, 10],
    "evening": [6, 5, 4, 3, 2, 1.5, 1.5, 2, 3, 4, 4, 5, 5, 6, 6, 7, 8, 9, 10, 10, 10, 9, 8, 7],
    "day": [3, 2, 1.5, 1, 1, 1, 1.5, 3, 5, 6, 7, 8, 10, 9, 9, 9, 9, 8, 7, 6, 5, 4, 4, 3],
    "office": [4, 1, 1, 1, 1, 1, 1, 2, 5, 8, 9, 9, 10, 9, 9, 9, 8, 5, 3, 2, 2, 2, 1, 1],
}
# Summer peak (July/August about +25-30 %), trough in February; anchored mid-month.
SEASON = np.array([0.86, 0.80, 0.90, 0.95, 1.04, 1.14, 1.26, 1.25, 1.10, 1.02, 0.92, 0.89])
MID_MONTH_DAY_OF_YEAR = np.array([15, 45, 74, 105, 135, 166, 196, 227, 258, 288, 319, 349])
# Monday .. Sunday: Friday and Saturday are the busy days.
WEEKDAY_FACTOR = np.array([0.95, 0.94, 0.95, 0.97, 1.07, 1.12, 1.00])

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
OFFENCE_TABLE = pd.DataFrame(
    _OFFENCES, columns=["offence_code", "offence_description", "category", "weight", "sensitive"]
)
assert OFFENCE_TABLE["offence_code"].is_unique
assert set(OFFENCE_TABLE["category"]) == set(CATEGORY_CODES)

# Downtown is shops and bars with few residents: its offence mix differs.
DOWNTOWN_MIX = {
    "larceny_theft": 4.0, "fraud": 2.0, "robbery": 1.5, "drugs": 1.5, "disorder": 2.0,
    "burglary": 0.4,
}  # fmt: skip
