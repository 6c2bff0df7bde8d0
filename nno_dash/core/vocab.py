"""The product's fixed vocabulary: area kinds, outreach programs, offence categories, the
columns' names and the months, in English.

Stored values are snake_case codes; the human labels live here, in one place, so charts,
filters and exports all say the same thing (nno_dash.publish.i18n holds only translations,
keyed by the same codes). The offence_categories table is filled from CATEGORIES.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

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


# Code -> label, per coded column (the same code can mean different things: "other").
CODE_LABELS: dict[str, dict[str, str]] = {
    "program": PROGRAMS,
    "crime_class": CRIME_CLASSES,
    "category": {code: label for code, (label, *_rest) in CATEGORIES.items()},
    "kind": AREA_KINDS,
}

# Result columns' names on axes, legends, hover text and exports.
COLUMN_LABELS: dict[str, str] = {
    "month": "Month",
    "period": "Period",
    "incidents": "Incidents",
    "incidents_prev": "Same period a year earlier",
    "events": "Outreach events",
    "attendance": "Attendance",
    "program": "Program",
    "crime_class": "Offence class",
    "category": "Offence category",
    "label": "Offence category",
    "name": "Area",
    "population": "Residents",
    "incident_rate": "Incidents per 1,000 residents",
    "incident_rate_prev": "Incidents per 1,000, a year earlier",
    "event_rate": "Outreach events per 1,000 residents",
    "attendance_rate": "Attendance per 1,000 residents",
    "incident_change_pct": "Change in incidents vs a year earlier (%)",
    "days_since_event": "Days since last event",
    "last_event_on": "Last event",
    "year": "Year",
    "month_of_year": "Month of year",
    "headcount": "Attendance",
    "trust_before": "Trust before (1–5)",
    "trust_after": "Trust after (1–5)",
}

MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


def day_label(day: date, months: Sequence[str] = MONTHS) -> str:
    """A date in words, "31 Oct 2026"; another language passes its own month names."""
    return f"{day.day} {months[day.month - 1]} {day.year}"
