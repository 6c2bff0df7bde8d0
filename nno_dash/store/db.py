"""Connection and schema: opening the DuckDB file, migrating it, and writing it safely.

Viewing and writing are kept apart. The app opens the file read-only. Writers (the demo
generator, the importer) never touch the live file: `write_session` copies it, writes the
copy in one transaction and swaps it in with an atomic rename, so a failed write leaves
the live file as it was and open readers never see a half-written state. DuckDB allows
one writing process or many reading ones, so this is also what lets an import run while
the dashboard is being viewed.
"""

from __future__ import annotations

import contextlib
import os
import shutil
from collections.abc import Callable, Iterable, Iterator
from datetime import UTC, date, datetime
from importlib import resources
from pathlib import Path

import duckdb

from nno_dash.core.vocab import AREA_COLUMNS, CATEGORIES, CITYWIDE_KIND

SCHEMA_VERSION = 6


def _incidents_without_key(con: duckdb.DuckDBPyConnection) -> None:
    """Schema 6: incidents lose their primary key (see schema.sql), rows kept in order."""
    keyed = con.execute(
        "select count(*) from duckdb_constraints() where database_name = current_database() "
        "and table_name = 'incidents' and constraint_type = 'PRIMARY KEY'"
    ).fetchone()[0]
    if not keyed:  # a file schema.sql has just created
        return
    con.execute("alter table incidents rename to _incidents_v5")
    con.execute(schema_sql())  # creates incidents again, as they are now
    con.execute("insert into incidents by name select * from _incidents_v5")
    con.execute("drop table _incidents_v5")


# Upgrades that copy a table: DuckDB keeps the old table's space in the file (at 10M
# incidents 1.2 GB instead of 0.4), which every later import would copy again, so the write
# session that runs one rewrites the file compactly before swapping it in.
COPYING_UPGRADES = frozenset({6})

# version -> steps (statements, or functions of the connection) that upgrade a file from
# version-1. schema.sql has already created any missing table when these run; they change
# what is inside old tables.
MIGRATIONS: dict[int, list[str | Callable[[duckdb.DuckDBPyConnection], None]]] = {
    2: [
        "alter table areas add column if not exists geometry_display varchar",
        "update areas set geometry_display = geometry where geometry_display is null",
    ],
    3: [],  # incident_monthly: schema.sql creates it, refresh_aggregates fills it
    4: [],  # event_facts: schema.sql creates it, refresh_event_facts fills it
    5: [],  # the city's rows in incident_daily and incident_monthly: refresh_aggregates
    6: [_incidents_without_key],
}


class SchemaError(RuntimeError):
    """The database file cannot be used as it is (too new, or needs a write to upgrade)."""


def schema_sql() -> str:
    return resources.files("nno_dash.store").joinpath("schema.sql").read_text(encoding="utf-8")


def get_meta(con: duckdb.DuckDBPyConnection, key: str, default: str | None = None) -> str | None:
    row = con.execute("select value from meta where key = $key", {"key": key}).fetchone()
    return row[0] if row else default


def set_meta(con: duckdb.DuckDBPyConnection, key: str, value: str) -> None:
    con.execute("insert or replace into meta values ($key, $value)", {"key": key, "value": value})


def _has_table(con: duckdb.DuckDBPyConnection, name: str) -> bool:
    row = con.execute(
        "select count(*) from information_schema.tables where table_name = $name", {"name": name}
    ).fetchone()
    return bool(row and row[0])


def schema_version(con: duckdb.DuckDBPyConnection) -> int:
    """The file's schema version; 0 for an empty file."""
    if not _has_table(con, "meta"):
        return 0
    return int(get_meta(con, "schema_version", "1"))


def ensure_schema(con: duckdb.DuckDBPyConnection) -> int:
    """Create missing tables and run pending migrations; returns the version it started at."""
    found = schema_version(con)
    if found > SCHEMA_VERSION:
        raise SchemaError(
            f"database schema version {found} is newer than this app understands "
            f"({SCHEMA_VERSION}); upgrade the app"
        )
    con.execute(schema_sql())
    con.executemany(
        "insert or ignore into offence_categories values (?, ?, ?, ?, ?)",
        [[code, *info] for code, info in CATEGORIES.items()],
    )
    for version in range(max(found, 1) + 1, SCHEMA_VERSION + 1):
        for step in MIGRATIONS.get(version, []):
            if callable(step):
                step(con)
            else:
                con.execute(step)
    set_meta(con, "schema_version", str(SCHEMA_VERSION))
    if 0 < found < SCHEMA_VERSION:
        refresh_aggregates(con)
        refresh_event_facts(con)
    return found


def refresh_event_facts(con: duckdb.DuckDBPyConnection) -> None:
    """Rebuild event_facts, each event with its attendance, after a write to either table.

    Kept in start order, so a period's events are near each other.
    """
    con.execute("delete from event_facts")
    con.execute(
        """
        insert into event_facts by name
        select e.*, a.headcount, a.residents, a.youth, a.officers,
            a.partners as partners_present, a.survey_n, a.trust_before, a.trust_after
        from events e left join attendance a using (event_id)
        order by e.starts_at, e.event_id
        """
    )


def refresh_aggregates(con: duckdb.DuckDBPyConnection, days: Iterable[date] | None = None) -> None:
    """Rebuild the daily and monthly per-area counts the pages read, sorted for zone maps.

    `days` limits the work to those days (and the months holding them): their counts are
    deleted and summed again from `incidents`, which gives what a full rebuild gives as
    long as the other days' counts were right. The importer passes the days an import
    touched; None (the default) rebuilds everything.
    """
    if days is None:
        where = on_days = ""
        con.execute("delete from incident_daily")
        con.execute("delete from incident_monthly")
    else:
        con.execute("create or replace temp table _refresh_days (day date primary key)")
        con.execute(
            "insert into _refresh_days select distinct unnest($days::date[])", {"days": list(days)}
        )
        on_days = "occurred_on in (select day from _refresh_days)"
        where = f"where {on_days}"
        con.execute(f"delete from incident_daily {where}")
        con.execute(
            "delete from incident_monthly where month in "
            "(select distinct date_trunc('month', day)::date from _refresh_days)"
        )
    for kind, column in AREA_COLUMNS.items():
        # column comes from the fixed AREA_COLUMNS allow-list, never from a user.
        con.execute(
            f"""
            insert into incident_daily
            select $kind, {column}, occurred_on, category, count(*)::integer
            from incidents {where}
            group by all
            order by occurred_on
            """,
            {"kind": kind},
        )
    # Each kind's rows count every incident once (no area: area_id null), so any kind's
    # rows summed over its areas are the city's.
    con.execute(
        f"""
        insert into incident_daily
        select $city, null, occurred_on, category, sum(incidents)::integer
        from incident_daily
        where kind = $kind {f"and {on_days}" if on_days else ""}
        group by all
        order by occurred_on
        """,
        {"city": CITYWIDE_KIND, "kind": next(iter(AREA_COLUMNS))},
    )
    months = (
        ""
        if days is None
        else "where date_trunc('month', occurred_on)::date in "
        "(select distinct date_trunc('month', day)::date from _refresh_days)"
    )
    con.execute(
        f"""
        insert into incident_monthly
        select kind, area_id, date_trunc('month', occurred_on)::date as month, category,
            sum(incidents)::integer
        from incident_daily {months}
        group by all
        order by kind, month
        """
    )
    if days is not None:
        con.execute("drop table _refresh_days")


def bump_data_version(con: duckdb.DuckDBPyConnection, as_of: date | None = None) -> None:
    """Mark the data as changed, so caches keyed by data version recompute.

    `as_of` is the date the data describes (default: today, the day it was loaded).
    """
    set_meta(con, "data_version", datetime.now(UTC).isoformat(timespec="microseconds"))
    set_meta(con, "data_as_of", (as_of or datetime.now(UTC).date()).isoformat())


def set_agency(path: str | os.PathLike[str], name: str) -> None:
    """Record the agency's name in the database, where every page and export reads it; the
    data version moves so a running app shows it on its next rerun."""
    name = name.strip()
    if not name:
        raise ValueError("the agency's name is empty")
    with writer_lock(Path(path)), write_session(path) as con:
        set_meta(con, "agency_name", name)
        set_meta(con, "data_version", datetime.now(UTC).isoformat(timespec="microseconds"))


def next_import_id(con: duckdb.DuckDBPyConnection) -> int:
    return int(con.execute("select coalesce(max(import_id), 0) + 1 from import_log").fetchone()[0])


def log_import(
    con: duckdb.DuckDBPyConnection,
    *,
    kind: str,
    source_file: str,
    rows_read: int,
    rows_loaded: int,
    rows_updated: int = 0,
    rows_rejected: int = 0,
    mapping: str | None = None,
    notes: str | None = None,
    import_id: int | None = None,
) -> int:
    import_id = import_id or next_import_id(con)
    con.execute(
        "insert into import_log values ($id, $at, $kind, $file, $mapping, $read, $loaded, "
        "$updated, $rejected, $notes)",
        {
            "id": import_id,
            "at": datetime.now(UTC).replace(tzinfo=None),
            "kind": kind,
            "file": source_file,
            "mapping": mapping,
            "read": rows_read,
            "loaded": rows_loaded,
            "updated": rows_updated,
            "rejected": rows_rejected,
            "notes": notes,
        },
    )
    return import_id


LIVE = "live"  # the name the viewing connection gives the attached file


def open_readonly(path: str | os.PathLike[str]) -> duckdb.DuckDBPyConnection:
    """The viewing path: a read-only connection to the file as it is now.

    The file is attached to a new in-memory database rather than opened with
    duckdb.connect(path): DuckDB hands a second connect to the same path the instance
    already open in this process, which still reads the file that an import has since
    replaced (stale data). Use `cursor(con)` for a cursor that reads the attached file.
    """
    path = Path(path)
    if not path.exists():
        raise FileNotFoundError(f"no database at {path}")
    con = duckdb.connect(":memory:")
    con.execute(f"attach $path as {LIVE} (read_only)", {"path": str(path)})
    con.execute(f"use {LIVE}")
    found = schema_version(con)
    if found != SCHEMA_VERSION:
        con.close()
        raise SchemaError(
            f"{path} has schema version {found}, this app needs {SCHEMA_VERSION}; "
            "run `python -m nno_dash migrate` (or open it once with write access)"
        )
    return con


def cursor(con: duckdb.DuckDBPyConnection) -> duckdb.DuckDBPyConnection:
    """A cursor of a viewing connection, reading its attached file (cursors start in memory)."""
    cur = con.cursor()
    cur.execute(f"use {LIVE}")
    return cur


def file_stamp(path: Path) -> str:
    """Which file the database is, and in what state: a write or a swap changes it."""
    stat = path.stat()
    return f"{stat.st_ino}:{stat.st_mtime_ns}:{stat.st_size}"


def needs_migration(path: str | os.PathLike[str]) -> bool:
    return _file_version(path) < SCHEMA_VERSION


@contextlib.contextmanager
def write_session(
    path: str | os.PathLike[str], *, fresh: bool = False
) -> Iterator[duckdb.DuckDBPyConnection]:
    """Write to a copy of the database and swap it in only if the block succeeds.

    Everything inside the block runs in one transaction on the copy; on any exception the
    copy is deleted and the live file is untouched. `fresh=True` starts from an empty file
    (the demo generator), otherwise from a copy of the live one.
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    staging = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    staging.unlink(missing_ok=True)
    if path.exists() and not fresh:
        shutil.copyfile(path, staging)
    con = duckdb.connect(str(staging))
    try:
        found = ensure_schema(con)
        con.execute("begin transaction")
        yield con
        con.execute("commit")
        con.execute("checkpoint")
        con.close()
        if found > 0 and any(found < v <= SCHEMA_VERSION for v in COPYING_UPGRADES):
            _compact(staging)
        os.replace(staging, path)
    except BaseException:
        with contextlib.suppress(duckdb.Error):
            con.close()
        staging.unlink(missing_ok=True)
        raise
    finally:
        Path(f"{staging}.wal").unlink(missing_ok=True)


@contextlib.contextmanager
def writer_lock(db_path: Path):
    """One writer of a database file at a time, across processes (imports from the command
    line and the app, upgrades): each write copies the live file and swaps its copy in, so
    two at once would lose one's rows. A lock file beside the database, held with flock."""
    try:
        import fcntl
    except ImportError:  # Windows: no flock; one writer at a time is then up to the user
        yield
        return
    db_path.parent.mkdir(parents=True, exist_ok=True)
    with open(db_path.with_name(f".{db_path.name}.lock"), "a+b") as handle:
        fcntl.flock(handle.fileno(), fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle.fileno(), fcntl.LOCK_UN)


def migrate(path: str | os.PathLike[str]) -> int:
    """Upgrade an older file (through a write session); returns the version it had."""
    first = found = _file_version(path)
    if found < SCHEMA_VERSION:
        # an import or another process's upgrade may be writing the file: wait, look again
        with writer_lock(Path(path)):
            found = _file_version(path)
            if found < SCHEMA_VERSION:
                with write_session(path):
                    pass
    return first


def _file_version(path: str | os.PathLike[str]) -> int:
    with contextlib.closing(duckdb.connect(str(path), read_only=True)) as con:
        return schema_version(con)


def _compact(path: Path) -> None:
    """Rewrite the file without its free space (a copy beside it, swapped in)."""
    fresh = path.with_name(f"{path.name}.compact")
    fresh.unlink(missing_ok=True)
    try:
        with contextlib.closing(duckdb.connect(":memory:")) as con:
            con.execute("set enable_progress_bar = false")
            con.execute("attach $path as old (read_only)", {"path": str(path)})
            con.execute("attach $path as new", {"path": str(fresh)})
            con.execute("copy from database old to new")
        os.replace(fresh, path)
    except BaseException:
        fresh.unlink(missing_ok=True)
        raise
    finally:
        Path(f"{fresh}.wal").unlink(missing_ok=True)
