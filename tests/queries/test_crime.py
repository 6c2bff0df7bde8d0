"""Incident questions add up, compare with a year earlier, and read the city's rows when no area
is chosen."""

from __future__ import annotations

from dataclasses import replace

import pytest
from query_helpers import raw_count

from nno_dash.core.vocab import CITYWIDE_KIND
from nno_dash.queries import crime, geography, overview
from nno_dash.queries import press as press_queries


def test_monthly_series_add_up(con, filters):
    monthly = crime.incident_series(con, filters, "month")
    assert monthly["incidents"].sum() == raw_count(con, filters)
    assert monthly["period"].nunique() == 12
    weekly = crime.incident_series(con, filters, "week")
    assert weekly["incidents"].sum() == raw_count(con, filters)
    with pytest.raises(KeyError):
        crime.incident_series(con, filters, "fortnight; drop table incidents")


def test_by_category_compares_with_a_year_earlier(con, filters):
    cats = crime.incidents_by_category(con, filters)
    assert cats["incidents"].sum() == raw_count(con, filters)
    assert cats["incidents_prev"].sum() == raw_count(con, filters.previous_year())
    assert set(cats["crime_class"]) == {"violent", "property", "other"}


def test_seasonal_profile_shows_summer_above_winter(con, filters):
    seasonal = crime.seasonal_profile(con, filters)
    by_month = seasonal.groupby("month_of_year")["incidents"].sum()
    assert by_month[[6, 7, 8]].mean() > by_month[[1, 2, 12]].mean()


def test_the_citys_daily_counts_are_every_kinds_counts_summed(con):
    """The city's rows (read when no area is chosen) hold, day by day and category by
    category, what each kind's rows hold summed over its areas and its unplaced incidents."""
    different = con.execute(
        """
        with kinds as (
            select kind, occurred_on, category, sum(incidents) as n
            from incident_daily where kind <> $city group by all
        )
        select count(*) from kinds k
        full join (select * from incident_daily where kind = $city) c
          using (occurred_on, category)
        where k.n is distinct from c.incidents
        """,
        {"city": CITYWIDE_KIND},
    ).fetchone()[0]
    assert different == 0
    city_rows, months = con.execute(
        "select count(*) filter (where kind = $city), "
        "(select count(*) from incident_monthly where kind = $city) from incident_daily",
        {"city": CITYWIDE_KIND},
    ).fetchone()
    assert city_rows > 0 and months > 0


@pytest.mark.parametrize("kind", ["neighbourhood", "district"])
def test_every_area_chosen_counts_what_no_area_chosen_counts(con, filters, kind):
    """No area chosen reads the city's rows, every area chosen the kind's: same numbers (the
    demo places every incident in an area of each kind, checked first)."""

    unplaced = con.execute(
        "select count(*) from incident_daily where kind = $kind and area_id is null",
        {"kind": kind},
    ).fetchone()[0]
    assert unplaced == 0
    none = replace(filters, area_kind=kind, categories=("robbery", "burglary"))
    every = replace(none, area_ids=tuple(geography.area_options(con, kind)["area_id"]))
    assert none.counts_kind == CITYWIDE_KIND and every.counts_kind == kind
    for ask, columns in [
        (overview.headline, ["incidents", "incidents_prev", "previous_complete"]),
        (crime.incident_series, None),
        (crime.incidents_by_category, None),
        (crime.compstat_counts, None),
        (crime.seasonal_profile, None),
        (press_queries.monthly_incidents, None),
    ]:
        a, b = ask(con, none), ask(con, every)
        if columns:
            a, b = a[columns], b[columns]
        assert a.equals(b), ask.__name__
        assert len(a) > 0
    for split in ("crime_class", "category"):
        a = crime.incident_series_by(con, none, "month", split)
        b = crime.incident_series_by(con, every, "month", split)
        assert a.equals(b), split
    assert crime.incidents_by_category(con, none)["incidents"].sum() == raw_count(con, none)
