"""Classes: offence categories, sensitive flags, programs and exclusions of records.

The mapping's rules run in Python once per distinct combination of the rule columns'
values (few, even in a large file), and the answer is joined back to every row.
"""

from __future__ import annotations

import duckdb
import pandas as pd

from nno_dash.core.vocab import CATEGORIES, PROGRAMS
from nno_dash.ingest import (
    worktables,
)
from nno_dash.ingest.expressions import Expressions
from nno_dash.ingest.mapping import Classifier, FieldSpec, Mapping, Rule
from nno_dash.ingest.readers import quote_ident
from nno_dash.ingest.report import (
    FileReport,
)


def rules_for(
    mapping: Mapping, present: dict[str, FieldSpec], sql: Expressions
) -> dict[str, object]:
    """The rule sets this file uses: offence, sensitive, program and exclusion rules."""
    rules: dict[str, object] = {}
    if mapping.kind == "incidents":
        offence_rules = list(mapping.offences.rules) if mapping.offences else []
        direct = present.get("category")
        if direct and direct.column:
            table = {code: code for code in CATEGORIES}
            table.update({label.upper(): code for code, (label, *_) in CATEGORIES.items()})
            offence_rules.append(Rule(column=direct.column, table=tuple(table.items())))
        rules["category"] = [r for r in offence_rules if _usable(r, sql)]
        rules["sensitive"] = [r for r in mapping.sensitive if _usable(r, sql)]
    if mapping.kind == "events":
        program_rules = []
        direct = present.get("program")
        if direct and direct.column:
            table = {code: code for code in PROGRAMS}
            table.update({label.upper(): code for code, label in PROGRAMS.items()})
            program_rules.append(Rule(column=direct.column, table=tuple(table.items())))
        program_rules += list(mapping.programs.rules) if mapping.programs else []
        rules["program"] = [r for r in program_rules if _usable(r, sql)]
    rules["exclude"] = [e for e in mapping.exclude if _usable(e.rule, sql)]
    return rules


def _usable(rule: Rule, sql: Expressions) -> bool:
    return all(c in sql.columns for c in rule.source_columns())


def rule_columns(rules: object) -> list[str]:
    out: list[str] = []
    for rule in rules:  # type: ignore[attr-defined]
        rule = getattr(rule, "rule", rule)
        out.extend(rule.source_columns())
    return out


def classify(
    con: duckdb.DuckDBPyConnection,
    mapping: Mapping,
    rules: dict[str, object],
    key_columns: list[str],
    report: FileReport,
) -> None:
    keys = [f"_k{i}" for i in range(len(key_columns))]
    select = ", ".join(keys) if keys else "1 as _one"
    distinct = con.execute(f"select {select}, count(*) as n from mapped group by all").df()
    records = (
        [
            dict(zip(key_columns, values, strict=True))
            for values in distinct[keys].itertuples(index=False, name=None)
        ]
        if keys
        else [{} for _ in range(len(distinct))]
    )
    out = pd.DataFrame({k: distinct[k].astype("string") for k in keys})
    if mapping.kind == "incidents":
        offences = Classifier(tuple(rules["category"]))
        offence = [offences.classify(r) for r in records]
        sensitive_categories = set(mapping.sensitive_categories)
        out["_category"] = pd.array(offence, dtype="string")
        out["_sensitive"] = [
            (c in sensitive_categories) or any(rule.apply(r) for rule in rules["sensitive"])
            for c, r in zip(offence, records, strict=True)
        ]
    if mapping.kind == "events":
        programs = Classifier(tuple(rules["program"]))
        out["_program"] = pd.array([programs.classify(r) for r in records], dtype="string")
    out["_exclude"] = pd.array(
        [
            next((e.reason for e in rules["exclude"] if e.rule.apply(r) is not None), None)
            for r in records
        ],
        dtype="string",
    )
    con.register("_classes_frame", out)
    con.execute("create temp table classes as select * from _classes_frame")
    con.unregister("_classes_frame")
    con.execute(
        f"create or replace temp view classified as select m._row, c.* from mapped m "
        f"left join classes c on {classes_on(len(keys))}"
    )
    excluded = con.execute("select count(*) from classified where _exclude is not null").fetchall()[
        0
    ][0]
    if excluded:
        con.execute(
            "insert into issues select _row, null, 'excluded by mapping: ' || _exclude, 'error', "
            "null from classified where _exclude is not null"
        )
    unmapped_policy = mapping.offences.unmapped if mapping.offences else "other"
    if mapping.kind == "incidents":
        code_cols = [
            c
            for c in ("t_offence_code", "t_offence_description")
            if worktables.has_column(con, "mapped", c)
        ]
        code = quote_ident(code_cols[0]) if code_cols else "null"
        desc = quote_ident(code_cols[-1]) if len(code_cols) > 1 else "null"
        rows = con.execute(
            f"""
            select coalesce({code}, '') as code, coalesce({desc}, '') as description, count(*) n
            from mapped m left join classes c on {classes_on(len(keys))}
            where c._category is null
              and m._row not in (select _row from issues where severity = 'error')
            group by all order by n desc, code
            """
        ).fetchall()
        report.unmapped = [(str(c), str(d), int(n)) for c, d, n in rows]
        report.unmapped_rows = sum(n for *_, n in rows)
        if rows and unmapped_policy == "reject":
            con.execute(
                "insert into issues select _row, null, 'unmapped offence code', 'error', null "
                "from classified where _category is null"
            )
            report.notes.append("unmapped offence codes are rejected (mapping: unmapped = reject)")
    if mapping.kind == "events":
        programs_unmapped = con.execute(
            "select count(*) from classified where _program is null"
        ).fetchall()[0][0]
        policy = mapping.programs.unmapped if mapping.programs else "other"
        if programs_unmapped and policy == "reject":
            con.execute(
                "insert into issues select _row, null, 'unmapped program', 'error', null "
                "from classified where _program is null"
            )
        elif programs_unmapped:
            report.notes.append(
                f"{programs_unmapped:,} events matched no program rule: filed as 'other'"
            )


# the columns of `classes` that staging reads, by kind
CLASS_COLUMNS = {"incidents": ("_category", "_sensitive"), "events": ("_program",)}


def classes_on(keys: int) -> str:
    """The join of `mapped m` to its rows' `classes c` (on the rule key columns)."""
    return " and ".join(f"m._k{i} = c._k{i}" for i in range(keys)) or "true"
