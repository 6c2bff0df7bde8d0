"""Expressions: a mapping's fields as SQL over one file's text columns.

Column names come from the file's header, checked and quoted (`quote_ident`); every value
a mapping gives (fixed values, patterns, formats, time zones) goes in as a parameter.
"""

from __future__ import annotations

from collections.abc import Iterable

from nno_dash.ingest.fields import FIELDS
from nno_dash.ingest.mapping import FieldSpec, Mapping
from nno_dash.ingest.readers import quote_ident


class Expressions:
    """Builds SQL expressions for a mapping over one file's columns; values go in params."""

    def __init__(self, columns: dict[str, str], clean: Iterable[str] = ()) -> None:
        self.columns = columns  # mapping's name -> header spelling (only columns present)
        self.params: dict[str, object] = {}
        # header columns with no blanks to trim or collapse (see records.clean_columns)
        self.clean = frozenset(clean)

    def is_clean(self, name: str) -> bool:
        return self.columns.get(name) in self.clean

    def param(self, value: object) -> str:
        name = f"p{len(self.params)}"
        self.params[name] = value
        return f"${name}"

    def has(self, spec: FieldSpec) -> bool:
        return all(c in self.columns for c in spec.source_columns())

    def label(self, spec: FieldSpec) -> str:
        """The file's columns a field comes from, as its rejects name them."""
        columns = [self.columns.get(c, c) for c in spec.source_columns()]
        if spec.hash:
            return "id from " + ", ".join(columns)
        return ", ".join(columns) or "(fixed value)"

    def col(self, name: str) -> str:
        if self.is_clean(name):
            return f"nullif({quote_ident(self.columns[name])}, '')"
        return f"nullif(trim({quote_ident(self.columns[name])}), '')"

    def key(self, name: str) -> str:
        """A rule column as the rules see it: blanks collapsed, upper case, '' when missing."""
        expr = self.col(name) if self.is_clean(name) else self.collapse(self.col(name))
        return f"coalesce(upper({expr}), '')"

    @staticmethod
    def collapse(expr: str) -> str:
        """Line breaks and runs of blanks as one space; the test is cheaper than the fix."""
        needs = " or ".join(
            f"contains({expr}, {c})" for c in ("'  '", "chr(10)", "chr(13)", "chr(9)")
        )
        return rf"case when {needs} then regexp_replace({expr}, '\s+', ' ', 'g') else {expr} end"

    def text(self, spec: FieldSpec, *, collapse: bool = True) -> str:
        if spec.value is not None:
            expr = self.param(spec.value)
        elif spec.hash:
            parts = ", ".join(f"coalesce({self.col(c)}, chr(0))" for c in spec.hash)
            return f"md5(concat_ws(chr(31), {parts}))"
        elif spec.columns:
            parts = ", ".join(self.col(c) for c in spec.columns)
            expr = f"nullif(concat_ws({self.param(spec.sep)}, {parts}), '')"
        else:
            expr = self.col(spec.column)
        if collapse and spec.value is None and not (spec.column and self.is_clean(spec.column)):
            expr = self.collapse(expr)
        if spec.regex:
            found = ", ".join(
                f"nullif(regexp_extract({expr}, {self.param(p)}, 1), '')" for p in spec.regex
            )
            expr = f"coalesce({found})"
        if spec.format in ("int", "pad"):
            # "009" -> "9", "9.0" -> "9"; anything not a whole number stays as it is
            number = f"try_cast({expr} as double)"
            as_int = (
                f"case when {number} >= 0 and {number} < 1e15 and {number} = trunc({number}) "
                f"then {number}::bigint::varchar end"
            )
            if spec.format == "pad":
                width = self.param(spec.width)
                as_int = f"lpad({as_int}, greatest({width}, length({as_int}))::integer, '0')"
            expr = f"coalesce({as_int}, {expr})"
        if spec.case == "upper":
            expr = f"upper({expr})"
        elif spec.case == "lower":
            expr = f"lower({expr})"
        elif spec.case == "title":
            expr = (
                f"array_to_string(list_transform(string_split(lower({expr}), ' '), "
                f"lambda w: upper(w[1]) || w[2:]), ' ')"
            )
        if spec.template is not None:
            expr = f"replace({self.param(spec.template)}, '{{}}', {expr})"
        if spec.prefix:
            expr = f"{self.param(spec.prefix)} || {expr}"
        return expr

    def timestamp(self, text: str, mapping: Mapping) -> str:
        local = mapping.timezone
        # "...T15:00:00Z", "... 10:00:00-05:00": a cheap test first, the pattern second
        maybe = (
            f"(ends_with({text}, 'Z') or contains(substr({text}, 12), '+') "
            f"or contains(substr({text}, 12), '-'))"
        )
        with_offset = (
            rf"({maybe} and regexp_matches({text}, "
            rf"'\d:\d\d(:\d\d(\.\d+)?)?\s*(Z|[+-]\d\d(:?\d\d)?)$'))"
        )
        offset_value = (
            f"timezone({self.param(local)}, try_cast({text} as timestamptz))"
            if local
            else f"try_cast({text} as timestamp)"
        )
        plain = f"try_cast({text} as timestamp)"
        if not local and not mapping.time_formats:
            return plain  # an offset would be read the same way: no need to look for one
        if mapping.time_formats:
            plain = (
                f"coalesce(try_strptime({text}, {self.param(list(mapping.time_formats))}), {plain})"
            )
        if mapping.source_timezone and local and mapping.source_timezone != local:
            plain = (
                f"timezone({self.param(local)}, timezone({self.param(mapping.source_timezone)}, "
                f"{plain}))"
            )
        return f"case when {with_offset} then {offset_value} else {plain} end"


def cast_field(sql: Expressions, kind: str, name: str, text_col: str, mapping: Mapping) -> str:
    ftype = FIELDS[kind][name][0]
    if ftype == "timestamp":
        return sql.timestamp(text_col, mapping)
    if ftype == "double":
        return f"try_cast({text_col} as double)"
    if ftype == "int":
        number = f"try_cast(replace({text_col}, ',', '') as double)"
        return f"case when {number} = floor({number}) then {number}::bigint end"
    return text_col
