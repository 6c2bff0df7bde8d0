"""The gap list puts high-crime, low-outreach areas first."""

import pandas as pd

from nno_dash import coverage


def summary(**cols):
    base = {
        "area_id": list("abcd"),
        "name": list("ABCD"),
        "population": [1000] * 4,
        "incidents": [10, 80, 90, 20],
        "incident_rate": [10.0, 80.0, 90.0, 20.0],
        "incident_change_pct": [0.0, 0.0, 0.0, 0.0],
        "events": [5, 9, 0, 1],
        "event_rate": [5.0, 9.0, 0.0, 1.0],
        "attendance": [50, 90, 0, 10],
        "days_since_event": [10, 5, 400, 30],
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
