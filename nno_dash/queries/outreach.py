"""Outreach events: by month and program, the event list and map points, surveys, attendance."""

from __future__ import annotations

import pandas as pd

from nno_dash.core.filters import Filters
from nno_dash.queries.run import (
    AREA_SELECTED,
    PROGRAM_SELECTED,
    Con,
    area_column,
    events_where,
    run,
    with_previous,
)


def events_by_month(con: Con, filters: Filters) -> pd.DataFrame:
    """month, program, events, attendance: monthly outreach in the period by program."""
    sql = f"""
    select date_trunc('month', e.starts_at)::date as month, e.program,
        count(*) as events, coalesce(sum(e.headcount), 0)::bigint as attendance
    from event_facts e
    where {events_where(filters.area_kind)}
    group by all order by month, e.program
    """
    return run(con, sql, filters.params())


def events_by_program(con: Con, filters: Filters) -> pd.DataFrame:
    """program, events, attendance, events_prev, attendance_prev, trust_before, trust_after."""
    sql = f"""
    select e.program,
        count(*) filter (where e.starts_at >= $start) as events,
        coalesce(sum(e.headcount) filter (where e.starts_at >= $start), 0)::bigint as attendance,
        count(*) filter (where e.starts_at < $pend + interval 1 day) as events_prev,
        coalesce(sum(e.headcount) filter (where e.starts_at < $pend + interval 1 day), 0)::bigint
            as attendance_prev,
        sum(e.survey_n) filter (where e.starts_at >= $start) as survey_n,
        sum(e.trust_before * e.survey_n) filter (where e.starts_at >= $start)
            / nullif(sum(e.survey_n) filter (where e.starts_at >= $start), 0) as trust_before,
        sum(e.trust_after * e.survey_n) filter (where e.starts_at >= $start)
            / nullif(sum(e.survey_n) filter (where e.starts_at >= $start), 0) as trust_after
    from event_facts e
    where ((e.starts_at >= $start and e.starts_at < $end + interval 1 day)
        or (e.starts_at >= $pstart and e.starts_at < $pend + interval 1 day))
      and {AREA_SELECTED.format(col=area_column(filters.area_kind))}
      and {PROGRAM_SELECTED.format(col="e.program")}
    group by all
    order by events desc
    """
    return run(con, sql, with_previous(filters))


def event_list(con: Con, filters: Filters, limit: int = 5000) -> pd.DataFrame:
    """Events in the period, newest first, with their attendance, survey and area name."""
    sql = f"""
    select e.event_id, e.starts_at, e.title, e.program, e.location, e.lat, e.lon,
        ar.name as area_name, e.headcount, e.residents, e.youth, e.officers,
        e.partners_present as partners, e.survey_n, e.trust_before, e.trust_after, e.units,
        e.partners as partner_orgs
    from event_facts e
    left join areas ar on ar.area_id = {area_column(filters.area_kind)}
    where {events_where(filters.area_kind)}
    order by e.starts_at desc, e.event_id  -- the id settles ties, so the same events every time
    limit $limit
    """
    return run(con, sql, {**filters.params(), "limit": limit})


def event_points(con: Con, filters: Filters, limit: int = 5000) -> pd.DataFrame:
    """starts_at, title, program, lat, lon, headcount: event_list's rows with only what a
    map's markers draw: handing over the full list's 18 columns was most of its time."""
    sql = f"""
    select e.starts_at, e.title, e.program, e.lat, e.lon, e.headcount
    from event_facts e
    where {events_where(filters.area_kind)}
    order by e.starts_at desc, e.event_id
    limit $limit
    """
    return run(con, sql, {**filters.params(), "limit": limit})


def survey_by_event(con: Con, filters: Filters) -> pd.DataFrame:
    """program, starts_at, survey_n, trust_before, trust_after of surveyed events in the period."""
    sql = f"""
    select e.program, e.starts_at, e.survey_n, e.trust_before, e.trust_after
    from event_facts e
    where {events_where(filters.area_kind)} and e.survey_n > 0
    order by e.starts_at
    """
    return run(con, sql, filters.params())


def attendance_by_month(con: Con, filters: Filters) -> pd.DataFrame:
    """month, events, attendance, survey_n, trust_before, trust_after per month from a year
    before the period to its end, so this period's attendance reads against the last."""
    sql = f"""
    select date_trunc('month', e.starts_at)::date as month, count(*) as events,
        coalesce(sum(e.headcount), 0)::bigint as attendance,
        coalesce(sum(e.survey_n), 0)::bigint as survey_n,
        sum(e.trust_before * e.survey_n) / nullif(sum(e.survey_n), 0) as trust_before,
        sum(e.trust_after * e.survey_n) / nullif(sum(e.survey_n), 0) as trust_after,
        e.starts_at >= $start as this_period
    from event_facts e
    where e.starts_at >= $pstart and e.starts_at < $end + interval 1 day
      and {AREA_SELECTED.format(col=area_column(filters.area_kind))}
      and {PROGRAM_SELECTED.format(col="e.program")}
    group by 1, e.starts_at >= $start order by 1
    """
    return run(con, sql, with_previous(filters))
