"""Mappings: which source column feeds which field, read from TOML (or YAML) files.

Owns the mapping file format (documented in docs/mapping.md): loading and validating a
file into a frozen `Mapping`, the ready mappings shipped in `nno_dash/ingest/mappings/`,
matching a mapping's column names to a file's actual header, and the ordered rules that
turn an agency's offence codes into the product's categories. Writing a first mapping
for a file never seen is `suggest`'s. Nothing here touches the database.
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Iterable
from collections.abc import Mapping as AnyMapping
from dataclasses import dataclass, field
from functools import lru_cache
from importlib import resources
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from nno_dash.core.vocab import AREA_KINDS, CATEGORIES, PROGRAMS
from nno_dash.ingest import formats
from nno_dash.ingest.fields import FIELDS, KINDS

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


def normal_name(name: str) -> str:
    """A column name as compared loosely: lower case, letters and digits only."""
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
        loose.setdefault(normal_name(name), []).append(name)
    found: dict[str, str] = {}
    missing: list[str] = []
    for name in dict.fromkeys(wanted):
        if name in exact:
            found[name] = name
        elif len(loose.get(normal_name(name), [])) == 1:
            found[name] = loose[normal_name(name)][0]
        else:
            missing.append(name)
    return found, missing


# ---------------------------------------------------------------- loading


@lru_cache(maxsize=4096)
def _glob(pattern: str) -> re.Pattern[str]:
    """A case-insensitive wildcard pattern: `*` any text, `?` one character, nothing else."""
    return re.compile(
        "".join(".*" if c == "*" else "." if c == "?" else re.escape(c) for c in _norm(pattern)),
        re.DOTALL,
    )


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
