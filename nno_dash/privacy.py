"""Privacy: what may leave the app. Every export passes through here.

Pages only ever receive aggregates (see queries.py); this module makes exported tables
safe to publish: counts under the threshold (default 3) become "<3", and columns that
could identify an incident or a person are refused outright.
"""

from __future__ import annotations

from collections.abc import Iterable

import pandas as pd

# Never exported, whatever a chart asks for.
FORBIDDEN_COLUMNS = frozenset(
    {"incident_id", "case_number", "block_address", "lat", "lon", "latitude", "longitude"}
)


class PrivacyError(ValueError):
    """An export asked for something that must never leave the app."""


def suppress_small_counts(
    frame: pd.DataFrame, count_columns: Iterable[str], threshold: int = 3
) -> pd.DataFrame:
    """Copy of `frame` with counts in 1..threshold-1 shown as "<threshold".

    Zero stays zero: "none" reveals no one. Suppressed columns become text.
    """
    bad = FORBIDDEN_COLUMNS.intersection(frame.columns)
    if bad:
        raise PrivacyError(f"refusing to export identifying columns: {', '.join(sorted(bad))}")
    out = frame.copy()
    for column in count_columns:
        if column not in out:
            continue
        values = out[column]
        small = values.notna() & (values > 0) & (values < threshold)
        if small.any():
            out[column] = values.astype("Int64").astype("string").where(~small, f"<{threshold}")
    return out
