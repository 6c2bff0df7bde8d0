"""Incidents: counts by category, over time, by season, on a grid, and in CompStat windows."""

from __future__ import annotations

from datetime import date

import pandas as pd

from nno_dash.analysis.trends import compstat_windows
from nno_dash.core.filters import Filters
from nno_dash.queries.run import (
    AREA_SELECTED,
    CATEGORY_SELECTED,
    INCIDENTS_WHERE,
    Con,
    area_column,
    run,
)


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
    return run(con, sql, filters.params())


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
    return run(con, sql, filters.params())


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
    return run(con, sql, params)


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
        where kind = $area_kind and {AREA_SELECTED.format(col="d.area_id")}
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
    out = run(con, sql, params)
    out["rate_per_1000"] = 1000.0 * out["incidents"] / out["population"].astype(float)
    return out


def compstat_counts(con: Con, filters: Filters) -> pd.DataFrame:
    """category, label, crime_class and incidents in the CompStat windows ending on the
    period's last day: 28 days, the 28 days before, the same 28 days a year earlier, year to
    date and the prior year to date (trends.compstat_windows)."""
    return _by_category(con, filters, compstat_windows(filters.end), order="c.category")


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
    return run(con, sql, params)
