"""Work tables: the `issues` table every check files rows in, and small questions about
the work database (is there such a table, view or column). SQL text here is ours."""

from __future__ import annotations

import duckdb

from nno_dash.ingest.report import (
    WARNING,
)


def file_issues(
    con: duckdb.DuckDBPyConnection,
    source: str,
    condition: str,
    column: str,
    reason: str,
    params: dict | None = None,
    *,
    warning: bool = False,
) -> None:
    """File every row of `source` meeting `condition` under `reason` (SQL text is ours)."""
    con.execute(
        f"insert into issues select _row, $column, $reason, $severity, null "
        f"from {source} where {condition}",
        {
            **(params or {}),
            "column": column,
            "reason": (WARNING + reason) if warning else reason,
            "severity": "warning" if warning else "error",
        },
    )


def has_column(con: duckdb.DuckDBPyConnection, table: str, column: str) -> bool:
    return any(r[0] == column for r in con.execute(f"describe {table}").fetchall())


def has_table(con: duckdb.DuckDBPyConnection, name: str) -> bool:
    return bool(
        con.execute(
            "select count(*) from information_schema.tables where table_name = $name",
            {"name": name},
        ).fetchall()[0][0]
    )


def is_view(con: duckdb.DuckDBPyConnection, name: str) -> bool:
    found = con.execute(
        "select count(*) from duckdb_views() where view_name = $name", {"name": name}
    ).fetchall()
    return bool(found[0][0])


def first_value(con: duckdb.DuckDBPyConnection, sql: str) -> object:
    return con.execute(sql).fetchall()[0][0]
