"""Trend queries count what the daily table holds; CompStat windows and comparisons are right."""

from __future__ import annotations

from datetime import date

import pandas as pd
import pytest

from nno_dash.analysis import trends
from nno_dash.core.filters import Filters
from nno_dash.queries import crime, geography

PERIOD = Filters(date(2025, 11, 1), date(2026, 10, 31))


def test_compstat_windows_follow_the_calendar():
    w = trends.compstat_windows(date(2024, 3, 15))
    assert w["d28"] == (date(2024, 2, 17), date(2024, 3, 15))
    assert w["d28_prior"] == (date(2024, 1, 20), date(2024, 2, 16))
    assert w["d28_ly"] == (date(2023, 2, 17), date(2023, 3, 15))
    assert w["ytd"] == (date(2024, 1, 1), date(2024, 3, 15))
    assert w["ytd_prior"] == (date(2023, 1, 1), date(2023, 3, 15))
    assert trends.compstat_windows(date(2024, 2, 29))["ytd_prior"][1] == date(2023, 2, 28)


def two_categories() -> pd.DataFrame:
    """CompStat window counts for a common and a rare offence."""
    return pd.DataFrame(
        {
            "category": ["robbery", "arson"],
            "label": ["Robbery", "Arson"],
            "crime_class": ["violent", "property"],
            "d28": [120, 4],
            "d28_prior": [150, 2],
            "d28_ly": [100, 9],
            "ytd": [600, 30],
            "ytd_prior": [590, 31],
        }
    )


def test_compstat_table_uses_day_exposure_and_flags_small_counts():
    counts = two_categories()
    table = trends.compstat_table(counts, date(2024, 3, 15)).set_index(["comparison", "category"])
    robbery = table.loc[("d28_vs_prior", "robbery")]
    assert robbery["change_pct"] == pytest.approx(-20.0)
    assert robbery["ci_low_pct"] < -20 < robbery["ci_high_pct"]
    assert table.loc[("d28_vs_prior", "arson"), "too_few"]
    assert "too few" in table.loc[("d28_vs_prior", "arson"), "reading"]
    total = table.loc[("ytd_vs_prior", "all")]
    assert (total["current"], total["baseline"]) == (630, 621)
    # 2024 to 15 March has 75 days, 2023 to 15 March 74: the rate, not the count, is compared.
    assert total["change_pct"] == pytest.approx((630 / 75) / (621 / 74) * 100 - 100)


def test_series_by_each_split_sums_to_the_same_incidents(con):
    total = con.execute(
        "select sum(incidents) from incident_daily where kind = 'neighbourhood' "
        "and occurred_on between ? and ?",
        [PERIOD.start, PERIOD.end],
    ).fetchone()[0]
    for split in ("crime_class", "category", "area"):
        series = crime.incident_series_by(con, PERIOD, "month", split)
        assert series["incidents"].sum() == total, split
        assert series["period"].nunique() == 12


def test_series_rates_are_per_1000_residents(con):
    areas = geography.area_options(con, "neighbourhood").set_index("area_id")["population"]
    by_area = crime.incident_series_by(con, PERIOD, "year", "area")
    row = by_area.iloc[0]
    assert row["population"] == areas[row["group"]]
    assert row["rate_per_1000"] == pytest.approx(1000 * row["incidents"] / areas[row["group"]])
    one = Filters(PERIOD.start, PERIOD.end, area_ids=("neighbourhood:1", "neighbourhood:2"))
    classes = crime.incident_series_by(con, one, "year", "crime_class")
    residents = areas[["neighbourhood:1", "neighbourhood:2"]].sum()
    assert (classes["population"] == residents).all()


def test_compstat_counts_match_a_direct_count(con):
    robbery = Filters(PERIOD.start, PERIOD.end, categories=("robbery",))
    counts = crime.compstat_counts(con, robbery)
    assert list(counts["category"]) == ["robbery"]
    first, last = trends.compstat_windows(PERIOD.end)["d28_ly"]
    direct = con.execute(
        "select sum(incidents) from incident_daily where kind = 'neighbourhood' "
        "and category = 'robbery' and occurred_on between ? and ?",
        [first, last],
    ).fetchone()[0]
    assert counts["d28_ly"].iloc[0] == direct


def test_partial_periods_are_marked():
    series = pd.DataFrame({"period": [date(2025, 11, 1), date(2025, 12, 1), date(2026, 1, 1)]})
    out = trends.mark_partial(series, date(2025, 11, 15), date(2026, 1, 31), "month")
    assert list(out["partial"]) == [True, False, False]
    out = trends.mark_partial(series, date(2025, 11, 1), date(2026, 1, 20), "month")
    assert list(out["partial"]) == [False, False, True]


def test_top_groups_keeps_the_biggest():
    series = pd.DataFrame({"group": list("abcdefghij"), "incidents": range(10)})
    assert set(trends.top_groups(series, 3)["group"]) == {"h", "i", "j"}


def test_compstat_comparison_picks_one_comparison_and_its_total():
    counts = two_categories()
    table = trends.compstat_table(counts, date(2024, 3, 15))
    chosen, total = trends.compstat_comparison(table, "ytd_vs_prior")
    assert set(chosen["comparison"]) == {"ytd_vs_prior"}
    assert total["category"] == "all"
    assert (total["current"], total["baseline"]) == (630, 621)
