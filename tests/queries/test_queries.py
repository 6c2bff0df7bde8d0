"""The query layer against the demo database, checked against independent SQL on raw rows."""

from __future__ import annotations

from dataclasses import replace
from datetime import date

import pytest

from nno_dash import queries
from nno_dash.core.filters import Filters, default_period
from nno_dash.core.vocab import AREA_KINDS, CITYWIDE_KIND


@pytest.fixture(scope="module")
def filters(con) -> Filters:
    start, end = default_period(queries.latest_day(con))
    return Filters(start, end)


def raw_count(con, f: Filters, where: str = "true", params: dict | None = None) -> int:
    """Count incidents straight from the incident table (not the pre-aggregate)."""
    column = {
        "neighbourhood": "neighbourhood_id",
        "beat": "beat_id",
        "district": "district_id",
        "council_district": "council_district_id",
    }[f.area_kind]
    sql = f"""
        select count(*) from incidents
        where occurred_on between $start and $end
          and (len($areas::varchar[]) = 0 or list_contains($areas::varchar[], {column}))
          and (len($categories::varchar[]) = 0 or list_contains($categories::varchar[], category))
          and {where}
    """
    p = {
        "start": f.start,
        "end": f.end,
        "areas": list(f.area_ids),
        "categories": list(f.categories),
        **(params or {}),
    }
    return con.execute(sql, p).fetchone()[0]


def test_dataset_info_describes_the_demo(con):
    info = queries.dataset_info(con)
    assert info["dataset"] == "demo"
    assert "fictional" in info["label"].lower()
    assert info["first_day"] < info["last_day"]
    assert info["demo_params"]["seed"] == 11


@pytest.mark.parametrize("kind", ["neighbourhood", "beat", "district", "council_district"])
def test_headline_counts_match_the_raw_incident_table(con, filters, kind):
    f = replace(filters, area_kind=kind)
    head = queries.headline(con, f).iloc[0]
    assert head.incidents == raw_count(con, f) > 0
    assert head.incidents_prev == raw_count(con, f.previous_year()) > 0
    total_pop = con.execute(
        "select sum(population) from areas where kind = $k", {"k": kind}
    ).fetchone()[0]
    assert head.residents == total_pop


def test_area_and_category_filters_narrow_the_counts(con, filters):
    some = tuple(queries.area_options(con, "neighbourhood")["area_id"][:3])
    f = replace(filters, area_ids=some, categories=("robbery", "burglary"))
    head = queries.headline(con, f).iloc[0]
    assert head.incidents == raw_count(con, f)
    assert 0 < head.incidents < queries.headline(con, filters).iloc[0].incidents


def test_area_summary_sums_to_the_headline_and_rates_are_per_1000(con, filters):
    summary = queries.area_summary(con, filters)
    head = queries.headline(con, filters).iloc[0]
    unassigned = raw_count(con, filters, "neighbourhood_id is null")
    assert summary["incidents"].sum() + unassigned == head.incidents
    assert summary["events"].sum() == head.events
    row = summary.iloc[0]
    assert row.incident_rate == pytest.approx(1000 * row.incidents / row.population)
    assert len(summary) == 40


def test_event_counts_match_the_raw_event_table(con, filters):
    f = replace(filters, programs=("national_night_out",))
    by_program = queries.events_by_program(con, filters).set_index("program")
    raw = con.execute(
        "select count(*) from events where program = 'national_night_out' "
        "and starts_at::date between $start and $end",
        {"start": f.start, "end": f.end},
    ).fetchone()[0]
    assert by_program.loc["national_night_out", "events"] == raw > 0
    assert queries.headline(con, f).iloc[0].events == raw


def test_monthly_series_add_up(con, filters):
    monthly = queries.incident_series(con, filters, "month")
    assert monthly["incidents"].sum() == raw_count(con, filters)
    assert monthly["period"].nunique() == 12
    weekly = queries.incident_series(con, filters, "week")
    assert weekly["incidents"].sum() == raw_count(con, filters)
    with pytest.raises(KeyError):
        queries.incident_series(con, filters, "fortnight; drop table incidents")


def test_by_category_compares_with_a_year_earlier(con, filters):
    cats = queries.incidents_by_category(con, filters)
    assert cats["incidents"].sum() == raw_count(con, filters)
    assert cats["incidents_prev"].sum() == raw_count(con, filters.previous_year())
    assert set(cats["crime_class"]) == {"violent", "property", "other"}


def test_seasonal_profile_shows_summer_above_winter(con, filters):
    seasonal = queries.seasonal_profile(con, filters)
    by_month = seasonal.groupby("month_of_year")["incidents"].sum()
    assert by_month[[6, 7, 8]].mean() > by_month[[1, 2, 12]].mean()


def test_event_list_carries_no_incident_information(con, filters):
    events = queries.event_list(con, filters, limit=50)
    assert 0 < len(events) <= 50
    assert events["starts_at"].is_monotonic_decreasing
    assert not {"incident_id", "case_number", "block_address"} & set(events.columns)


def test_event_points_are_the_event_lists_rows_with_the_markers_columns(con, filters):
    """The maps read event_points: the same events in the same order, fewer columns."""
    for f in (filters, replace(filters, area_kind="district", programs=("national_night_out",))):
        points = queries.event_points(con, f)
        listed = queries.event_list(con, f)
        assert list(points.columns) == ["starts_at", "title", "program", "lat", "lon", "headcount"]
        assert len(points) > 0
        assert points.equals(listed[list(points.columns)])


def test_a_period_with_no_data_gives_zeros_not_errors(con):
    f = Filters(date(1990, 1, 1), date(1990, 12, 31))
    head = queries.headline(con, f).iloc[0]
    assert head.incidents == 0 and head.events == 0
    assert queries.incident_series(con, f, "month").empty
    assert (queries.area_summary(con, f)["incidents"] == 0).all()


def test_values_are_parameters_not_sql(con, filters):
    hostile = replace(filters, area_ids=("neighbourhood:1') or 1=1 --",))
    assert queries.headline(con, hostile).iloc[0].incidents == 0


def test_administration_tables(con):
    counts = queries.table_counts(con).set_index("table")["rows"]
    assert counts["incidents"] == con.execute("select count(*) from incidents").fetchone()[0]
    kinds = queries.areas_by_kind(con)
    assert set(kinds["kind"]) == {"neighbourhood", "beat", "district", "council_district"}
    assert (kinds["with_population"] == kinds["areas"]).all()
    assert queries.import_log(con)["kind"].iloc[0] == "demo"


def test_area_column_names_a_column_from_the_fixed_kinds_only(con):
    # the column is written into the SQL text, so only a known kind may choose it
    for kind in AREA_KINDS:
        con.execute(f"select {queries.area_column(kind)} from event_facts e limit 1").fetchall()
        con.execute(f"select {queries.area_column(kind, 'i')} from incidents i limit 1").fetchall()
    with pytest.raises(ValueError, match="unknown area kind"):
        queries.area_column("beat_id from events; drop table events; --")


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
    from nno_dash.publish import press

    unplaced = con.execute(
        "select count(*) from incident_daily where kind = $kind and area_id is null",
        {"kind": kind},
    ).fetchone()[0]
    assert unplaced == 0
    none = replace(filters, area_kind=kind, categories=("robbery", "burglary"))
    every = replace(none, area_ids=tuple(queries.area_options(con, kind)["area_id"]))
    assert none.counts_kind == CITYWIDE_KIND and every.counts_kind == kind
    for ask, columns in [
        (queries.headline, ["incidents", "incidents_prev", "previous_complete"]),
        (queries.incident_series, None),
        (queries.incidents_by_category, None),
        (queries.compstat_counts, None),
        (queries.seasonal_profile, None),
        (press.monthly_incidents, None),
    ]:
        a, b = ask(con, none), ask(con, every)
        if columns:
            a, b = a[columns], b[columns]
        assert a.equals(b), ask.__name__
        assert len(a) > 0
    for split in ("crime_class", "category"):
        a = queries.incident_series_by(con, none, "month", split)
        b = queries.incident_series_by(con, every, "month", split)
        assert a.equals(b), split
    assert queries.incidents_by_category(con, none)["incidents"].sum() == raw_count(con, none)
