"""Mappings: which source column feeds which field, read from TOML (or YAML) files.

Owns the mapping file format (documented in docs/mapping.md): loading and validating a
file into a frozen `Mapping`, the ready mappings shipped in `nno_dash/ingest/mappings/`, matching
a mapping's column names to a file's actual header, the ordered rules that turn an
agency's offence codes into the product's categories, and `suggest`, which writes a
starting mapping for a file it has never seen. Nothing here touches the database.
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Iterable
from collections.abc import Mapping as AnyMapping
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from nno_dash.core.vocab import AREA_KINDS, CATEGORIES, PROGRAMS
from nno_dash.ingest import formats, readers

KINDS = ("areas", "events", "attendance", "incidents")

# kind -> field -> (type, required). Types: text, timestamp, double, int.
FIELDS: dict[str, dict[str, tuple[str, bool]]] = {
    "incidents": {
        "incident_id": ("text", True),
        "case_number": ("text", False),
        "occurred_at": ("timestamp", True),
        "reported_at": ("timestamp", False),
        "offence_code": ("text", False),
        "offence_description": ("text", False),
        "category": ("text", False),
        "block_address": ("text", False),
        "lat": ("double", False),
        "lon": ("double", False),
    },
    "events": {
        "event_id": ("text", True),
        "title": ("text", True),
        "program": ("text", False),
        "starts_at": ("timestamp", True),
        "ends_at": ("timestamp", False),
        "location": ("text", False),
        "lat": ("double", False),
        "lon": ("double", False),
        "agency": ("text", False),
        "units": ("text", False),
        "partners": ("text", False),
    },
    "attendance": {
        "event_id": ("text", True),
        "headcount": ("int", True),
        "residents": ("int", False),
        "youth": ("int", False),
        "officers": ("int", False),
        "partners": ("int", False),
        "survey_n": ("int", False),
        "trust_before": ("double", False),
        "trust_after": ("double", False),
    },
    "areas": {
        "code": ("text", True),
        "name": ("text", False),
        "population": ("int", False),
    },
}
KEYS = {"incidents": "incident_id", "events": "event_id", "attendance": "event_id", "areas": "code"}

_SECTIONS: dict[str, set[str]] = {
    "source": {"name", "kind", "description"},
    "read": {"format", "delimiter", "encoding", "sheet", "layer", "crs"},
    "fields": set(),
    "time": {"format", "timezone", "source_timezone"},
    "coordinates": {"x", "y", "crs"},
    "area_codes": set(AREA_KINDS),
    "placement": {"prefer", "derive_from"},
    "offences": {"rules", "sensitive", "sensitive_categories", "unmapped"},
    "programs": {"rules", "unmapped"},
    "exclude": set(),
    "areas": {"kind", "dissolve"},
}
_SPEC_KEYS = {
    "column",
    "columns",
    "sep",
    "value",
    "hash",
    "prefix",
    "format",
    "width",
    "case",
    "template",
    "regex",
    "repeats",
}
CODE_FORMATS = ("text", "int", "pad")
CASES = ("title", "upper", "lower")


class MappingError(ValueError):
    """A mapping file that cannot be used; the message names the file and the key."""


@dataclass(frozen=True)
class FieldSpec:
    """Where one field's value comes from, and how it is cleaned."""

    column: str | None = None
    columns: tuple[str, ...] = ()
    sep: str = " "
    value: str | None = None
    hash: tuple[str, ...] = ()
    prefix: str = ""
    format: str = "text"
    width: int = 0
    case: str | None = None
    template: str | None = None
    regex: tuple[str, ...] = ()
    repeats: str = "keep"

    def source_columns(self) -> tuple[str, ...]:
        return tuple(c for c in (self.column, *self.columns, *self.hash) if c)


@dataclass(frozen=True)
class Rule:
    """One classification rule: `when` all its columns match, or a lookup `table` on `column`."""

    when: tuple[tuple[str, tuple[str, ...]], ...] = ()
    value: str | None = None
    column: str | None = None
    table: tuple[tuple[str, str], ...] = ()

    def source_columns(self) -> tuple[str, ...]:
        return tuple(c for c, _ in self.when) + ((self.column,) if self.column else ())

    def apply(self, record: AnyMapping[str, object]) -> str | None:
        """The rule's value for a record (column -> raw value), or None when it does not apply."""
        if self.column is not None:
            text = _norm(record.get(self.column))
            for pattern, value in self.table:
                if _glob(pattern).fullmatch(text):
                    return value
            return None
        for column, patterns in self.when:
            text = _norm(record.get(column))
            if not any(_glob(p).fullmatch(text) for p in patterns):
                return None
        return self.value


@dataclass(frozen=True)
class Classifier:
    """Ordered rules; the first that applies wins. `unmapped`: what to do when none does."""

    rules: tuple[Rule, ...] = ()
    unmapped: str = "other"

    def source_columns(self) -> tuple[str, ...]:
        return tuple(c for rule in self.rules for c in rule.source_columns())

    def classify(self, record: AnyMapping[str, object]) -> str | None:
        for rule in self.rules:
            value = rule.apply(record)
            if value is not None:
                return value
        return None


@dataclass(frozen=True)
class Exclusion:
    rule: Rule
    reason: str


@dataclass(frozen=True)
class Mapping:
    """A validated mapping file."""

    name: str
    kind: str
    description: str = ""
    origin: str = ""
    read: formats.ReadOptions = field(default_factory=formats.ReadOptions)
    fields: dict[str, FieldSpec] = field(default_factory=dict)
    time_formats: tuple[str, ...] = ()
    timezone: str | None = None
    source_timezone: str | None = None
    x: FieldSpec | None = None
    y: FieldSpec | None = None
    crs: str | None = None
    area_codes: dict[str, FieldSpec] = field(default_factory=dict)
    prefer: str = "points"
    derive_from: str | None = None
    offences: Classifier | None = None
    sensitive: tuple[Rule, ...] = ()
    sensitive_categories: tuple[str, ...] = ()
    programs: Classifier | None = None
    exclude: tuple[Exclusion, ...] = ()
    area_kind: str | None = None
    dissolve: bool = False

    def columns_used(self) -> dict[str, str]:
        """Every source column the mapping reads -> what it is for (for error messages)."""
        used: dict[str, str] = {}

        def add(columns: Iterable[str], what: str) -> None:
            for column in columns:
                used.setdefault(column, what)

        for name, spec in self.fields.items():
            add(spec.source_columns(), name)
        for axis, spec in (("x", self.x), ("y", self.y)):
            if spec:
                add(spec.source_columns(), f"coordinates {axis}")
        for kind, spec in self.area_codes.items():
            add(spec.source_columns(), f"{kind} code")
        if self.offences:
            add(self.offences.source_columns(), "offence rules")
        for rule in self.sensitive:
            add(rule.source_columns(), "sensitive rules")
        if self.programs:
            add(self.programs.source_columns(), "program rules")
        for exclusion in self.exclude:
            add(exclusion.rule.source_columns(), "exclude rules")
        return used

    def required_columns(self) -> dict[str, str]:
        """Source columns without which the file cannot be imported -> the field they feed."""
        out: dict[str, str] = {}
        for name, (_, required) in FIELDS[self.kind].items():
            spec = self.fields.get(name)
            if required and spec is not None:
                for column in spec.source_columns():
                    out.setdefault(column, name)
        return out


# ---------------------------------------------------------------- matching column names


def _norm_name(name: str) -> str:
    return re.sub(r"[^0-9a-z]+", "", str(name).casefold())


def resolve_columns(
    wanted: Iterable[str], header: Iterable[str]
) -> tuple[dict[str, str], list[str]]:
    """Map each wanted column name to the header's spelling; returns (found, missing).

    An exact name wins; otherwise a name equal ignoring case, spaces and punctuation
    ("Community Area" = "COMMUNITY_AREA") is accepted. Nothing else is guessed.
    """
    header = list(header)
    exact = set(header)
    loose: dict[str, list[str]] = {}
    for name in header:
        loose.setdefault(_norm_name(name), []).append(name)
    found: dict[str, str] = {}
    missing: list[str] = []
    for name in dict.fromkeys(wanted):
        if name in exact:
            found[name] = name
        elif len(loose.get(_norm_name(name), [])) == 1:
            found[name] = loose[_norm_name(name)][0]
        else:
            missing.append(name)
    return found, missing


# ---------------------------------------------------------------- loading


def _glob(pattern: str) -> re.Pattern[str]:
    """A case-insensitive wildcard pattern: `*` any text, `?` one character, nothing else."""
    return _GLOB_CACHE.get(pattern) or _GLOB_CACHE.setdefault(
        pattern,
        re.compile(
            "".join(
                ".*" if c == "*" else "." if c == "?" else re.escape(c) for c in _norm(pattern)
            ),
            re.DOTALL,
        ),
    )


_GLOB_CACHE: dict[str, re.Pattern[str]] = {}


def _norm(value: object) -> str:
    if value is None:
        return ""
    text = str(value)
    if text in ("nan", "NaN", "None", "<NA>"):
        return ""
    return " ".join(text.split()).upper()


class _Doc:
    """Typed access to the parsed document, with errors that name the file and key."""

    def __init__(self, data: dict, origin: str) -> None:
        self.data = data
        self.origin = origin

    def fail(self, where: str, what: str) -> MappingError:
        return MappingError(f"{self.origin}: {where}: {what}")

    def section(self, name: str) -> dict:
        value = self.data.get(name, {})
        if not isinstance(value, dict):
            raise self.fail(f"[{name}]", "must be a table")
        allowed = _SECTIONS[name]
        if allowed:
            unknown = sorted(set(value) - allowed)
            if unknown:
                raise self.fail(
                    f"[{name}]",
                    f"unknown key {unknown[0]!r} (known: {', '.join(sorted(allowed))})",
                )
        return value

    def text(self, where: str, value: object, *, allow_none: bool = True) -> str | None:
        if value is None and allow_none:
            return None
        if isinstance(value, bool) or not isinstance(value, str | int | float):
            raise self.fail(where, f"must be text, got {type(value).__name__}")
        return str(value)

    def texts(self, where: str, value: object) -> tuple[str, ...]:
        if isinstance(value, str | int | float) and not isinstance(value, bool):
            return (str(value),)
        if isinstance(value, list) and all(
            isinstance(v, str | int | float) and not isinstance(v, bool) for v in value
        ):
            return tuple(str(v) for v in value)
        raise self.fail(where, "must be text or a list of texts")

    def spec(self, where: str, value: object) -> FieldSpec:
        if isinstance(value, str):
            return FieldSpec(column=value)
        if not isinstance(value, dict):
            raise self.fail(where, "must be a column name or a table such as { column = ... }")
        unknown = sorted(set(value) - _SPEC_KEYS)
        if unknown:
            raise self.fail(
                where, f"unknown key {unknown[0]!r} (known: {', '.join(sorted(_SPEC_KEYS))})"
            )
        sources = [k for k in ("column", "columns", "value", "hash") if k in value]
        if len(sources) != 1:
            raise self.fail(where, "needs exactly one of column, columns, value or hash")
        fmt = value.get("format", "text")
        if fmt not in CODE_FORMATS:
            raise self.fail(where, f"format must be one of {', '.join(CODE_FORMATS)}, not {fmt!r}")
        width = value.get("width", 0)
        if fmt == "pad" and (not isinstance(width, int) or not 1 <= width <= 20):
            raise self.fail(where, "format = 'pad' needs width = 1..20")
        case = value.get("case")
        if case is not None and case not in CASES:
            raise self.fail(where, f"case must be one of {', '.join(CASES)}")
        template = self.text(f"{where}.template", value.get("template"))
        if template is not None and "{}" not in template:
            raise self.fail(where, "template must contain {} where the value goes")
        repeats = value.get("repeats", "keep")
        if repeats not in ("keep", "merge"):
            raise self.fail(where, "repeats must be 'keep' or 'merge'")
        if "repeats" in value and "hash" not in value:
            raise self.fail(where, "repeats only applies to hash ids")
        regex = self.texts(f"{where}.regex", value["regex"]) if "regex" in value else ()
        for pattern in regex:
            try:
                compiled = re.compile(pattern)
            except re.error as exc:
                raise self.fail(where, f"regex {pattern!r} is not valid ({exc})") from None
            if compiled.groups != 1:
                raise self.fail(where, f"regex {pattern!r} needs exactly one (capturing group)")
        return FieldSpec(
            column=self.text(f"{where}.column", value.get("column")),
            columns=self.texts(f"{where}.columns", value["columns"]) if "columns" in value else (),
            sep=self.text(f"{where}.sep", value.get("sep", " ")) or "",
            value=self.text(f"{where}.value", value.get("value")),
            hash=self.texts(f"{where}.hash", value["hash"]) if "hash" in value else (),
            prefix=self.text(f"{where}.prefix", value.get("prefix", "")) or "",
            format=fmt,
            width=width,
            case=case,
            template=template,
            regex=regex,
            repeats=repeats,
        )

    def rule(self, where: str, value: object, target: str, allowed: AnyMapping[str, Any]) -> Rule:
        if not isinstance(value, dict):
            raise self.fail(where, "must be a table")
        if "map" in value:
            unknown = sorted(set(value) - {"column", "map"})
            if unknown or not isinstance(value.get("column"), str):
                raise self.fail(where, "a lookup rule has exactly: column = ..., map = { ... }")
            table = value["map"]
            if not isinstance(table, dict) or not table:
                raise self.fail(where, "map must be a table of value = " + target)
            pairs = []
            for key, mapped in table.items():
                self._allowed(f"{where}.map.{key}", mapped, allowed, target)
                pairs.append((str(key), mapped))
            return Rule(column=value["column"], table=tuple(pairs))
        unknown = sorted(set(value) - {"when", target})
        if unknown:
            raise self.fail(where, f"unknown key {unknown[0]!r} (a rule has when and {target})")
        when = value.get("when")
        if not isinstance(when, dict) or not when:
            raise self.fail(where, "needs when = { column = pattern, ... }")
        conditions = tuple(
            (str(column), self.texts(f"{where}.when.{column}", patterns))
            for column, patterns in when.items()
        )
        result = value.get(target)
        if target != "reason":
            self._allowed(f"{where}.{target}", result, allowed, target)
        return Rule(when=conditions, value=result if target != "sensitive" else "true")

    def _allowed(self, where: str, value: object, allowed: AnyMapping[str, Any], what: str) -> None:
        if allowed and value not in allowed:
            raise self.fail(where, f"{value!r} is not a known {what} ({', '.join(allowed)})")


def _classifier(
    doc: _Doc, name: str, target: str, allowed: AnyMapping[str, Any]
) -> Classifier | None:
    if name not in doc.data:
        return None
    section = doc.section(name)
    rules = section.get("rules", [])
    if not isinstance(rules, list):
        raise doc.fail(f"[{name}].rules", "must be an array of tables ([[" + name + ".rules]])")
    unmapped = section.get("unmapped", "other")
    if unmapped not in ("other", "reject"):
        raise doc.fail(f"[{name}].unmapped", "must be 'other' or 'reject'")
    return Classifier(
        rules=tuple(
            doc.rule(f"[[{name}.rules]] #{i}", rule, target, allowed)
            for i, rule in enumerate(rules, 1)
        ),
        unmapped=unmapped,
    )


def parse(data: dict, origin: str = "<mapping>") -> Mapping:
    """Validate a parsed mapping document (a dict as tomllib returns it) into a Mapping."""
    doc = _Doc(data, origin)
    unknown = sorted(set(data) - set(_SECTIONS))
    if unknown:
        raise doc.fail(
            f"[{unknown[0]}]", f"is not a known section (known: {', '.join(sorted(_SECTIONS))})"
        )
    source = doc.section("source")
    kind = source.get("kind")
    if kind not in KINDS:
        raise doc.fail("[source].kind", f"must be one of {', '.join(KINDS)}, not {kind!r}")
    name = doc.text("[source].name", source.get("name")) or Path(origin).stem
    read_section = doc.section("read")
    read = formats.ReadOptions(**{k: doc.text(f"[read].{k}", v) for k, v in read_section.items()})
    if read.format is not None and read.format not in formats.FORMATS:
        raise doc.fail("[read].format", f"must be one of {', '.join(formats.FORMATS)}")
    fields_section = doc.section("fields")
    known = FIELDS[kind]
    fields: dict[str, FieldSpec] = {}
    for key, value in fields_section.items():
        if key not in known:
            raise doc.fail(
                f"[fields].{key}",
                f"is not a field of {kind} (fields: {', '.join(known)})",
            )
        fields[key] = doc.spec(f"[fields].{key}", value)
    missing = [f for f, (_, required) in known.items() if required and f not in fields]
    if missing:
        raise doc.fail("[fields]", f"required field {missing[0]!r} is not mapped")
    time = doc.section("time")
    time_formats = doc.texts("[time].format", time["format"]) if "format" in time else ()
    for fmt in time_formats:
        if "%" not in fmt:
            raise doc.fail("[time].format", f"{fmt!r} is not a strptime format (e.g. %m/%d/%Y)")
    zones = {}
    for key in ("timezone", "source_timezone"):
        zone = doc.text(f"[time].{key}", time.get(key))
        if zone is not None:
            try:
                ZoneInfo(zone)
            except (ZoneInfoNotFoundError, ValueError):
                raise doc.fail(f"[time].{key}", f"{zone!r} is not a known time zone") from None
        zones[key] = zone
    coords = doc.section("coordinates")
    x = doc.spec("[coordinates].x", coords["x"]) if "x" in coords else None
    y = doc.spec("[coordinates].y", coords["y"]) if "y" in coords else None
    if (x is None) != (y is None):
        raise doc.fail("[coordinates]", "needs both x and y")
    crs = doc.text("[coordinates].crs", coords.get("crs"))
    if x is not None and crs is None:
        raise doc.fail("[coordinates]", "x and y need crs (e.g. crs = 'EPSG:3435')")
    area_codes = {k: doc.spec(f"[area_codes].{k}", v) for k, v in doc.section("area_codes").items()}
    placement = doc.section("placement")
    prefer = placement.get("prefer", "points")
    if prefer not in ("points", "codes"):
        raise doc.fail("[placement].prefer", "must be 'points' or 'codes'")
    derive_from = placement.get("derive_from")
    if derive_from is not None and derive_from not in AREA_KINDS:
        raise doc.fail("[placement].derive_from", f"must be an area kind ({', '.join(AREA_KINDS)})")
    offences = _classifier(doc, "offences", "category", CATEGORIES)
    sensitive: tuple[Rule, ...] = ()
    sensitive_categories: tuple[str, ...] = ()
    if "offences" in data:
        section = doc.section("offences")
        raw_sensitive = section.get("sensitive", [])
        if not isinstance(raw_sensitive, list):
            raise doc.fail("[offences].sensitive", "must be an array of tables")
        sensitive = tuple(
            doc.rule(f"[[offences.sensitive]] #{i}", rule, "sensitive", {})
            for i, rule in enumerate(raw_sensitive, 1)
        )
        sensitive_categories = doc.texts(
            "[offences].sensitive_categories", section.get("sensitive_categories", [])
        )
        for category in sensitive_categories:
            doc._allowed("[offences].sensitive_categories", category, CATEGORIES, "category")
    programs = _classifier(doc, "programs", "program", PROGRAMS)
    raw_exclude = data.get("exclude", [])
    if not isinstance(raw_exclude, list):
        raise doc.fail("[[exclude]]", "must be an array of tables")
    exclude = []
    for i, item in enumerate(raw_exclude, 1):
        where = f"[[exclude]] #{i}"
        rule = doc.rule(where, item, "reason", {})
        reason = doc.text(f"{where}.reason", item.get("reason")) if isinstance(item, dict) else None
        if not reason:
            raise doc.fail(where, "needs reason = '...' (it is shown in the rejects report)")
        exclude.append(Exclusion(rule, reason))
    areas_section = doc.section("areas")
    area_kind = areas_section.get("kind")
    if kind == "areas" and area_kind not in AREA_KINDS:
        raise doc.fail("[areas].kind", f"must be one of {', '.join(AREA_KINDS)}")
    dissolve = areas_section.get("dissolve", False)
    if not isinstance(dissolve, bool):
        raise doc.fail("[areas].dissolve", "must be true or false")
    return Mapping(
        name=name,
        kind=kind,
        description=doc.text("[source].description", source.get("description")) or "",
        origin=origin,
        read=read,
        fields=fields,
        time_formats=time_formats,
        timezone=zones["timezone"],
        source_timezone=zones["source_timezone"],
        x=x,
        y=y,
        crs=crs,
        area_codes=area_codes,
        prefer=prefer,
        derive_from=derive_from,
        offences=offences,
        sensitive=sensitive,
        sensitive_categories=sensitive_categories,
        programs=programs,
        exclude=tuple(exclude),
        area_kind=area_kind,
        dissolve=dissolve,
    )


def _read_document(path: Path) -> dict:
    text = path.read_text(encoding="utf-8")
    if path.suffix.lower() in (".yaml", ".yml"):
        try:
            import yaml
        except ImportError:
            raise MappingError(f"{path.name}: YAML mappings need PyYAML; or write TOML") from None
        try:
            data = yaml.safe_load(text)
        except yaml.YAMLError as exc:
            raise MappingError(f"{path.name}: not valid YAML ({exc})") from None
    else:
        try:
            data = tomllib.loads(text)
        except tomllib.TOMLDecodeError as exc:
            raise MappingError(f"{path.name}: not valid TOML ({exc})") from None
    if not isinstance(data, dict):
        raise MappingError(f"{path.name}: a mapping must be a table of sections")
    return data


def shipped() -> dict[str, Path]:
    """The mappings that come with the package, by name (file stem)."""
    folder = resources.files("nno_dash.ingest").joinpath("mappings")
    return {
        Path(entry.name).stem: Path(str(entry))
        for entry in sorted(folder.iterdir(), key=lambda e: e.name)
        if entry.name.endswith((".toml", ".yaml", ".yml"))
    }


def load(name_or_path: str | Path) -> Mapping:
    """A mapping by shipped name (`chicago_crimes`) or by file path."""
    path = Path(name_or_path)
    if not path.exists():
        ready = shipped()
        if str(name_or_path) in ready:
            path = ready[str(name_or_path)]
        else:
            raise MappingError(
                f"{name_or_path}: no such mapping file, and not a shipped mapping "
                f"({', '.join(ready)})"
            )
    return parse(_read_document(path), path.name)


def fitting(kind: str, header: Iterable[str]) -> list[Mapping]:
    """Shipped mappings of `kind` whose every column is in the header, best fit first."""
    header = list(header)
    found = []
    for name in shipped():
        try:
            candidate = load(name)
        except MappingError:
            continue
        if candidate.kind != kind:
            continue
        hits, missing = resolve_columns(candidate.columns_used(), header)
        if not missing:
            found.append((len(hits), candidate))
    return [m for _, m in sorted(found, key=lambda pair: -pair[0])]


# ---------------------------------------------------------------- suggesting

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
        by_norm.setdefault(_norm_name(name), name)
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
    normed = {_norm_name(h) for h in header}
    if normed & {"population", "population2020", "2010population", "totalpopulation"}:
        scores["areas"] = 10
    best = max(scores, key=lambda k: scores[k])
    return best, scores


def _guess_date_format(values: list[str]) -> tuple[str | None, float]:
    import datetime as dt

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
        if name in placed:
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
    import pandas as pd

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
    import pandas as pd

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
