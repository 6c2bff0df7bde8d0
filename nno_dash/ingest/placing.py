"""Placing: each record's point checked and located in the areas of every kind.

Points are checked (numbers, 0,0, out of range, swapped), projected x/y converted, and
located by `geo.locate_areas`, in chunks on several threads. A point just outside every
area (within SNAP_METRES of an edge) goes to the nearest one. Area codes a row carries
place it too; the mapping says which wins where both exist.
"""

from __future__ import annotations

import os
from collections.abc import Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor

import duckdb
import geopandas as gpd
import numpy as np
import pandas as pd
import pyarrow as pa
import shapely

from nno_dash.core.vocab import AREA_COLUMNS, AREA_KINDS
from nno_dash.geo import areas as geo
from nno_dash.ingest import (
    classes,
    context,
)
from nno_dash.ingest.expressions import Expressions
from nno_dash.ingest.mapping import FieldSpec, Mapping
from nno_dash.ingest.readers import quote_ident
from nno_dash.ingest.report import (
    WARNING,
    FileReport,
    Progress,
    report_progress,
    step,
)

PIP_CHUNK = 500_000


PIP_THREADS = min(4, os.cpu_count() or 1)  # chunks of points located at once (_located_chunks)


SNAP_METRES = 50


def place(
    con: duckdb.DuckDBPyConnection,
    mapping: Mapping,
    ctx: context.LiveContext,
    codes: dict[str, FieldSpec],
    has_xy: bool,
    sql: Expressions,
    present: dict[str, FieldSpec],
    report: FileReport,
    progress: Progress | None,
    key_columns: Sequence[str] = (),
) -> None:
    """Table `placed`: per row, an area id of each kind, the stored lat/lon, any point issue,
    and the row's class (`_category`, `_sensitive` or `_program`, see `classes.classify`)."""
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
        return locate(points, mapping, ctx.areas, progress)

    if distinct < 0.8 * rows:
        # Each distinct point is checked and located once: block-level addresses repeat a lot.
        con.execute(
            "create temp table _points as select row_number() over () as _pid, * from "
            "(select distinct lat, lon, _x, _y, _bad from _row_points)"
        )
        with step("locate distinct points"):
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
        with step("locate points"):
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
    class_columns = [f"c.{c}" for c in classes.CLASS_COLUMNS[mapping.kind]]
    passed = [f"i.{c}" for c in classes.CLASS_COLUMNS[mapping.kind]]  # through `derived`, below
    joins.append(f"left join classes c on {classes.classes_on(len(key_columns))}")
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
        if area_kind not in codes:
            continue
        code = "m." + quote_ident("code_" + area_kind)
        if area_kind not in kinds_with_areas:
            kept = con.execute(f"select count({code}) from mapped m").fetchall()[0][0]
            if kept and kinds_with_areas:
                report.notes.append(
                    f"{area_kind} codes kept on {kept:,} rows, but no {area_kind} boundaries "
                    f"are loaded: that kind has no map or area list until they are imported"
                )
            continue
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


POINT_ISSUES = (
    "coordinates are not numbers",
    "incomplete coordinates (one of latitude/longitude)",
    "point at 0,0",
    "coordinates out of range",
    "latitude and longitude look swapped",
    "point outside every area",
)


def locate(
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
    issue = np.full(n, -1, dtype=np.int8)  # index into POINT_ISSUES
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
            report_progress(progress, "placing points", min(done / len(idx), 1.0))
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
            pa.array(issue, mask=issue < 0, type=pa.int8()), pa.array(POINT_ISSUES)
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
    the GIL, and DuckDB is idle meanwhile .
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
