"""The overview's numbers: the headline (now and a year earlier) and every area's summary."""

from __future__ import annotations

import pandas as pd

from nno_dash.core.filters import Filters
from nno_dash.queries.run import (
    AREA_SELECTED,
    CATEGORY_SELECTED,
    PROGRAM_SELECTED,
    Con,
    area_column,
    run,
    with_previous,
)


def headline(con: Con, filters: Filters) -> pd.DataFrame:
    """One row: residents, incidents and events/attendance now and a year earlier."""
    area = area_column(filters.area_kind)
    sql = f"""
    with pop as (
        select sum(population) as residents, count(*) as areas
        from areas d where kind = $area_kind and {AREA_SELECTED.format(col="d.area_id")}
    ),
    inc as (
        select
            sum(incidents) filter (where d.occurred_on between $start and $end) as incidents,
            sum(incidents) filter (where d.occurred_on between $pstart and $pend) as incidents_prev
        from incident_daily d
        where d.kind = $counts_kind and d.occurred_on between $pstart and $end
          and {AREA_SELECTED.format(col="d.area_id")}
          and {CATEGORY_SELECTED.format(col="d.category")}
    ),
    ev as (
        select
            count(*) filter (where e.starts_at >= $start) as events,
            count(*) filter (where e.starts_at < $pend + interval 1 day) as events_prev,
            sum(e.headcount) filter (where e.starts_at >= $start) as attendance,
            sum(e.headcount) filter (where e.starts_at < $pend + interval 1 day) as attendance_prev,
            count(distinct {area}) filter (where e.starts_at >= $start) as areas_reached
        from event_facts e
        where ((e.starts_at >= $start and e.starts_at < $end + interval 1 day)
            or (e.starts_at >= $pstart and e.starts_at < $pend + interval 1 day))
          and {AREA_SELECTED.format(col=area)}
          and {PROGRAM_SELECTED.format(col="e.program")}
    ),
    extent as (select min(occurred_on) as first_day from incident_daily)
    select
        pop.residents, pop.areas,
        coalesce(inc.incidents, 0)::bigint as incidents,
        coalesce(inc.incidents_prev, 0)::bigint as incidents_prev,
        ev.events, ev.events_prev,
        coalesce(ev.attendance, 0)::bigint as attendance,
        coalesce(ev.attendance_prev, 0)::bigint as attendance_prev,
        ev.areas_reached,
        coalesce(extent.first_day <= $pstart, false) as previous_complete
    from pop, inc, ev, extent
    """
    return run(con, sql, with_previous(filters))


def area_summary(con: Con, filters: Filters) -> pd.DataFrame:
    """Per area of the chosen kind: population, incidents now and a year earlier, events,
    attendance, days since the last event, and rates per 1,000 residents."""
    sql = f"""
    with cur as (
        select d.area_id,
            sum(incidents) filter (where d.occurred_on >= $start) as incidents,
            sum(incidents) filter (where d.occurred_on <= $pend) as incidents_prev
        from incident_daily d
        where d.kind = $area_kind and d.occurred_on between $pstart and $end
          and {CATEGORY_SELECTED.format(col="d.category")}
        group by 1
    ),
    ev as (  -- one pass: the period's events, and the last event ever up to its end
        select {area_column(filters.area_kind)} as area_id,
            count(*) filter (where e.starts_at >= $start) as events,
            sum(e.headcount) filter (where e.starts_at >= $start) as attendance,
            max(e.starts_at)::date as last_event_ever
        from event_facts e
        where e.starts_at < $end + interval 1 day and {PROGRAM_SELECTED.format(col="e.program")}
        group by 1
    )
    select
        a.area_id, a.name, a.population,
        coalesce(cur.incidents, 0)::bigint as incidents,
        coalesce(cur.incidents_prev, 0)::bigint as incidents_prev,
        coalesce(ev.events, 0)::bigint as events,
        coalesce(ev.attendance, 0)::bigint as attendance,
        ev.last_event_ever as last_event_on,
        date_diff('day', ev.last_event_ever, $end::date) as days_since_event,
        1000.0 * coalesce(cur.incidents, 0) / nullif(a.population, 0) as incident_rate,
        1000.0 * coalesce(cur.incidents_prev, 0) / nullif(a.population, 0) as incident_rate_prev,
        1000.0 * coalesce(ev.events, 0) / nullif(a.population, 0) as event_rate,
        1000.0 * coalesce(ev.attendance, 0) / nullif(a.population, 0) as attendance_rate,
        100.0 * (coalesce(cur.incidents, 0) - cur.incidents_prev) / nullif(cur.incidents_prev, 0)
            as incident_change_pct
    from areas a
    left join cur using (area_id)
    left join ev using (area_id)
    where a.kind = $area_kind and {AREA_SELECTED.format(col="a.area_id")}
    order by a.name
    """
    return run(con, sql, with_previous(filters))
