"""Importer: check an agency's file against a mapping and load it, all of it or none.

Owns the import pipeline. `prepare` reads a file (readers), maps and types every field in
SQL over the file's text columns (values as parameters, column names checked against the
header and quoted), files each unusable row in the rejects with row, column and reason,
classifies offences and programs by the mapping's rules, places rows in areas
(point-in-polygon with geopandas, else by the area codes they carry), and drops duplicate
ids, all in a staging DuckDB file beside nothing live. Its work tables are temporary (in
memory, spilled to disk past STAGING_MEMORY_SHARE); only `staged` (the rows to load) and
`issues` are written to the file, once. `commit` upserts a prepared file in
one `db.write_session` (one transaction on a copy, swapped in atomically): records,
rejects, import_log, the daily aggregates (only the days the file touched) and the data
version change together or not at all. The Data page uses the two steps (check, look,
confirm). `run` (the command line) imports records directly: the same checks and writes in
one write session, under the writer lock, its work tables temporary and `staged` a view, so
the rows are written once, into the target table (`_import_direct`); areas go through
`prepare` and `commit`. A dry run does the same against a scratch copy of the database, so
its report is the real one.

Rejects have two levels. A row that cannot be used is not loaded (reason e.g. "unparseable
date"). A row that is loaded with something dropped has a reason starting "warning: ",
e.g. a point outside every area: its coordinates are dropped and it still counts for the
areas its codes name. Timestamps are stored as naive local time in the mapping's time zone.
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
import shutil
import tempfile
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

import duckdb
import geopandas as gpd
import numpy as np
import pandas as pd
import pyarrow as pa
import shapely

from nno_dash.core.vocab import AREA_COLUMNS, AREA_KINDS, CATEGORIES, PROGRAMS
from nno_dash.geo import areas as geo
from nno_dash.ingest import readers
from nno_dash.ingest.mapping import (
    FIELDS,
    KEYS,
    FieldSpec,
    Mapping,
    MappingError,
    Rule,
    guess_kind,
    load,
    resolve_columns,
)
from nno_dash.ingest.mapping import fitting as fitting_mappings
from nno_dash.ingest.readers import ReadError, quote_ident
from nno_dash.queries.datasets import latest_day
from nno_dash.queries.geography import load_areas
from nno_dash.store import db

Progress = Callable[[str, float | None], None]
log = logging.getLogger(__name__)
WARNING = "warning: "
PREVIEW_ROWS = 20
PIP_CHUNK = 500_000
PIP_THREADS = min(4, os.cpu_count() or 1)  # chunks of points located at once (_located_chunks)
SNAP_METRES = 50
# of the machine's memory, what one file's preparation may hold before spilling to disk
STAGING_MEMORY_SHARE = 0.4

# Target tables' columns, in schema order (fixed allow-lists: safe to place in SQL text).
TABLE_COLUMNS: dict[str, tuple[str, ...]] = {
    "incidents": (
        "incident_id",
        "case_number",
        "occurred_at",
        "occurred_on",
        "reported_at",
        "offence_code",
        "offence_description",
        "category",
        "sensitive",
        "block_address",
        "lat",
        "lon",
        *AREA_COLUMNS.values(),
        "source",
    ),
    "events": (
        "event_id",
        "title",
        "program",
        "starts_at",
        "ends_at",
        "location",
        "lat",
        "lon",
        "agency",
        "units",
        "partners",
        *AREA_COLUMNS.values(),
        "source",
    ),
    "attendance": (
        "event_id",
        "headcount",
        "residents",
        "youth",
        "officers",
        "partners",
        "survey_n",
        "trust_before",
        "trust_after",
    ),
    "areas": (
        "area_id",
        "kind",
        "code",
        "name",
        "population",
        "geometry",
        "geometry_display",
        "centroid_lat",
        "centroid_lon",
        "area_km2",
    ),
}
TABLE_KEYS = {
    "incidents": "incident_id",
    "events": "event_id",
    "attendance": "event_id",
    "areas": "area_id",
}
_SQL_TYPES = {"text": "varchar", "timestamp": "timestamp", "double": "double", "int": "bigint"}


class ImportFileError(ValueError):
    """A file that cannot be imported as asked; one sentence naming the file and the problem."""


# ---------------------------------------------------------------- reports


@dataclass
class FileReport:
    """What happened (or would happen) to one file."""

    path: Path
    kind: str
    mapping: str | None = None
    status: str = "pending"  # ready | failed | loaded | dry-run
    error: str | None = None
    rows_read: int = 0
    inserted: int = 0
    updated: int = 0
    unchanged: int = 0
    duplicates: int = 0
    rejected: int = 0
    warned: int = 0
    reasons: dict[str, int] = field(default_factory=dict)
    warnings: dict[str, int] = field(default_factory=dict)
    unmapped: list[tuple[str, str, int]] = field(default_factory=list)
    unmapped_rows: int = 0
    unknown_codes: dict[str, list[tuple[str, int]]] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)
    import_id: int | None = None
    rejects_csv: Path | None = None
    seconds: float = 0.0
    preview: pd.DataFrame | None = None
    source: str | None = None  # what the log names the file by (default: its path)

    @property
    def source_file(self) -> str:
        return self.source or str(self.path)

    @property
    def failed(self) -> bool:
        return self.status == "failed"

    @property
    def loaded(self) -> int:
        """Rows that are in the database after the import: new, changed and unchanged ones."""
        return self.inserted + self.updated + self.unchanged

    def as_dict(self) -> dict:
        """Plain data for JSON and the import_log notes."""
        return {
            "file": str(self.path),
            "kind": self.kind,
            "mapping": self.mapping,
            "status": self.status,
            "error": self.error,
            "rows_read": self.rows_read,
            "inserted": self.inserted,
            "updated": self.updated,
            "unchanged": self.unchanged,
            "duplicates": self.duplicates,
            "rejected": self.rejected,
            "warned": self.warned,
            "reasons": self.reasons,
            "warnings": self.warnings,
            "unmapped": [list(u) for u in self.unmapped],
            "unmapped_rows": self.unmapped_rows,
            "unknown_codes": {k: [list(c) for c in v] for k, v in self.unknown_codes.items()},
            "notes": self.notes,
            "import_id": self.import_id,
            "rejects_csv": str(self.rejects_csv) if self.rejects_csv else None,
            "seconds": round(self.seconds, 3),
        }


@dataclass
class ImportReport:
    """The outcome of an import command: one report per file."""

    kind: str
    files: list[FileReport]
    dry_run: bool = False
    db_path: Path | None = None

    @property
    def ok(self) -> bool:
        return not any(f.failed for f in self.files)

    @property
    def exit_code(self) -> int:
        return 0 if self.ok else 1

    def summary(self) -> str:
        return format_summary(self)


def _n(value: int) -> str:
    return f"{value:,}"


def format_summary(report: ImportReport) -> str:
    """The one-screen text summary the command line prints."""
    head = "DRY RUN (nothing written): " if report.dry_run else ""
    lines = [f"{head}import {report.kind} into {report.db_path}"]
    for f in report.files:
        lines.append("")
        if f.failed:
            lines.append(f"FAILED  {f.error}")
            lines.append("        nothing from this file was written")
            continue
        rate = f.rows_read / f.seconds if f.seconds else 0
        ident = f" (import {f.import_id})" if f.import_id and not report.dry_run else ""
        lines.append(
            f"{f.path.name}{ident}: mapping {f.mapping}, {f.seconds:.1f} s, {rate:,.0f} rows/s"
        )
        rows = [
            ("rows read", f.rows_read, ""),
            ("loaded, new", f.inserted, ""),
            ("updated", f.updated, "existing ids with changed content"),
            ("unchanged", f.unchanged, "already loaded, identical"),
        ]
        if f.duplicates:
            rows.append(("repeated rows", f.duplicates, "identical copies of a row, merged"))
        rows.append(("rejected", f.rejected, "not loaded"))
        for label, value, why in rows:
            lines.append(f"  {label:<14}{_n(value):>10}  {why}".rstrip())
        for reason, count in sorted(f.reasons.items(), key=lambda kv: -kv[1]):
            lines.append(f"    {reason:<52}{_n(count):>8}")
        if f.warned:
            lines.append(f"  {'warnings':<14}{_n(f.warned):>10}  loaded, with something dropped")
            for reason, count in sorted(f.warnings.items(), key=lambda kv: -kv[1]):
                lines.append(f"    {reason.removeprefix(WARNING):<52}{_n(count):>8}")
        if f.unmapped:
            lines.append(
                f"  unmapped offence codes: {len(f.unmapped)} codes, {_n(f.unmapped_rows)} rows "
                "filed as 'other' (add them to the mapping):"
            )
            for code, description, count in f.unmapped[:8]:
                lines.append(f"    {code or '-':<8} {description[:44]:<44}{_n(count):>8}")
            if len(f.unmapped) > 8:
                lines.append(f"    ... and {len(f.unmapped) - 8} more (see the report)")
        for kind, codes in f.unknown_codes.items():
            shown = ", ".join(f"{c} ({_n(n)})" for c, n in codes[:6])
            more = f" and {len(codes) - 6} more" if len(codes) > 6 else ""
            lines.append(f"  {kind} codes not among the areas: {shown}{more}")
        for note in f.notes:
            lines.append(f"  note: {note}")
        if f.rejects_csv:
            lines.append(f"  rejects: {f.rejects_csv}")
    if len(report.files) > 1:
        failed = sum(f.failed for f in report.files)
        lines.append("")
        lines.append(
            f"{len(report.files)} files: {len(report.files) - failed} imported, {failed} failed"
        )
    return "\n".join(lines)


# ---------------------------------------------------------------- plans


@dataclass
class FilePlan:
    report: FileReport
    mapping: Mapping | None = None
    staging: Path | None = None

    def issues(self, limit: int = 500) -> pd.DataFrame:
        """The file's rejected and warned rows (row, column, reason, raw record), by row."""
        columns = ["row_number", "column_name", "reason", "raw"]
        if self.staging is None or not self.staging.exists():
            return pd.DataFrame(columns=columns)
        with contextlib.closing(duckdb.connect(str(self.staging), read_only=True)) as con:
            return con.execute(
                "select _row as row_number, column_name, reason, raw from issues "
                "order by _row, reason limit $limit",
                {"limit": limit},
            ).df()


@dataclass
class Plan:
    """Prepared files: checked, mapped and placed in staging files, nothing written yet."""

    kind: str
    files: list[FilePlan]
    workdir: Path
    db_path: Path | None = None

    @property
    def reports(self) -> list[FileReport]:
        return [f.report for f in self.files]

    def close(self) -> None:
        shutil.rmtree(self.workdir, ignore_errors=True)

    def __enter__(self) -> Plan:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def prepare(
    kind: str,
    files: Sequence[str | Path],
    mapping: Mapping | str | Path | None = None,
    *,
    db_path: str | Path | None = None,
    progress: Progress | None = None,
    workdir: str | Path | None = None,
    sources: Sequence[str] | None = None,
) -> Plan:
    """Read and check files without writing; the plan's reports say what a commit would do.

    `mapping` is a Mapping, a shipped name or a file; None picks, per file, the shipped
    mapping of this kind that fits its header. `db_path` is the live database, read only,
    for the areas and the records already loaded. `sources` names each file in the import
    log and rejects (default: its path; the Data page names uploads by their own name).
    Files that cannot be imported have status "failed" and an error sentence; the others
    "ready".
    """
    if kind not in FIELDS:
        raise ValueError(f"kind must be one of {', '.join(FIELDS)}, not {kind!r}")
    work = Path(tempfile.mkdtemp(prefix="nno-import-", dir=workdir))
    plan = Plan(kind, [], work, Path(db_path) if db_path else None)
    try:
        loaded = load(mapping) if isinstance(mapping, str | Path) else mapping
    except MappingError as exc:
        loaded = None
        for path in files:
            plan.files.append(
                FilePlan(FileReport(Path(path), kind, status="failed", error=str(exc)))
            )
        return plan
    if loaded is not None and loaded.kind != kind:
        for path in files:
            error = f"{Path(path).name}: mapping {loaded.name} is for {loaded.kind}, not {kind}"
            plan.files.append(FilePlan(FileReport(Path(path), kind, status="failed", error=error)))
        return plan
    for i, path in enumerate(files):
        path = Path(path)
        report = FileReport(path, kind, source=sources[i] if sources else None)
        started = time.perf_counter()
        staging = work / f"{i}.duckdb"
        file_plan = FilePlan(report, staging=staging)
        try:
            chosen = loaded or _choose_mapping(kind, path)
            report.mapping = chosen.name
            file_plan.mapping = chosen
            with contextlib.closing(duckdb.connect(str(staging))) as con:
                _limit_memory(con)
                _prepare_file(con, path, chosen, plan.db_path, report, progress)
            report.status = "ready"
        except (ReadError, ImportFileError, MappingError) as exc:
            report.status = "failed"
            report.error = str(exc)
            staging.unlink(missing_ok=True)
        except duckdb.Error as exc:
            # data the checks above did not foresee: still one sentence, still no writes
            report.status = "failed"
            first = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
            report.error = f"{path.name}: could not be imported ({first})"
            staging.unlink(missing_ok=True)
        report.seconds = time.perf_counter() - started
        plan.files.append(file_plan)
    return plan


def _limit_memory(con: duckdb.DuckDBPyConnection) -> None:
    """Cap the staging database's memory (its work tables are temporary, in memory until
    this much is used, then spilled to a folder beside the staging file)."""
    try:
        total = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")
    except (AttributeError, ValueError, OSError):  # not POSIX: DuckDB's own default
        return
    megabytes = max(1024, int(total * STAGING_MEMORY_SHARE) >> 20)
    con.execute(f"set memory_limit = '{megabytes}MB'")  # a number of ours, not data


def _choose_mapping(kind: str, path: Path) -> Mapping:
    sniffed = readers.sniff(path)
    if sniffed.format in readers.GEO_FORMATS:
        header = list(readers.read_boundaries(path, rows=1)[0].columns)
    else:
        header = readers.read_header(path)
    candidates = fitting_mappings(kind, header)
    if not candidates:
        guessed, _ = guess_kind(header, sniffed.format in readers.GEO_FORMATS)
        hint = f"; it looks like {guessed} data" if guessed != kind else ""
        raise ImportFileError(
            f"{path.name}: no shipped {kind} mapping fits its columns{hint}; write one with "
            f"`python -m nno_dash mapping suggest {path.name}` and pass it with --mapping"
        )
    return candidates[0]


# ---------------------------------------------------------------- SQL building


class _Sql:
    """Builds SQL expressions for a mapping over one file's columns; values go in params."""

    def __init__(self, columns: dict[str, str], clean: Iterable[str] = ()) -> None:
        self.columns = columns  # mapping's name -> header spelling (only columns present)
        self.params: dict[str, object] = {}
        # header columns in which no value has blanks to trim or collapse (see _clean_columns)
        self.clean = frozenset(clean)

    def is_clean(self, name: str) -> bool:
        return self.columns.get(name) in self.clean

    def param(self, value: object) -> str:
        name = f"p{len(self.params)}"
        self.params[name] = value
        return f"${name}"

    def has(self, spec: FieldSpec) -> bool:
        return all(c in self.columns for c in spec.source_columns())

    def col(self, name: str) -> str:
        if self.is_clean(name):
            return f"nullif({quote_ident(self.columns[name])}, '')"
        return f"nullif(trim({quote_ident(self.columns[name])}), '')"

    def key(self, name: str) -> str:
        """A rule column as the rules see it: blanks collapsed, upper case, '' when missing."""
        expr = self.col(name) if self.is_clean(name) else self.collapse(self.col(name))
        return f"coalesce(upper({expr}), '')"

    @staticmethod
    def collapse(expr: str) -> str:
        """Line breaks and runs of blanks as one space; the test is cheaper than the fix."""
        needs = " or ".join(
            f"contains({expr}, {c})" for c in ("'  '", "chr(10)", "chr(13)", "chr(9)")
        )
        return rf"case when {needs} then regexp_replace({expr}, '\s+', ' ', 'g') else {expr} end"

    def text(self, spec: FieldSpec, *, collapse: bool = True) -> str:
        if spec.value is not None:
            expr = self.param(spec.value)
        elif spec.hash:
            parts = ", ".join(f"coalesce({self.col(c)}, chr(0))" for c in spec.hash)
            return f"md5(concat_ws(chr(31), {parts}))"
        elif spec.columns:
            parts = ", ".join(self.col(c) for c in spec.columns)
            expr = f"nullif(concat_ws({self.param(spec.sep)}, {parts}), '')"
        else:
            expr = self.col(spec.column)
        if collapse and spec.value is None and not (spec.column and self.is_clean(spec.column)):
            expr = self.collapse(expr)
        if spec.regex:
            found = ", ".join(
                f"nullif(regexp_extract({expr}, {self.param(p)}, 1), '')" for p in spec.regex
            )
            expr = f"coalesce({found})"
        if spec.format in ("int", "pad"):
            # "009" -> "9", "9.0" -> "9"; anything not a whole number stays as it is
            number = f"try_cast({expr} as double)"
            as_int = (
                f"case when {number} >= 0 and {number} < 1e15 and {number} = trunc({number}) "
                f"then {number}::bigint::varchar end"
            )
            if spec.format == "pad":
                width = self.param(spec.width)
                as_int = f"lpad({as_int}, greatest({width}, length({as_int}))::integer, '0')"
            expr = f"coalesce({as_int}, {expr})"
        if spec.case == "upper":
            expr = f"upper({expr})"
        elif spec.case == "lower":
            expr = f"lower({expr})"
        elif spec.case == "title":
            expr = (
                f"array_to_string(list_transform(string_split(lower({expr}), ' '), "
                f"lambda w: upper(w[1]) || w[2:]), ' ')"
            )
        if spec.template is not None:
            expr = f"replace({self.param(spec.template)}, '{{}}', {expr})"
        if spec.prefix:
            expr = f"{self.param(spec.prefix)} || {expr}"
        return expr

    def timestamp(self, text: str, mapping: Mapping) -> str:
        local = mapping.timezone
        # "...T15:00:00Z", "... 10:00:00-05:00": a cheap test first, the pattern second
        maybe = (
            f"(ends_with({text}, 'Z') or contains(substr({text}, 12), '+') "
            f"or contains(substr({text}, 12), '-'))"
        )
        with_offset = (
            rf"({maybe} and regexp_matches({text}, "
            rf"'\d:\d\d(:\d\d(\.\d+)?)?\s*(Z|[+-]\d\d(:?\d\d)?)$'))"
        )
        offset_value = (
            f"timezone({self.param(local)}, try_cast({text} as timestamptz))"
            if local
            else f"try_cast({text} as timestamp)"
        )
        plain = f"try_cast({text} as timestamp)"
        if not local and not mapping.time_formats:
            return plain  # an offset would be read the same way: no need to look for one
        if mapping.time_formats:
            plain = (
                f"coalesce(try_strptime({text}, {self.param(list(mapping.time_formats))}), {plain})"
            )
        if mapping.source_timezone and local and mapping.source_timezone != local:
            plain = (
                f"timezone({self.param(local)}, timezone({self.param(mapping.source_timezone)}, "
                f"{plain}))"
            )
        return f"case when {with_offset} then {offset_value} else {plain} end"


def _typed(sql: _Sql, kind: str, name: str, text_col: str, mapping: Mapping) -> str:
    ftype = FIELDS[kind][name][0]
    if ftype == "timestamp":
        return sql.timestamp(text_col, mapping)
    if ftype == "double":
        return f"try_cast({text_col} as double)"
    if ftype == "int":
        number = f"try_cast(replace({text_col}, ',', '') as double)"
        return f"case when {number} = floor({number}) then {number}::bigint end"
    return text_col


# ---------------------------------------------------------------- preparing one file


@contextlib.contextmanager
def _step(label: str):
    """Log how long a step took (DEBUG), for finding where an import spends its time."""
    started = time.perf_counter()
    yield
    log.debug("%-28s %7.3f s", label, time.perf_counter() - started)


@dataclass
class _Context:
    """What the live database holds that a file is checked against."""

    areas: gpd.GeoDataFrame
    known: pd.DataFrame  # area_id, kind
    event_ids: pd.DataFrame | None = None
    live: Path | None = None


def _live_context(db_path: Path | None, kind: str) -> _Context:
    empty = gpd.GeoDataFrame(
        {"area_id": [], "kind": [], "code": [], "name": [], "population": []},
        geometry=[],
        crs=geo.WGS84,
    )
    if db_path is None or not db_path.exists():
        return _Context(empty, pd.DataFrame({"area_id": [], "kind": []}))
    with contextlib.closing(duckdb.connect(str(db_path), read_only=True)) as live:
        if db.schema_version(live) == 0:
            return _Context(empty, pd.DataFrame({"area_id": [], "kind": []}), live=db_path)
        areas = _areas(live, db_path) if kind in ("incidents", "events") else empty
        known = live.execute("select area_id, kind from areas").df()
        event_ids = None
        if kind == "attendance":
            event_ids = live.execute("select event_id from events").df()
    return _Context(areas, known, event_ids, db_path)


_AREAS_CACHE: dict[tuple, gpd.GeoDataFrame] = {}


def _areas(live: duckdb.DuckDBPyConnection, db_path: Path) -> gpd.GeoDataFrame:
    """The areas' full polygons, reused while the database file is the same file."""
    stat = db_path.stat()
    key = (str(db_path.resolve()), stat.st_mtime_ns, stat.st_size, stat.st_ino)
    if key not in _AREAS_CACHE:
        _AREAS_CACHE.clear()
        _AREAS_CACHE[key] = load_areas(live)
    return _AREAS_CACHE[key]


def _prepare_file(
    con: duckdb.DuckDBPyConnection,
    path: Path,
    mapping: Mapping,
    db_path: Path | None,
    report: FileReport,
    progress: Progress | None,
    *,
    direct: bool = False,
) -> None:
    """Check one file into tables `staged` and `issues` of `con`.

    Normally `con` is a staging file's and both tables are written to it. With `direct`
    (records only), `con` is the write session's connection: `issues` is temporary,
    `staged` a temporary view (see `_stage`), compared against the session's own tables,
    and nothing is written until `_apply` inserts the rows.
    """
    with _step("load areas"):
        ctx = _live_context(db_path, mapping.kind)
    con.execute("set enable_progress_bar = false")
    persist = "temp " if direct else ""
    con.execute(
        f"create {persist}table issues (_row bigint, column_name varchar, reason varchar, "
        "severity varchar, raw varchar)"
    )
    if mapping.kind == "areas":
        assert not direct, "areas are prepared in a staging file"
        sniffed = readers.sniff(path, mapping.read)
        if sniffed.format in readers.GEO_FORMATS:
            _prepare_boundaries(con, path, mapping, report, progress)
        else:
            _prepare_area_table(con, path, mapping, ctx, report, progress)
    else:
        _prepare_records(con, path, mapping, ctx, report, progress, persist)
    with _step("count and compare"):
        _finish(con, mapping.kind, ctx, report, direct=direct)


def _resolve(path: Path, mapping: Mapping, header: list[str], report: FileReport) -> dict[str, str]:
    """The mapping's columns as spelled in the file; a missing required one fails the file."""
    used = mapping.columns_used()
    found, missing = resolve_columns(used, header)
    required = mapping.required_columns()
    lost = [c for c in missing if c in required]
    if lost:
        guessed, scores = guess_kind(header)
        hint = ""
        if guessed != mapping.kind and scores.get(guessed, 0) > scores.get(mapping.kind, 0):
            hint = f"; it looks like {guessed} data, not {mapping.kind}"
        names = ", ".join(f"{c!r} (for {required[c]})" for c in lost)
        plural = "columns" if len(lost) > 1 else "column"
        raise ImportFileError(
            f"{path.name}: missing required {plural} {names} for mapping {mapping.name}{hint}"
        )
    for column in missing:
        report.notes.append(f"column {column!r} (for {used[column]}) is not in the file: skipped")
    return found


def _issue(
    con: duckdb.DuckDBPyConnection,
    source: str,
    condition: str,
    column: str,
    reason: str,
    params: dict | None = None,
    *,
    warning: bool = False,
) -> None:
    """File every row of `source` meeting `condition` under `reason` (SQL text is ours)."""
    con.execute(
        f"insert into issues select _row, $column, $reason, $severity, null "
        f"from {source} where {condition}",
        {
            **(params or {}),
            "column": column,
            "reason": (WARNING + reason) if warning else reason,
            "severity": "warning" if warning else "error",
        },
    )


def _spec_label(spec: FieldSpec, sql: _Sql) -> str:
    columns = [sql.columns.get(c, c) for c in spec.source_columns()]
    if spec.hash:
        return "id from " + ", ".join(columns)
    return ", ".join(columns) or "(fixed value)"


def _prepare_records(
    con: duckdb.DuckDBPyConnection,
    path: Path,
    mapping: Mapping,
    ctx: _Context,
    report: FileReport,
    progress: Progress | None,
    persist: str = "",
) -> None:
    kind = mapping.kind
    with _step("read"):
        read = readers.read_table(con, path, options=mapping.read, progress=progress)
    report.rows_read = read.rows + read.malformed
    report.notes.extend(read.notes)
    con.execute(
        "insert into issues select _row, column_name, reason, 'error', raw from raw_malformed"
    )
    found = _resolve(path, mapping, read.columns, report)
    with _step("clean columns"):
        sql = _Sql(found, _clean_columns(con, found.values()))
    _report(progress, "checking", None)

    # 1. every mapped field as text, area codes, projected x/y and the rules' key columns
    texts = ["_row"]
    present: dict[str, FieldSpec] = {}
    for name, spec in mapping.fields.items():
        if sql.has(spec):
            present[name] = spec
            texts.append(
                f"{sql.text(spec, collapse=name != KEYS[kind])} as {quote_ident('t_' + name)}"
            )
    codes: dict[str, FieldSpec] = {k: s for k, s in mapping.area_codes.items() if sql.has(s)}
    for area_kind, spec in codes.items():
        texts.append(f"{sql.text(spec)} as {quote_ident('code_' + area_kind)}")
    has_xy = bool(mapping.x and mapping.y and sql.has(mapping.x) and sql.has(mapping.y))
    if has_xy:
        texts.append(f"try_cast({sql.text(mapping.x)} as double) as _x")
        texts.append(f"try_cast({sql.text(mapping.y)} as double) as _y")
    rules = _rules(mapping, present, sql)
    key_columns = list(dict.fromkeys(c for rule in rules.values() for c in _rule_columns(rule)))
    key_columns = [c for c in key_columns if c in sql.columns]
    for i, column in enumerate(key_columns):
        texts.append(f"{sql.key(column)} as _k{i}")

    typed, aliases = ["*"], []
    copies = ""
    key_field = KEYS[kind]
    for name in present:
        text_col = quote_ident("t_" + name)
        if name == key_field and present[name].hash and present[name].repeats == "keep":
            prefix = sql.param(present[name].prefix)
            # identical rows get the same content hash: number them -2, -3... in file order
            typed.append(
                f"{prefix} || substr({text_col}, 1, 16) || case when _copy > 1 "
                f"then '-' || _copy else '' end as {quote_ident(name)}"
            )
            copies = f", row_number() over (partition by {text_col} order by _row) as _copy"
        elif name == key_field and present[name].hash:
            prefix = sql.param(present[name].prefix)
            typed.append(f"{prefix} || substr({text_col}, 1, 16) as {quote_ident(name)}")
        else:
            expr = _typed(sql, kind, name, text_col, mapping)
            # a text field is its text column: named in the view, not stored twice
            (aliases if expr == text_col else typed).append(f"{expr} as {quote_ident(name)}")
    with _step("map fields"):
        con.execute(
            f"create temp table _mapped as select {', '.join(typed)} from "
            f"(select *{copies} from (select {', '.join(texts)} from raw))",
            sql.params,
        )
        con.execute(f"create temp view mapped as select {', '.join(['*', *aliases])} from _mapped")
    checks = _step("check fields")
    checks.__enter__()

    # 2. rows that cannot be used
    for name, (ftype, required) in FIELDS[kind].items():
        spec = present.get(name)
        if spec is None:
            if required:
                raise ImportFileError(f"{path.name}: no column for required field {name}")
            continue
        label = _spec_label(spec, sql)
        t, v = quote_ident("t_" + name), quote_ident(name)
        if required:
            what = "id" if name == key_field else name.replace("_", " ")
            if ftype == "timestamp":
                what = "date"
            _issue(con, "mapped", f"{t} is null", label, f"missing {what}")
        if ftype == "timestamp":
            _issue(con, "mapped", f"{t} is not null and {v} is null", label, "unparseable date")
            _issue(
                con,
                "mapped",
                f"{v} is not null and (year({v}) < 1900 or year({v}) > 2100)",
                label,
                "date out of range (before 1900 or after 2100)",
            )
        elif ftype == "int":
            number = f"try_cast(replace({t}, ',', '') as double)"
            _issue(
                con,
                "mapped",
                f"{t} is not null and {v} is null and {number} is null",
                label,
                "not a number",
            )
            _issue(
                con,
                "mapped",
                f"{t} is not null and {v} is null and {number} is not null",
                label,
                "not a whole number",
            )
            _issue(con, "mapped", f"{v} < 0", label, "negative count")
        elif ftype == "double" and name not in ("lat", "lon"):
            _issue(con, "mapped", f"{t} is not null and {v} is null", label, "not a number")
            if name.startswith("trust"):
                _issue(con, "mapped", f"{v} < 1 or {v} > 5", label, "trust score outside 1-5")
    if kind == "events" and "ends_at" in present:
        _issue(
            con,
            "mapped",
            "ends_at < starts_at",
            _spec_label(present["ends_at"], sql),
            "ends before it starts; end time dropped",
            warning=True,
        )
    if kind == "attendance":
        known = ctx.event_ids if ctx.event_ids is not None else pd.DataFrame({"event_id": []})
        con.register("_known_events", known.astype({"event_id": "string"}))
        _issue(
            con,
            "mapped",
            "event_id not in (select event_id from _known_events)",
            _spec_label(present["event_id"], sql),
            "unknown event id (import the events first)",
        )

    checks.__exit__(None, None, None)

    # 3. offence categories, programs, sensitive flags and exclusions: decided once per
    #    distinct combination of the rule columns, in Python, then joined back
    with _step("classify"):
        _classify(con, mapping, rules, key_columns, report)

    # 4. places, then the rows ready to load
    if kind in ("incidents", "events"):
        with _step("place"):
            _place(con, mapping, ctx, codes, has_xy, sql, present, report, progress, key_columns)
    with _step("drop the file's text"):
        _keep_records(con, TABLE_KEYS[kind])
    with _step("stage and dedupe"):
        _stage(con, mapping, present, key_columns, persist)
    # only `issues`, `staged` and the records kept for repeated ids are read from here on
    # (and, when `staged` is a view, what it reads: `mapped` and `placed`)
    con.execute("drop view if exists classified")
    kept = ("placed", "_mapped") if _is_view(con, "staged") else ()
    if not kept:
        con.execute("drop view if exists mapped")
    for table in ("placed", "pip", "_points", "_mapped"):
        if table not in kept:
            con.execute(f"drop table if exists {table}")


def _keep_records(con: duckdb.DuckDBPyConnection, key: str) -> None:
    """Give the issues found so far their raw records, keep those of the rows whose id
    repeats (only `_dedupe` files issues after this), then drop the file's text, which
    would otherwise be held through staging, the largest step.

    Table `_repeats` (`_key`, `_row`, `raw`): the rows that will be staged whose id is
    also another such row's; `_dedupe` looks only at these ids.
    """
    if not _has_column(con, "mapped", key):
        return
    con.execute(
        "update issues set raw = to_json(r) from raw r where issues._row = r._row "
        "and issues.raw is null"
    )
    # key comes from the fixed TABLE_KEYS allow-list
    con.execute(
        f"""
        create temp table _repeats as
        with kept as (
            select _row, {key} from mapped
            where _row not in (select _row from issues where severity = 'error')
        ), repeated as (
            select k._row, k.{key} as _key from kept k
            where k.{key} in (select {key} from kept group by all having count(*) > 1)
        )
        select p._key, p._row, to_json(r) as raw from repeated p join raw r using (_row)
        """
    )
    con.execute("drop view raw")
    for table in ("_raw0", "_bad_steps", "raw_malformed"):
        con.execute(f"drop table if exists {table}")


def _clean_columns(con: duckdb.DuckDBPyConnection, columns: Iterable[str]) -> list[str]:
    """The columns of `raw` that trimming and collapsing blanks would leave as they are.

    One scan with cheap tests instead of trim() and four contains() on every value of
    every column: a column passes when no value starts or ends with a space, holds a
    run of spaces, a tab or a line break, or any non-ASCII character (trim() also strips
    Unicode spaces; such columns simply keep the full treatment).

    Most files are clean throughout, so the tests first run once per row, on the row's
    values joined by a unit separator (a value's leading space follows a separator, its
    trailing one precedes one): 2.1 s instead of 3.9 s on 10 million rows of ten columns.
    Only when that finds something are the columns tested one by one. A separator inside
    a value can only make a clean row look dirty, which costs the second scan, never a
    wrong answer.
    """
    columns = list(dict.fromkeys(columns))
    if not columns:
        return []

    def dirty(value: str, separated: bool = False) -> str:
        starts = f"contains({value}, chr(31) || ' ')" if separated else f"starts_with({value}, ' ')"
        ends = f"contains({value}, ' ' || chr(31))" if separated else f"ends_with({value}, ' ')"
        return (
            f"coalesce(bool_or({starts} or {ends} "
            f"or contains({value}, '  ') or contains({value}, chr(9)) "
            f"or contains({value}, chr(10)) or contains({value}, chr(13)) "
            f"or strlen({value}) <> length({value})), false)"
        )

    values = ", chr(31), ".join(f"coalesce({quote_ident(c)}, '')" for c in columns)
    row = f"concat(chr(31), {values}, chr(31))"
    if not con.execute(f"select {dirty(row, separated=True)} from raw").fetchall()[0][0]:
        return columns
    tests = ", ".join(dirty(quote_ident(column)) for column in columns)
    flags = con.execute(f"select {tests} from raw").fetchall()[0]
    return [column for column, unclean in zip(columns, flags, strict=True) if not unclean]


def _rules(mapping: Mapping, present: dict[str, FieldSpec], sql: _Sql) -> dict[str, object]:
    """The rule sets this file uses: offence, sensitive, program and exclusion rules."""
    rules: dict[str, object] = {}
    if mapping.kind == "incidents":
        offence_rules = list(mapping.offences.rules) if mapping.offences else []
        direct = present.get("category")
        if direct and direct.column:
            table = {code: code for code in CATEGORIES}
            table.update({label.upper(): code for code, (label, *_) in CATEGORIES.items()})
            offence_rules.append(Rule(column=direct.column, table=tuple(table.items())))
        rules["category"] = [r for r in offence_rules if _usable(r, sql)]
        rules["sensitive"] = [r for r in mapping.sensitive if _usable(r, sql)]
    if mapping.kind == "events":
        program_rules = []
        direct = present.get("program")
        if direct and direct.column:
            table = {code: code for code in PROGRAMS}
            table.update({label.upper(): code for code, label in PROGRAMS.items()})
            program_rules.append(Rule(column=direct.column, table=tuple(table.items())))
        program_rules += list(mapping.programs.rules) if mapping.programs else []
        rules["program"] = [r for r in program_rules if _usable(r, sql)]
    rules["exclude"] = [e for e in mapping.exclude if _usable(e.rule, sql)]
    return rules


def _usable(rule: Rule, sql: _Sql) -> bool:
    return all(c in sql.columns for c in rule.source_columns())


def _rule_columns(rules: object) -> list[str]:
    out: list[str] = []
    for rule in rules:  # type: ignore[attr-defined]
        rule = getattr(rule, "rule", rule)
        out.extend(rule.source_columns())
    return out


def _classify(
    con: duckdb.DuckDBPyConnection,
    mapping: Mapping,
    rules: dict[str, object],
    key_columns: list[str],
    report: FileReport,
) -> None:
    keys = [f"_k{i}" for i in range(len(key_columns))]
    select = ", ".join(keys) if keys else "1 as _one"
    distinct = con.execute(f"select {select}, count(*) as n from mapped group by all").df()
    records = (
        [
            dict(zip(key_columns, values, strict=True))
            for values in distinct[keys].itertuples(index=False, name=None)
        ]
        if keys
        else [{} for _ in range(len(distinct))]
    )
    out = pd.DataFrame({k: distinct[k].astype("string") for k in keys})
    if mapping.kind == "incidents":
        offence = [_first(rules["category"], r) for r in records]
        sensitive_categories = set(mapping.sensitive_categories)
        out["_category"] = pd.array(offence, dtype="string")
        out["_sensitive"] = [
            (c in sensitive_categories) or any(rule.apply(r) for rule in rules["sensitive"])
            for c, r in zip(offence, records, strict=True)
        ]
    if mapping.kind == "events":
        out["_program"] = pd.array([_first(rules["program"], r) for r in records], dtype="string")
    out["_exclude"] = pd.array(
        [
            next((e.reason for e in rules["exclude"] if e.rule.apply(r) is not None), None)
            for r in records
        ],
        dtype="string",
    )
    con.register("_classes_frame", out)
    con.execute("create temp table classes as select * from _classes_frame")
    con.unregister("_classes_frame")
    con.execute(
        f"create or replace temp view classified as select m._row, c.* from mapped m "
        f"left join classes c on {_classes_on(len(keys))}"
    )
    excluded = con.execute("select count(*) from classified where _exclude is not null").fetchall()[
        0
    ][0]
    if excluded:
        con.execute(
            "insert into issues select _row, null, 'excluded by mapping: ' || _exclude, 'error', "
            "null from classified where _exclude is not null"
        )
    unmapped_policy = mapping.offences.unmapped if mapping.offences else "other"
    if mapping.kind == "incidents":
        code_cols = [
            c for c in ("t_offence_code", "t_offence_description") if _has_column(con, "mapped", c)
        ]
        code = quote_ident(code_cols[0]) if code_cols else "null"
        desc = quote_ident(code_cols[-1]) if len(code_cols) > 1 else "null"
        rows = con.execute(
            f"""
            select coalesce({code}, '') as code, coalesce({desc}, '') as description, count(*) n
            from mapped m left join classes c on {_classes_on(len(keys))}
            where c._category is null
              and m._row not in (select _row from issues where severity = 'error')
            group by all order by n desc, code
            """
        ).fetchall()
        report.unmapped = [(str(c), str(d), int(n)) for c, d, n in rows]
        report.unmapped_rows = sum(n for *_, n in rows)
        if rows and unmapped_policy == "reject":
            con.execute(
                "insert into issues select _row, null, 'unmapped offence code', 'error', null "
                "from classified where _category is null"
            )
            report.notes.append("unmapped offence codes are rejected (mapping: unmapped = reject)")
    if mapping.kind == "events":
        programs_unmapped = con.execute(
            "select count(*) from classified where _program is null"
        ).fetchall()[0][0]
        policy = mapping.programs.unmapped if mapping.programs else "other"
        if programs_unmapped and policy == "reject":
            con.execute(
                "insert into issues select _row, null, 'unmapped program', 'error', null "
                "from classified where _program is null"
            )
        elif programs_unmapped:
            report.notes.append(
                f"{programs_unmapped:,} events matched no program rule: filed as 'other'"
            )


# the columns of `classes` that staging reads, by kind
_CLASS_COLUMNS = {"incidents": ("_category", "_sensitive"), "events": ("_program",)}


def _classes_on(keys: int) -> str:
    """The join of `mapped m` to its rows' `classes c` (on the rule key columns)."""
    return " and ".join(f"m._k{i} = c._k{i}" for i in range(keys)) or "true"


def _first(rules: Iterable[Rule], record: dict) -> str | None:
    for rule in rules:
        value = rule.apply(record)
        if value is not None:
            return value
    return None


def _has_column(con: duckdb.DuckDBPyConnection, table: str, column: str) -> bool:
    return any(r[0] == column for r in con.execute(f"describe {table}").fetchall())


def _report(progress: Progress | None, label: str, fraction: float | None) -> None:
    if progress is not None:
        progress(label, fraction)


# ---------------------------------------------------------------- places


def _place(
    con: duckdb.DuckDBPyConnection,
    mapping: Mapping,
    ctx: _Context,
    codes: dict[str, FieldSpec],
    has_xy: bool,
    sql: _Sql,
    present: dict[str, FieldSpec],
    report: FileReport,
    progress: Progress | None,
    key_columns: Sequence[str] = (),
) -> None:
    """Table `placed`: per row, an area id of each kind, the stored lat/lon, any point issue,
    and the row's class (`_category`, `_sensitive` or `_program`, see `_classify`)."""
    has_points = "lat" in present and "lon" in present
    point_label = (
        ", ".join(
            sql.columns[c]
            for name in ("lat", "lon")
            if name in present
            for c in present[name].source_columns()
        )
        or "coordinates"
    )
    select = ["_row"]
    if has_points:
        select += [
            "lat",
            "lon",
            "(t_lat is not null and lat is null) or (t_lon is not null and lon is null) as _bad",
        ]
    else:
        select += ["null::double as lat", "null::double as lon", "false as _bad"]
    select += ["_x", "_y"] if has_xy else ["null::double as _x", "null::double as _y"]
    where = (
        " or ".join(
            (["lat is not null", "lon is not null", "_bad"] if has_points else [])
            + (["_x is not null"] if has_xy else [])
        )
        or "false"
    )
    con.execute(
        f"create temp table _row_points as select * from (select {', '.join(select)} from mapped) "
        f"where {where}"
    )
    rows, distinct = con.execute(
        "select count(*), approx_count_distinct((lat, lon, _x, _y)) from _row_points"
    ).fetchall()[0]
    nan = "'nan'::double"
    area_ids = ", ".join(f"f.{c}::varchar as {c}" for c in AREA_COLUMNS.values())

    def locate_rows(table: str, key: str) -> pd.DataFrame:
        """Place the points of one of the two fixed work tables above (names are ours)."""
        points = con.execute(
            f"select {key} as _row, coalesce(lat, {nan}) as lat, coalesce(lon, {nan}) as lon, "
            f"coalesce(_x, {nan}) as _x, coalesce(_y, {nan}) as _y, _bad from {table}"
        ).fetchnumpy()
        return _locate(points, mapping, ctx.areas, progress)

    if distinct < 0.8 * rows:
        # Each distinct point is checked and located once: block-level addresses repeat a lot.
        con.execute(
            "create temp table _points as select row_number() over () as _pid, * from "
            "(select distinct lat, lon, _x, _y, _bad from _row_points)"
        )
        with _step("locate distinct points"):
            frame = locate_rows("_points", "_pid")
        con.register("_pip_frame", frame)
        con.execute(
            f"""
            create temp table pip as
            select r._row, f.lat, f.lon, f._issue::varchar as _issue, f._snapped, {area_ids}
            from _row_points r
            join _points p on r.lat is not distinct from p.lat
                 and r.lon is not distinct from p.lon
                 and r._x is not distinct from p._x and r._y is not distinct from p._y
                 and r._bad = p._bad
            join _pip_frame f on f._row = p._pid
            """
        )
    else:
        # (nearly) every point differs: locating each row's point costs less than the join
        with _step("locate points"):
            frame = locate_rows("_row_points", "_row")
        con.register("_pip_frame", frame)
        con.execute(
            f"create temp table pip as select f._row, f.lat, f.lon, f._issue::varchar as _issue, "
            f"f._snapped, {area_ids} from _pip_frame f"
        )
    con.unregister("_pip_frame")
    con.execute("drop table _row_points")
    snapped = con.execute("select count(*) from pip where _snapped").fetchall()[0][0]
    if snapped:
        report.notes.append(
            f"{snapped:,} points on or within {SNAP_METRES} m of an area's edge were placed "
            "in the nearest area"
        )
    kinds_with_areas = set(ctx.known["kind"]) if len(ctx.known) else set()
    con.register("_known_areas", ctx.known.astype("string"))
    con.execute("create temp table known_areas as select * from _known_areas")
    con.unregister("_known_areas")
    derived = _derived_lookup(mapping, ctx.areas)
    con.register("_derived_frame", derived)
    con.execute("create temp table derived as select * from _derived_frame")
    con.unregister("_derived_frame")

    sql.params = {}  # a new statement: only its own parameters
    joins, placed = [], []
    for area_kind, column in AREA_COLUMNS.items():
        code = quote_ident("code_" + area_kind)
        if area_kind in codes:
            candidate = f"{sql.param(area_kind + ':')} || m.{code}"
            if area_kind in kinds_with_areas:
                alias = f"a_{area_kind}"
                joins.append(f"left join known_areas {alias} on {alias}.area_id = {candidate}")
                by_code = f"{alias}.area_id"
            else:
                by_code = candidate
        else:
            by_code = "null::varchar"
        by_point = f"p.{column}"
        first, second = (by_point, by_code) if mapping.prefer == "points" else (by_code, by_point)
        placed.append(f"coalesce({first}, {second}) as {column}")
        placed.append(f"{by_code} as _code_{area_kind}")
    class_columns = [f"c.{c}" for c in _CLASS_COLUMNS[mapping.kind]]
    passed = [f"i.{c}" for c in _CLASS_COLUMNS[mapping.kind]]  # through `derived`, below
    joins.append(f"left join classes c on {_classes_on(len(key_columns))}")
    inner = (
        f"select m._row, p.lat, p.lon, p._issue, {', '.join(placed + class_columns)}, "
        f"false as _drop from mapped m left join pip p using (_row) {' '.join(joins)}"
    )
    outer = []
    if mapping.derive_from:
        source_column = AREA_COLUMNS[mapping.derive_from]
        for area_kind, column in AREA_COLUMNS.items():
            if area_kind == mapping.derive_from:
                outer.append(f"i.{column}")
            else:
                outer.append(f"coalesce(i.{column}, d.{column}) as {column}")
        query = (
            f"select i._row, i.lat, i.lon, i._issue, {', '.join(outer)}, "
            + ", ".join([f"i._code_{k}" for k in AREA_KINDS] + passed + ["i._drop"])
            + f" from ({inner}) i left join derived d on d.area_id = i.{source_column}"
        )
    else:
        query = inner
    # one row per row of `mapped`, in no particular order: `_stage` joins the two on `_row`
    con.execute(f"create temp table placed as {query}", sql.params)

    any_area = " or ".join(f"{c} is not null" for c in AREA_COLUMNS.values())
    if kinds_with_areas:
        # a bad point on a row its codes place is a warning; with no area at all, a reject
        con.execute(
            f"""
            insert into issues
            select _row, $label,
                   case when {any_area} then $warn || _issue || $kept else _issue end,
                   case when {any_area} then 'warning' else 'error' end, null
            from placed where _issue is not null
            """,
            {
                "label": point_label,
                "warn": WARNING,
                "kept": "; coordinates dropped, placed by its area codes",
            },
        )
        con.execute(
            f"""
            insert into issues
            select _row, null, $reason, 'warning', null from placed
            where _issue is null and not ({any_area})
            """,
            {"reason": WARNING + "no location: no usable coordinates and no known area code"},
        )
    else:
        con.execute(
            "insert into issues select _row, $label, $warn || _issue || '; coordinates dropped', "
            "'warning', null from placed where _issue is not null",
            {"label": point_label, "warn": WARNING},
        )
        report.notes.append("no areas in the database yet: rows placed by their codes only")
    winner = "points" if mapping.prefer == "points" else "codes"
    for area_kind, column in AREA_COLUMNS.items():
        if area_kind not in codes or area_kind not in kinds_with_areas:
            continue
        code = "m." + quote_ident("code_" + area_kind)
        # how often the codes agree with the points: a check on both
        both, agree = con.execute(
            f"""
            select count(*), count(*) filter (where p.{column} = $kind || ':' || {code})
            from mapped m join pip p using (_row)
            where p.{column} is not null and {code} is not null
            """,
            {"kind": area_kind},
        ).fetchall()[0]
        if both >= 50:
            report.notes.append(
                f"{area_kind} code agrees with point-in-polygon for {agree / both:.1%} of "
                f"{both:,} rows ({winner} win where both exist)"
            )
        unknown = con.execute(
            f"""
            select {code} as code, count(*) as n from mapped m
            where {code} is not null
              and $kind || ':' || {code} not in (select area_id from known_areas)
            group by all order by n desc, code
            """,
            {"kind": area_kind},
        ).fetchall()
        if unknown:
            report.unknown_codes[area_kind] = [(str(c), int(n)) for c, n in unknown]
    con.execute("drop table pip")  # what staging needs of it is in `placed`


_POINT_ISSUES = (
    "coordinates are not numbers",
    "incomplete coordinates (one of latitude/longitude)",
    "point at 0,0",
    "coordinates out of range",
    "latitude and longitude look swapped",
    "point outside every area",
)


def _locate(
    points: dict[str, np.ndarray],
    mapping: Mapping,
    areas: gpd.GeoDataFrame,
    progress: Progress | None,
) -> pa.Table:
    """Check each point and find the areas that contain it: columns _row, lat, lon, _issue,
    _snapped and one area id column per kind (vectorised, chunked; no loop over rows)."""
    lat, lon = points["lat"].copy(), points["lon"].copy()
    x, y = points["_x"], points["_y"]
    n = len(lat)
    issue = np.full(n, -1, dtype=np.int8)  # index into _POINT_ISSUES
    issue[points["_bad"].astype(bool)] = 0
    missing = np.isnan(lat) | np.isnan(lon)
    use_xy = missing & np.isfinite(x) & np.isfinite(y) & (x != 0) & (y != 0)
    if use_xy.any() and mapping.crs:
        from pyproj import Transformer

        transformer = Transformer.from_crs(mapping.crs, geo.WGS84, always_xy=True)
        lon[use_xy], lat[use_xy] = transformer.transform(x[use_xy], y[use_xy])
    finite = np.isfinite(lat) & np.isfinite(lon)
    issue[~finite & (np.isfinite(lat) | np.isfinite(lon)) & (issue < 0)] = 1
    zero = finite & (lat == 0) & (lon == 0)
    issue[zero] = 2
    out_of_range = finite & ~zero & ((np.abs(lat) > 90) | (np.abs(lon) > 180))
    issue[out_of_range] = 3
    issue[out_of_range & (np.abs(lon) <= 90) & (np.abs(lat) <= 180)] = 4
    valid = finite & ~zero & ~out_of_range
    found = {c: np.full(n, -1, dtype=np.int32) for c in AREA_COLUMNS.values()}
    ids = {c: np.array([], dtype=object) for c in AREA_COLUMNS.values()}
    snapped = np.zeros(n, dtype=bool)
    idx = np.flatnonzero(valid)
    if len(areas) and len(idx):
        chunks = [idx[start : start + PIP_CHUNK] for start in range(0, len(idx), PIP_CHUNK)]
        done = 0
        for chunk, located in _located_chunks(lon, lat, chunks, areas):
            for column, (where, names) in located.items():
                found[column][chunk] = where
                ids[column] = names
            done += len(chunk)
            _report(progress, "placing points", min(done / len(idx), 1.0))
        inside = np.zeros(n, dtype=bool)
        for where in found.values():
            inside |= where >= 0
        outside = np.flatnonzero(valid & ~inside)
        if len(outside):
            # block-level points often sit on the street that is the city limit: on or just
            # off the edge. Within SNAP_METRES they go to the nearest area of each kind.
            near = _nearest_areas(lon[outside], lat[outside], areas, SNAP_METRES)
            hit = near.notna().any(axis=1).to_numpy()
            for column in found:
                position = {name: i for i, name in enumerate(ids[column])}
                values = near[column].to_numpy()[hit]
                found[column][outside[hit]] = [position.get(v, -1) for v in values]
            snapped[outside[hit]] = True
            inside[outside[hit]] = True
            outside = outside[~hit]
        if len(outside):
            flipped = geo.locate_areas(lat[outside], lon[outside], geo.area_index(areas))
            hit = np.zeros(len(outside), dtype=bool)
            for where, _ in flipped.values():
                hit |= where >= 0
            issue[outside] = np.where(hit, 4, 5)
            valid = valid & inside
    columns = {
        "_row": pa.array(points["_row"]),
        "lat": pa.array(lat, mask=~valid, type=pa.float64()),
        "lon": pa.array(lon, mask=~valid, type=pa.float64()),
        "_issue": pa.DictionaryArray.from_arrays(
            pa.array(issue, mask=issue < 0, type=pa.int8()), pa.array(_POINT_ISSUES)
        ),
        "_snapped": pa.array(snapped),
    }
    for column, where in found.items():
        columns[column] = pa.DictionaryArray.from_arrays(
            pa.array(where, mask=where < 0, type=pa.int32()),
            pa.array(ids[column], type=pa.string()),
        )
    return pa.table(columns)


def _located_chunks(
    lon: np.ndarray, lat: np.ndarray, chunks: list[np.ndarray], areas: gpd.GeoDataFrame
) -> Iterator[tuple[np.ndarray, dict[str, tuple[np.ndarray, np.ndarray]]]]:
    """Each chunk of point positions with its areas (geo.locate_areas), in order.

    The chunks after the first are located PIP_THREADS at a time: shapely and numpy release
    the GIL, and DuckDB is idle meanwhile (10 million points: 2.4 -> 1.7 s on two cores).
    The first chunk runs alone because it builds the areas' grids the others then read.
    """
    total = sum(len(chunk) for chunk in chunks)
    indexes = geo.area_index(areas)

    def locate(chunk: np.ndarray) -> tuple[np.ndarray, dict[str, tuple[np.ndarray, np.ndarray]]]:
        return chunk, geo.locate_areas(lon[chunk], lat[chunk], indexes, total=total)

    yield locate(chunks[0])
    with ThreadPoolExecutor(PIP_THREADS) as pool:
        yield from pool.map(locate, chunks[1:])


def _nearest_areas(
    lon: np.ndarray, lat: np.ndarray, areas: gpd.GeoDataFrame, metres: float
) -> pd.DataFrame:
    """Like geo.assign_areas, but the nearest area within `metres` of each point."""
    out = pd.DataFrame(
        {c: pd.array([None] * len(lon), dtype="object") for c in AREA_COLUMNS.values()}
    )
    if not len(lon):
        return out
    points = gpd.GeoDataFrame(
        {"i": np.arange(len(lon))}, geometry=gpd.points_from_xy(lon, lat), crs=geo.WGS84
    )
    metric = points.estimate_utm_crs()
    points = points.to_crs(metric)
    for area_kind, column in AREA_COLUMNS.items():
        polygons = areas.loc[areas["kind"] == area_kind, ["area_id", "geometry"]].to_crs(metric)
        if polygons.empty:
            continue
        # distances to within a metre are plenty for a 50 m snap, and far cheaper
        polygons["geometry"] = polygons.geometry.simplify(1.0)
        hits = gpd.sjoin_nearest(points, polygons, how="inner", max_distance=metres)
        hits = hits.drop_duplicates("i")
        values = out[column].to_numpy(copy=True)
        values[hits["i"].to_numpy()] = hits["area_id"].to_numpy()
        out[column] = values
    return out


def _derived_lookup(mapping: Mapping, areas: gpd.GeoDataFrame) -> pd.DataFrame:
    """For `derive_from`: each area of that kind -> the other kinds' areas holding its interior."""
    columns = {"area_id": pd.array([], dtype="string")}
    columns.update({c: pd.array([], dtype="string") for c in AREA_COLUMNS.values()})
    if not mapping.derive_from or not len(areas):
        return pd.DataFrame(columns)
    own = areas[areas["kind"] == mapping.derive_from]
    if own.empty:
        return pd.DataFrame(columns)
    inner = shapely.point_on_surface(own.geometry.values)
    found = geo.assign_areas(shapely.get_x(inner), shapely.get_y(inner), areas)
    found.insert(0, "area_id", own["area_id"].to_numpy())
    return found.astype("string")


# ---------------------------------------------------------------- staging


def _stage(
    con: duckdb.DuckDBPyConnection,
    mapping: Mapping,
    present: dict[str, FieldSpec],
    key_columns: list[str],
    persist: str = "",
) -> None:
    """`staged`: the rows to load, in the target table's columns, plus `_row` (its order is
    not file order: readers sort by `_row`). A table in the staging file; with `persist`
    "temp " (a direct import, see `_prepare_file`) a temporary view of `mapped` and `placed`
    where it can be one, so the rows are not copied before they are inserted. Rows leave a
    view by `placed._drop`."""
    kind = mapping.kind
    columns = TABLE_COLUMNS[kind]
    # Incidents and events: `placed` holds every row of `mapped`, with its class, joined on
    # `_row`. (Pairing the two by position kept file order, but made the insert one thread.)
    has_placed = kind in _CLASS_COLUMNS
    cls = "p" if has_placed else "c"  # where the class columns come from
    exprs = []
    for column in columns:
        if column in present and column not in ("lat", "lon", "category", "program"):
            exprs.append(f"m.{quote_ident(column)}")
        elif column == "occurred_on":
            exprs.append("m.occurred_at::date")
        elif column == "category":
            exprs.append(f"coalesce({cls}._category, 'other')")
        elif column == "sensitive":
            exprs.append(f"coalesce({cls}._sensitive, false)")
        elif column == "program":
            exprs.append(f"coalesce({cls}._program, 'other')")
        elif column == "source":
            exprs.append("$source")
        elif column in ("lat", "lon") or column in AREA_COLUMNS.values():
            exprs.append(f"p.{column}")
        else:
            ftype = FIELDS[kind].get(column, ("text", False))[0]
            exprs.append(f"null::{_SQL_TYPES[ftype]}")
    if kind == "events" and "ends_at" in present:
        exprs[columns.index("ends_at")] = (
            "case when m.ends_at < m.starts_at then null else m.ends_at end"
        )
    rejected = "select _row from issues where severity = 'error'"
    if has_placed:
        source, where = "mapped m join placed p on p._row = m._row", "where not p._drop"
        if _first_value(con, f"select count(*) from ({rejected})"):
            con.execute(f"update placed set _drop = true where _row in ({rejected})")
    else:
        # the classes by their key columns (a small table), not through the `classified`
        # view, which would join `mapped` to itself
        source = f"mapped m left join classes c on {_classes_on(len(key_columns))}"
        where = f"where m._row not in ({rejected})"
    selected = ", ".join(f"{e} as {quote_ident(c)}" for e, c in zip(exprs, columns, strict=True))
    # A direct import's rows go from here into the target table once: `staged` is a view
    # (of the two tables joined), not a third copy of them.
    what = "temp view" if has_placed and persist == "temp " else f"{persist}table"
    select = f"select m._row, {selected} from {source} {where}"
    if what == "temp view":
        # A view cannot take parameters: it reads the mapping's name from a session
        # variable, set with one. (A join to a one-row table, or a subquery, would make
        # DuckDB compute the whole view even for the preview's first rows.)
        con.execute("set variable import_source = $name", {"name": mapping.name})
        select = select.replace("$source", "getvariable('import_source')::varchar")
        con.execute(f"create temp view staged as {select}")
    else:
        con.execute(
            f"create {what} staged as {select}",
            {"source": mapping.name} if "source" in columns else {},
        )
    _dedupe(con, kind, present)


def _is_view(con: duckdb.DuckDBPyConnection, name: str) -> bool:
    found = con.execute(
        "select count(*) from duckdb_views() where view_name = $name", {"name": name}
    ).fetchall()
    return bool(found[0][0])


def _staged_rows(con: duckdb.DuckDBPyConnection) -> str:
    """The `_row` of each row in `staged`. The direct import's view holds `placed`'s kept
    rows, one each (see `_stage`): read there, without the view's join of two tables."""
    if _is_view(con, "staged"):
        return "select _row from placed where not _drop"
    return "select _row from staged"


def _first_value(con: duckdb.DuckDBPyConnection, sql: str) -> object:
    return con.execute(sql).fetchall()[0][0]


def _dedupe(con: duckdb.DuckDBPyConnection, kind: str, present: dict[str, FieldSpec]) -> None:
    """Repeated ids in `staged`: identical copies merged, conflicting versions rejected."""
    key = TABLE_KEYS[kind]
    content = ", ".join(quote_ident(c) for c in TABLE_COLUMNS[kind] if c != key)
    # the content is hashed only for ids that repeat (usually none)
    repeated = (
        "select _key from _repeats"  # found before staging: see _keep_records
        if _has_table(con, "_repeats")
        else f"select {key} from staged group by {key} having count(*) > 1"
    )
    if _has_table(con, "_repeats") and not _first_value(con, "select count(*) from _repeats"):
        # no id repeats: `staged` (perhaps a view) need not be read
        con.execute(
            "create temp table _dupes (_key varchar, _first bigint, n bigint, versions bigint)"
        )
        return
    con.execute(
        f"""
        create temp table _dupes as
        select {key} as _key, min(_row) as _first, count(*) as n,
               count(distinct hash({content})) as versions
        from staged
        where {key} in ({repeated})
        group by {key}
        """
    )
    if not con.execute("select count(*) from _dupes").fetchall()[0][0]:
        return
    spec = present.get(KEYS[kind])
    label = ", ".join(spec.source_columns()) if spec else key
    con.execute(
        f"""
        insert into issues
        select s._row, $label, 'duplicate id with conflicting content', 'error', null
        from staged s join _dupes d on s.{key} = d._key where d.versions > 1
        """,
        {"label": label},
    )
    dropped = f"""
        select s._row from staged s join _dupes d on s.{key} = d._key
        where d.versions > 1 or s._row <> d._first
    """
    if _is_view(con, "staged"):
        con.execute(f"create temp table _dropped as {dropped}")
        con.execute("update placed set _drop = true where _row in (select _row from _dropped)")
        con.execute("drop table _dropped")
    else:
        con.execute(f"delete from staged where _row in ({dropped})")


def _prepare_boundaries(
    con: duckdb.DuckDBPyConnection,
    path: Path,
    mapping: Mapping,
    report: FileReport,
    progress: Progress | None,
) -> None:
    _report(progress, f"reading {path.name}", None)
    gdf, notes = readers.read_boundaries(path, mapping.read)
    report.notes.extend(notes)
    report.rows_read = len(gdf)
    types = set(gdf.geometry.geom_type.dropna())
    if types and not types & {"Polygon", "MultiPolygon"}:
        raise ImportFileError(
            f"{path.name}: its shapes are {', '.join(sorted(types))}, not polygons; "
            "boundaries must be areas (is this a file of places?)"
        )
    attributes = pd.DataFrame(gdf.drop(columns=gdf.geometry.name))
    header = readers.unique_names(list(attributes.columns))
    attributes.columns = header
    attributes.insert(0, "_row", np.arange(1, len(attributes) + 1))
    sql = _Sql(_resolve(path, mapping, header, report))
    con.register("_attributes", attributes.astype({c: "string" for c in header}))
    con.execute("create temp table _raw0 as select * from _attributes")
    con.unregister("_attributes")
    con.execute("create temp view raw as select * from _raw0")
    _map_area_fields(con, mapping, sql, path)
    geoms = gdf.geometry.to_numpy()
    bad = np.array(
        [g is None or g.is_empty or g.geom_type not in ("Polygon", "MultiPolygon") for g in geoms]
    )
    if bad.any():
        con.register("_bad_geoms", pd.DataFrame({"_row": np.flatnonzero(bad) + 1}))
        _issue(con, "_bad_geoms", "true", "geometry", "missing or non-polygon shape")
    rows = con.execute(
        "select _row, code, name, population from mapped "
        "where _row not in (select _row from issues where severity = 'error') order by _row"
    ).df()
    rows["geometry"] = [geoms[r - 1] for r in rows["_row"]]
    frame = gpd.GeoDataFrame(rows, geometry="geometry", crs=geo.WGS84)
    # several features with one code: one area (dissolve) or a conflict
    counts = frame["code"].value_counts()
    repeated = counts[counts > 1].index
    if len(repeated):
        if mapping.dissolve:
            report.notes.append(
                f"{int(counts[counts > 1].sum())} features merged into {len(repeated)} areas "
                "(dissolve = true)"
            )
            parts = (
                frame[frame["code"].isin(repeated)]
                .dissolve(by="code", aggfunc={"_row": "min", "name": "first", "population": "max"})
                .reset_index()
            )
            frame = pd.concat([frame[~frame["code"].isin(repeated)], parts[frame.columns]])
            frame = gpd.GeoDataFrame(frame.sort_values("_row"), geometry="geometry", crs=geo.WGS84)
        else:
            clash = frame[frame["code"].isin(repeated)]
            con.register("_clash", pd.DataFrame({"_row": clash["_row"].to_numpy()}))
            _issue(
                con,
                "_clash",
                "true",
                _spec_label(mapping.fields["code"], sql),
                "duplicate id with conflicting content (several shapes share this code; "
                "set dissolve = true to merge them)",
            )
            frame = frame[~frame["code"].isin(repeated)]
    kind = mapping.area_kind
    frame["area_id"] = kind + ":" + frame["code"].astype(str)
    frame["kind"] = kind
    frame["name"] = frame["name"].fillna(frame["code"])
    table = geo.area_rows(frame)
    table.insert(0, "_row", frame["_row"].to_numpy())
    con.register("_area_rows", table)
    con.execute("create table staged as select * from _area_rows order by _row")
    con.unregister("_area_rows")


def _map_area_fields(
    con: duckdb.DuckDBPyConnection, mapping: Mapping, sql: _Sql, path: Path
) -> None:
    texts, typed = ["_row"], ["_row"]
    for name in FIELDS["areas"]:
        spec = mapping.fields.get(name)
        if spec is not None and sql.has(spec):
            texts.append(f"{sql.text(spec)} as {quote_ident('t_' + name)}")
            typed.append(
                f"{_typed(sql, 'areas', name, quote_ident('t_' + name), mapping)} as {name}"
            )
            typed.append(quote_ident("t_" + name))
        else:
            typed.append(f"null::{_SQL_TYPES[FIELDS['areas'][name][0]]} as {name}")
    con.execute(
        f"create temp table mapped as select {', '.join(typed)} "
        f"from (select {', '.join(texts)} from raw)",
        sql.params,
    )
    code_label = _spec_label(mapping.fields["code"], sql)
    _issue(con, "mapped", "code is null", code_label, "missing area code")
    if "population" in mapping.fields and sql.has(mapping.fields["population"]):
        label = _spec_label(mapping.fields["population"], sql)
        _issue(
            con,
            "mapped",
            "t_population is not null and population is null",
            label,
            "population is not a whole number",
        )
        _issue(con, "mapped", "population < 0", label, "negative count")


def _prepare_area_table(
    con: duckdb.DuckDBPyConnection,
    path: Path,
    mapping: Mapping,
    ctx: _Context,
    report: FileReport,
    progress: Progress | None,
) -> None:
    """A table of area codes with populations (or names): updates areas already loaded."""
    read = readers.read_table(con, path, options=mapping.read, progress=progress)
    report.rows_read = read.rows + read.malformed
    report.notes.extend(read.notes)
    con.execute(
        "insert into issues select _row, column_name, reason, 'error', raw from raw_malformed"
    )
    sql = _Sql(_resolve(path, mapping, read.columns, report))
    _map_area_fields(con, mapping, sql, path)
    kind = mapping.area_kind
    known = ctx.known[ctx.known["kind"] == kind] if len(ctx.known) else ctx.known
    con.register("_known_areas", known.astype("string"))
    _issue(
        con,
        "mapped",
        "code is not null and $kind || ':' || code not in (select area_id from _known_areas)",
        _spec_label(mapping.fields["code"], sql),
        f"no such {kind} area (import its boundaries first)",
        {"kind": kind},
    )
    con.execute(
        """
        create table staged as
        select _row, $kind || ':' || code as area_id, name, population from mapped
        where _row not in (select _row from issues where severity = 'error') order by _row
        """,
        {"kind": kind},
    )
    con.execute(
        """
        create table _dupes as
        select area_id as _key, min(_row) as _first, count(*) as n,
               count(distinct hash(name, population)) as versions
        from staged group by area_id having count(*) > 1
        """
    )
    con.execute(
        """
        insert into issues
        select s._row, $label, 'duplicate id with conflicting content', 'error', null
        from staged s join _dupes d on s.area_id = d._key where d.versions > 1
        """,
        {"label": _spec_label(mapping.fields["code"], sql)},
    )
    con.execute(
        """
        delete from staged where _row in (select s._row from staged s join _dupes d
            on s.area_id = d._key where d.versions > 1 or s._row <> d._first)
        """
    )


def _finish(
    con: duckdb.DuckDBPyConnection,
    kind: str,
    ctx: _Context,
    report: FileReport,
    *,
    direct: bool = False,
) -> None:
    """Counts, reasons, the full raw record on each issue, the preview and would-be changes
    (`direct`: compared with `con`'s own tables, in temp table `_cmp`, see `_apply`)."""
    if _has_table(con, "raw"):
        con.execute(
            "update issues set raw = to_json(r) from raw r where issues._row = r._row "
            "and issues.raw is null"
        )
    if _has_table(con, "_repeats"):
        con.execute(
            "update issues set raw = k.raw from _repeats k where issues._row = k._row "
            "and issues.raw is null"
        )
        con.execute("drop table _repeats")
    if direct:
        # the file's text is not read again: free it before the rows are written
        con.execute("drop view if exists raw")
        for table in ("_raw0", "_bad_steps", "raw_malformed"):
            con.execute(f"drop table if exists {table}")
    report.rejected = con.execute(
        "select count(distinct _row) from issues where severity = 'error'"
    ).fetchall()[0][0]
    report.warned = con.execute(
        "select count(distinct _row) from issues where severity = 'warning' and _row not in "
        "(select _row from issues where severity = 'error')"
    ).fetchall()[0][0]
    # by reason; a warning on a row that is rejected anyway is not counted as a warning
    for severity, target in (("error", report.reasons), ("warning", report.warnings)):
        target.update(
            dict(
                con.execute(
                    "select reason, count(distinct _row) from issues where severity = $s "
                    "and (severity = 'error' or _row not in "
                    "(select _row from issues where severity = 'error')) "
                    "group by reason order by 2 desc, reason",
                    {"s": severity},
                ).fetchall()
            )
        )
    if _has_table(con, "_dupes"):
        report.duplicates = con.execute(
            "select coalesce(sum(n - 1), 0) from _dupes where versions = 1"
        ).fetchall()[0][0]
    # the first rows by `_row`, found without the view's join; then only their stretch of
    # `_row` is read (zone maps skip the rest of both tables)
    first = con.execute(
        f"select min(_row), max(_row) from ({_staged_rows(con)} order by _row limit $n)",
        {"n": PREVIEW_ROWS},
    ).fetchall()[0]
    preview = con.execute(
        "select * from staged where _row between $lo and $hi order by _row",
        {"lo": first[0], "hi": first[1]},
    ).df()
    report.preview = preview.drop(
        columns=[c for c in ("geometry", "geometry_display") if c in preview.columns]
    )
    table = "areas" if kind == "areas" else kind
    if direct:
        inserted, updated, unchanged = _compare_here(con, table)
    else:
        inserted, updated, unchanged = _compare(
            con, table, _population_only(con, kind), live=ctx.live
        )
    report.inserted, report.updated, report.unchanged = inserted, updated, unchanged


def _has_table(con: duckdb.DuckDBPyConnection, name: str) -> bool:
    return bool(
        con.execute(
            "select count(*) from information_schema.tables where table_name = $name",
            {"name": name},
        ).fetchall()[0][0]
    )


def _is_boundaries(con: duckdb.DuckDBPyConnection) -> bool:
    return _has_column(con, "staged", "geometry")


def _population_only(con: duckdb.DuckDBPyConnection, kind: str) -> bool:
    return kind == "areas" and not _is_boundaries(con)


def _compare_sql(table: str, staged: str, target: str, population_only: bool) -> str:
    key = TABLE_KEYS[table]
    if population_only:
        changes = (
            "coalesce(s.population, t.population) is distinct from t.population "
            "or coalesce(s.name, t.name) is distinct from t.name"
        )
    else:
        keep = {"population"} if table == "areas" else set()
        changes = " or ".join(
            f"coalesce(s.{c}, t.{c}) is distinct from t.{c}"
            if c in keep
            else f"s.{c} is distinct from t.{c}"
            for c in TABLE_COLUMNS[table]
            if c != key
        )
    # table, key and columns come from the fixed TABLE_COLUMNS allow-list
    return f"""
        select s.{key} as _key, t.{key} is null as _new,
               t.{key} is not null and ({changes}) as _changed
        from {staged} s left join {target} t on t.{key} = s.{key}
    """


def _compare(
    con: duckdb.DuckDBPyConnection, table: str, population_only: bool, *, live: Path | None
) -> tuple[int, int, int]:
    """(new, changed, unchanged) rows of `staged` against the live database's table."""
    total = con.execute("select count(*) from staged").fetchall()[0][0]
    if live is None or not live.exists():
        return (0 if population_only else total), 0, 0
    con.execute("attach $path as live (read_only)", {"path": str(live)})
    try:
        exists = con.execute(
            "select count(*) from duckdb_tables() where database_name = 'live' and table_name = $t",
            {"t": table},
        ).fetchall()[0][0]
        if not exists:
            return (0 if population_only else total), 0, 0
        new, changed = con.execute(
            "select count(*) filter (where _new), count(*) filter (where _changed) from ("
            + _compare_sql(table, "staged", f"live.{table}", population_only)
            + ")"
        ).fetchall()[0]
    finally:
        con.execute("detach live")
    if population_only:
        return 0, changed, total - new - changed
    return new, changed, total - new - changed


def _compare_here(con: duckdb.DuckDBPyConnection, table: str) -> tuple[int, int, int]:
    """(new, changed, unchanged) rows of `staged` against `con`'s own table (a direct
    import's write session), kept in temp table `_cmp` for `_apply`; no `_cmp` when the
    table is empty (a first import): every row is new."""
    if not _first_value(con, f"select count(*) from (select 1 from {table} limit 1)"):
        return _first_value(con, f"select count(*) from ({_staged_rows(con)})"), 0, 0
    con.execute("create temp table _cmp as " + _compare_sql(table, "staged", table, False))
    new, changed, total = con.execute(
        "select count(*) filter (where _new), count(*) filter (where _changed), count(*) "
        "from _cmp"
    ).fetchall()[0]
    return new, changed, total - new - changed


# ---------------------------------------------------------------- committing


class _DryRun(Exception):
    """Raised inside a write session to throw the copy away after a full run."""


def commit(
    db_path: str | Path,
    plan: Plan,
    *,
    rejects_dir: str | Path | None = None,
    progress: Progress | None = None,
    dry_run: bool = False,
) -> ImportReport:
    """Write every ready file of a plan, each in its own transaction; failed files are skipped."""
    db_path = Path(db_path)
    rejects_dir = Path(rejects_dir) if rejects_dir else db_path.parent / "rejects"
    for file_plan in plan.files:
        report = file_plan.report
        if report.failed or file_plan.staging is None:
            continue
        started = time.perf_counter()
        _report(progress, f"writing {report.path.name}", None)
        try:
            with _step("commit"), db.writer_lock(db_path):
                _commit_file(db_path, file_plan, dry_run=dry_run)
        except _DryRun:
            pass
        except duckdb.Error as exc:
            report.status = "failed"
            report.error = f"{report.path.name}: writing failed, nothing written ({exc})"
            continue
        report.status = "dry-run" if dry_run else "loaded"
        report.seconds += time.perf_counter() - started
        if report.rejected or report.warned:
            report.rejects_csv = _write_rejects_csv(file_plan, rejects_dir, dry_run)
    return ImportReport(plan.kind, plan.reports, dry_run=dry_run, db_path=db_path)


def _commit_file(db_path: Path, file_plan: FilePlan, *, dry_run: bool) -> None:
    report = file_plan.report
    mapping = file_plan.mapping
    assert mapping is not None and file_plan.staging is not None
    kind = mapping.kind
    table = "areas" if kind == "areas" else kind
    with db.write_session(db_path) as con:
        con.execute("set enable_progress_bar = false")
        con.execute("attach $path as stg (read_only)", {"path": str(file_plan.staging)})
        population_only = kind == "areas" and not any(
            r[0] == "geometry"
            for r in con.execute(
                "select column_name from duckdb_columns() where database_name = 'stg' "
                "and table_name = 'staged'"
            ).fetchall()
        )
        con.execute(
            "create temp table _cmp as " + _compare_sql(table, "stg.staged", table, population_only)
        )
        _apply(con, report, mapping, "stg.", population_only=population_only)
        if dry_run:
            raise _DryRun


def _apply(
    con: duckdb.DuckDBPyConnection,
    report: FileReport,
    mapping: Mapping,
    prefix: str,
    *,
    population_only: bool = False,
) -> None:
    """Write a checked file inside a write session: records, rejects, aggregates, log.

    The checked tables are `{prefix}staged` and `{prefix}issues` ("stg." for an attached
    staging file, "" for a direct import's temp view and table); temp table `_cmp` holds the
    comparison of `staged` with the target table (`_compare_sql`), or is missing when a
    direct import found the table empty (all rows new).
    """
    kind = mapping.kind
    table = "areas" if kind == "areas" else kind
    staged, issues = f"{prefix}staged", f"{prefix}issues"  # names of ours, not data
    if _has_table(con, "_cmp"):
        new, changed, total = con.execute(
            "select count(*) filter (where _new), count(*) filter (where _changed), count(*) "
            "from _cmp"
        ).fetchall()[0]
    else:  # a direct import into an empty table (see `_compare_here`)
        new = total = report.inserted
        changed = 0
    key = TABLE_KEYS[table]
    days = None
    if kind == "incidents" and (new or changed):
        days = _touched_days(con, staged)
    if population_only:
        con.execute(
            f"""
            update areas set population = coalesce(s.population, areas.population),
                             name = coalesce(s.name, areas.name)
            from {staged} s join _cmp c on c._key = s.area_id
            where areas.area_id = s.area_id and c._changed
            """
        )
        report.inserted, report.updated, report.unchanged = 0, changed, total - new - changed
    else:
        columns = TABLE_COLUMNS[table]
        listed = ", ".join(columns)
        with _step("insert"):
            if new == total:
                # all new (a first import): the ids in staged are unique
                con.execute(f"insert into {table} ({listed}) select {listed} from {staged}")
            else:
                con.execute(
                    f"insert into {table} ({listed}) select {listed} from {staged} s "
                    f"where s.{key} in (select _key from _cmp where _new) order by s._row"
                )
        if changed:
            keep = {"population"} if table == "areas" else set()
            assignments = ", ".join(
                f"{c} = coalesce(s.{c}, {table}.{c})" if c in keep else f"{c} = s.{c}"
                for c in columns
                if c != key
            )
            con.execute(
                f"update {table} set {assignments} from {staged} s "
                f"where {table}.{key} = s.{key} "
                f"and s.{key} in (select _key from _cmp where _changed)"
            )
        report.inserted, report.updated = new, changed
        report.unchanged = total - new - changed
    import_id = db.next_import_id(con)
    con.execute(
        f"insert into rejects select $id, $file, _row, column_name, reason, raw "
        f"from {issues} order by _row, reason",
        {"id": import_id, "file": report.source_file},
    )
    if new or changed:
        if kind == "incidents":
            with _step("aggregates"):
                if days is None:
                    db.refresh_aggregates(con)
                else:
                    db.refresh_aggregates(con, days=days)
        if table in ("events", "attendance"):
            db.refresh_event_facts(con)
        # "Data as of" is the last day the incidents cover, not the day they were loaded.
        db.bump_data_version(con, as_of=latest_day(con))
    notes = {
        k: v
        for k, v in report.as_dict().items()
        if k
        in (
            "unchanged",
            "duplicates",
            "warned",
            "reasons",
            "warnings",
            "unmapped_rows",
            "notes",
        )
    }
    notes["unmapped"] = [list(u) for u in report.unmapped[:50]]
    db.log_import(
        con,
        kind=kind,
        source_file=report.source_file,
        rows_read=report.rows_read,
        rows_loaded=new,
        rows_updated=changed,
        rows_rejected=report.rejected,
        mapping=mapping.name,
        notes=json.dumps(notes, ensure_ascii=False),
        import_id=import_id,
    )
    report.import_id = import_id


def _touched_days(con: duckdb.DuckDBPyConnection, staged: str) -> list | None:
    """The days whose counts an incident import changes (before it writes): those of its
    new and changed rows, and the days the changed rows had. None when the table holds no
    incidents yet: every day is new, and a full rebuild is the cheaper way to count them."""
    if not con.execute("select count(*) from (select 1 from incidents limit 1)").fetchall()[0][0]:
        return None
    return [
        day
        for (day,) in con.execute(
            f"""
            select occurred_on from {staged}
            where incident_id in (select _key from _cmp where _new or _changed)
            union
            select occurred_on from incidents
            where incident_id in (select _key from _cmp where _changed)
            """
        ).fetchall()
    ]


def _write_rejects_csv(file_plan: FilePlan, folder: Path, dry_run: bool) -> Path:
    report = file_plan.report
    path = _rejects_path(report, folder, dry_run)
    with contextlib.closing(duckdb.connect(str(file_plan.staging), read_only=True)) as con:
        _issues_frame(con, "issues", report).to_csv(path, index=False)
    return path


def _rejects_path(report: FileReport, folder: Path, dry_run: bool) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    stem = "".join(ch if ch.isalnum() or ch in "-_." else "_" for ch in report.path.stem)
    prefix = "dry-run-" if dry_run else ""
    return folder / f"{prefix}{report.import_id or 0:05d}-{stem}.csv"


def _issues_frame(con: duckdb.DuckDBPyConnection, issues: str, report: FileReport) -> pd.DataFrame:
    """The rejects CSV's rows: every issue of a file with its import id and source."""
    return con.execute(
        f"""
        select $id as import_id, $file as source_file, _row as row_number, column_name,
               reason, raw
        from {issues} order by _row, reason
        """,
        {"id": report.import_id, "file": report.source_file},
    ).df()


# ---------------------------------------------------------------- running

# Kinds `run` checks and writes in one write session (see `_import_direct`).
DIRECT_KINDS = ("incidents", "events", "attendance")


def _import_direct(
    db_path: Path,
    kind: str,
    path: Path,
    mapping: Mapping | str | Path | None,
    rejects_dir: Path,
    progress: Progress | None,
) -> FileReport:
    """Check and write one file in a single write session, all of it or none.

    What `prepare` then `commit` do, without the staging file: the checked rows stay in
    the session's temp tables and go from there into the target table, so they are
    written once. The writer lock is held throughout, so the records compared against
    are the ones written to. Any failure leaves the live file as it was.
    """
    report = FileReport(path, kind)
    started = time.perf_counter()
    work = Path(tempfile.mkdtemp(prefix="nno-import-"))
    writing = False
    try:
        try:
            chosen = load(mapping) if isinstance(mapping, str | Path) else mapping
        except MappingError as exc:
            raise ImportFileError(str(exc)) from None
        if chosen is not None and chosen.kind != kind:
            raise ImportFileError(
                f"{path.name}: mapping {chosen.name} is for {chosen.kind}, not {kind}"
            )
        chosen = chosen or _choose_mapping(kind, path)
        report.mapping = chosen.name
        rejects = work / "rejects.csv"
        with db.writer_lock(db_path), db.write_session(db_path) as con:
            _limit_memory(con)
            con.execute(f"set temp_directory = {_sql_text(str(work / 'spill'))}")
            _prepare_file(con, path, chosen, db_path, report, progress, direct=True)
            writing = True
            _report(progress, f"writing {path.name}", None)
            with _step("write"):
                _apply(con, report, chosen, "")
            if report.rejected or report.warned:
                _issues_frame(con, "issues", report).to_csv(rejects, index=False)
        report.status = "loaded"
        if rejects.exists():
            report.rejects_csv = _rejects_path(report, rejects_dir, dry_run=False)
            shutil.move(rejects, report.rejects_csv)
    except (ReadError, ImportFileError, MappingError) as exc:
        report.status, report.error = "failed", str(exc)
    except duckdb.Error as exc:
        report.status = "failed"
        if writing:
            report.error = f"{path.name}: writing failed, nothing written ({exc})"
        else:
            # data the checks did not foresee: still one sentence, still no writes
            first = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
            report.error = f"{path.name}: could not be imported ({first})"
    finally:
        shutil.rmtree(work, ignore_errors=True)
    if report.failed:
        report.import_id = None
    report.seconds = time.perf_counter() - started
    return report


def _sql_text(value: str) -> str:
    """A string literal for the few statements that take no parameters (SET)."""
    return "'" + value.replace("'", "''") + "'"


def run(
    db_path: str | Path,
    kind: str,
    files: Sequence[str | Path],
    mapping: Mapping | str | Path | None = None,
    *,
    dry_run: bool = False,
    rejects_dir: str | Path | None = None,
    progress: Progress | None = None,
) -> ImportReport:
    """Import files one after another, each all or nothing; a dry run writes a scratch copy.

    Files go in order, so a population table can follow the boundaries it updates in one
    command. The dry run does exactly what the real run does, on a copy that is then
    deleted, so its report (import ids included) is the one a real run would give.
    """
    db_path = Path(db_path)
    rejects_dir = Path(rejects_dir) if rejects_dir else db_path.parent / "rejects"
    scratch_dir = Path(tempfile.mkdtemp(prefix="nno-dry-run-")) if dry_run else None
    target = db_path
    if scratch_dir is not None:
        target = scratch_dir / db_path.name
        if db_path.exists():
            shutil.copyfile(db_path, target)
    reports: list[FileReport] = []
    try:
        for path in files:
            if kind in DIRECT_KINDS:
                report = _import_direct(target, kind, Path(path), mapping, rejects_dir, progress)
                reports.append(report)
                continue
            with prepare(kind, [path], mapping, db_path=target, progress=progress) as plan:
                commit(target, plan, rejects_dir=rejects_dir, progress=progress)
                reports.extend(plan.reports)
    finally:
        if scratch_dir is not None:
            shutil.rmtree(scratch_dir, ignore_errors=True)
    if dry_run:
        for report in reports:
            if report.status == "loaded":
                report.status = "dry-run"
            if report.rejects_csv is not None:
                renamed = report.rejects_csv.with_name("dry-run-" + report.rejects_csv.name)
                report.rejects_csv.replace(renamed)
                report.rejects_csv = renamed
    return ImportReport(kind, reports, dry_run=dry_run, db_path=db_path)
