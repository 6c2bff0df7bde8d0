"""Queries: one function per question the pages ask, `(con, filters) -> DataFrame`.

Every aggregation runs in DuckDB and only results cross into pandas. Incident counts come
from the `incident_daily` pre-aggregate, so their cost does not grow with the incident
table; event questions read `event_facts` (events with their attendance), so none joins.
SQL is fixed text with named parameters; optional filters live inside it.
No function here returns an incident's location or id: that is what keeps pages safe.
"""

from __future__ import annotations

import json
import re
from datetime import date

import duckdb
import pandas as pd

from nno_dash.core.filters import Filters
from nno_dash.core.vocab import AREA_COLUMNS

Con = duckdb.DuckDBPyConnection

# Fixed SQL fragments (no user values): the optional filters, inside the SQL.
AREA_SELECTED = "(len($areas::varchar[]) = 0 or list_contains($areas::varchar[], {col}))"
CATEGORY_SELECTED = (
    "(len($categories::varchar[]) = 0 or list_contains($categories::varchar[], {col}))"
)
PROGRAM_SELECTED = "(len($programs::varchar[]) = 0 or list_contains($programs::varchar[], {col}))"

# Daily counts in the period, areas and categories. $counts_kind: the city's rows unless
# areas are chosen (Filters.counts_kind); a question split by area reads $kind's rows.
INCIDENTS_WHERE = f"""
    d.kind = $counts_kind and d.occurred_on between $start and $end
    and {AREA_SELECTED.format(col="d.area_id")}
    and {CATEGORY_SELECTED.format(col="d.category")}
"""


def area_column(kind: str, table: str = "e") -> str:
    """The area column of a kind in the events (`e`) or incidents (`i`) table, named from the
    fixed list of kinds (never from the value). A `case $kind when ...` here cost DuckDB
    about 3 ms of planning per question."""
    if kind not in AREA_COLUMNS:
        raise ValueError(f"unknown area kind {kind!r}")
    return f"{table}.{AREA_COLUMNS[kind]}"


def events_where(kind: str) -> str:
    """Events in the period, in the chosen areas (of `kind`) and programs."""
    return f"""
    e.starts_at >= $start and e.starts_at < $end + interval 1 day
    and {AREA_SELECTED.format(col=area_column(kind))}
    and {PROGRAM_SELECTED.format(col="e.program")}
"""


def _df(con: Con, sql: str, params: dict[str, object]) -> pd.DataFrame:
    """Run with the parameters the SQL names (DuckDB refuses unused ones)."""
    used = set(re.findall(r"\$(\w+)", sql))
    return con.execute(sql, {k: v for k, v in params.items() if k in used}).df()


def _with_previous(filters: Filters) -> dict[str, object]:
    prev = filters.previous_year()
    return {**filters.params(), "pstart": prev.start, "pend": prev.end}


# The dataset ------------------------------------------------------------------------------


def dataset_info(con: Con) -> dict[str, object]:
    """What is loaded: label, agency, data-as-of date, extent of incidents and events."""
    first, last, ev_first, ev_last, meta = con.execute(
        """
        select
            (select min(occurred_on) from incident_daily),
            (select max(occurred_on) from incident_daily),
            (select min(starts_at)::date from events),
            (select max(starts_at)::date from events),
            (select map(list(key), list(value)) from meta)
        """
    ).fetchone()
    meta = meta or {}
    demo_params = meta.get("demo_params")
    return {
        "dataset": meta.get("dataset", "agency"),
        "label": meta.get("dataset_label", ""),
        "agency": meta.get("agency_name", ""),
        "data_as_of": meta.get("data_as_of", ""),
        "data_version": meta.get("data_version", ""),
        "first_day": first or ev_first,
        "last_day": last or ev_last,
        "first_event_day": ev_first,
        "last_event_day": ev_last,
        "demo_params": json.loads(demo_params) if demo_params else None,
    }


def area_options(con: Con, kind: str) -> pd.DataFrame:
    """area_id, name, population of every area of a kind, by name."""
    return _df(
        con,
        "select area_id, name, population from areas where kind = $kind order by name",
        {"kind": kind},
    )


def area_kinds_present(con: Con) -> list[str]:
    return [
        row[0] for row in con.execute("select distinct kind from areas order by kind").fetchall()
    ]


# Headline numbers -------------------------------------------------------------------------


def headline(con: Con, filters: Filters) -> pd.DataFrame:
    """One row: residents, incidents and events/attendance now and a year earlier."""
    area = area_column(filters.area_kind)
    sql = f"""
    with pop as (
        select sum(population) as residents, count(*) as areas
        from areas d where kind = $kind and {AREA_SELECTED.format(col="d.area_id")}
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
    return _df(con, sql, _with_previous(filters))


# By area ----------------------------------------------------------------------------------


def area_summary(con: Con, filters: Filters) -> pd.DataFrame:
    """Per area of the chosen kind: population, incidents now and a year earlier, events,
    attendance, days since the last event, and rates per 1,000 residents."""
    sql = f"""
    with cur as (
        select d.area_id,
            sum(incidents) filter (where d.occurred_on >= $start) as incidents,
            sum(incidents) filter (where d.occurred_on <= $pend) as incidents_prev
        from incident_daily d
        where d.kind = $kind and d.occurred_on between $pstart and $end
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
    where a.kind = $kind and {AREA_SELECTED.format(col="a.area_id")}
    order by a.name
    """
    return _df(con, sql, _with_previous(filters))


# Over time --------------------------------------------------------------------------------


def events_by_month(con: Con, filters: Filters) -> pd.DataFrame:
    """month, program, events, attendance: monthly outreach in the period by program."""
    sql = f"""
    select date_trunc('month', e.starts_at)::date as month, e.program,
        count(*) as events, coalesce(sum(e.headcount), 0)::bigint as attendance
    from event_facts e
    where {events_where(filters.area_kind)}
    group by all order by month, e.program
    """
    return _df(con, sql, filters.params())


def incidents_by_category(con: Con, filters: Filters) -> pd.DataFrame:
    """category, label, crime_class, incidents, incidents_prev (a year earlier)."""
    prev = filters.previous_year()
    windows = {"incidents": (filters.start, filters.end), "incidents_prev": (prev.start, prev.end)}
    return _by_category(con, filters, windows, order="incidents desc, c.category")


def incident_series(con: Con, filters: Filters, grain: str = "month") -> pd.DataFrame:
    """period, crime_class, incidents at a grain of week, month or year."""
    grains = {"week": "week", "month": "month", "year": "year"}  # allow-list
    sql = f"""
    select date_trunc('{grains[grain]}', d.occurred_on)::date as period, c.crime_class,
        sum(d.incidents)::bigint as incidents
    from incident_daily d join offence_categories c using (category)
    where {INCIDENTS_WHERE}
    group by all order by period, c.crime_class
    """
    return _df(con, sql, filters.params())


def seasonal_profile(con: Con, filters: Filters) -> pd.DataFrame:
    """year, month_of_year, incidents over all the data up to the period's end (seasonal view).

    Whole months come from incident_monthly, the end's own month from incident_daily: the
    same sums, from a table thirty times smaller.
    """
    sql = f"""
    with counts as (
        select d.month as day, d.incidents
        from incident_monthly d
        where d.kind = $counts_kind and d.month < date_trunc('month', $end::date)
          and {AREA_SELECTED.format(col="d.area_id")}
          and {CATEGORY_SELECTED.format(col="d.category")}
        union all
        select d.occurred_on, d.incidents
        from incident_daily d
        where d.kind = $counts_kind
          and d.occurred_on between date_trunc('month', $end::date) and $end
          and {AREA_SELECTED.format(col="d.area_id")}
          and {CATEGORY_SELECTED.format(col="d.category")}
    )
    select year(day) as year, month(day) as month_of_year, sum(incidents)::bigint as incidents
    from counts
    group by all order by year, month_of_year
    """
    return _df(con, sql, filters.params())


# Outreach ---------------------------------------------------------------------------------


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
    return _df(con, sql, _with_previous(filters))


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
    return _df(con, sql, {**filters.params(), "limit": limit})


def event_points(con: Con, filters: Filters, limit: int = 5000) -> pd.DataFrame:
    """starts_at, title, program, lat, lon, headcount: event_list's rows with only what a
    map's markers draw; the full list's 18 columns took most of its time to hand over."""
    sql = f"""
    select e.starts_at, e.title, e.program, e.lat, e.lon, e.headcount
    from event_facts e
    where {events_where(filters.area_kind)}
    order by e.starts_at desc, e.event_id
    limit $limit
    """
    return _df(con, sql, {**filters.params(), "limit": limit})


# Administration ---------------------------------------------------------------------------


def table_counts(con: Con) -> pd.DataFrame:
    """table, rows: what the database holds."""
    tables = ["areas", "events", "attendance", "incidents", "import_log", "rejects"]
    rows = [
        (t, con.execute(f"select count(*) from {t}").fetchone()[0])  # t from the fixed list
        for t in tables
    ]
    return pd.DataFrame(rows, columns=["table", "rows"])


def areas_by_kind(con: Con) -> pd.DataFrame:
    """kind, areas, with_population, residents."""
    return _df(
        con,
        """select kind, count(*) as areas, count(population) as with_population,
               sum(population)::bigint as residents
           from areas group by kind order by kind""",
        {},
    )


def import_log(con: Con, limit: int = 200) -> pd.DataFrame:
    """The latest imports, newest first."""
    return _df(
        con,
        """select import_id, imported_at, kind, source_file, rows_read, rows_loaded,
               rows_updated, rows_rejected, notes
           from import_log order by import_id desc limit $limit""",
        {"limit": limit},
    )


def latest_day(con: Con) -> date | None:
    return con.execute("select max(occurred_on) from incident_daily").fetchone()[0]


# Coverage and hotspots (issue 4) ----------------------------------------------------------

def incident_grid(
    con: Con, filters: Filters, lat0: float, lon0: float, dlat: float, dlon: float
) -> pd.DataFrame:
    """gx, gy, incidents: incidents counted per grid cell (hotspots.Grid), in DuckDB.

    Sensitive offences are left out, and only cell counts leave the database. This reads
    the incident table (the daily aggregate has no locations) with the date range first,
    so DuckDB's zone maps on occurred_on skip most of it.
    """
    sql = f"""
    select floor((i.lon - $lon0) / $dlon)::integer as gx,
        floor((i.lat - $lat0) / $dlat)::integer as gy,
        count(*)::integer as incidents
    from incidents i
    where i.occurred_on between $start and $end
      and not i.sensitive and i.lat is not null and i.lon is not null
      and {AREA_SELECTED.format(col=area_column(filters.area_kind, "i"))}
      and {CATEGORY_SELECTED.format(col="i.category")}
    group by all
    """
    params = {**filters.params(), "lat0": lat0, "lon0": lon0, "dlat": dlat, "dlon": dlon}
    return _df(con, sql, params)


# Import rejects (issue 3, the admin-only Data page) ----------------------------------------


def recent_rejects(con: Con, limit: int = 500) -> pd.DataFrame:
    """Rejected and warned rows of the latest imports, newest import first, by row.

    Holds the raw source records: for the signed-in administrator only.
    """
    return _df(
        con,
        """select import_id, source_file as file, row_number as row, column_name as column,
                  reason, raw
           from rejects order by import_id desc, row_number, reason limit $limit""",
        {"limit": limit},
    )


# Crime trends and outreach evaluation (issue 5) ---------------------------------------------

# A series split: allow-list of the grouping column and its label (never user text in SQL).
SERIES_SPLITS = {
    "crime_class": ("c.crime_class", "c.crime_class"),
    "category": ("d.category", "c.label"),
    "area": ("d.area_id", "a.name"),
}


def incident_series_by(
    con: Con, filters: Filters, grain: str = "month", split: str = "crime_class"
) -> pd.DataFrame:
    """period, group, label, incidents, population, rate_per_1000 at a grain, split by offence
    class, category or area. Rates use the residents of the selected areas (of the area itself
    when split by area); the last period may be partial (see trends.mark_partial)."""
    grains = {"week": "week", "month": "month", "year": "year"}  # allow-list
    column, label = SERIES_SPLITS[split]
    sql = f"""
    with pop as (
        select sum(population) as residents from areas d
        where kind = $kind and {AREA_SELECTED.format(col="d.area_id")}
    )
    select date_trunc('{grains[grain]}', d.occurred_on)::date as period,
        {column} as "group", any_value({label}) as label,
        sum(d.incidents)::bigint as incidents,
        {"any_value(a.population)" if split == "area" else "any_value(pop.residents)"}
            as population,
        min(d.occurred_on) as first_day, max(d.occurred_on) as last_day
    from incident_daily d
    join offence_categories c using (category)
    left join areas a on a.area_id = d.area_id
    cross join pop
    where {INCIDENTS_WHERE}
    group by 1, 2 order by 1, 2
    """
    params = filters.params()
    if split == "area":  # each area's own rows
        params["counts_kind"] = filters.area_kind
    out = _df(con, sql, params)
    out["rate_per_1000"] = 1000.0 * out["incidents"] / out["population"].astype(float)
    return out


def compstat_counts(con: Con, filters: Filters) -> pd.DataFrame:
    """category, label, crime_class and incidents in the CompStat windows ending on the
    period's last day: 28 days, the 28 days before, the same 28 days a year earlier, year to
    date and the prior year to date (trends.compstat_windows)."""
    from nno_dash.analysis import trends

    return _by_category(con, filters, trends.compstat_windows(filters.end), order="c.category")


# the orders _by_category accepts (an allow-list: the text goes into the SQL)
_CATEGORY_ORDERS = ("incidents desc, c.category", "c.category")


def _by_category(
    con: Con, filters: Filters, windows: dict[str, tuple[date, date]], order: str
) -> pd.DataFrame:
    """Every selected offence category with its incidents in each named window of days.

    Window names become columns; they come from this module and trends, never from a user,
    and the windows' dates are parameters. One scan from the earliest day to the latest.
    """
    if order not in _CATEGORY_ORDERS:
        raise ValueError(f"unknown order {order!r}")
    sums = ",\n".join(
        f"sum(d.incidents) filter (where d.occurred_on between ${name}_from and ${name}_to) "
        f"as {name}"
        for name in windows
    )
    columns = ", ".join(f"coalesce(n.{name}, 0)::bigint as {name}" for name in windows)
    # Summed by category before the categories' labels join: grouping the daily rows by the
    # three text columns took most of the question.
    sql = f"""
    with n as (
        select d.category, {sums}
        from incident_daily d
        where d.kind = $counts_kind and d.occurred_on between $lo and $hi
          and {AREA_SELECTED.format(col="d.area_id")}
          and {CATEGORY_SELECTED.format(col="d.category")}
        group by 1
    )
    select c.category, c.label, c.crime_class, {columns}
    from offence_categories c
    left join n using (category)
    where {CATEGORY_SELECTED.format(col="c.category")}
    order by {order}
    """
    params = {**filters.params()}
    for name, (first, last) in windows.items():
        params[f"{name}_from"], params[f"{name}_to"] = first, last
    params["lo"] = min(first for first, _ in windows.values())
    params["hi"] = max(last for _, last in windows.values())
    return _df(con, sql, params)


def program_event_days(con: Con, program: str | None) -> pd.DataFrame:
    """day, events: every day with the program's events (all programs: None)."""
    from nno_dash.analysis import evaluation

    return evaluation.program_days(con, program)


def event_study(
    con: Con,
    kind: str,
    categories: tuple[str, ...],
    area_ids: tuple[str, ...],
    program: str | None,
    anchor: date,
    weeks: int,
) -> object:
    """The event study around a program's day (an evaluation.EventStudy, not a frame).

    It takes what the study depends on rather than the sidebar's filters: its window is
    `weeks` either side of `anchor`, so a change of period alone keeps its cached answer.
    """
    from nno_dash.analysis import evaluation

    filters = Filters(anchor, anchor, area_kind=kind, area_ids=area_ids, categories=categories)
    return evaluation.event_study(con, filters, program, anchor, weeks)


def survey_by_event(con: Con, filters: Filters) -> pd.DataFrame:
    """program, starts_at, survey_n, trust_before, trust_after of surveyed events in the period."""
    sql = f"""
    select e.program, e.starts_at, e.survey_n, e.trust_before, e.trust_after
    from event_facts e
    where {events_where(filters.area_kind)} and e.survey_n > 0
    order by e.starts_at
    """
    return _df(con, sql, filters.params())


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
    return _df(con, sql, _with_previous(filters))
