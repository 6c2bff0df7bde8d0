"""Class breaks for maps: quantiles, natural breaks, a diverging scale for change, bivariate.

Crime analysts read classed maps, not continuous ramps: five labelled classes are easier to
compare across a room than a colour bar, and zero gets its own class so "no outreach at
all" never looks like "a little". Plain numpy and pandas over one value per area.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

# ColorBrewer sequential schemes marked colour-blind safe, light for low values.
BLUES = ("#ffffcc", "#a1dab4", "#41b6c4", "#2c7fb8", "#253494")  # YlGnBu: incidents
ORANGES = ("#ffffd4", "#fed98e", "#fe9929", "#d95f0e", "#993404")  # YlOrBr: outreach
# ColorBrewer RdBu (colour-blind safe): blue for a fall, red for a rise, white for no change.
DIVERGING = ("#0571b0", "#92c5de", "#f7f7f7", "#f4a582", "#ca0020")
ZERO_COLOUR = "#bdbdbd"  # grey, not the palette's lightest colour: none is not "a little"
NO_DATA = "No data"
NO_DATA_COLOUR = "#ffffff"

METHODS = ("quantile", "natural")


@dataclass(frozen=True)
class Classes:
    """Ordered classes: a label and colour each, and the upper bound of each valued class."""

    labels: tuple[str, ...]
    colours: tuple[str, ...]
    uppers: tuple[float, ...]  # one per valued class (after the zero class, if any)
    zero_class: bool

    def assign(self, values: pd.Series) -> pd.Series:
        """Each value's class label; missing values get NO_DATA."""
        values = pd.to_numeric(values, errors="coerce")
        valued = self.labels[1:] if self.zero_class else self.labels
        out = pd.Series(NO_DATA, index=values.index, dtype=object)
        present = values.notna()
        if self.zero_class:
            out[present & (values == 0)] = self.labels[0]
            present &= values != 0
        if valued:
            edges = np.asarray(self.uppers, dtype=float)
            idx = np.searchsorted(edges, values[present].to_numpy(dtype=float), side="left")
            out[present] = [valued[min(i, len(valued) - 1)] for i in idx]
        return out

    def colour_map(self) -> dict[str, str]:
        return {**dict(zip(self.labels, self.colours, strict=True)), NO_DATA: NO_DATA_COLOUR}


def quantile_breaks(values: np.ndarray, k: int) -> list[float]:
    """Upper bounds of up to k classes holding about equal numbers of areas."""
    values = np.sort(np.asarray(values, dtype=float))
    if values.size == 0:
        return []
    uppers = [float(np.quantile(values, q, method="inverted_cdf")) for q in np.arange(1, k) / k]
    return sorted(set(uppers) | {float(values[-1])})


def natural_breaks(values: np.ndarray, k: int) -> list[float]:
    """Upper bounds of up to k classes by Fisher–Jenks: least squared deviation within
    classes (the optimal, not the iterative, form; exact for the hundreds of areas here).

    Kept by hand: mapclassify.FisherJenks, same breaks, is far slower (bench/hand_vs_library.py).
    """
    x = np.sort(np.asarray(values, dtype=float))
    n = x.size
    if n == 0:
        return []
    k = min(k, len(np.unique(x)))
    if k <= 1:
        return [float(x[-1])]
    s1 = np.concatenate([[0.0], np.cumsum(x)])
    s2 = np.concatenate([[0.0], np.cumsum(x * x)])

    def ssd(i: np.ndarray, j: int) -> np.ndarray:
        """Squared deviation of x[i:j] for each start i (j exclusive)."""
        count = j - i
        total = s1[j] - s1[i]
        return (s2[j] - s2[i]) - total * total / count

    # cost[c][j]: best cost of splitting x[:j] into c+1 classes; start[c][j]: last class start
    cost = np.full((k, n + 1), np.inf)
    start = np.zeros((k, n + 1), dtype=int)
    counts = np.arange(1, n + 1)
    cost[0, 1:] = s2[1:] - s1[1:] ** 2 / counts
    for c in range(1, k):
        for j in range(c + 1, n + 1):
            i = np.arange(c, j)  # the last class is x[i:j]
            candidate = cost[c - 1, i] + ssd(i, j)
            best = int(np.argmin(candidate))
            cost[c, j], start[c, j] = candidate[best], i[best]
    uppers, j = [], n
    for c in range(k - 1, -1, -1):
        uppers.append(float(x[j - 1]))
        j = start[c, j]
    return sorted(set(uppers))


def _fmt(value: float, decimals: int) -> str:
    return f"{value:,.{decimals}f}"


def classify(
    values: pd.Series,
    *,
    k: int = 5,
    method: str = "quantile",
    colours: tuple[str, ...] = BLUES,
    decimals: int = 1,
    unit: str = "",
) -> Classes:
    """Classes for non-negative rates: zero on its own, then k classes of the positive values.

    Labels give each class's range ("2.1–4.7"), the first starting at the smallest positive
    value, so every label is a range an area really falls in.
    """
    if method not in METHODS:
        raise ValueError(f"unknown class method {method!r}; choose from {', '.join(METHODS)}")
    numbers = pd.to_numeric(values, errors="coerce").dropna().to_numpy(dtype=float)
    zero_class = bool((numbers == 0).any())
    positive = numbers[numbers > 0]
    breaks = (quantile_breaks if method == "quantile" else natural_breaks)(positive, k)
    # Two classes whose ranges print the same would read as one: merge them.
    labels: list[str] = []
    uppers: list[float] = []
    lower = float(positive.min()) if positive.size else 0.0
    for upper in breaks:
        low_text, high_text = _fmt(lower, decimals), _fmt(upper, decimals)
        label = f"{low_text}{unit}" if low_text == high_text else f"{low_text}–{high_text}{unit}"
        if labels and label == labels[-1]:
            uppers[-1] = upper
        else:
            labels.append(label)
            uppers.append(upper)
        above = positive[positive > upper]
        lower = float(above.min()) if above.size else upper
    ramp = _spread(colours, len(labels))
    if zero_class:
        return Classes(("0", *labels), (ZERO_COLOUR, *ramp), tuple(uppers), True)
    return Classes(tuple(labels), tuple(ramp), tuple(uppers), False)


def _spread(colours: tuple[str, ...], n: int) -> list[str]:
    """n colours from a ramp, keeping its ends: three classes get light, middle, dark."""
    if n >= len(colours):
        return list(colours[:n])
    picks = np.round(np.linspace(0, len(colours) - 1, n)).astype(int)
    return [colours[i] for i in picks]


# Change on a year earlier: fixed symmetric breaks, so the colours mean the same every time.
CHANGE_UPPERS = (-20.0, -5.0, 5.0, 20.0, float("inf"))
CHANGE_LABELS = (
    "Down 20% or more",
    "Down 5–20%",
    "About the same (±5%)",
    "Up 5–20%",
    "Up 20% or more",
)


def change_classes() -> Classes:
    """Five classes for a percentage change, diverging around "about the same"."""
    return Classes(CHANGE_LABELS, DIVERGING, CHANGE_UPPERS, False)


# Bivariate: crime rate (rows, low to high) × outreach rate (columns, low to high).
# Joshua Stevens' pink–teal scheme: high crime with low outreach is the saturated pink
# corner, distinguishable without hue discrimination (it is also the darkest of its row).
BIVARIATE_COLOURS = (
    ("#e8e8e8", "#ace4e4", "#5ac8c8"),
    ("#dfb0d6", "#a5add3", "#5698b9"),
    ("#be64ac", "#8c62aa", "#3b4994"),
)
LEVELS = ("low", "medium", "high")
HIGH_CRIME_LOW_OUTREACH = "High crime, low outreach"


def tertile(values: pd.Series) -> pd.Series:
    """0, 1, 2 for the lower, middle and upper third; ties share a class (so all zeros are
    "low"), missing stays missing."""
    numbers = pd.to_numeric(values, errors="coerce")
    present = numbers.dropna().to_numpy(dtype=float)
    if present.size == 0:
        return pd.Series(pd.NA, index=values.index, dtype="Int64")
    q1, q2 = np.quantile(present, [1 / 3, 2 / 3], method="inverted_cdf")
    out = pd.Series(pd.NA, index=values.index, dtype="Int64")
    ok = numbers.notna()
    out[ok] = np.where(numbers[ok] <= q1, 0, np.where(numbers[ok] <= q2, 1, 2))
    return out


def bivariate_label(crime: int, outreach: int) -> str:
    return f"{LEVELS[crime].capitalize()} crime, {LEVELS[outreach]} outreach"


def bivariate(frame: pd.DataFrame, crime: str, outreach: str) -> pd.DataFrame:
    """crime_level, outreach_level (0–2, thirds of the areas) and their label and colour.

    Areas without a crime rate (no population) get NO_DATA. An area with no outreach is
    always in the low outreach third.
    """
    c = tertile(frame[crime])
    o = tertile(frame[outreach].fillna(0).where(frame[crime].notna()))
    labels, colours = [], []
    for ci, oi in zip(c, o, strict=True):
        if pd.isna(ci) or pd.isna(oi):
            labels.append(NO_DATA)
            colours.append(NO_DATA_COLOUR)
        else:
            labels.append(bivariate_label(int(ci), int(oi)))
            colours.append(BIVARIATE_COLOURS[int(ci)][int(oi)])
    return pd.DataFrame(
        {"crime_level": c, "outreach_level": o, "bivariate": labels, "colour": colours},
        index=frame.index,
    )


def bivariate_classes() -> Classes:
    """The nine bivariate classes in legend order (high crime first), for area_map."""
    labels, colours = [], []
    for ci in (2, 1, 0):
        for oi in (0, 1, 2):
            labels.append(bivariate_label(ci, oi))
            colours.append(BIVARIATE_COLOURS[ci][oi])
    return Classes(tuple(labels), tuple(colours), (), False)
