"""Lake: the database as Parquet files partitioned by year, for engines past one machine.

`export` writes every table of a database file to a folder: the incident tables in the
hive layout (`incidents/year=2024/...parquet`), so DuckDB over object storage, Trino,
Spark or BigQuery read only the years a question asks for; the small tables as one file
each. The folder appears whole or not at all. `open_views` opens such a folder as views
with the tables' own names, so the functions in nno_dash.queries run on it unchanged
(tests/test_lake.py checks their answers match the database's).

This is the agency's full data (exact locations included), for its own infrastructure:
public exports go through nno_dash.publish.privacy, never through here.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import duckdb

from nno_dash.store import db

# table -> the date column its year partitions come from
PARTITIONED = {
    "incidents": "occurred_on",
    "incident_daily": "occurred_on",
    "incident_monthly": "month",
}
TABLES = (
    "meta",
    "areas",
    "offence_categories",
    "events",
    "attendance",
    "attendance_home_areas",
    "event_facts",
    "incidents",
    "incident_daily",
    "incident_monthly",
    "import_log",
    "rejects",
)


def export(db_path: Path, out: Path, *, replace: bool = False) -> dict[str, int]:
    """Write the database's tables under `out`; returns rows written per table.

    Written to a sibling folder first and renamed into place, so a failure leaves no
    half-written lake; an existing `out` is only replaced when `replace` is set.
    """
    out = Path(out)
    if out.exists() and not replace:
        raise FileExistsError(f"{out} exists; pass replace=True (--replace) to overwrite it")
    con = db.open_readonly(db_path)
    partial = out.with_name(out.name + ".partial")
    shutil.rmtree(partial, ignore_errors=True)
    rows: dict[str, int] = {}
    try:
        partial.mkdir(parents=True)
        for table in TABLES:  # names from the fixed list above, never from a user
            cursor = db.cursor(con)
            rows[table] = cursor.execute(f"select count(*) from {table}").fetchall()[0][0]
            relation = cursor.table(table)
            if table in PARTITIONED:
                relation = relation.select(f"*, year({PARTITIONED[table]}) as year")
                relation.write_parquet(str(partial / table), partition_by=["year"])
            else:
                relation.write_parquet(str(partial / f"{table}.parquet"))
            cursor.close()
    except BaseException:
        shutil.rmtree(partial, ignore_errors=True)
        raise
    finally:
        con.close()
    if out.exists():
        old = out.with_name(out.name + ".old")
        shutil.rmtree(old, ignore_errors=True)
        out.rename(old)
        partial.rename(out)
        shutil.rmtree(old, ignore_errors=True)
    else:
        partial.rename(out)
    return rows


def open_views(lake: Path) -> duckdb.DuckDBPyConnection:
    """An in-memory connection whose views read the lake's Parquet files by table name."""
    lake = Path(lake)
    con = duckdb.connect(":memory:")
    for table in TABLES:
        if table in PARTITIONED:
            relation = con.read_parquet(
                str(lake / table / "**" / "*.parquet"), hive_partitioning=True
            )
            relation = relation.select("* exclude (year)")
        else:
            relation = con.read_parquet(str(lake / f"{table}.parquet"))
        relation.create_view(table)
    return con
