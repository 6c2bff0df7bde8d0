"""Privacy: what may leave the app. Every export passes through here.

Pages only ever receive aggregates (see queries.py); this module makes what is published
safe: tables (on screen, CSV) and figures (PNG, SVG). Nothing leaves without `protect`,
and the export module accepts only the `SafeTable` it returns.

- Columns that could identify an incident or place it more precisely than its area are
  refused outright (`PrivacyError`): ids, case numbers, addresses, coordinates, exact times.
  Offence codes alone are not a safe filter (Dallas, 2016: sexual-assault complainants'
  addresses were published because the cases were coded as other offences), so the rule is
  on the shape of what leaves, not on which offences are in it.
- Counts from 1 to threshold-1 are suppressed and shown as "<3" (zero stays zero: "none"
  reveals no one). The threshold is settings.suppression_threshold: 3, or higher.
- Secondary suppression: where a published total would let a reader subtract the other
  cells and recover a suppressed one, the smallest other non-zero cell in that total is
  withheld too. Rates and means computed from a suppressed count are withheld with it.
- Figures: any small count a chart draws is blanked, point coordinates are rounded to about
  a block, and density layers (which are made from points) are refused.
"""

from __future__ import annotations

import base64
import copy
import math
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd
import plotly.graph_objects as go

MIN_THRESHOLD = 3
# Never exported, whatever a chart asks for.
FORBIDDEN_COLUMNS = frozenset(
    {
        "incident_id",
        "case_number",
        "case_no",
        "report_number",
        "block_address",
        "address",
        "street_address",
        "lat",
        "lon",
        "lng",
        "latitude",
        "longitude",
        "x_coordinate",
        "y_coordinate",
        "occurred_at",
        "reported_at",
        "offence_description",
        "sensitive",
    }
)
# The same things under other spellings: "Case Number", "centroid_lat", "incidentID".
FORBIDDEN_PATTERNS = (
    re.compile(r"(^|_)(lat|lon|lng|latitude|longitude)$"),
    re.compile(r"case_?(number|no|num|id)"),
    re.compile(r"incident_?id"),
    re.compile(r"(^|_)(address|addr)$"),
)

# Columns that hold counts of incidents or people, suppressed even if a caller forgets to
# name them: a new chart cannot publish a small count by leaving `counts=` out.
KNOWN_COUNTS = frozenset(
    {
        "incidents",
        "incidents_prev",
        "events",
        "events_prev",
        "attendance",
        "attendance_prev",
        "headcount",
        "residents_attending",
        "youth",
        "survey_n",
        "areas_reached",
        "areas_reached_prev",
    }
)
# value column -> the counts it is computed from; withheld when any of them is.
DERIVED: dict[str, tuple[str, ...]] = {
    "incident_rate": ("incidents",),
    "incident_rate_prev": ("incidents_prev",),
    "event_rate": ("events",),
    "attendance_rate": ("attendance",),
    "incident_change_pct": ("incidents", "incidents_prev"),
    "events_change_pct": ("events", "events_prev"),
    "attendance_change_pct": ("attendance", "attendance_prev"),
    "trust_before": ("survey_n",),
    "trust_after": ("survey_n",),
}
WITHHELD = "withheld"
# Point coordinates in an exported figure: 3 decimals is about 110 m, a city block.
EXPORT_COORD_DECIMALS = 3
POINT_TRACES = frozenset({"scattermap", "scattermapbox", "scattergeo"})
DENSITY_TRACES = frozenset({"densitymap", "densitymapbox"})


class PrivacyError(ValueError):
    """An export asked for something that must never leave the app."""


def check_threshold(threshold: int) -> int:
    if threshold < MIN_THRESHOLD:
        raise PrivacyError("the suppression threshold may be raised above 3, never lowered")
    return threshold


def _normal(name: object) -> str:
    text = re.sub(r"([a-z])([A-Z])", r"\1_\2", str(name)).strip().lower()
    return re.sub(r"[^a-z0-9]+", "_", text).strip("_")


def forbidden_columns(columns: Iterable[object]) -> list[str]:
    """The columns in `columns` that may never be exported."""
    bad = []
    for column in columns:
        name = _normal(column)
        if name in FORBIDDEN_COLUMNS or any(p.search(name) for p in FORBIDDEN_PATTERNS):
            bad.append(str(column))
    return bad


def refuse_identifying(columns: Iterable[object]) -> None:
    bad = forbidden_columns(columns)
    if bad:
        raise PrivacyError(f"refusing to export identifying columns: {', '.join(sorted(bad))}")


@dataclass(frozen=True)
class SafeTable:
    """A table fit to publish, made only by `protect`.

    `published`: what a CSV or table shows ("<3" and "withheld" as text).
    `drawn`: the same numbers for a chart, with every hidden cell missing (NaN).
    `hidden_values`: the values withheld by secondary suppression (blanked in figures too).
    """

    published: pd.DataFrame
    drawn: pd.DataFrame
    threshold: int
    count_columns: tuple[str, ...]
    primary: int
    secondary: int
    derived: int
    hidden_values: frozenset[int]

    @property
    def any_hidden(self) -> bool:
        return bool(self.primary or self.secondary or self.derived)

    def display(self) -> pd.DataFrame:
        """`published` for a table widget: a column that mixes numbers with "<3" or
        "withheld" becomes text throughout, since Arrow needs one type per column."""
        out = self.published.copy()
        for column in out.columns:
            values = out[column]
            if values.dtype == object and values.map(type).nunique() > 1:
                out[column] = values.map(
                    lambda v: "" if pd.isna(v) else f"{v:,.4g}" if isinstance(v, float) else str(v)
                )
        return out

    def csv(self, columns: Mapping[str, str] | None = None) -> bytes:
        """The published table as UTF-8 CSV, with human column names if given."""
        frame = self.published.rename(columns=dict(columns or {}))
        return frame.to_csv(index=False).encode("utf-8")

    def explain(self) -> str:
        """What was suppressed here and why, in a sentence or two (English)."""
        if not self.any_hidden:
            return f"No count in this table was under {self.threshold}; nothing was suppressed."
        parts = []
        if self.primary:
            parts.append(
                f'{self.primary} count(s) under {self.threshold} are shown as "<{self.threshold}"'
            )
        if self.secondary:
            parts.append(
                f"{self.secondary} further count(s) are {WITHHELD} so that a total cannot "
                "reveal a suppressed one"
            )
        if self.derived:
            parts.append(f"{self.derived} rate(s) or mean(s) computed from them are {WITHHELD}")
        return "; ".join(parts) + "."


def _is_count_like(series: pd.Series) -> bool:
    return pd.api.types.is_numeric_dtype(series) and not pd.api.types.is_bool_dtype(series)


def _dimensions(frame: pd.DataFrame, value_columns: set[str]) -> list[str]:
    """Columns that label rows (categories, periods): each defines a set of subtotals."""
    return [
        c
        for c in frame.columns
        if c not in value_columns and not pd.api.types.is_float_dtype(frame[c])
    ]


def _subtotal_rows(key: pd.Series | None, n: int) -> list[np.ndarray]:
    """Row positions of each subtotal over `key` (None: the grand total) that has two or more
    rows, in order of first appearance; a subtotal of one row reveals nothing more."""
    if key is None:
        return [np.arange(n)] if n >= 2 else []
    codes, _ = pd.factorize(key, use_na_sentinel=False)  # a missing key is a group too
    order = np.argsort(codes, kind="stable")
    groups = np.split(order, np.flatnonzero(np.diff(codes[order])) + 1)
    return [rows for rows in groups if len(rows) >= 2]


def _secondary(
    values: pd.DataFrame, hidden: pd.DataFrame, groups: list[pd.Series | None]
) -> pd.DataFrame:
    """Withhold more cells until no subtotal holds exactly one hidden non-zero cell.

    In each such subtotal the smallest other non-zero cell is withheld too (the first of
    equals), column by column, until nothing changes. On arrays: the pandas version of
    this loop was a tenth of Home's rerun.
    """
    counts = values.to_numpy(dtype=float)
    primary = hidden.to_numpy(dtype=bool)
    secondary = np.zeros_like(primary)
    subtotals = [rows for key in groups for rows in _subtotal_rows(key, len(values))]
    changed = True
    while changed:
        changed = False
        for column in range(counts.shape[1]):
            col_hidden = primary[:, column] | secondary[:, column]
            for rows in subtotals:
                if int(col_hidden[rows].sum()) != 1:
                    continue
                candidates = rows[~col_hidden[rows] & (counts[rows, column] > 0)]
                if not len(candidates):
                    continue
                smallest = candidates[np.argmin(counts[candidates, column])]
                secondary[smallest, column] = col_hidden[smallest] = True
                changed = True
    return pd.DataFrame(secondary, index=values.index, columns=values.columns)


def protect(
    frame: pd.DataFrame,
    counts: Iterable[str] = (),
    threshold: int = MIN_THRESHOLD,
    *,
    secondary: bool = True,
    derived: Mapping[str, Sequence[str]] | None = None,
    totals_by: Sequence[str] | None = None,
    withheld: str = WITHHELD,
) -> SafeTable:
    """Make `frame` safe to publish; see the module docstring for the rules.

    `counts` adds to the count columns found by name (KNOWN_COUNTS). `totals_by` lists
    the columns whose subtotals might be published (default: every non-float column that
    is not a count, plus the grand total). `derived` adds value -> source-count links.
    """
    check_threshold(threshold)
    refuse_identifying(frame.columns)
    frame = frame.reset_index(drop=True)
    count_cols = [
        c
        for c in dict.fromkeys([*counts, *sorted(KNOWN_COUNTS)])
        if c in frame.columns and _is_count_like(frame[c])
    ]
    links = {**DERIVED, **dict(derived or {})}
    derived_cols = [
        c for c, src in links.items() if c in frame.columns and any(s in count_cols for s in src)
    ]
    values = frame[count_cols].apply(pd.to_numeric, errors="coerce").astype("float64")
    primary = values.notna() & values.gt(0) & values.lt(threshold)
    second = pd.DataFrame(False, index=values.index, columns=values.columns)
    if secondary and count_cols:
        dims = (
            list(totals_by)
            if totals_by is not None
            else _dimensions(frame, {*count_cols, *derived_cols})
        )
        groups: list[pd.Series | None] = [None, *(frame[d].astype("string") for d in dims)]
        second = _secondary(values, primary, groups)
    hidden = primary | second

    published = frame.copy()
    drawn = frame.copy()
    for column in count_cols:
        if not hidden[column].any():
            continue
        text = values[column].astype("Int64").astype("string")
        text = text.where(~primary[column], f"<{threshold}")
        text = text.where(~second[column], withheld)
        published[column] = text
        drawn[column] = values[column].where(~hidden[column])
    n_derived = 0
    for column in derived_cols:
        sources = [s for s in links[column] if s in count_cols]
        mask = hidden[sources].any(axis=1) & frame[column].notna()
        if mask.any():
            n_derived += int(mask.sum())
            published[column] = published[column].astype("object").where(~mask, withheld)
            drawn[column] = pd.to_numeric(frame[column], errors="coerce").where(~mask)
    hidden_values = frozenset(int(v) for v in values[second].stack().dropna())
    return SafeTable(
        published=published,
        drawn=drawn,
        threshold=threshold,
        count_columns=tuple(count_cols),
        primary=int(primary.to_numpy().sum()),
        secondary=int(second.to_numpy().sum()),
        derived=n_derived,
        hidden_values=hidden_values,
    )


# Figures ----------------------------------------------------------------------------------

# trace type -> the attributes that carry its drawn values
_VALUE_ATTRS = {
    "bar": ("x", "y"),
    "scatter": ("y",),
    "scattergl": ("y",),
    "heatmap": ("z",),
    "histogram": ("x", "y"),
    "pie": ("values",),
    "funnel": ("x",),
}


def _small(value: object, threshold: int, hidden: frozenset[int], integral_floats: bool) -> bool:
    if isinstance(value, bool) or value is None:
        return False
    if isinstance(value, (int, np.integer)):
        v = int(value)
    elif integral_floats and isinstance(value, (float, np.floating)) and math.isfinite(value):
        if float(value) != int(value):
            return False
        v = int(value)
    else:
        return False
    return 0 < v < threshold or v in hidden


def _blank(
    array: object, threshold: int, hidden: frozenset[int], floats: bool = True
) -> tuple[object, int]:
    """The array with small counts as None, and how many were blanked.

    Integer arrays hold counts; a float array is read as counts only when `floats` and
    every value in it is whole (a count column that picked up a gap).
    """
    if isinstance(array, np.ndarray):
        if array.dtype.kind in "iu":
            items, integral = array.tolist(), True
        elif array.dtype.kind == "f" and floats:
            finite = array[np.isfinite(array)]
            integral = bool(finite.size) and bool(np.all(finite == np.round(finite)))
            items = array.tolist()
        elif array.dtype.kind == "O":
            items, integral = array.tolist(), False
        else:
            return array, 0
    elif isinstance(array, (list, tuple)):
        items = list(array)
        numbers = [v for v in items if isinstance(v, (int, float)) and not isinstance(v, bool)]
        integral = all(
            isinstance(v, int) or (floats and (not math.isfinite(v) or float(v).is_integer()))
            for v in numbers
        )
    else:
        return array, 0
    out, n = [], 0
    for v in items:
        if isinstance(v, list):  # a heatmap row
            row, k = _blank(v, threshold, hidden, floats)
            out.append(row)
            n += k
        elif _small(v, threshold, hidden, integral):
            out.append(None)
            n += 1
        else:
            out.append(v)
    return out, n


def _decode(value: object) -> object:
    """Plotly's typed arrays ({"dtype", "bdata", "shape"}) as numpy arrays, recursively."""
    if isinstance(value, dict):
        if "bdata" in value and "dtype" in value:
            raw = base64.b64decode(value["bdata"])
            array = np.frombuffer(raw, dtype=np.dtype(value["dtype"]))
            shape = value.get("shape")
            if shape:
                dims = [int(d) for d in str(shape).split(",")] if isinstance(shape, str) else shape
                array = array.reshape(dims)
            return array.copy()
        return {k: _decode(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_decode(v) for v in value]
    return value


def _value_attrs(trace: dict) -> tuple[str, ...]:
    kind = trace.get("type", "scatter")
    if kind == "bar":
        return ("x",) if trace.get("orientation") == "h" else ("y",)
    return _VALUE_ATTRS.get(kind, ())


def safe_figure(
    fig: go.Figure, threshold: int, hidden_values: Iterable[int] = ()
) -> tuple[go.Figure, int]:
    """A copy of `fig` fit to publish, and the number of values it blanked.

    Small counts (and values withheld by secondary suppression) drawn by bars, lines,
    heatmaps and pies become gaps; point markers are rounded to about a block; hover
    payloads are dropped (a static image never shows them); density layers are refused.
    """
    check_threshold(threshold)
    hidden = frozenset(int(v) for v in hidden_values)
    spec = copy.deepcopy(fig.to_dict())
    spec["data"] = [_decode(trace) for trace in spec.get("data", [])]
    blanked = 0
    for trace in spec.get("data", []):
        kind = trace.get("type", "scatter")
        if kind in DENSITY_TRACES:
            raise PrivacyError("density layers are made from incident points: not exported")
        for attr in ("customdata", "hovertext", "hovertemplate", "ids", "meta"):
            trace.pop(attr, None)
        if kind in POINT_TRACES:
            for attr in ("lat", "lon"):
                if attr in trace and trace[attr] is not None:
                    coords = np.asarray(trace[attr], dtype="float64")
                    trace[attr] = np.round(coords, EXPORT_COORD_DECIMALS).tolist()
        here = 0
        for attr in _value_attrs(trace):
            if attr in trace and trace[attr] is not None:
                floats = not kind.startswith("scatter")  # a line's floats are rates
                trace[attr], n = _blank(trace[attr], threshold, hidden, floats)
                here += n
        if here and isinstance(trace.get("text"), (list, tuple, np.ndarray)):
            trace.pop("text")  # labels may repeat the blanked numbers
        blanked += here
    return go.Figure(spec), blanked
