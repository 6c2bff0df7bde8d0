"""What every query module shares: `run` (SQL with named parameters) and the fixed fragments
of the optional filters.

Incident counts come from the `incident_daily` pre-aggregate, so their cost does not grow
with the incident table; event questions read `event_facts` (events with their attendance),
so none joins. The fragments hold no user values: those are always parameters.
"""

from __future__ import annotations

import re

import duckdb
import pandas as pd

from nno_dash.core.filters import Filters
from nno_dash.core.vocab import AREA_COLUMNS

Con = duckdb.DuckDBPyConnection

# Fixed SQL fragments (no user values): the optional filters, inside the SQL.
AREA_SELECTED = "(len($area_ids::varchar[]) = 0 or list_contains($area_ids::varchar[], {col}))"
CATEGORY_SELECTED = (
    "(len($categories::varchar[]) = 0 or list_contains($categories::varchar[], {col}))"
)
PROGRAM_SELECTED = "(len($programs::varchar[]) = 0 or list_contains($programs::varchar[], {col}))"

# Daily counts in the period, areas and categories. $counts_kind: the city's rows unless
# areas are chosen (Filters.counts_kind); a question split by area reads $area_kind's rows.
INCIDENTS_WHERE = f"""
    d.kind = $counts_kind and d.occurred_on between $start and $end
    and {AREA_SELECTED.format(col="d.area_id")}
    and {CATEGORY_SELECTED.format(col="d.category")}
"""


def area_column(kind: str, table: str = "e") -> str:
    """The area column of a kind in the events (`e`) or incidents (`i`) table, named from the
    fixed list of kinds (never from the value): a `case $area_kind when ...` made DuckDB plan
    every question longer."""
    if kind not in AREA_COLUMNS:
        raise ValueError(f"unknown area kind {kind!r}")
    return f"{table}.{AREA_COLUMNS[kind]}"


def events_where(kind: str) -> str:
    """Events in the period, in the chosen areas (of `kind`) and programs."""
    return f"""
    e.starts_at >= $start and e.starts_at < $end + interval 1 day
    and {AREA_SELECTED.format(col=area_column(kind))}
    and {PROGRAM_SELECTED.format(col="e.program")}
"""


def run(con: Con, sql: str, params: dict[str, object]) -> pd.DataFrame:
    """Run with the parameters the SQL names (DuckDB refuses unused ones)."""
    used = set(re.findall(r"\$(\w+)", sql))
    return con.execute(sql, {k: v for k, v in params.items() if k in used}).df()


def with_previous(filters: Filters) -> dict[str, object]:
    """The filters' parameters plus the same period a year earlier ($pstart, $pend)."""
    prev = filters.previous_year()
    return {**filters.params(), "pstart": prev.start, "pend": prev.end}
