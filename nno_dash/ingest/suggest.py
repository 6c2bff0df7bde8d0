"""Suggesting a mapping: a first draft for a file never seen, from its header and a sample.

Recognises columns by the names common exports give them (SYNONYMS), guesses the kind of
file, its date format and time zone, and drafts offence and program rules from keywords
(CATEGORY_HINTS, PROGRAM_HINTS). The draft is TOML in the format `mapping` reads, with
CHECK marks where a person must look. Nothing here touches the database.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from nno_dash.ingest import boundary_columns, formats, readers
from nno_dash.ingest.fields import FIELDS, KEYS
from nno_dash.ingest.mapping import normal_name

# Column names seen in common exports (normalised: lower case, letters and digits only):
# Socrata portals and Chicago, San Francisco (Police Department Incident Reports), Los
# Angeles (Crime Data from 2020), NIBRS-style extracts, and CAPS/Open Civic Data events.
SYNONYMS: dict[str, dict[str, tuple[str, ...]]] = {
    "incidents": {
        "incident_id": (
            "id",
            "rowid",
            "incidentid",
            "drno",
            "incidentnumber",
            "uniqueid",
            "eventid",
            "objectid",
            "recordid",
            "casenumber",
            "reportnumber",
        ),
        "case_number": (
            "casenumber",
            "caseno",
            "incidentnumber",
            "drno",
            "reportnumber",
            "cadnumber",
        ),
        "occurred_at": (
            "date",
            "dateocc",
            "incidentdatetime",
            "occurredat",
            "occurreddate",
            "occurredon",
            "offensedate",
            "incidentdate",
            "datetime",
            "occdate",
            "fromdate",
            "crimedate",
            "dateofoccurrence",
            "startdate",
        ),
        "reported_at": (
            "daterptd",
            "reportdatetime",
            "reportedat",
            "reporteddate",
            "reportdate",
            "datereported",
        ),
        "offence_code": (
            "iucr",
            "crmcd",
            "incidentcode",
            "offensecode",
            "offencecode",
            "ucrcode",
            "nibrscode",
            "nibrsoffensecode",
            "crimecode",
            "offenseid",
        ),
        "offence_description": (
            "primarytype",
            "crmcddesc",
            "incidentcategory",
            "offensename",
            "offensedescription",
            "offencedescription",
            "offensetype",
            "crimetype",
            "description",
            "incidentdescription",
            "offense",
            "offence",
            "category",
        ),
        "block_address": (
            "block",
            "location",
            "address",
            "blockaddress",
            "intersection",
            "streetaddress",
            "incidentaddress",
        ),
        "lat": ("latitude", "lat", "y", "latitud"),
        "lon": ("longitude", "lon", "long", "lng", "x"),
    },
    "events": {
        "event_id": ("eventid", "id", "uid", "calendarentryid", "guid"),
        "title": ("title", "name", "eventname", "summary", "eventtitle", "subject"),
        "program": ("program", "programme", "eventtype", "type", "classification", "category"),
        "starts_at": ("start", "starttime", "startsat", "startdate", "eventdate", "date", "begin"),
        "ends_at": ("end", "endtime", "endsat", "enddate", "finish"),
        "location": (
            "location",
            "locationname",
            "venue",
            "address",
            "locationaddress",
            "place",
            "where",
        ),
        "lat": ("latitude", "lat"),
        "lon": ("longitude", "lon", "lng", "long"),
        "agency": ("agency", "agencyname", "host", "organizer", "organiser", "department"),
        "units": ("units", "unitspresent", "unit"),
        "partners": ("partners", "partnerorganisations", "partnerorganizations", "sponsors"),
    },
    "attendance": {
        "event_id": ("eventid", "event", "id"),
        "headcount": ("headcount", "attendance", "attendees", "total", "count", "totalattendance"),
        "residents": ("residents",),
        "youth": ("youth", "juveniles", "kids"),
        "officers": ("officers", "police"),
        "partners": ("partners",),
        "survey_n": ("surveyn", "respondents", "surveys", "surveyresponses"),
        "trust_before": ("trustbefore", "pretrust", "trustpre"),
        "trust_after": ("trustafter", "posttrust", "trustpost"),
    },
    "areas": {
        "code": (
            "areanumbe",
            "areanumber",
            "communityareaid",
            "communityareanumber",
            "beatnum",
            "distnum",
            "district",
            "code",
            "areacode",
            "areaid",
            "id",
            "number",
            "ward",
            "communityarea",
            "beat",
            "geoid",
        ),
        "name": (
            "community",
            "name",
            "communityareaname",
            "areaname",
            "distlabel",
            "label",
            "neighborhood",
            "neighbourhood",
        ),
        "population": (
            "population",
            "population2020",
            "2010population",
            "pop",
            "totalpopulation",
            "pop2020",
            "population2010",
            "residents",
        ),
    },
}
AREA_CODE_SYNONYMS: dict[str, tuple[str, ...]] = {
    "neighbourhood": (
        "communityarea",
        "neighborhood",
        "neighbourhood",
        "analysisneighborhood",
        "communityareaid",
    ),
    "beat": ("beat", "rptdistno", "reportingdistrict", "beatnum", "policebeat"),
    "district": ("district", "policedistrict", "area", "precinct", "calendarid", "distnum"),
    "council_district": ("councildistrict", "supervisordistrict", "ward", "council"),
}
DATE_FORMATS = (
    "%m/%d/%Y %I:%M:%S %p",
    "%Y/%m/%d %I:%M:%S %p",
    "%Y/%m/%d %H:%M",
    "%m/%d/%Y %H:%M:%S",
    "%m/%d/%Y %H:%M",
    "%m/%d/%Y",
    "%Y/%m/%d %H:%M:%S",
    "%d/%m/%Y %H:%M:%S",
    "%d/%m/%Y %H:%M",
    "%d/%m/%Y",
    "%d.%m.%Y %H:%M",
)
# keyword in an offence description -> category, for a first draft of the rules
CATEGORY_HINTS: tuple[tuple[str, str], ...] = (
    ("HOMICIDE", "homicide"),
    ("MURDER", "homicide"),
    ("MANSLAUGHTER", "homicide"),
    ("RAPE", "rape"),
    ("SEXUAL ASSAULT", "rape"),
    ("CRIM SEXUAL", "rape"),
    ("ROBBERY", "robbery"),
    ("AGGRAVATED ASSAULT", "aggravated_assault"),
    ("AGG ASSAULT", "aggravated_assault"),
    ("ASSAULT WITH DEADLY", "aggravated_assault"),
    ("BURGLARY", "burglary"),
    ("MOTOR VEHICLE THEFT", "motor_vehicle_theft"),
    ("VEHICLE - STOLEN", "motor_vehicle_theft"),
    ("STOLEN VEHICLE", "motor_vehicle_theft"),
    ("THEFT", "larceny_theft"),
    ("LARCENY", "larceny_theft"),
    ("SHOPLIFTING", "larceny_theft"),
    ("ARSON", "arson"),
    ("BATTERY", "simple_assault"),
    ("ASSAULT", "simple_assault"),
    ("VANDALISM", "vandalism"),
    ("CRIMINAL DAMAGE", "vandalism"),
    ("MALICIOUS MISCHIEF", "vandalism"),
    ("FRAUD", "fraud"),
    ("FORGERY", "fraud"),
    ("DECEPTIVE", "fraud"),
    ("EMBEZZLEMENT", "fraud"),
    ("NARCOTIC", "drugs"),
    ("DRUG", "drugs"),
    ("WEAPON", "weapons"),
    ("DISORDERLY", "disorder"),
    ("PUBLIC PEACE", "disorder"),
    ("LIQUOR", "disorder"),
    ("PROSTITUTION", "disorder"),
    ("GAMBLING", "disorder"),
)
PROGRAM_HINTS: tuple[tuple[str, str], ...] = (
    ("*NIGHT OUT*", "national_night_out"),
    ("*COFFEE*", "coffee_with_a_cop"),
    ("*WATCH*", "neighbourhood_watch"),
    ("*BLOCK CLUB*", "neighbourhood_watch"),
    ("*ACADEMY*", "citizen_academy"),
    ("*YOUTH*", "youth_program"),
    ("*EXPLORER*", "youth_program"),
    ("*PEER JURY*", "youth_program"),
    ("*JOB FAIR*", "job_fair"),
    ("*CAREER*", "job_fair"),
    ("*BEAT*", "community_meeting"),
    ("*MEETING*", "community_meeting"),
    ("*DAC*", "community_meeting"),
)


@dataclass
class Suggestion:
    """A draft mapping for a file: the TOML text, what was placed and what was not."""

    kind: str
    text: str
    placed: dict[str, str]
    unplaced_columns: list[str]
    unplaced_fields: list[str]
    notes: list[str]


def _best_column(header: list[str], synonyms: tuple[str, ...], taken: set[str]) -> str | None:
    by_norm: dict[str, str] = {}
    for name in header:
        by_norm.setdefault(normal_name(name), name)
    for synonym in synonyms:
        name = by_norm.get(synonym)
        if name is not None and name not in taken:
            return name
    return None


def guess_kind(header: list[str], geo: bool = False) -> tuple[str, dict[str, int]]:
    """Which kind of file a header looks like, with each kind's score (columns recognised)."""
    if geo:
        return "areas", {"areas": 99}
    scores = {}
    for kind, fields in SYNONYMS.items():
        if kind == "areas":
            continue
        taken: set[str] = set()
        score = 0
        for name, synonyms in fields.items():
            column = _best_column(header, synonyms, taken)
            if column:
                taken.add(column)
                weight = 3 if FIELDS[kind][name][1] else 1
                score += weight
        scores[kind] = score
    normed = {normal_name(h) for h in header}
    if normed & {"population", "population2020", "2010population", "totalpopulation"}:
        scores["areas"] = 10
    best = max(scores, key=lambda k: scores[k])
    return best, scores


def _guess_date_format(values: list[str]) -> tuple[str | None, float]:
    values = [v.strip() for v in values if v and v.strip()][:200]
    if not values:
        return None, 0.0
    iso = sum(1 for v in values if re.match(r"^\d{4}-\d{2}-\d{2}([ T]\d{2}:\d{2}(:\d{2})?)?", v))
    if iso == len(values):
        return None, 1.0  # ISO needs no format
    best, best_share = None, 0.0
    for fmt in DATE_FORMATS:
        ok = 0
        for v in values:
            try:
                dt.datetime.strptime(v, fmt)  # noqa: DTZ007 - local naive times by design
                ok += 1
            except ValueError:
                pass
        share = ok / len(values)
        if share > best_share:
            best, best_share = fmt, share
    return best, best_share


def _toml_string(text: str) -> str:
    escaped = text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")
    return f'"{escaped}"'


def _toml_key(text: str) -> str:
    return text if re.fullmatch(r"[A-Za-z0-9_-]+", text) else _toml_string(text)


def suggest(
    path: str | Path, kind: str | None = None, options: formats.ReadOptions | None = None
) -> Suggestion:
    """A starting mapping for a file: fields placed by recognised column names, the rest listed."""
    path = Path(path)
    options = options or formats.ReadOptions()
    sniffed = formats.sniff(path, options)
    geo = sniffed.format in formats.GEO_FORMATS
    sample = readers.read_sample(path, 1000, options)
    header = [str(c) for c in sample.columns]
    guessed, scores = guess_kind(header, geo)
    notes: list[str] = []
    if kind is None:
        kind = guessed
        notes.append(
            f"looks like {kind} (columns recognised: "
            + ", ".join(f"{k} {v}" for k, v in sorted(scores.items(), key=lambda kv: -kv[1]))
            + ")"
        )
    elif guessed != kind and scores.get(guessed, 0) > scores.get(kind, 0):
        notes.append(f"asked for {kind}, but the columns look more like {guessed}")
    taken: set[str] = set()
    placed: dict[str, str] = {}
    for name, synonyms in SYNONYMS[kind].items():
        column = _best_column(header, synonyms, taken)
        if column is None:
            continue
        if name == "lat" and not _plausible(sample[column], -90, 90):
            continue
        if name == "lon" and not _plausible(sample[column], -180, 180):
            continue
        placed[name] = column
        taken.add(column)
    whole_number_codes = False
    if kind == "areas":
        missing = {"code", "name"} - set(placed)
        for name, found in boundary_columns.guess(sample, taken, missing).items():
            placed[name] = found.column
            taken.add(found.column)
            whole_number_codes |= name == "code" and found.whole_numbers
            notes.append(found.why)
    lines = [
        f"# Draft mapping for {path.name}, written by `python -m nno_dash mapping suggest`.",
        "# Check every line, then import with --mapping THIS_FILE. Format: docs/mapping.md",
        "",
        "[source]",
        f"name = {_toml_string(re.sub(r'[^0-9a-z]+', '_', path.stem.lower()).strip('_'))}",
        f"kind = {_toml_string(kind)}",
        "",
        "[fields]",
    ]
    key = KEYS[kind]
    if key not in placed and kind in ("incidents", "events"):
        basis = [placed[n] for n in FIELDS[kind] if n in placed and n not in ("lat", "lon")]
        if basis:
            columns = ", ".join(_toml_string(c) for c in basis)
            lines.append(
                f'{key} = {{ hash = [{columns}], prefix = "{kind[:3]}-" }}'
                "  # no id column: made from the row's content; CHECK"
            )
            placed[key] = "hash of " + ", ".join(basis)
            notes.append(f"no id column: {key} is made from the row's content")
    for name in FIELDS[kind]:
        if name in placed and name == key and placed[name].startswith("hash of "):
            continue
        if name == "code" and whole_number_codes:
            lines.append(f'code = {{ column = {_toml_string(placed[name])}, format = "int" }}')
        elif name in placed:
            lines.append(f"{name} = {_toml_string(placed[name])}")
        else:
            required = FIELDS[kind][name][1]
            lines.append(
                f'# {name} = "?"' + ("   # REQUIRED: no column recognised" if required else "")
            )
    unplaced_fields = [n for n in FIELDS[kind] if n not in placed]
    for field_name in ("occurred_at", "starts_at", "ends_at", "reported_at"):
        if field_name in placed:
            fmt, share = _guess_date_format(
                sample[placed[field_name]].dropna().astype(str).tolist()
            )
            zone = _guess_zone(sample, placed)
            zone_line = (
                f"timezone = {_toml_string(zone)}  # CHECK: guessed from the longitudes"
                if zone
                else '# timezone = "America/Chicago"  # the agency\'s local time zone'
            )
            if fmt:
                lines += [
                    "",
                    "[time]",
                    f"format = {_toml_string(fmt)}  # parses {share:.0%} of a sample",
                ]
                lines.append(zone_line)
            elif share == 0.0:
                notes.append(f"could not recognise the date format of {placed[field_name]!r}")
            else:
                lines += ["", "[time]  # ISO dates need no format", zone_line]
            for column in header:
                if (
                    column not in taken
                    and re.search(r"(?i)\btime\b", column)
                    and not re.search(r"(?i)date", column)
                ):
                    notes.append(
                        f"{column!r} looks like a separate time of day; {field_name} is taken "
                        f"from {placed[field_name]!r} alone (combine them with columns = [...] "
                        "and a format that reads both)"
                    )
            break
    if kind == "areas":
        lines += [
            "",
            "[areas]",
            'kind = "neighbourhood"  # CHECK: neighbourhood | beat | district | council_district',
        ]
    if kind in ("incidents", "events"):
        code_lines = []
        for area_kind, synonyms in AREA_CODE_SYNONYMS.items():
            column = _best_column(header, synonyms, taken)
            if column:
                taken.add(column)
                code_lines.append(
                    f'{area_kind} = {{ column = {_toml_string(column)}, format = "text" }}'
                )
        if code_lines:
            lines += [
                "",
                "[area_codes]  # areas named by code; format text | int | pad (with width)",
            ]
            lines += code_lines
        xy = [_best_column(header, (s,), taken) for s in ("xcoordinate", "ycoordinate")]
        if all(xy):
            taken.update(xy)
            lines += [
                "",
                "[coordinates]  # projected coordinates, used where lat/lon are blank",
                f"x = {_toml_string(xy[0])}",
                f"y = {_toml_string(xy[1])}",
                'crs = "EPSG:3435"  # CHECK: the projection of x/y (3435 = Illinois East, feet)',
            ]
    if kind == "incidents":
        lines += _offence_draft(sample, placed, header, taken, notes)
    if kind == "events" and "title" in placed:
        lines += ["", "[programs]", 'unmapped = "other"']
        for pattern, program in PROGRAM_HINTS:
            lines += [
                "",
                "[[programs.rules]]",
                f"when = {{ {_toml_key(placed['title'])} = {_toml_string(pattern)} }}",
                f"program = {_toml_string(program)}",
            ]
    unplaced_columns = [c for c in header if c not in taken]
    lines += ["", "# Columns not placed: " + (", ".join(unplaced_columns) or "none")]
    if unplaced_fields:
        lines.append("# Fields with no column: " + ", ".join(unplaced_fields))
    for note in notes:
        lines.append(f"# Note: {note}")
    return Suggestion(
        kind, "\n".join(lines) + "\n", placed, unplaced_columns, unplaced_fields, notes
    )


def _guess_zone(sample, placed: dict[str, str]) -> str | None:
    """A US time zone from the sample's longitudes (only a starting point: CHECK it)."""
    if "lon" not in placed:
        return None
    lon = pd.to_numeric(sample[placed["lon"]], errors="coerce").dropna()
    lon = lon[lon != 0]
    if lon.empty:
        return None
    middle = float(lon.median())
    for limit, zone in (
        (-114.5, "America/Los_Angeles"),
        (-102.0, "America/Denver"),
        (-86.5, "America/Chicago"),
        (-66.0, "America/New_York"),
    ):
        if middle < limit:
            return zone
    return None


def _plausible(values, low: float, high: float) -> bool:
    numbers = pd.to_numeric(values, errors="coerce").dropna()
    return bool(len(numbers)) and bool(((numbers >= low) & (numbers <= high)).mean() > 0.9)


def _offence_draft(
    sample, placed: dict[str, str], header: list[str], taken: set[str], notes: list[str]
) -> list[str]:
    column = placed.get("offence_description") or placed.get("offence_code")
    if column is None:
        notes.append("no offence column recognised: every incident would be 'other'")
        return []
    counts = sample[column].fillna("").astype(str).str.strip().str.upper().value_counts()
    known, unknown = [], []
    for value, _count in counts.items():
        if not value:
            continue
        category = next((c for key, c in CATEGORY_HINTS if key in value), None)
        if category:
            known.append(f"{_toml_string(value)} = {_toml_string(category)}")
        else:
            unknown.append(value)
    lines = [
        "",
        "[offences]",
        'unmapped = "other"  # or "reject"',
        'sensitive_categories = ["rape"]',
    ]
    rule = ["", "[[offences.rules]]", f"column = {_toml_string(column)}", "[offences.rules.map]"]
    lines += rule + known if known else ["#" + line if line else line for line in rule]
    for value in unknown:
        lines.append(f'# {_toml_string(value)} = "?"  # not recognised')
    if unknown:
        notes.append(f"{len(unknown)} offence values in the sample not recognised; see the rules")
    domestic = _best_column(header, ("domestic", "domesticviolence", "dv"), taken)
    if domestic:
        taken.add(domestic)
        lines += [
            "",
            "[[offences.sensitive]]",
            f'when = {{ {_toml_key(domestic)} = ["true", "Y", "1"] }}',
        ]
    return lines
