"""Writing whole pandas frames into the schema's tables, for writers that build rows in memory.

Table names cannot be SQL parameters, so each table a frame may go into has its own fixed
statement; columns are matched by name, so a frame may list them in any order.
"""

from __future__ import annotations

import duckdb
import pandas as pd

_INSERTS = {
    "areas": "insert into areas by name select * from _frame",
    "events": "insert into events by name select * from _frame",
    "attendance": "insert into attendance by name select * from _frame",
    "attendance_home_areas": "insert into attendance_home_areas by name select * from _frame",
}

# Incidents from a generator carry no agency ids: they are numbered here, the incident id
# in `seq` order and a Chicago-style case number (J + a letter for the report year + six
# digits) counting up within each report year.
_INSERT_NUMBERED_INCIDENTS = """
insert into incidents by name
select
    printf($id_format, seq) as incident_id,
    'J' || chr(65 + (((year(reported_at) - 2018) % 26 + 26) % 26)::integer)
        || printf('%06d', 100000 + row_number() over (
            partition by year(reported_at) order by reported_at, seq)) as case_number,
    occurred_at::timestamp as occurred_at,
    occurred_at::date as occurred_on,
    reported_at::timestamp as reported_at,
    offence_code::varchar as offence_code,
    offence_description::varchar as offence_description,
    category::varchar as category,
    sensitive,
    block_address::varchar as block_address,
    lat, lon, neighbourhood_id, beat_id, district_id, council_district_id,
    $source as source
from _frame
order by seq
"""


def _insert(con: duckdb.DuckDBPyConnection, sql: str, frame: pd.DataFrame, **params) -> None:
    con.register("_frame", frame)
    try:
        con.execute(sql, params or None)
    finally:
        con.unregister("_frame")


def insert_frame(con: duckdb.DuckDBPyConnection, table: str, frame: pd.DataFrame) -> None:
    """Append a frame's rows to one of the tables in _INSERTS, its columns matched by name."""
    if table not in _INSERTS:
        raise ValueError(f"no frame insert for table {table!r}; known: {', '.join(_INSERTS)}")
    _insert(con, _INSERTS[table], frame)


def insert_numbered_incidents(
    con: duckdb.DuckDBPyConnection, incidents: pd.DataFrame, *, id_prefix: str, source: str
) -> None:
    """Append incidents that have no ids yet, numbered in `seq` order as "{id_prefix}-000001".

    The frame holds `seq` (1, 2, ...), occurred_at, reported_at, the offence columns,
    sensitive, block_address, lat, lon and the area id columns; the number has at least
    six digits, more when there are a million incidents or more.
    """
    width = max(6, len(str(len(incidents))))
    id_format = f"{id_prefix.replace('%', '%%')}-%0{width}d"
    _insert(con, _INSERT_NUMBERED_INCIDENTS, incidents, id_format=id_format, source=source)
