"""The gap list puts high-crime, low-outreach areas first, on made-up rows and the demo."""

import pandas as pd

from nno_dash.analysis import classes, coverage
from nno_dash.core.filters import Filters, default_period
from nno_dash.queries import datasets, overview


def summary(**cols):
    base = {
        "area_id": list("abcd"),
        "name": list("ABCD"),
        "population": [1000] * 4,
        "incidents": [10, 80, 90, 20],
        "incidents_prev": [10, 80, 90, 20],
        "incident_rate": [10.0, 80.0, 90.0, 20.0],
        "incident_change_pct": [0.0, 0.0, 0.0, 0.0],
        "events": [5, 9, 0, 1],
        "event_rate": [5.0, 9.0, 0.0, 1.0],
        "attendance": [50, 90, 0, 10],
        "days_since_event": [10, 5, 400, 30],
        "last_event_on": pd.to_datetime(["2026-01-01"] * 4).date,
    }
    base.update(cols)
    return pd.DataFrame(base)


def test_high_crime_low_outreach_comes_first():
    gaps = coverage.gap_list(summary())
    assert gaps["name"].tolist()[0] == "C"
    assert gaps.iloc[0]["need_rank"] == 1 and gaps.iloc[0]["outreach_rank"] == 4


def test_a_rising_rate_raises_need():
    flat = coverage.gap_list(summary())
    rising = coverage.gap_list(summary(incident_change_pct=[0.0, 0.0, 0.0, 50.0]))
    gap = lambda frame: frame.set_index("name").loc["D", "gap"]  # noqa: E731
    assert gap(rising) > gap(flat)


def test_areas_without_population_are_left_out():
    gaps = coverage.gap_list(summary(incident_rate=[10.0, None, 90.0, 20.0]))
    assert "B" not in gaps["name"].tolist() and len(gaps) == 3


def test_population_breaks_ties_in_need():
    gaps = coverage.gap_list(
        summary(
            population=[1000, 1000, 1000, 9000],
            incident_rate=[50.0, 50.0, 50.0, 50.0],
            event_rate=[0.0, 0.0, 0.0, 0.0],
        )
    )
    assert gaps.iloc[0]["name"] == "D"


def test_gap_list_carries_the_bivariate_class_and_the_columns_it_promises():
    gaps = coverage.gap_list(summary())
    assert list(gaps.columns) == [*coverage.GAP_COLUMNS, "gap"]
    assert gaps.set_index("name").loc["C", "bivariate"] == "High crime, low outreach"


def test_gap_reason_says_never_when_there_was_no_event():
    gaps = coverage.gap_list(summary())
    row = gaps.set_index("name").loc["C"]
    text = coverage.gap_reason(row.where(row.index != "days_since_event", None), 4)
    assert "rank 1 of 4" in text and "no outreach event on record" in text


def test_demo_under_served_areas_top_the_gap_list_and_fill_the_pink_corner(con):
    """Done-when check: the generator's planted under-served, high-crime neighbourhoods
    (read from meta demo_params, not hard-coded) lead the gap list over the default
    period and are all in the "high crime, low outreach" class."""
    info = datasets.dataset_info(con)
    planted = set(info["demo_params"]["under_served_area_ids"])
    assert len(planted) >= 3
    filters = Filters(*default_period(info["last_day"]))
    city = coverage.with_classes(overview.area_summary(con, filters))
    gaps = coverage.gap_list(city)
    assert set(gaps["area_id"].head(len(planted))) == planted
    pink = set(city.loc[city["bivariate"] == classes.HIGH_CRIME_LOW_OUTREACH, "area_id"])
    assert planted <= pink
    # the class is selective: most areas are elsewhere
    assert len(pink) <= len(city) // 3
