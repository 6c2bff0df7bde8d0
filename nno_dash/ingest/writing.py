"""Writing: a checked file into the database inside one write session, all or nothing.

Records (inserted or updated), rejects, the daily aggregates of the days the file
touched, the import log and the data version change together. A dry run raises
`DryRun` inside the session, so its copy is thrown away.
"""

from __future__ import annotations

import contextlib
import json
from pathlib import Path

import duckdb
import pandas as pd

from nno_dash.ingest import (
    staging,
    worktables,
)
from nno_dash.ingest.fields import TABLE_KEYS, table_columns
from nno_dash.ingest.mapping import Mapping
from nno_dash.ingest.report import (
    FileReport,
    step,
)
from nno_dash.queries.datasets import latest_day
from nno_dash.store import db


class DryRun(Exception):
    """Raised inside a write session to throw the copy away after a full run."""


def write_file(
    db_path: Path, staging_file: Path, mapping: Mapping, report: FileReport, *, dry_run: bool
) -> None:
    """Write a file checked into `staging_file` (its `staged` and `issues`)."""
    kind = mapping.kind
    table = "areas" if kind == "areas" else kind
    with db.write_session(db_path) as con:
        con.execute("set enable_progress_bar = false")
        con.execute("attach $path as stg (read_only)", {"path": str(staging_file)})
        population_only = kind == "areas" and not any(
            r[0] == "geometry"
            for r in con.execute(
                "select column_name from duckdb_columns() where database_name = 'stg' "
                "and table_name = 'staged'"
            ).fetchall()
        )
        con.execute(
            "create temp table _cmp as "
            + staging.compare_sql(table, "stg.staged", table, population_only)
        )
        apply(con, report, mapping, "stg.", population_only=population_only)
        if dry_run:
            raise DryRun


def apply(
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
    comparison of `staged` with the target table (`staging.compare_sql`), or is missing when a
    direct import found the table empty (all rows new).
    """
    kind = mapping.kind
    table = "areas" if kind == "areas" else kind
    staged, issues = f"{prefix}staged", f"{prefix}issues"  # names of ours, not data
    if worktables.has_table(con, "_cmp"):
        new, changed, total = con.execute(
            "select count(*) filter (where _new), count(*) filter (where _changed), count(*) "
            "from _cmp"
        ).fetchall()[0]
    else:  # a direct import into an empty table (see `staging.compare_here`)
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
        columns = table_columns(table)
        listed = ", ".join(columns)
        with step("insert"):
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
            with step("aggregates"):
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


def write_rejects_csv(staging_file: Path, report: FileReport, folder: Path, dry_run: bool) -> Path:
    """The file's rejected and warned rows as a CSV in `folder`; returns its path."""
    path = rejects_path(report, folder, dry_run)
    with contextlib.closing(duckdb.connect(str(staging_file), read_only=True)) as con:
        issues_frame(con, "issues", report).to_csv(path, index=False)
    return path


def rejects_path(report: FileReport, folder: Path, dry_run: bool) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    stem = "".join(ch if ch.isalnum() or ch in "-_." else "_" for ch in report.path.stem)
    prefix = "dry-run-" if dry_run else ""
    return folder / f"{prefix}{report.import_id or 0:05d}-{stem}.csv"


def issues_frame(con: duckdb.DuckDBPyConnection, issues: str, report: FileReport) -> pd.DataFrame:
    """The rejects CSV's rows: every issue of a file with its import id and source."""
    return con.execute(
        f"""
        select $id as import_id, $file as source_file, _row as row_number, column_name,
               reason, raw
        from {issues} order by _row, reason
        """,
        {"id": report.import_id, "file": report.source_file},
    ).df()
