"""Fields: what each kind of record holds, as a mapping names it and as the database stores it.

`FIELDS` are the fields a mapping can fill, with their type and whether a file must have
them; `table_columns` are the target tables' columns, read from the one schema
(store/schema.sql) so that the importer's column lists cannot drift from it.
"""

from __future__ import annotations

import contextlib
from functools import lru_cache

import duckdb

from nno_dash.store import db

KINDS = ("areas", "events", "attendance", "incidents")

# kind -> field -> (type, required). Types: text, timestamp, double, int.
FIELDS: dict[str, dict[str, tuple[str, bool]]] = {
    "incidents": {
        "incident_id": ("text", True),
        "case_number": ("text", False),
        "occurred_at": ("timestamp", True),
        "reported_at": ("timestamp", False),
        "offence_code": ("text", False),
        "offence_description": ("text", False),
        "category": ("text", False),
        "block_address": ("text", False),
        "lat": ("double", False),
        "lon": ("double", False),
    },
    "events": {
        "event_id": ("text", True),
        "title": ("text", True),
        "program": ("text", False),
        "starts_at": ("timestamp", True),
        "ends_at": ("timestamp", False),
        "location": ("text", False),
        "lat": ("double", False),
        "lon": ("double", False),
        "agency": ("text", False),
        "units": ("text", False),
        "partners": ("text", False),
    },
    "attendance": {
        "event_id": ("text", True),
        "headcount": ("int", True),
        "residents": ("int", False),
        "youth": ("int", False),
        "officers": ("int", False),
        "partners": ("int", False),
        "survey_n": ("int", False),
        "trust_before": ("double", False),
        "trust_after": ("double", False),
    },
    "areas": {
        "code": ("text", True),
        "name": ("text", False),
        "population": ("int", False),
    },
}
KEYS = {"incidents": "incident_id", "events": "event_id", "attendance": "event_id", "areas": "code"}

# each target table's key column
TABLE_KEYS = {
    "incidents": "incident_id",
    "events": "event_id",
    "attendance": "event_id",
    "areas": "area_id",
}
# a field's type as SQL, for the columns a file does not fill
SQL_TYPES = {"text": "varchar", "timestamp": "timestamp", "double": "double", "int": "bigint"}


@lru_cache(maxsize=len(TABLE_KEYS))
def table_columns(table: str) -> tuple[str, ...]:
    """A target table's columns in schema order (fixed names: safe to place in SQL text)."""
    if table not in TABLE_KEYS:
        raise ValueError(f"not a table the importer writes: {table!r}")
    with contextlib.closing(duckdb.connect()) as con:
        con.execute(db.schema_sql())
        rows = con.execute(
            "select column_name from duckdb_columns() where table_name = $table "
            "order by column_index",
            {"table": table},
        ).fetchall()
    return tuple(name for (name,) in rows)
