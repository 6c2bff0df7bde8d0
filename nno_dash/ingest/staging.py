"""Staging: the rows to load, in the target table's columns, and what loading them would do.

`stage` builds table (or, in a direct import, view) `staged`; `dedupe` merges identical
repeats of an id and rejects conflicting ones; `finish` counts rows, reasons and the
would-be changes against the live table (`compare`).
"""

from __future__ import annotations

from pathlib import Path

import duckdb

from nno_dash.core.vocab import AREA_COLUMNS
from nno_dash.ingest import (
    classes,
    context,
    worktables,
)
from nno_dash.ingest.fields import FIELDS, KEYS, SQL_TYPES, TABLE_KEYS, table_columns
from nno_dash.ingest.mapping import FieldSpec, Mapping
from nno_dash.ingest.readers import quote_ident
from nno_dash.ingest.report import (
    FileReport,
)

PREVIEW_ROWS = 20


def keep_records(con: duckdb.DuckDBPyConnection, key: str) -> None:
    """Give the issues found so far their raw records, keep those of the rows whose id
    repeats (only `dedupe` files issues after this), then drop the file's text, which
    would otherwise be held through staging, the largest step.

    Table `_repeats` (`_key`, `_row`, `raw`): the rows that will be staged whose id is
    also another such row's; `dedupe` looks only at these ids.
    """
    if not worktables.has_column(con, "mapped", key):
        return
    con.execute(
        "update issues set raw = to_json(r) from raw r where issues._row = r._row "
        "and issues.raw is null"
    )
    # key comes from the fixed TABLE_KEYS allow-list
    con.execute(
        f"""
        create temp table _repeats as
        with kept as (
            select _row, {key} from mapped
            where _row not in (select _row from issues where severity = 'error')
        ), repeated as (
            select k._row, k.{key} as _key from kept k
            where k.{key} in (select {key} from kept group by all having count(*) > 1)
        )
        select p._key, p._row, to_json(r) as raw from repeated p join raw r using (_row)
        """
    )
    con.execute("drop view raw")
    for table in ("_raw0", "_bad_steps", "raw_malformed"):
        con.execute(f"drop table if exists {table}")


def stage(
    con: duckdb.DuckDBPyConnection,
    mapping: Mapping,
    present: dict[str, FieldSpec],
    key_columns: list[str],
    persist: str = "",
) -> None:
    """`staged`: the rows to load, in the target table's columns, plus `_row` (its order is
    not file order: readers sort by `_row`). A table in the staging file; with `persist`
    "temp " (a direct import) a temporary view of `mapped` and `placed` where it can be
    one, so the rows are not copied before they are inserted. Rows leave a view by
    `placed._drop`."""
    kind = mapping.kind
    columns = table_columns(kind)
    # Incidents and events: `placed` holds every row of `mapped`, with its class, joined on
    # `_row`. (Pairing the two by position kept file order, but made the insert one thread.)
    has_placed = kind in classes.CLASS_COLUMNS
    cls = "p" if has_placed else "c"  # where the class columns come from
    exprs = []
    for column in columns:
        if column in present and column not in ("lat", "lon", "category", "program"):
            exprs.append(f"m.{quote_ident(column)}")
        elif column == "occurred_on":
            exprs.append("m.occurred_at::date")
        elif column == "category":
            exprs.append(f"coalesce({cls}._category, 'other')")
        elif column == "sensitive":
            exprs.append(f"coalesce({cls}._sensitive, false)")
        elif column == "program":
            exprs.append(f"coalesce({cls}._program, 'other')")
        elif column == "source":
            exprs.append("$source")
        elif column in ("lat", "lon") or column in AREA_COLUMNS.values():
            exprs.append(f"p.{column}")
        else:
            ftype = FIELDS[kind].get(column, ("text", False))[0]
            exprs.append(f"null::{SQL_TYPES[ftype]}")
    if kind == "events" and "ends_at" in present:
        exprs[columns.index("ends_at")] = (
            "case when m.ends_at < m.starts_at then null else m.ends_at end"
        )
    rejected = "select _row from issues where severity = 'error'"
    if has_placed:
        source, where = "mapped m join placed p on p._row = m._row", "where not p._drop"
        if worktables.first_value(con, f"select count(*) from ({rejected})"):
            con.execute(f"update placed set _drop = true where _row in ({rejected})")
    else:
        # the classes by their key columns (a small table), not through the `classified`
        # view, which would join `mapped` to itself
        source = f"mapped m left join classes c on {classes.classes_on(len(key_columns))}"
        where = f"where m._row not in ({rejected})"
    selected = ", ".join(f"{e} as {quote_ident(c)}" for e, c in zip(exprs, columns, strict=True))
    # A direct import's rows go from here into the target table once: `staged` is a view
    # (of the two tables joined), not a third copy of them.
    what = "temp view" if has_placed and persist == "temp " else f"{persist}table"
    select = f"select m._row, {selected} from {source} {where}"
    if what == "temp view":
        # A view cannot take parameters: it reads the mapping's name from a session
        # variable, set with one. (A join to a one-row table, or a subquery, would make
        # DuckDB compute the whole view even for the preview's first rows.)
        con.execute("set variable import_source = $name", {"name": mapping.name})
        select = select.replace("$source", "getvariable('import_source')::varchar")
        con.execute(f"create temp view staged as {select}")
    else:
        con.execute(
            f"create {what} staged as {select}",
            {"source": mapping.name} if "source" in columns else {},
        )
    dedupe(con, kind, present)


def staged_rows(con: duckdb.DuckDBPyConnection) -> str:
    """The `_row` of each row in `staged`. The direct import's view holds `placed`'s kept
    rows, one each (see `stage`): read there, without the view's join of two tables."""
    if worktables.is_view(con, "staged"):
        return "select _row from placed where not _drop"
    return "select _row from staged"


def dedupe(con: duckdb.DuckDBPyConnection, kind: str, present: dict[str, FieldSpec]) -> None:
    """Repeated ids in `staged`: identical copies merged, conflicting versions rejected."""
    key = TABLE_KEYS[kind]
    content = ", ".join(quote_ident(c) for c in table_columns(kind) if c != key)
    # the content is hashed only for ids that repeat (usually none)
    repeated = (
        "select _key from _repeats"  # found before staging: see keep_records
        if worktables.has_table(con, "_repeats")
        else f"select {key} from staged group by {key} having count(*) > 1"
    )
    if worktables.has_table(con, "_repeats") and not worktables.first_value(
        con, "select count(*) from _repeats"
    ):
        # no id repeats: `staged` (perhaps a view) need not be read
        con.execute(
            "create temp table _dupes (_key varchar, _first bigint, n bigint, versions bigint)"
        )
        return
    con.execute(
        f"""
        create temp table _dupes as
        select {key} as _key, min(_row) as _first, count(*) as n,
               count(distinct hash({content})) as versions
        from staged
        where {key} in ({repeated})
        group by {key}
        """
    )
    if not con.execute("select count(*) from _dupes").fetchall()[0][0]:
        return
    spec = present.get(KEYS[kind])
    label = ", ".join(spec.source_columns()) if spec else key
    con.execute(
        f"""
        insert into issues
        select s._row, $label, 'duplicate id with conflicting content', 'error', null
        from staged s join _dupes d on s.{key} = d._key where d.versions > 1
        """,
        {"label": label},
    )
    dropped = f"""
        select s._row from staged s join _dupes d on s.{key} = d._key
        where d.versions > 1 or s._row <> d._first
    """
    if worktables.is_view(con, "staged"):
        con.execute(f"create temp table _dropped as {dropped}")
        con.execute("update placed set _drop = true where _row in (select _row from _dropped)")
        con.execute("drop table _dropped")
    else:
        con.execute(f"delete from staged where _row in ({dropped})")


def finish(
    con: duckdb.DuckDBPyConnection,
    kind: str,
    ctx: context.LiveContext,
    report: FileReport,
    *,
    direct: bool = False,
) -> None:
    """Counts, reasons, the full raw record on each issue, the preview and would-be changes
    (`direct`: compared with `con`'s own tables, in temp table `_cmp`, see `writing.apply`)."""
    if worktables.has_table(con, "raw"):
        con.execute(
            "update issues set raw = to_json(r) from raw r where issues._row = r._row "
            "and issues.raw is null"
        )
    if worktables.has_table(con, "_repeats"):
        con.execute(
            "update issues set raw = k.raw from _repeats k where issues._row = k._row "
            "and issues.raw is null"
        )
        con.execute("drop table _repeats")
    if direct:
        # the file's text is not read again: free it before the rows are written
        con.execute("drop view if exists raw")
        for table in ("_raw0", "_bad_steps", "raw_malformed"):
            con.execute(f"drop table if exists {table}")
    report.rejected = con.execute(
        "select count(distinct _row) from issues where severity = 'error'"
    ).fetchall()[0][0]
    report.warned = con.execute(
        "select count(distinct _row) from issues where severity = 'warning' and _row not in "
        "(select _row from issues where severity = 'error')"
    ).fetchall()[0][0]
    # by reason; a warning on a row that is rejected anyway is not counted as a warning
    for severity, target in (("error", report.reasons), ("warning", report.warnings)):
        target.update(
            dict(
                con.execute(
                    "select reason, count(distinct _row) from issues where severity = $s "
                    "and (severity = 'error' or _row not in "
                    "(select _row from issues where severity = 'error')) "
                    "group by reason order by 2 desc, reason",
                    {"s": severity},
                ).fetchall()
            )
        )
    if worktables.has_table(con, "_dupes"):
        report.duplicates = con.execute(
            "select coalesce(sum(n - 1), 0) from _dupes where versions = 1"
        ).fetchall()[0][0]
    # the first rows by `_row`, found without the view's join; then only their stretch of
    # `_row` is read (zone maps skip the rest of both tables)
    first = con.execute(
        f"select min(_row), max(_row) from ({staged_rows(con)} order by _row limit $n)",
        {"n": PREVIEW_ROWS},
    ).fetchall()[0]
    preview = con.execute(
        "select * from staged where _row between $lo and $hi order by _row",
        {"lo": first[0], "hi": first[1]},
    ).df()
    report.preview = preview.drop(
        columns=[c for c in ("geometry", "geometry_display") if c in preview.columns]
    )
    table = "areas" if kind == "areas" else kind
    if direct:
        inserted, updated, unchanged = compare_here(con, table)
    else:
        inserted, updated, unchanged = compare(
            con, table, population_only(con, kind), live=ctx.live
        )
    report.inserted, report.updated, report.unchanged = inserted, updated, unchanged


def _is_boundaries(con: duckdb.DuckDBPyConnection) -> bool:
    return worktables.has_column(con, "staged", "geometry")


def population_only(con: duckdb.DuckDBPyConnection, kind: str) -> bool:
    return kind == "areas" and not _is_boundaries(con)


def compare_sql(table: str, staged: str, target: str, population_only: bool) -> str:
    key = TABLE_KEYS[table]
    if population_only:
        changes = (
            "coalesce(s.population, t.population) is distinct from t.population "
            "or coalesce(s.name, t.name) is distinct from t.name"
        )
    else:
        keep = {"population"} if table == "areas" else set()
        changes = " or ".join(
            f"coalesce(s.{c}, t.{c}) is distinct from t.{c}"
            if c in keep
            else f"s.{c} is distinct from t.{c}"
            for c in table_columns(table)
            if c != key
        )
    # table, key and columns come from the fixed TABLE_COLUMNS allow-list
    return f"""
        select s.{key} as _key, t.{key} is null as _new,
               t.{key} is not null and ({changes}) as _changed
        from {staged} s left join {target} t on t.{key} = s.{key}
    """


def compare(
    con: duckdb.DuckDBPyConnection, table: str, population_only: bool, *, live: Path | None
) -> tuple[int, int, int]:
    """(new, changed, unchanged) rows of `staged` against the live database's table."""
    total = con.execute("select count(*) from staged").fetchall()[0][0]
    if live is None or not live.exists():
        return (0 if population_only else total), 0, 0
    con.execute("attach $path as live (read_only)", {"path": str(live)})
    try:
        exists = con.execute(
            "select count(*) from duckdb_tables() where database_name = 'live' and table_name = $t",
            {"t": table},
        ).fetchall()[0][0]
        if not exists:
            return (0 if population_only else total), 0, 0
        new, changed = con.execute(
            "select count(*) filter (where _new), count(*) filter (where _changed) from ("
            + compare_sql(table, "staged", f"live.{table}", population_only)
            + ")"
        ).fetchall()[0]
    finally:
        con.execute("detach live")
    if population_only:
        return 0, changed, total - new - changed
    return new, changed, total - new - changed


def compare_here(con: duckdb.DuckDBPyConnection, table: str) -> tuple[int, int, int]:
    """(new, changed, unchanged) rows of `staged` against `con`'s own table (a direct
    import's write session), kept in temp table `_cmp` for `writing.apply`; no `_cmp` when the
    table is empty (a first import): every row is new."""
    if not worktables.first_value(con, f"select count(*) from (select 1 from {table} limit 1)"):
        return worktables.first_value(con, f"select count(*) from ({staged_rows(con)})"), 0, 0
    con.execute("create temp table _cmp as " + compare_sql(table, "staged", table, False))
    new, changed, total = con.execute(
        "select count(*) filter (where _new), count(*) filter (where _changed), count(*) from _cmp"
    ).fetchall()[0]
    return new, changed, total - new - changed
