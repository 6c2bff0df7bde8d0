"""The outreach evaluation's reads: the program's event days, the event study's panel, and
the study itself for callers outside the app (bench/, tests), which cache nothing."""

from __future__ import annotations

from datetime import date

import pandas as pd

from nno_dash.analysis.event_study import (
    DEFAULT_PROGRAM,
    DEFAULT_WEEKS,
    EventStudy,
    StudyData,
    default_anchor,
    event_study,
    no_events,
    study_from_rows,
    study_weeks,
)
from nno_dash.analysis.matching import touching
from nno_dash.core.filters import Filters
from nno_dash.queries.geography import load_areas
from nno_dash.queries.run import CATEGORY_SELECTED, Con, area_column, run


def program_days(con: Con, program: str | None = DEFAULT_PROGRAM) -> pd.DataFrame:
    """day, events: every day with the program's events (all programs: None), by day."""
    sql = """
    select e.starts_at::date as day, count(*) as events
    from events e
    where ($program::varchar is null or e.program = $program::varchar)
    group by 1 order by 1
    """
    out = run(con, sql, {"program": program})
    out["day"] = pd.to_datetime(out["day"]).dt.date
    return out


def study_data(
    con: Con, kind: str, categories: tuple[str, ...], program: str | None, anchor: date, weeks: int
) -> StudyData:
    """The event study's areas and weekly counts for the day and its placebo, one statement.

    One statement, not three: DuckDB's fixed cost per statement dominated the wait. It takes
    what the study depends on rather than the sidebar's filters: the window is `weeks` either
    side of `anchor`, so a change of period alone keeps the cached answer.
    """
    sql = f"""
    with weekly as (
        select d.area_id,
            floor(date_diff('day', $anchor::date, d.occurred_on) / 7)::integer as week,
            sum(d.incidents)::bigint as incidents
        from incident_daily d
        where d.kind = $area_kind and d.area_id is not null
          and {CATEGORY_SELECTED.format(col="d.category")}
          and d.occurred_on between $first and $end
        group by all
    ),
    per_area as (
        select area_id, list(week) as weeks, list(incidents) as counts from weekly group by 1
    ),
    ev as (
        select {area_column(kind)} as area_id, count(*) as program_events,
            count(*) filter (where e.starts_at >= $near_start and e.starts_at < $near_end)
                as events_near_day
        from events e
        where e.starts_at >= $start and e.starts_at < $end + interval 1 day
          and ($program::varchar is null or e.program = $program::varchar)
        group by 1
    )
    select a.area_id, a.name, a.population,
        coalesce(ev.program_events, 0)::bigint as program_events,
        coalesce(ev.events_near_day, 0)::bigint as events_near_day,
        per_area.weeks, per_area.counts,
        (select min(occurred_on) from incident_daily) as first_day,
        (select max(occurred_on) from incident_daily) as last_day
    from areas a left join ev using (area_id) left join per_area using (area_id)
    where a.kind = $area_kind
    order by a.area_id
    """
    params = {"area_kind": kind, "categories": list(categories), "program": program}
    out = run(con, sql, {**params, **study_weeks(anchor, weeks)})
    return study_from_rows(out, anchor, weeks)


def study_for(
    con: Con,
    filters: Filters,
    program: str | None = DEFAULT_PROGRAM,
    anchor: date | None = None,
    weeks: int = DEFAULT_WEEKS,
) -> EventStudy:
    """The whole event study in one call, for the benchmark and the tests: the areas and
    categories from `filters`, the day (None: the program's busiest in the period) and
    the areas' adjacency worked out afresh. The app caches the parts instead."""
    if anchor is None:
        anchor = default_anchor(program_days(con, program), filters.start, filters.end)
        if anchor is None:
            return no_events(program, filters.end, weeks)
    anchor = pd.Timestamp(anchor).date()
    data = study_data(con, filters.area_kind, filters.categories, program, anchor, weeks)
    touches = touching(load_areas(con, filters.area_kind))
    return event_study(data, touches, program, filters.area_ids)
