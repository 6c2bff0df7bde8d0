"""Readers: an agency's file, whatever its format, as a table of text columns.

What a file is comes from `formats.sniff`; this module reads it. Tabular files (CSV in
any delimiter and encoding, gzip or not; Parquet; Excel .xlsx; JSON arrays) land in a
DuckDB view of VARCHAR columns plus `_row`, the 1-based data-row number (header
excluded). The view and its table are temporary (in memory, spilled to disk only when
large): the caller keeps what it needs. Large CSVs are parsed by DuckDB, never pandas;
rows DuckDB cannot parse (too few fields, unterminated quote) are kept in a side table
with their row number instead of being dropped. Boundary files (GeoJSON, Shapefile plain
or zipped, GeoPackage) are read by geopandas and reprojected to WGS84.
"""

from __future__ import annotations

import contextlib
import threading
import zipfile
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import duckdb
import geopandas as gpd
import pandas as pd

from nno_dash.ingest import formats
from nno_dash.ingest.formats import GEO_FORMATS, ReadOptions, Sniffed, unique_names, unreadable

WGS84 = "EPSG:4326"

Progress = Callable[[str, float | None], None]


@dataclass
class TableRead:
    """A file read into `<table>` (a view with `_row` + text columns) and `<table>_malformed`."""

    columns: list[str]
    rows: int
    malformed: int
    format: str
    notes: list[str] = field(default_factory=list)


def quote_ident(name: str) -> str:
    """A SQL identifier for a column name taken from a file or a mapping, quotes doubled."""
    return '"' + str(name).replace('"', '""') + '"'


def _watch(con: duckdb.DuckDBPyConnection, label: str, progress: Progress | None):
    """Report DuckDB's own progress on the running statement from a helper thread."""
    if progress is None:
        return contextlib.nullcontext()
    stop = threading.Event()

    def poll() -> None:
        while not stop.wait(0.2):
            with contextlib.suppress(Exception):
                done = con.query_progress()
                if done >= 0:
                    progress(label, min(done / 100.0, 1.0))

    @contextlib.contextmanager
    def running():
        thread = threading.Thread(target=poll, daemon=True)
        thread.start()
        try:
            yield
        finally:
            stop.set()
            thread.join()
            progress(label, 1.0)

    return running()


_CSV_REASONS = {
    "MISSING COLUMNS": "malformed row: too few fields",
    "TOO MANY COLUMNS": "malformed row: too many fields",
    "UNQUOTED VALUE": "malformed row: unterminated or stray quote",
    "LINE SIZE OVER MAXIMUM": "malformed row: line too long",
    "INVALID ENCODING": "text not valid in the file's encoding",
    "INVALID UNICODE": "text not valid in the file's encoding",
}


# How every CSV is read: as sniffed, every column text; `{errors}` is one of the two below.
_READ_CSV = """
    select * from read_csv(
        $path, auto_detect = false, header = true, delim = $delim, quote = '"',
        escape = '"', columns = $columns, encoding = $encoding,
        compression = $compression, {errors})
"""
_KEEP_REJECTS = (
    "store_rejects = true, rejects_table = '_csv_rejects', rejects_scan = '_csv_scans', "
    "max_line_size = 16777216"
)
_SKIP_REJECTS = "ignore_errors = true"


def _csv_params(path: Path, sniffed: Sniffed) -> dict[str, object]:
    return {
        "path": str(path),
        "delim": sniffed.delimiter,
        "columns": {name: "VARCHAR" for name in sniffed.header},
        "encoding": sniffed.encoding or "utf-8",
        "compression": sniffed.compression or "none",
    }


def _read_csv_into(
    con: duckdb.DuckDBPyConnection,
    path: Path,
    sniffed: Sniffed,
    progress: Progress | None,
) -> None:
    con.execute("drop table if exists _raw0")
    with _watch(con, f"reading {path.name}", progress):
        con.execute(
            "create temp table _raw0 as " + _READ_CSV.format(errors=_KEEP_REJECTS),
            _csv_params(path, sniffed),
        )


def _read_csv(
    con: duckdb.DuckDBPyConnection, path: Path, sniffed: Sniffed, progress: Progress | None
) -> list[str]:
    notes = list(sniffed.notes)
    try:
        _read_csv_into(con, path, sniffed, progress)
        bad_encoding = con.execute(
            "select count(*) from _csv_rejects where error_type in "
            "('INVALID ENCODING', 'INVALID UNICODE')"
        ).fetchall()[0][0]
        if bad_encoding and sniffed.encoding == "utf-8":
            sniffed.encoding = "latin-1"
            notes.append("not valid UTF-8 throughout; read as Latin-1")
            con.execute("drop table if exists _csv_rejects")
            con.execute("drop table if exists _csv_scans")
            _read_csv_into(con, path, sniffed, progress)
    except duckdb.IOException as exc:
        text = str(exc)
        if "GZIP" in text.upper() or "gzip" in text:
            raise unreadable(path, "is a truncated or corrupt gzip file") from None
        raise unreadable(path, f"could not be read ({text.splitlines()[0]})") from None
    except duckdb.Error as exc:
        first = str(exc).splitlines()[0]
        raise unreadable(path, f"could not be parsed as CSV ({first})") from None
    # one malformed entry per bad record; DuckDB's `line` counts records with the header as 1
    con.execute(
        """
        create or replace temp table _raw_malformed as
        select line - 1 as _row,
               arg_min(column_name, column_idx) as column_name,
               arg_min(error_type, column_idx) as error_type,
               any_value(csv_line) as raw
        from _csv_rejects group by line order by line
        """
    )
    con.execute("drop table if exists _csv_rejects")
    con.execute("drop table if exists _csv_scans")
    cases = " ".join("when error_type = ? then ?" for _ in _CSV_REASONS)
    con.execute(
        f"""
        create or replace temp table _raw_malformed as
        select _row, column_name,
               case {cases} else 'malformed row: ' || lower(error_type) end as reason, raw
        from _raw_malformed
        """,
        [item for pair in _CSV_REASONS.items() for item in pair],
    )
    return notes


def _read_json(con: duckdb.DuckDBPyConnection, path: Path, sniffed: Sniffed) -> list[str]:
    head = formats.decode(
        formats.gunzip_head(path) if sniffed.compression else formats.first_bytes(path), "utf-8"
    )
    json_format = "array" if head.lstrip().startswith("[") else "newline_delimited"
    params = {"path": str(path), "format": json_format}
    try:
        described = con.execute(
            "describe select * from read_json($path, format = $format, sample_size = -1)",
            params,
        ).fetchall()
        names = [row[0] for row in described]
        if names == ["json"] or not names:
            raise unreadable(path, "is JSON but not an array of records (objects)")
        con.execute(
            "create or replace temp table _raw0 as select * from "
            "read_json($path, format = $format, columns = $columns)",
            {**params, "columns": {name: "VARCHAR" for name in names}},
        )
    except duckdb.Error as exc:
        first = str(exc).splitlines()[0]
        raise unreadable(path, f"is not a readable JSON array of records ({first})") from None
    _empty_malformed(con)
    return list(sniffed.notes)


def _read_parquet(con: duckdb.DuckDBPyConnection, path: Path) -> list[str]:
    try:
        described = con.execute(
            "describe select * from read_parquet($path)", {"path": str(path)}
        ).fetchall()
        casts = ", ".join(f"{quote_ident(r[0])}::varchar as {quote_ident(r[0])}" for r in described)
        con.execute(
            f"create or replace temp table _raw0 as select {casts} from read_parquet($path)",
            {"path": str(path)},
        )
    except duckdb.Error as exc:
        raise unreadable(
            path, f"is not a readable Parquet file ({str(exc).splitlines()[0]})"
        ) from None
    _empty_malformed(con)
    return []


def _read_excel(con: duckdb.DuckDBPyConnection, path: Path, options: ReadOptions) -> list[str]:
    try:
        frame = pd.read_excel(
            path,
            sheet_name=options.sheet if options.sheet is not None else 0,
            dtype=str,
            keep_default_na=False,
            engine="openpyxl",
        )
    except (ValueError, KeyError, OSError, zipfile.BadZipFile) as exc:
        raise unreadable(path, f"is not a readable Excel workbook ({exc})") from None
    frame.columns = unique_names(list(frame.columns))
    con.register("_excel_frame", frame)
    con.execute("create or replace temp table _raw0 as select * from _excel_frame")
    con.unregister("_excel_frame")
    _empty_malformed(con)
    return [f"sheet {options.sheet!r}"] if options.sheet else []


def _empty_malformed(con: duckdb.DuckDBPyConnection) -> None:
    con.execute(
        "create or replace temp table _raw_malformed (_row bigint, column_name varchar, "
        "reason varchar, raw varchar)"
    )


def read_table(
    con: duckdb.DuckDBPyConnection,
    path: str | Path,
    *,
    options: ReadOptions | None = None,
    progress: Progress | None = None,
) -> TableRead:
    """Read a tabular file into view `raw` (`_row` + text columns) and table `raw_malformed`.

    `_row` is the data-row number in the file (1 = first row after the header), also for
    files where some rows could not be parsed: those are in `raw_malformed` with a reason.
    """
    path = Path(path)
    options = options or ReadOptions()
    sniffed = formats.sniff(path, options)
    if sniffed.format in GEO_FORMATS:
        raise unreadable(path, f"is a boundary file ({sniffed.format}), not a table of records")
    if sniffed.format == "csv":
        notes = _read_csv(con, path, sniffed, progress)
    elif sniffed.format == "json":
        notes = _read_json(con, path, sniffed)
    elif sniffed.format == "parquet":
        notes = _read_parquet(con, path)
    else:
        notes = _read_excel(con, path, options)
    con.execute("alter table _raw_malformed rename to raw_malformed")
    columns = [r[0] for r in con.execute("describe _raw0").fetchall()]
    malformed = con.execute("select count(*) from raw_malformed").fetchall()[0][0]
    # _raw0's row ids count its rows in file order, from 0, or, inside a transaction that
    # has not committed (the importer's write session), from a large base: start at 1
    base = con.execute("select coalesce(min(rowid), 0) from _raw0").fetchall()[0][0]
    row = f"rowid + ({1 - int(base)})"  # a number of ours, not data
    if malformed:
        # rows DuckDB skipped shift the ordinals of the ones after; put them back:
        # a good row's file position is its ordinal plus the bad rows before it.
        # bad row i (1-based, in order) at file row b_i has b_i - i good rows before it,
        # so good row g comes after every bad row whose step b_i - i is below g.
        con.execute(
            """
            create or replace temp table _bad_steps as
            select _row - idx as step, max(idx) as k
            from (select _row, row_number() over (order by _row) as idx from raw_malformed)
            group by step
            """
        )
        con.execute(
            f"""
            create or replace temp view raw as
            select r._row + coalesce(b.k, 0) as _row, r.* exclude (_row)
            from (select {row} as _row, * from _raw0) r
            asof left join _bad_steps b on r._row > b.step
            """
        )
    else:
        con.execute(f"create or replace temp view raw as select {row} as _row, * from _raw0")
    rows = con.execute("select count(*) from _raw0").fetchall()[0][0]
    if rows == 0 and not malformed:
        raise unreadable(path, "has a header but no data rows")
    return TableRead(columns, rows, malformed, sniffed.format, notes)


def read_header(path: str | Path, options: ReadOptions | None = None) -> list[str]:
    """Column names of a file (attribute names for boundary files)."""
    return list(read_sample(path, 0, options).columns)


def read_sample(
    path: str | Path, n: int = 1000, options: ReadOptions | None = None
) -> pd.DataFrame:
    """The first `n` records as text, for suggesting a mapping and previewing."""
    path = Path(path)
    options = options or ReadOptions()
    sniffed = formats.sniff(path, options)
    if sniffed.format in GEO_FORMATS:
        gdf, _ = read_boundaries(path, options, rows=n or 1)
        frame = pd.DataFrame(gdf.drop(columns="geometry")).astype(str)
        return frame.head(n)
    with contextlib.closing(duckdb.connect()) as con:
        if sniffed.format == "csv":
            # the whole file is not needed: DuckDB reads the first rows only
            con.execute(
                "create table _raw0 as " + _READ_CSV.format(errors=_SKIP_REJECTS) + " limit $n",
                {**_csv_params(path, sniffed), "n": n},
            )
            return con.execute("select * from _raw0").df()
        if sniffed.format == "json":
            _read_json(con, path, sniffed)
        elif sniffed.format == "parquet":
            _read_parquet(con, path)
        else:
            _read_excel(con, path, options)
        return con.execute("select * from _raw0 limit $n", {"n": n}).df()


def _geo_source(path: Path, sniffed: Sniffed) -> str:
    if sniffed.format == "shapefile" and path.is_dir():
        shapes = sorted(path.glob("*.shp"))
        if len(shapes) > 1:
            raise unreadable(path, f"holds {len(shapes)} shapefiles; name the .shp file to import")
        return str(shapes[0])
    if sniffed.format == "shapefile" and zipfile.is_zipfile(path):
        # the .shp may sit in a folder inside the archive (a zipped folder); macOS adds
        # __MACOSX/ copies of every file, which are not shapefiles
        with zipfile.ZipFile(path) as zf:
            shapes = sorted(
                n
                for n in zf.namelist()
                if n.lower().endswith(".shp") and not n.startswith("__MACOSX/")
            )
        if len(shapes) > 1:
            raise unreadable(path, f"holds {len(shapes)} shapefiles; zip one shapefile per file")
        if shapes:
            return f"/vsizip/{path}/{shapes[0]}"
    return str(path)


def read_boundaries(
    path: str | Path, options: ReadOptions | None = None, *, rows: int | None = None
) -> tuple[gpd.GeoDataFrame, list[str]]:
    """A boundary file as a WGS84 GeoDataFrame with text attributes, and notes on what was done."""
    path = Path(path)
    options = options or ReadOptions()
    sniffed = formats.sniff(path, options)
    if sniffed.format not in GEO_FORMATS:
        raise unreadable(
            path,
            f"is a table ({sniffed.format}) with no shapes; boundaries need GeoJSON, a "
            "Shapefile or a GeoPackage (a table of codes and populations updates existing areas)",
        )
    notes: list[str] = []
    kwargs: dict = {}
    if options.layer:
        kwargs["layer"] = options.layer
    if rows:
        kwargs["max_features"] = rows
    try:
        gdf = gpd.read_file(_geo_source(path, sniffed), **kwargs)
    except Exception as exc:  # pyogrio raises several unrelated types for unreadable files
        first = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        raise unreadable(path, f"could not be read as {sniffed.format} ({first})") from None
    if gdf.empty:
        raise unreadable(path, "has no features")
    if options.crs:
        if gdf.crs is not None and gdf.crs != options.crs:
            notes.append(f"file says {gdf.crs.name}, mapping says {options.crs}: using the mapping")
        gdf = gdf.set_crs(options.crs, allow_override=True)
    if gdf.crs is None:
        minx, miny, maxx, maxy = gdf.total_bounds
        if -180 <= minx <= maxx <= 180 and -90 <= miny <= maxy <= 90:
            gdf = gdf.set_crs(WGS84)
            notes.append("no coordinate system given; coordinates look like longitude/latitude")
        else:
            raise unreadable(
                path,
                "has no coordinate system (.prj missing?) and its coordinates are not "
                "longitude/latitude; set crs in the mapping's [read] section (e.g. EPSG:3435)",
            )
    if gdf.crs.to_epsg(min_confidence=70) == 4326:
        gdf = gdf.set_crs(WGS84, allow_override=True)
    else:
        notes.append(f"reprojected from {gdf.crs.name} ({gdf.crs.to_string()[:40]}) to WGS84")
        gdf = gdf.to_crs(WGS84)
    for column in gdf.columns:
        if column != gdf.geometry.name:
            values = gdf[column]
            gdf[column] = values.where(values.isna(), values.astype(str))
    return gdf, notes
