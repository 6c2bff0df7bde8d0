"""The app's read path: one read-only connection per database file, cached query results.

Caching lives here, at the UI edge. Results are cached by the data version stored in the
file (meta.data_version), read on the very connection that runs the query, so a cached
frame can never mix two versions of the data. When an import or the demo generator
swaps in a new file, the next call notices the file's new identity, closes the old
connection (DuckDB keeps one instance per path in a process) and opens the new file, so
the running app picks up new data without a restart. A query caught on the closed
connection is retried on the new one. Each query runs on its own cursor.
"""

from __future__ import annotations

import contextlib
import importlib
import threading
from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import Any

import duckdb
import geopandas as gpd
import streamlit as st
from streamlit.runtime.scriptrunner import add_script_run_ctx, get_script_run_ctx

from nno_dash.analysis import event_study as study
from nno_dash.analysis.matching import touching
from nno_dash.core.settings import Settings
from nno_dash.queries import evaluation, geography, parallel
from nno_dash.store import db
from nno_dash.viz import maps


class OpenFiles:
    """The process's read-only connections: path -> (file identity, connection, version)."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.by_path: dict[str, tuple[str, duckdb.DuckDBPyConnection, str]] = {}


@st.cache_resource(show_spinner=False)
def open_files() -> OpenFiles:
    """One registry per process, shared by every session (Streamlit's resource cache)."""
    return OpenFiles()


def settings() -> Settings:
    return Settings.from_env()


def ensure_database(path: Path, demo_incidents: int) -> str | None:
    """Make sure a current database exists; returns a message if it had to act.

    A missing file is built from the demo generator (with a spinner), an older one is
    migrated. Both write through db.write_session, so readers never see half a file.
    """
    files = open_files()
    if path.exists():
        entry = files.by_path.get(str(path))
        if entry and entry[0] == db.file_stamp(path):  # open, and so already checked
            return None
        if not db.needs_migration(path):
            return None
    with files.lock:
        if not path.exists():
            from nno_dash.demo.build import build_demo  # only here: not on every cold start
            from nno_dash.demo.params import DemoParams

            with st.spinner(f"No database at {path}: building the fictional demo city…"):
                build_demo(path, DemoParams(incidents=demo_incidents))
            return (
                f"No database was found at `{path}`, so the fictional demo city was generated. "
                "Import your agency's data with `python -m nno_dash import`."
            )
        if db.needs_migration(path):
            with st.spinner("Upgrading the database to this version…"):
                found = db.migrate(path)
            return f"The database was upgraded from schema version {found} to {db.SCHEMA_VERSION}."
    return None


def connection(path: Path) -> tuple[duckdb.DuckDBPyConnection, str]:
    """The shared read-only connection to the current file, and its data version."""
    key, stamp = str(path), db.file_stamp(path)
    files = open_files()
    with files.lock:
        entry = files.by_path.get(key)
        if entry and entry[0] == stamp:
            return entry[1], entry[2]
        if entry:
            # A query still running on the old file keeps it busy; it is released when done.
            with contextlib.suppress(duckdb.Error):
                entry[1].close()
        con = db.open_readonly(path)
        # The cache key: which file, and which version of its data.
        version = f"{key}|{db.get_meta(con, 'data_version', '') or stamp}"
        files.by_path[key] = (stamp, con, version)
        return con, version


@st.cache_data(max_entries=1024, show_spinner=False)
def _cached_query(
    name: str, version: str, args: tuple[Any, ...], _con: duckdb.DuckDBPyConnection
) -> Any:
    module, _, attribute = name.rpartition(".")
    function: Callable[..., Any] = getattr(importlib.import_module(module), attribute)
    cursor = db.cursor(_con)
    try:
        return function(cursor, *args)
    finally:
        cursor.close()


def query_name(function: Callable[..., Any]) -> str:
    """The dotted name a query is cached under; only module-level nno_dash functions qualify.

    Query functions take a connection first and plain, hashable arguments after it, and
    live in the plain modules (nno_dash.queries.crime, ...), never in ui.
    """
    module = getattr(function, "__module__", "") or ""
    name = f"{module}.{getattr(function, '__qualname__', '')}"
    resolved = None
    if module.startswith("nno_dash.") and not module.startswith("nno_dash.ui"):
        resolved = getattr(importlib.import_module(module), function.__qualname__, None)
    if resolved is not function:
        raise ValueError(f"{name} is not a module-level query function in nno_dash")
    return name


def load(path: Path, function: Callable[..., Any], *args: Any) -> Any:
    """Run a query function `function(con, *args)`, cached by its arguments and the data version."""
    name = query_name(function)
    for attempt in range(3):
        con, version = connection(path)
        try:
            return _cached_query(name, version, args, con)
        except duckdb.ConnectionException:
            if attempt == 2:
                raise
    raise AssertionError("unreachable")


Call = tuple[Callable[..., Any], tuple[Any, ...]]


def prefetch(path: Path, calls: list[Call]) -> parallel.Prefetch:
    """Start answering `calls` (function, args) on a helper thread, through `load`'s cache.

    The helper carries this script run's context (Streamlit's documented way for a thread
    to use the run's cache). Take each answer with the returned object's `take(call)`.
    """
    for function, _ in calls:
        query_name(function)  # a wrong function fails here, in the page, not in the helper
    context = get_script_run_ctx(suppress_warning=True)
    return parallel.Prefetch(
        calls,
        lambda call: load(path, call[0], *call[1]),
        before_start=lambda thread: add_script_run_ctx(thread, context) if context else None,
    )


def load_all(path: Path, calls: list[Call]) -> list[Any]:
    """`load` for each (function, args), two at a time (parallel.Prefetch)."""
    started = prefetch(path, calls)
    return [started.take(call) for call in calls]


@st.cache_resource(max_entries=16, show_spinner=False)
def _display_areas(kind: str, version: str, _con: duckdb.DuckDBPyConnection) -> gpd.GeoDataFrame:
    cursor = db.cursor(_con)
    try:
        return geography.load_areas(cursor, kind, display=True)
    finally:
        cursor.close()


def display_areas(path: Path, kind: str) -> gpd.GeoDataFrame:
    """Simplified boundaries of one kind, loaded once per data version (do not mutate)."""
    con, version = connection(path)
    return _display_areas(kind, version, con)


@st.cache_resource(max_entries=32, show_spinner=False)
def _display_features(
    kind: str, version: str, width_px: int, _areas: gpd.GeoDataFrame
) -> dict[str, dict]:
    return maps.display_features(_areas, width_px)


def display_features(path: Path, kind: str, width_px: int) -> dict[str, dict]:
    """display_areas' GeoJSON features simplified for a map `width_px` wide, once per data
    version (do not mutate)."""
    _, version = connection(path)
    return _display_features(kind, version, width_px, display_areas(path, kind))


@st.cache_resource(max_entries=16, show_spinner=False)
def _neighbours(kind: str, version: str, _con: duckdb.DuckDBPyConnection) -> dict[str, set[str]]:
    cursor = db.cursor(_con)
    try:
        return touching(geography.load_areas(cursor, kind))
    finally:
        cursor.close()


def neighbours(path: Path, kind: str) -> dict[str, set[str]]:
    """Which areas of a kind border which (matching.touching), worked out once per data
    version: it depends only on the full-detail boundaries, not on any filter (do not mutate)."""
    con, version = connection(path)
    return _neighbours(kind, version, con)


@st.cache_data(max_entries=64, show_spinner=False)
def _event_study(version: str, path: str, args: tuple[Any, ...]) -> study.EventStudy:
    kind, categories, area_ids, program, anchor, weeks = args
    data = load(Path(path), evaluation.study_data, kind, categories, program, anchor, weeks)
    return study.event_study(data, neighbours(Path(path), kind), program, area_ids)


def event_study(
    path: Path,
    kind: str,
    categories: tuple[str, ...],
    area_ids: tuple[str, ...],
    program: str | None,
    anchor: date,
    weeks: int,
) -> study.EventStudy:
    """The Outreach and crime page's event study, kept per data version and choice: its fits
    and matching would otherwise run again on every rerun of the page."""
    _, version = connection(path)
    return _event_study(version, str(path), (kind, categories, area_ids, program, anchor, weeks))
