"""Context: what a file is checked against, and the file being checked.

`LiveContext` is what the live database holds (areas, known area ids, event ids), read
once per file checked, read only; `FileCheck` bundles it with the file, its mapping, its
report and the connection whose work tables hold the check.
"""

from __future__ import annotations

import contextlib
from dataclasses import dataclass
from pathlib import Path

import duckdb
import geopandas as gpd
import pandas as pd

from nno_dash.geo import areas as geo
from nno_dash.ingest.mapping import Mapping
from nno_dash.ingest.report import FileReport, Progress
from nno_dash.queries.geography import load_areas
from nno_dash.store import db


@dataclass
class LiveContext:
    """What the live database holds that a file is checked against."""

    areas: gpd.GeoDataFrame
    known: pd.DataFrame  # area_id, kind
    event_ids: pd.DataFrame | None = None
    live: Path | None = None


def load_context(db_path: Path | None, kind: str) -> LiveContext:
    """What a file of `kind` is checked against; empty when there is no database yet."""
    empty = gpd.GeoDataFrame(
        {"area_id": [], "kind": [], "code": [], "name": [], "population": []},
        geometry=[],
        crs=geo.WGS84,
    )
    if db_path is None or not db_path.exists():
        return LiveContext(empty, pd.DataFrame({"area_id": [], "kind": []}))
    with contextlib.closing(duckdb.connect(str(db_path), read_only=True)) as live:
        if db.schema_version(live) == 0:
            return LiveContext(empty, pd.DataFrame({"area_id": [], "kind": []}), live=db_path)
        areas = load_areas(live) if kind in ("incidents", "events") else empty
        known = live.execute("select area_id, kind from areas").df()
        event_ids = None
        if kind == "attendance":
            event_ids = live.execute("select event_id from events").df()
    return LiveContext(areas, known, event_ids, db_path)


@dataclass
class FileCheck:
    """One file being checked: its work tables' connection, the file, its mapping, what
    it is checked against, its report and where progress goes."""

    con: duckdb.DuckDBPyConnection
    path: Path
    mapping: Mapping
    ctx: LiveContext
    report: FileReport
    progress: Progress | None = None
