"""Class breaks: quantiles, Fisher–Jenks natural breaks, zero as its own class, bivariate."""

from __future__ import annotations

import itertools

import numpy as np
import pandas as pd
import pytest

from nno_dash.analysis import classes


def within_ssd(x: np.ndarray, uppers: list[float]) -> float:
    groups = np.searchsorted(np.asarray(uppers), x, side="left")
    return float(sum(((x[groups == g] - x[groups == g].mean()) ** 2).sum() for g in set(groups)))


def test_quantile_breaks_put_equal_numbers_in_each_class():
    values = np.arange(1, 11, dtype=float)
    assert classes.quantile_breaks(values, 5) == [2.0, 4.0, 6.0, 8.0, 10.0]


def test_natural_breaks_find_obvious_groups():
    values = np.array([1, 1, 2, 2, 3, 10, 11, 12, 50, 52, 55, 100], dtype=float)
    assert classes.natural_breaks(values, 4) == [3.0, 12.0, 55.0, 100.0]


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_natural_breaks_are_optimal_against_brute_force(seed):
    x = np.sort(np.random.default_rng(seed).gamma(2.0, 3.0, 11))
    best = min(
        within_ssd(x, [x[i - 1], x[j - 1], x[-1]])
        for i, j in itertools.combinations(range(1, len(x)), 2)
    )
    assert within_ssd(x, classes.natural_breaks(x, 3)) == pytest.approx(best)


def test_zero_is_its_own_grey_class_and_missing_is_no_data():
    values = pd.Series([0, 0, 1.5, 2.0, 3.0, 4.0, 10.0, 20.0, None])
    cl = classes.classify(values, k=3)
    assert cl.labels == ("0", "1.5–2.0", "3.0–4.0", "10.0–20.0")
    assert cl.colours[0] == classes.ZERO_COLOUR
    assigned = cl.assign(values).tolist()
    assert assigned[:2] == ["0", "0"]
    assert assigned[2:8] == ["1.5–2.0"] * 2 + ["3.0–4.0"] * 2 + ["10.0–20.0"] * 2
    assert assigned[-1] == classes.NO_DATA


def test_classes_that_would_print_alike_are_merged():
    cl = classes.classify(pd.Series([1.01, 1.02, 1.03, 1.04, 9.0]), k=5, decimals=1)
    assert len(cl.labels) == len(set(cl.labels))
    assert cl.labels[0] == "1.0"


def test_every_value_lands_in_a_class_whose_label_covers_it():
    values = pd.Series(np.random.default_rng(5).gamma(1.5, 4.0, 200))
    for method in classes.METHODS:
        cl = classes.classify(values, method=method, decimals=3)
        for value, label in zip(values, cl.assign(values), strict=True):
            low, high = (float(v.replace(",", "")) for v in label.split("–"))
            assert low - 1e-3 <= value <= high + 1e-3


def test_change_classes_are_fixed_and_diverge_around_no_change():
    cl = classes.change_classes()
    got = cl.assign(pd.Series([-30.0, -20.0, -10.0, 0.0, 5.0, 6.0, 25.0, None])).tolist()
    assert got == [
        "Down 20% or more",
        "Down 20% or more",
        "Down 5–20%",
        "About the same (±5%)",
        "About the same (±5%)",
        "Up 5–20%",
        "Up 20% or more",
        classes.NO_DATA,
    ]


def test_bivariate_puts_high_crime_and_no_outreach_in_the_pink_corner():
    frame = pd.DataFrame(
        {
            "incident_rate": [1, 2, 3, 4, 5, 6, 7, 8, 9, None],
            "event_rate": [5, 6, 7, 1, 2, 3, 0, 0, 9, 4],
        }
    )
    b = classes.bivariate(frame, "incident_rate", "event_rate")
    assert b.loc[6, "bivariate"] == classes.HIGH_CRIME_LOW_OUTREACH
    assert b.loc[7, "colour"] == classes.BIVARIATE_COLOURS[2][0]
    assert b.loc[8, "bivariate"] == "High crime, high outreach"
    assert b.loc[0, "bivariate"] == "Low crime, medium outreach"
    assert b.loc[9, "bivariate"] == classes.NO_DATA
    assert b["crime_level"].value_counts().to_dict() == {0: 3, 1: 3, 2: 3}


def test_no_outreach_is_always_low_even_when_most_areas_have_none():
    frame = pd.DataFrame({"incident_rate": [1.0, 2, 3, 4, 5, 6], "event_rate": [0, 0, 0, 0, 0, 1]})
    b = classes.bivariate(frame, "incident_rate", "event_rate")
    assert (b.loc[:4, "outreach_level"] == 0).all()
    assert b.loc[5, "outreach_level"] == 2


def test_bivariate_classes_list_all_nine_with_distinct_colours():
    cl = classes.bivariate_classes()
    assert len(cl.labels) == 9 and len(set(cl.colours)) == 9
    assert cl.labels[0] == classes.HIGH_CRIME_LOW_OUTREACH
