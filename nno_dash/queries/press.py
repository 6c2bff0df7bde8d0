"""The press kit's own questions: National Night Out year by year, and monthly incidents
against the same months a year earlier."""

from __future__ import annotations

from datetime import date

import pandas as pd

from nno_dash.core.filters import Filters
from nno_dash.queries.run import AREA_SELECTED, CATEGORY_SELECTED, Con, area_column, run

NNO = "national_night_out"
NNO_YEARS = 5
NNO_SEASON_START = (8, 1)  # National Night Out: first Tuesday in August (October in Texas)


def nno_last_year(end: date) -> int:
    """The latest year whose National Night Out season has begun by `end`."""
    return end.year if end >= date(end.year, *NNO_SEASON_START) else end.year - 1


def nno_by_year(con: Con, filters: Filters, years: int = NNO_YEARS) -> pd.DataFrame:
    """year, events, attendance, areas_reached (distinct neighbourhoods) of National Night
    Out, one row per year up to the last season begun by the period's end, over the years
    the outreach log covers the whole season."""
    last = nno_last_year(filters.end)
    sql = f"""
    with extent as (
        select min(starts_at)::date as first_day from events
    ),
    years as (
        select unnest(range($first_year, $last_year + 1)) as year
    ),
    nno as (
        select year(e.starts_at) as year, count(*) as events,
            coalesce(sum(e.headcount), 0)::bigint as attendance,
            count(distinct e.neighbourhood_id) as areas_reached
        from event_facts e
        where e.program = $program
          and e.starts_at >= make_date($first_year, 1, 1)
          and e.starts_at < make_date($last_year + 1, 1, 1)
          and {AREA_SELECTED.format(col=area_column(filters.area_kind))}
        group by 1
    )
    select y.year::integer as year,
        coalesce(nno.events, 0)::bigint as events,
        coalesce(nno.attendance, 0)::bigint as attendance,
        coalesce(nno.areas_reached, 0)::bigint as areas_reached
    from years y cross join extent
    left join nno on nno.year = y.year
    where extent.first_day <= make_date(y.year::integer, $season_month, $season_day)
    order by y.year
    """
    params = {
        **filters.params(),
        "program": NNO,
        "first_year": last - years + 1,
        "last_year": last,
        "season_month": NNO_SEASON_START[0],
        "season_day": NNO_SEASON_START[1],
    }
    return run(con, sql, params)


def monthly_incidents(con: Con, filters: Filters) -> pd.DataFrame:
    """month, incidents, incidents_prev: each month of the period and the same month a
    year earlier (all chosen categories together); null for a month the data does not
    reach back to, so no chart draws it as zero."""
    prev = filters.previous_year()
    sql = f"""
    with months as (
        select unnest(range(date_trunc('month', $start::date), $end::date + interval 1 day,
            interval 1 month))::date as month
    ),
    counts as (
        select date_trunc('month', d.occurred_on)::date as month, sum(d.incidents) as n
        from incident_daily d
        where d.kind = $counts_kind and d.occurred_on between $pstart and $end
          and {AREA_SELECTED.format(col="d.area_id")}
          and {CATEGORY_SELECTED.format(col="d.category")}
        group by 1
    ),
    extent as (select date_trunc('month', min(occurred_on))::date as first_month
        from incident_daily)
    select m.month,
        case when m.month >= e.first_month then coalesce(c.n, 0) end::bigint as incidents,
        case when (m.month - interval 1 year)::date >= e.first_month
            then coalesce(p.n, 0) end::bigint as incidents_prev
    from months m
    cross join extent e
    left join counts c on c.month = m.month
    left join counts p on p.month = (m.month - interval 1 year)::date
    order by m.month
    """
    params = {**filters.params(), "pstart": prev.start}
    return run(con, sql, params)
