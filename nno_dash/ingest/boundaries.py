"""Area files: boundaries (shapes) that add or replace areas, and tables of area codes
with populations or names that update areas already loaded."""

from __future__ import annotations

from pathlib import Path

import duckdb
import geopandas as gpd
import numpy as np
import pandas as pd

from nno_dash.geo import areas as geo
from nno_dash.ingest import (
    context,
    formats,
    readers,
    records,
    worktables,
)
from nno_dash.ingest.expressions import Expressions, cast_field
from nno_dash.ingest.fields import FIELDS, SQL_TYPES
from nno_dash.ingest.mapping import Mapping
from nno_dash.ingest.readers import quote_ident
from nno_dash.ingest.report import (
    FileReport,
    ImportFileError,
    Progress,
    report_progress,
)


def prepare_boundaries(
    con: duckdb.DuckDBPyConnection,
    path: Path,
    mapping: Mapping,
    report: FileReport,
    progress: Progress | None,
) -> None:
    report_progress(progress, f"reading {path.name}", None)
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
    header = formats.unique_names(list(attributes.columns))
    attributes.columns = header
    attributes.insert(0, "_row", np.arange(1, len(attributes) + 1))
    sql = Expressions(records.find_columns(path, mapping, header, report))
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
        worktables.file_issues(
            con, "_bad_geoms", "true", "geometry", "missing or non-polygon shape"
        )
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
            worktables.file_issues(
                con,
                "_clash",
                "true",
                sql.label(mapping.fields["code"]),
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
    con: duckdb.DuckDBPyConnection, mapping: Mapping, sql: Expressions, path: Path
) -> None:
    texts, typed = ["_row"], ["_row"]
    for name in FIELDS["areas"]:
        spec = mapping.fields.get(name)
        if spec is not None and sql.has(spec):
            texts.append(f"{sql.text(spec)} as {quote_ident('t_' + name)}")
            typed.append(
                f"{cast_field(sql, 'areas', name, quote_ident('t_' + name), mapping)} as {name}"
            )
            typed.append(quote_ident("t_" + name))
        else:
            typed.append(f"null::{SQL_TYPES[FIELDS['areas'][name][0]]} as {name}")
    con.execute(
        f"create temp table mapped as select {', '.join(typed)} "
        f"from (select {', '.join(texts)} from raw)",
        sql.params,
    )
    code_label = sql.label(mapping.fields["code"])
    worktables.file_issues(con, "mapped", "code is null", code_label, "missing area code")
    if "population" in mapping.fields and sql.has(mapping.fields["population"]):
        label = sql.label(mapping.fields["population"])
        worktables.file_issues(
            con,
            "mapped",
            "t_population is not null and population is null",
            label,
            "population is not a whole number",
        )
        worktables.file_issues(con, "mapped", "population < 0", label, "negative count")


def prepare_area_table(check: context.FileCheck) -> None:
    """A table of area codes with populations (or names): updates areas already loaded."""
    con, path, mapping = check.con, check.path, check.mapping
    ctx, report, progress = check.ctx, check.report, check.progress
    read = readers.read_table(con, path, options=mapping.read, progress=progress)
    report.rows_read = read.rows + read.malformed
    report.notes.extend(read.notes)
    con.execute(
        "insert into issues select _row, column_name, reason, 'error', raw from raw_malformed"
    )
    sql = Expressions(records.find_columns(path, mapping, read.columns, report))
    _map_area_fields(con, mapping, sql, path)
    kind = mapping.area_kind
    known = ctx.known[ctx.known["kind"] == kind] if len(ctx.known) else ctx.known
    con.register("_known_areas", known.astype("string"))
    worktables.file_issues(
        con,
        "mapped",
        "code is not null and $kind || ':' || code not in (select area_id from _known_areas)",
        sql.label(mapping.fields["code"]),
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
        {"label": sql.label(mapping.fields["code"])},
    )
    con.execute(
        """
        delete from staged where _row in (select s._row from staged s join _dupes d
            on s.area_id = d._key where d.versions > 1 or s._row <> d._first)
        """
    )
