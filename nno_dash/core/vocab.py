"""The product's fixed vocabulary: area kinds, outreach programs and offence categories.

Stored values are snake_case codes; the human labels live here, in one place, so charts,
filters and exports all say the same thing.
"""

from __future__ import annotations

AREA_KINDS: dict[str, str] = {
    "neighbourhood": "Neighbourhood",
    "beat": "Police beat",
    "district": "Police district",
    "council_district": "Council district",
}

# The incident and event tables carry one area column per kind.
AREA_COLUMNS: dict[str, str] = {kind: f"{kind}_id" for kind in AREA_KINDS}

# The daily and monthly counts also hold the city's rows (this kind, no area): every kind's
# rows summed, which a question with no area chosen reads instead of a kind's 40-1000 areas.
CITYWIDE_KIND = "city"

PROGRAMS: dict[str, str] = {
    "national_night_out": "National Night Out",
    "coffee_with_a_cop": "Coffee with a Cop",
    "neighbourhood_watch": "Neighbourhood watch",
    "citizen_academy": "Citizen academy",
    "youth_program": "Youth program",
    "job_fair": "Job fair",
    "community_meeting": "Community meeting",
    "other": "Other outreach",
}

# category -> (label, crime class, UCR Part I?, NIBRS crime against)
CATEGORIES: dict[str, tuple[str, str, bool, str]] = {
    "homicide": ("Homicide", "violent", True, "person"),
    "rape": ("Rape", "violent", True, "person"),
    "robbery": ("Robbery", "violent", True, "property"),
    "aggravated_assault": ("Aggravated assault", "violent", True, "person"),
    "burglary": ("Burglary", "property", True, "property"),
    "larceny_theft": ("Larceny-theft", "property", True, "property"),
    "motor_vehicle_theft": ("Motor vehicle theft", "property", True, "property"),
    "arson": ("Arson", "property", True, "property"),
    "simple_assault": ("Simple assault", "other", False, "person"),
    "vandalism": ("Vandalism", "other", False, "property"),
    "fraud": ("Fraud", "other", False, "property"),
    "drugs": ("Drug offences", "other", False, "society"),
    "weapons": ("Weapons offences", "other", False, "society"),
    "disorder": ("Disorder", "other", False, "society"),
    "other": ("Other offences", "other", False, "other"),
}

CRIME_CLASSES: dict[str, str] = {
    "violent": "Violent (Part I)",
    "property": "Property (Part I)",
    "other": "Other offences",
}


def category_label(category: str) -> str:
    return CATEGORIES.get(category, (category.replace("_", " ").capitalize(),))[0]


def program_label(program: str) -> str:
    return PROGRAMS.get(program, program.replace("_", " ").capitalize())


def area_kind_label(kind: str) -> str:
    return AREA_KINDS.get(kind, kind.replace("_", " ").capitalize())
