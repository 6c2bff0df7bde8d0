"""Records: incidents, events and attendance rows checked, typed and classified.

Every mapped field is read as text over the file's columns (`Expressions`), then typed;
a row that cannot be used is filed in `issues` with its column and reason. Classes come
from `classes`, places from `placing`, and `staging` makes the rows to load.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

import duckdb
import pandas as pd

from nno_dash.ingest import (
    classes,
    context,
    placing,
    readers,
    staging,
    worktables,
)
from nno_dash.ingest.expressions import Expressions, cast_field
from nno_dash.ingest.fields import FIELDS, KEYS, TABLE_KEYS
from nno_dash.ingest.mapping import FieldSpec, Mapping, resolve_columns
from nno_dash.ingest.readers import quote_ident
from nno_dash.ingest.report import (
    FileReport,
    ImportFileError,
    report_progress,
    step,
)
from nno_dash.ingest.suggest import guess_kind


def find_columns(
    path: Path, mapping: Mapping, header: list[str], report: FileReport
) -> dict[str, str]:
    """The mapping's columns as spelled in the file; a missing required one fails the file."""
    used = mapping.columns_used()
    found, missing = resolve_columns(used, header)
    required = mapping.required_columns()
    lost = [c for c in missing if c in required]
    if lost:
        guessed, scores = guess_kind(header)
        hint = ""
        if guessed != mapping.kind and scores.get(guessed, 0) > scores.get(mapping.kind, 0):
            hint = f"; it looks like {guessed} data, not {mapping.kind}"
        names = ", ".join(f"{c!r} (for {required[c]})" for c in lost)
        plural = "columns" if len(lost) > 1 else "column"
        raise ImportFileError(
            f"{path.name}: missing required {plural} {names} for mapping {mapping.name}{hint}"
        )
    for column in missing:
        report.notes.append(f"column {column!r} (for {used[column]}) is not in the file: skipped")
    return found


def prepare_records(check: context.FileCheck, persist: str = "") -> None:
    con, path, mapping = check.con, check.path, check.mapping
    ctx, report, progress = check.ctx, check.report, check.progress
    kind = mapping.kind
    with step("read"):
        read = readers.read_table(con, path, options=mapping.read, progress=progress)
    report.rows_read = read.rows + read.malformed
    report.notes.extend(read.notes)
    con.execute(
        "insert into issues select _row, column_name, reason, 'error', raw from raw_malformed"
    )
    found = find_columns(path, mapping, read.columns, report)
    with step("clean columns"):
        sql = Expressions(found, clean_columns(con, found.values()))
    report_progress(progress, "checking", None)

    # 1. every mapped field as text, area codes, projected x/y and the rules' key columns
    texts = ["_row"]
    present: dict[str, FieldSpec] = {}
    for name, spec in mapping.fields.items():
        if sql.has(spec):
            present[name] = spec
            texts.append(
                f"{sql.text(spec, collapse=name != KEYS[kind])} as {quote_ident('t_' + name)}"
            )
    codes: dict[str, FieldSpec] = {k: s for k, s in mapping.area_codes.items() if sql.has(s)}
    for area_kind, spec in codes.items():
        texts.append(f"{sql.text(spec)} as {quote_ident('code_' + area_kind)}")
    has_xy = bool(mapping.x and mapping.y and sql.has(mapping.x) and sql.has(mapping.y))
    if has_xy:
        texts.append(f"try_cast({sql.text(mapping.x)} as double) as _x")
        texts.append(f"try_cast({sql.text(mapping.y)} as double) as _y")
    rules = classes.rules_for(mapping, present, sql)
    key_columns = list(
        dict.fromkeys(c for rule in rules.values() for c in classes.rule_columns(rule))
    )
    key_columns = [c for c in key_columns if c in sql.columns]
    for i, column in enumerate(key_columns):
        texts.append(f"{sql.key(column)} as _k{i}")

    typed, aliases = ["*"], []
    copies = ""
    key_field = KEYS[kind]
    for name in present:
        text_col = quote_ident("t_" + name)
        if name == key_field and present[name].hash and present[name].repeats == "keep":
            prefix = sql.param(present[name].prefix)
            # identical rows get the same content hash: number them -2, -3... in file order
            typed.append(
                f"{prefix} || substr({text_col}, 1, 16) || case when _copy > 1 "
                f"then '-' || _copy else '' end as {quote_ident(name)}"
            )
            copies = f", row_number() over (partition by {text_col} order by _row) as _copy"
        elif name == key_field and present[name].hash:
            prefix = sql.param(present[name].prefix)
            typed.append(f"{prefix} || substr({text_col}, 1, 16) as {quote_ident(name)}")
        else:
            expr = cast_field(sql, kind, name, text_col, mapping)
            # a text field is its text column: named in the view, not stored twice
            (aliases if expr == text_col else typed).append(f"{expr} as {quote_ident(name)}")
    with step("map fields"):
        con.execute(
            f"create temp table _mapped as select {', '.join(typed)} from "
            f"(select *{copies} from (select {', '.join(texts)} from raw))",
            sql.params,
        )
        con.execute(f"create temp view mapped as select {', '.join(['*', *aliases])} from _mapped")
    checks = step("check fields")
    checks.__enter__()

    # 2. rows that cannot be used
    for name, (ftype, required) in FIELDS[kind].items():
        spec = present.get(name)
        if spec is None:
            if required:
                raise ImportFileError(f"{path.name}: no column for required field {name}")
            continue
        label = sql.label(spec)
        t, v = quote_ident("t_" + name), quote_ident(name)
        if required:
            what = "id" if name == key_field else name.replace("_", " ")
            if ftype == "timestamp":
                what = "date"
            worktables.file_issues(con, "mapped", f"{t} is null", label, f"missing {what}")
        if ftype == "timestamp":
            worktables.file_issues(
                con, "mapped", f"{t} is not null and {v} is null", label, "unparseable date"
            )
            worktables.file_issues(
                con,
                "mapped",
                f"{v} is not null and (year({v}) < 1900 or year({v}) > 2100)",
                label,
                "date out of range (before 1900 or after 2100)",
            )
        elif ftype == "int":
            number = f"try_cast(replace({t}, ',', '') as double)"
            worktables.file_issues(
                con,
                "mapped",
                f"{t} is not null and {v} is null and {number} is null",
                label,
                "not a number",
            )
            worktables.file_issues(
                con,
                "mapped",
                f"{t} is not null and {v} is null and {number} is not null",
                label,
                "not a whole number",
            )
            worktables.file_issues(con, "mapped", f"{v} < 0", label, "negative count")
        elif ftype == "double" and name not in ("lat", "lon"):
            worktables.file_issues(
                con, "mapped", f"{t} is not null and {v} is null", label, "not a number"
            )
            if name.startswith("trust"):
                worktables.file_issues(
                    con, "mapped", f"{v} < 1 or {v} > 5", label, "trust score outside 1-5"
                )
    if kind == "events" and "ends_at" in present:
        worktables.file_issues(
            con,
            "mapped",
            "ends_at < starts_at",
            sql.label(present["ends_at"]),
            "ends before it starts; end time dropped",
            warning=True,
        )
    if kind == "attendance":
        known = ctx.event_ids if ctx.event_ids is not None else pd.DataFrame({"event_id": []})
        con.register("_known_events", known.astype({"event_id": "string"}))
        worktables.file_issues(
            con,
            "mapped",
            "event_id not in (select event_id from _known_events)",
            sql.label(present["event_id"]),
            "unknown event id (import the events first)",
        )

    checks.__exit__(None, None, None)

    # 3. offence categories, programs, sensitive flags and exclusions: decided once per
    #    distinct combination of the rule columns, in Python, then joined back
    with step("classify"):
        classes.classify(con, mapping, rules, key_columns, report)

    # 4. places, then the rows ready to load
    if kind in ("incidents", "events"):
        with step("place"):
            placing.place(
                con, mapping, ctx, codes, has_xy, sql, present, report, progress, key_columns
            )
    with step("drop the file's text"):
        staging.keep_records(con, TABLE_KEYS[kind])
    with step("stage and dedupe"):
        staging.stage(con, mapping, present, key_columns, persist)
    # only `issues`, `staged` and the records kept for repeated ids are read from here on
    # (and, when `staged` is a view, what it reads: `mapped` and `placed`)
    con.execute("drop view if exists classified")
    kept = ("placed", "_mapped") if worktables.is_view(con, "staged") else ()
    if not kept:
        con.execute("drop view if exists mapped")
    for table in ("placed", "pip", "_points", "_mapped"):
        if table not in kept:
            con.execute(f"drop table if exists {table}")


def clean_columns(con: duckdb.DuckDBPyConnection, columns: Iterable[str]) -> list[str]:
    """The columns of `raw` that trimming and collapsing blanks would leave as they are.

    One scan with cheap tests instead of trim() and four contains() on every value of
    every column: a column passes when no value starts or ends with a space, holds a
    run of spaces, a tab or a line break, or any non-ASCII character (trim() also strips
    Unicode spaces; such columns simply keep the full treatment).

    Most files are clean throughout, so the tests first run once per row, on the row's
    values joined by a unit separator (a value's leading space follows a separator, its
    trailing one precedes one), about half the work of testing every column.
    Only when that finds something are the columns tested one by one. A separator inside
    a value can only make a clean row look dirty, which costs the second scan, never a
    wrong answer.
    """
    columns = list(dict.fromkeys(columns))
    if not columns:
        return []

    def dirty(value: str, separated: bool = False) -> str:
        starts = f"contains({value}, chr(31) || ' ')" if separated else f"starts_with({value}, ' ')"
        ends = f"contains({value}, ' ' || chr(31))" if separated else f"ends_with({value}, ' ')"
        return (
            f"coalesce(bool_or({starts} or {ends} "
            f"or contains({value}, '  ') or contains({value}, chr(9)) "
            f"or contains({value}, chr(10)) or contains({value}, chr(13)) "
            f"or strlen({value}) <> length({value})), false)"
        )

    values = ", chr(31), ".join(f"coalesce({quote_ident(c)}, '')" for c in columns)
    row = f"concat(chr(31), {values}, chr(31))"
    if not con.execute(f"select {dirty(row, separated=True)} from raw").fetchall()[0][0]:
        return columns
    tests = ", ".join(dirty(quote_ident(column)) for column in columns)
    flags = con.execute(f"select {tests} from raw").fetchall()[0]
    return [column for column, unclean in zip(columns, flags, strict=True) if not unclean]
