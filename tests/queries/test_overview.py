"""The headline and the area summary count what the raw tables hold, under every filter."""

from __future__ import annotations

from dataclasses import replace
from datetime import date

import pytest
from query_helpers import raw_count

from nno_dash.core.filters import Filters
from nno_dash.queries import crime, geography, overview


@pytest.mark.parametrize("kind", ["neighbourhood", "beat", "district", "council_district"])
def test_headline_counts_match_the_raw_incident_table(con, filters, kind):
    f = replace(filters, area_kind=kind)
    head = overview.headline(con, f).iloc[0]
    assert head.incidents == raw_count(con, f) > 0
    assert head.incidents_prev == raw_count(con, f.previous_year()) > 0
    total_pop = con.execute(
        "select sum(population) from areas where kind = $k", {"k": kind}
    ).fetchone()[0]
    assert head.residents == total_pop


def test_area_and_category_filters_narrow_the_counts(con, filters):
    some = tuple(geography.area_options(con, "neighbourhood")["area_id"][:3])
    f = replace(filters, area_ids=some, categories=("robbery", "burglary"))
    head = overview.headline(con, f).iloc[0]
    assert head.incidents == raw_count(con, f)
    assert 0 < head.incidents < overview.headline(con, filters).iloc[0].incidents


def test_area_summary_sums_to_the_headline_and_rates_are_per_1000(con, filters):
    summary = overview.area_summary(con, filters)
    head = overview.headline(con, filters).iloc[0]
    unassigned = raw_count(con, filters, "neighbourhood_id is null")
    assert summary["incidents"].sum() + unassigned == head.incidents
    assert summary["events"].sum() == head.events
    row = summary.iloc[0]
    assert row.incident_rate == pytest.approx(1000 * row.incidents / row.population)
    assert len(summary) == 40


def test_a_period_with_no_data_gives_zeros_not_errors(con):
    f = Filters(date(1990, 1, 1), date(1990, 12, 31))
    head = overview.headline(con, f).iloc[0]
    assert head.incidents == 0 and head.events == 0
    assert crime.incident_series(con, f, "month").empty
    assert (overview.area_summary(con, f)["incidents"] == 0).all()


def test_values_are_parameters_not_sql(con, filters):
    hostile = replace(filters, area_ids=("neighbourhood:1') or 1=1 --",))
    assert overview.headline(con, hostile).iloc[0].incidents == 0
