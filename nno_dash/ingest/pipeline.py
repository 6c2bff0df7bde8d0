"""Pipeline: check an agency's file against a mapping and load it, all of it or none.

`prepare` reads a file (readers), maps and types every field in SQL over the file's text
columns (records, boundaries), classifies and places the rows (classes, placing) and
drops duplicate ids (staging), all in a staging DuckDB file beside nothing live. Its work
tables are temporary (in memory, spilled to disk past STAGING_MEMORY_SHARE); only
`staged` (the rows to load) and `issues` are written to the file, once. `commit` writes
a prepared file in one `db.write_session` (writing). The Data page uses the two steps
(check, look, confirm).

`run` (the command line) imports records through `_import_direct`: the same checks and
writes in one write session, under the writer lock, its work tables temporary and
`staged` a view, so the rows are written once, into the target table, instead of once
into a staging file and again from it. Areas go through `prepare` and `commit`. A dry
run does the same against a scratch copy of the database, so its report is the real one.

Rejects have two levels. A row that cannot be used is not loaded (reason e.g. "unparseable
date"). A row that is loaded with something dropped has a reason starting "warning: ",
e.g. a point outside every area: its coordinates are dropped and it still counts for the
areas its codes name. Timestamps are stored as naive local time in the mapping's time zone.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import tempfile
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import duckdb
import pandas as pd

from nno_dash.ingest import (
    boundaries,
    context,
    formats,
    readers,
    records,
    staging,
    writing,
)
from nno_dash.ingest.fields import FIELDS
from nno_dash.ingest.formats import ReadError
from nno_dash.ingest.mapping import Mapping, MappingError, load
from nno_dash.ingest.mapping import fitting as fitting_mappings
from nno_dash.ingest.report import (
    FileReport,
    ImportFileError,
    ImportReport,
    Progress,
    report_progress,
    step,
)
from nno_dash.ingest.suggest import guess_kind
from nno_dash.store import db

# of the machine's memory, what one file's preparation may hold before spilling to disk
STAGING_MEMORY_SHARE = 0.4


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
    with step("load areas"):
        ctx = context.load_context(plan.db_path, kind)  # nothing is written meanwhile
    for i, path in enumerate(files):
        path = Path(path)
        report = FileReport(path, kind, source=sources[i] if sources else None)
        started = time.perf_counter()
        staging_file = work / f"{i}.duckdb"
        file_plan = FilePlan(report, staging=staging_file)
        try:
            chosen = _mapping_for(kind, path, mapping)
            report.mapping = chosen.name
            file_plan.mapping = chosen
            with contextlib.closing(duckdb.connect(str(staging_file))) as con:
                _limit_memory(con)
                _prepare_file(context.FileCheck(con, path, chosen, ctx, report, progress))
            report.status = "ready"
        except (ReadError, ImportFileError, MappingError, duckdb.Error) as exc:
            report.status, report.error = "failed", _failure(path, exc)
            staging_file.unlink(missing_ok=True)
        report.seconds = time.perf_counter() - started
        plan.files.append(file_plan)
    return plan


def _failure(path: Path, exc: Exception) -> str:
    """Why a file cannot be imported, in one sentence naming it."""
    if isinstance(exc, duckdb.Error):
        # data the checks did not foresee: still one sentence, still no writes
        first = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        return f"{path.name}: could not be imported ({first})"
    return str(exc)


def _limit_memory(con: duckdb.DuckDBPyConnection) -> None:
    """Cap the staging database's memory (its work tables are temporary, in memory until
    this much is used, then spilled to a folder beside the staging file)."""
    try:
        total = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")
    except (AttributeError, ValueError, OSError):  # not POSIX: DuckDB's own default
        return
    megabytes = max(1024, int(total * STAGING_MEMORY_SHARE) >> 20)
    con.execute(f"set memory_limit = '{megabytes}MB'")  # a number of ours, not data


def _mapping_for(kind: str, path: Path, mapping: Mapping | str | Path | None) -> Mapping:
    """The mapping asked for (a Mapping, a shipped name or a file), checked to be for
    `kind`; None: the shipped mapping of `kind` that fits the file's header best."""
    loaded = load(mapping) if isinstance(mapping, str | Path) else mapping
    if loaded is not None and loaded.kind != kind:
        raise ImportFileError(
            f"{path.name}: mapping {loaded.name} is for {loaded.kind}, not {kind}"
        )
    return loaded or _choose_mapping(kind, path)


def _choose_mapping(kind: str, path: Path) -> Mapping:
    sniffed = formats.sniff(path)
    if sniffed.format in formats.GEO_FORMATS:
        header = list(readers.read_boundaries(path, rows=1)[0].columns)
    else:
        header = readers.read_header(path)
    candidates = fitting_mappings(kind, header)
    if not candidates:
        guessed, _ = guess_kind(header, sniffed.format in formats.GEO_FORMATS)
        hint = f"; it looks like {guessed} data" if guessed != kind else ""
        raise ImportFileError(
            f"{path.name}: no shipped {kind} mapping fits its columns{hint}; write one with "
            f"`python -m nno_dash mapping suggest {path.name}` and pass it with --mapping"
        )
    return candidates[0]


def _prepare_file(check: context.FileCheck, *, direct: bool = False) -> None:
    """Check one file into tables `staged` and `issues` of `con`.

    Normally `con` is a staging file's and both tables are written to it. With `direct`
    (records only), `con` is the write session's connection: `issues` is temporary,
    `staged` a temporary view (see `staging.stage`), compared against the session's own tables,
    and nothing is written until `writing.apply` inserts the rows.
    """
    con, path, mapping = check.con, check.path, check.mapping
    ctx, report, progress = check.ctx, check.report, check.progress
    con.execute("set enable_progress_bar = false")
    persist = "temp " if direct else ""
    con.execute(
        f"create {persist}table issues (_row bigint, column_name varchar, reason varchar, "
        "severity varchar, raw varchar)"
    )
    if mapping.kind == "areas":
        assert not direct, "areas are prepared in a staging file"
        sniffed = formats.sniff(path, mapping.read)
        if sniffed.format in formats.GEO_FORMATS:
            boundaries.prepare_boundaries(con, path, mapping, report, progress)
        else:
            boundaries.prepare_area_table(check)
    else:
        records.prepare_records(check, persist)
    with step("count and compare"):
        staging.finish(con, mapping.kind, ctx, report, direct=direct)


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
        if report.failed or file_plan.staging is None or file_plan.mapping is None:
            continue
        started = time.perf_counter()
        report_progress(progress, f"writing {report.path.name}", None)
        try:
            with step("commit"), db.writer_lock(db_path):
                writing.write_file(
                    db_path, file_plan.staging, file_plan.mapping, report, dry_run=dry_run
                )
        except writing.DryRun:
            pass
        except duckdb.Error as exc:
            report.status = "failed"
            report.error = f"{report.path.name}: writing failed, nothing written ({exc})"
            continue
        report.status = "dry-run" if dry_run else "loaded"
        report.seconds += time.perf_counter() - started
        if report.rejected or report.warned:
            report.rejects_csv = writing.write_rejects_csv(
                file_plan.staging, report, rejects_dir, dry_run
            )
    return ImportReport(plan.kind, plan.reports, dry_run=dry_run, db_path=db_path)


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
    written = False  # past the checks: a failure now is the write's
    try:
        chosen = _mapping_for(kind, path, mapping)
        report.mapping = chosen.name
        rejects = work / "rejects.csv"
        with db.writer_lock(db_path), db.write_session(db_path) as con:
            _limit_memory(con)
            con.execute(f"set temp_directory = {_sql_text(str(work / 'spill'))}")
            with step("load areas"):
                ctx = context.load_context(db_path, kind)
            _prepare_file(context.FileCheck(con, path, chosen, ctx, report, progress), direct=True)
            written = True
            report_progress(progress, f"writing {path.name}", None)
            with step("write"):
                writing.apply(con, report, chosen, "")
            if report.rejected or report.warned:
                writing.issues_frame(con, "issues", report).to_csv(rejects, index=False)
        report.status = "loaded"
        if rejects.exists():
            report.rejects_csv = writing.rejects_path(report, rejects_dir, dry_run=False)
            shutil.move(rejects, report.rejects_csv)
    except (ReadError, ImportFileError, MappingError, duckdb.Error) as exc:
        report.status, report.error = "failed", _failure(path, exc)
        if written and isinstance(exc, duckdb.Error):
            report.error = f"{path.name}: writing failed, nothing written ({exc})"
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
