"""A boundary file's code and name columns, guessed from their values where no column name is
recognised: an agency's layer names its areas its own way (`NHD_NUM`, `NHD_NAME`), but almost
always carries one unique number and one unique name per area."""

from __future__ import annotations

import re
from dataclasses import dataclass

import pandas as pd

CODE_HINTS = ("num", "id", "code", "no", "key")
NAME_HINTS = ("name", "nam", "label", "title")


@dataclass(frozen=True)
class Guess:
    column: str
    whole_numbers: bool  # read with format = "int": "5.0" and "05" are area 5
    why: str


def _tokens(column: str) -> list[str]:
    return [t for t in re.split(r"[^0-9a-z]+", column.lower()) if t]


def _hinted(column: str, hints: tuple[str, ...]) -> bool:
    return any(token.startswith(hint) for token in _tokens(column) for hint in hints)


def _unique(values: pd.Series) -> bool:
    present = values.dropna().astype(str).str.strip()
    present = present[present != ""]
    return len(present) == len(values) and present.nunique() == len(present)


def _whole_numbers(values: pd.Series) -> bool:
    numbers = pd.to_numeric(values, errors="coerce")
    return bool(numbers.notna().all() and (numbers == numbers.round()).all())


def _has_words(values: pd.Series) -> bool:
    return bool(values.astype(str).str.contains(r"[A-Za-z]{2}").all())


def guess(sample: pd.DataFrame, taken: set[str], wanted: set[str]) -> dict[str, Guess]:
    """For each of `wanted` ("code", "name") not yet placed, the likeliest free column: values
    unique per area, a code of whole numbers or short tokens, a name with words; a column
    whose name hints at the field (NUM, ID, CODE / NAME, LABEL) wins a tie."""
    free = [c for c in sample.columns if c not in taken and len(sample) and _unique(sample[c])]
    found: dict[str, Guess] = {}
    if "code" in wanted:
        scored = []
        for column in free:
            values = sample[column].astype(str).str.strip()
            whole = _whole_numbers(values)
            token = bool(values.str.fullmatch(r"[0-9A-Za-z_:-]{1,12}").all())
            if whole or token:
                scored.append((_hinted(column, CODE_HINTS) * 2 + whole, column, whole))
        if scored:
            _, column, whole = max(scored, key=lambda s: s[0])
            what = "whole numbers" if whole else "short codes"
            found["code"] = Guess(column, whole, f"code from {column}: unique {what}; CHECK")
            free.remove(column)
    if "name" in wanted:
        named = [c for c in free if _has_words(sample[c]) and not _whole_numbers(sample[c])]
        if named:
            column = max(named, key=lambda c: _hinted(c, NAME_HINTS))
            found["name"] = Guess(column, False, f"name from {column}: unique words")
    if "code" in wanted and "code" not in found and "name" in found:
        column = found["name"].column
        why = f"code from {column}: the only column unique per area, its names are the codes"
        found["code"] = Guess(column, False, why + "; CHECK")
    return found
