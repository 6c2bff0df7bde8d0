"""The same page questions answered the way a typical Streamlit dashboard does.

Such a dashboard loads the incident table into pandas once (`st.cache_data`), then on every
filter change filters and groups the frame in Python. The benchmark times these functions
against nno_dash.queries on the same filters and checks that both give the same numbers,
so the speed-up it prints compares like with like.

The load is generous to pandas: only the columns the pages need, text as categoricals
(a `select *` into object columns would need several times the memory at 10M rows).
Questions that never touch incidents or events (dataset metadata, the Data page's import
log) are not the point of the comparison and are run in DuckDB on both sides.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

import duckdb
import numpy as np
import pandas as pd

from nno_dash.core.filters import Filters
from nno_dash.core.vocab import AREA_COLUMNS

DAY = pd.Timedelta(days=1)


@dataclass
class Frames:
    """Everything the pandas dashboard holds in memory after its one-time load."""

    incidents: pd.DataFrame
    events: pd.DataFrame
    areas: pd.DataFrame
    categories: pd.DataFrame

    @property
    def memory_mb(self) -> float:
        frames = (self.incidents, self.events, self.areas, self.categories)
        return sum(f.memory_usage(deep=True).sum() for f in frames) / 2**20


def load(con: duckdb.DuckDBPyConnection) -> Frames:
    """The one-time load: incidents (the columns pages need), events with attendance, areas."""
    areas = list(AREA_COLUMNS.values())
    incidents = con.execute(
        f"select occurred_on, category, sensitive, lat, lon, {', '.join(areas)} from incidents"
    ).df()
    for column in ("category", *areas):
        incidents[column] = incidents[column].astype("category")
    incidents["occurred_on"] = pd.to_datetime(incidents["occurred_on"])
    events = con.execute(
        """select e.*, a.headcount, a.residents, a.youth, a.officers, a.partners as a_partners,
               a.survey_n, a.trust_before, a.trust_after
           from events e left join attendance a using (event_id)"""
    ).df()
    return Frames(
        incidents=incidents,
        events=events,
        areas=con.execute(
            "select area_id, kind, name, population from areas order by area_id"
        ).df(),
        categories=con.execute("select * from offence_categories").df(),
    )


def _ts(day) -> pd.Timestamp:
    return pd.Timestamp(day)


def _incidents(fr: Frames, f: Filters, start, end) -> pd.DataFrame:
    """Incidents in [start, end] (days) in the chosen areas and categories."""
    inc = fr.incidents
    column = AREA_COLUMNS[f.area_kind]
    mask = (inc["occurred_on"] >= _ts(start)) & (inc["occurred_on"] <= _ts(end))
    if f.area_ids:
        mask &= inc[column].isin(f.area_ids).to_numpy()
    if f.categories:
        mask &= inc["category"].isin(f.categories).to_numpy()
    return inc.loc[mask, ["occurred_on", "category", column]].rename(columns={column: "area_id"})


def _events(fr: Frames, f: Filters, *, areas: bool = True, programs: bool = True) -> pd.DataFrame:
    ev = fr.events.assign(area_id=fr.events[AREA_COLUMNS[f.area_kind]])
    mask = np.ones(len(ev), dtype=bool)
    if areas and f.area_ids:
        mask &= ev["area_id"].isin(f.area_ids).to_numpy()
    if programs and f.programs:
        mask &= ev["program"].isin(f.programs).to_numpy()
    return ev[mask]


def _in_days(ev: pd.DataFrame, start, end) -> pd.Series:
    return (ev["starts_at"] >= _ts(start)) & (ev["starts_at"] < _ts(end) + DAY)


def _rate(count: pd.Series, population: pd.Series) -> pd.Series:
    return 1000.0 * count / population.replace(0, np.nan)


def headline(fr: Frames, f: Filters) -> pd.DataFrame:
    p = f.previous_year()
    areas = fr.areas[fr.areas["kind"] == f.area_kind]
    if f.area_ids:
        areas = areas[areas["area_id"].isin(f.area_ids)]
    inc = _incidents(fr, f, p.start, f.end)["occurred_on"]
    ev = _events(fr, f)
    now, before = _in_days(ev, f.start, f.end), _in_days(ev, p.start, p.end)
    first = fr.incidents["occurred_on"].min()
    return pd.DataFrame(
        {
            "residents": [areas["population"].sum(min_count=1)],
            "areas": [len(areas)],
            "incidents": [int(((inc >= _ts(f.start)) & (inc <= _ts(f.end))).sum())],
            "incidents_prev": [int(((inc >= _ts(p.start)) & (inc <= _ts(p.end))).sum())],
            "events": [int(now.sum())],
            "events_prev": [int(before.sum())],
            "attendance": [int(ev.loc[now, "headcount"].sum())],
            "attendance_prev": [int(ev.loc[before, "headcount"].sum())],
            "areas_reached": [ev.loc[now, "area_id"].nunique()],
            "previous_complete": [bool(first <= _ts(p.start))],
        }
    )


def area_summary(fr: Frames, f: Filters) -> pd.DataFrame:
    p = f.previous_year()
    inc = _incidents(fr, replace_areas(f), p.start, f.end)
    counts = pd.DataFrame(
        {
            "incidents": (inc["occurred_on"] >= _ts(f.start)).groupby(inc["area_id"]).sum(),
            "incidents_prev": (inc["occurred_on"] <= _ts(p.end)).groupby(inc["area_id"]).sum(),
        }
    )
    ev_all = _events(fr, f, areas=False)
    ev = ev_all[_in_days(ev_all, f.start, f.end)]
    by_area = ev.groupby("area_id").agg(
        events=("event_id", "size"), attendance=("headcount", "sum")
    )
    last = (
        ev_all[ev_all["starts_at"] < _ts(f.end) + DAY]
        .groupby("area_id")["starts_at"]
        .max()
        .dt.normalize()
        .rename("last_event_on")
    )
    out = fr.areas[fr.areas["kind"] == f.area_kind].drop(columns="kind")
    if f.area_ids:
        out = out[out["area_id"].isin(f.area_ids)]
    out = out.join(counts, on="area_id").join(by_area, on="area_id").join(last, on="area_id")
    prev = out["incidents_prev"]
    for column in ("incidents", "incidents_prev", "events", "attendance"):
        out[column] = out[column].fillna(0).astype("int64")
    out["days_since_event"] = (_ts(f.end) - out["last_event_on"]).dt.days
    out["incident_rate"] = _rate(out["incidents"], out["population"])
    out["incident_rate_prev"] = _rate(out["incidents_prev"], out["population"])
    out["event_rate"] = _rate(out["events"], out["population"])
    out["attendance_rate"] = _rate(out["attendance"], out["population"])
    out["incident_change_pct"] = 100.0 * (out["incidents"] - prev) / prev.replace(0, np.nan)
    return out.sort_values("name").reset_index(drop=True)


def replace_areas(f: Filters) -> Filters:
    """area_summary counts every area of the kind; the area filter picks rows afterwards."""
    return Filters(f.start, f.end, f.area_kind, (), f.programs, f.categories)


def events_by_month(fr: Frames, f: Filters) -> pd.DataFrame:
    ev = _events(fr, f)
    ev = ev[_in_days(ev, f.start, f.end)]
    out = ev.groupby([ev["starts_at"].dt.to_period("M").dt.start_time.rename("month"), "program"])
    out = out.agg(events=("event_id", "size"), attendance=("headcount", "sum")).reset_index()
    return out.sort_values(["month", "program"])


def incidents_by_category(fr: Frames, f: Filters) -> pd.DataFrame:
    p = f.previous_year()
    inc = _incidents(fr, Filters(f.start, f.end, f.area_kind, f.area_ids), p.start, f.end)
    day, category = inc["occurred_on"], inc["category"].astype(str)
    counts = pd.DataFrame(
        {
            "incidents": (day >= _ts(f.start)).groupby(category).sum(),
            "incidents_prev": (day <= _ts(p.end)).groupby(category).sum(),
        }
    )
    cats = fr.categories[["category", "label", "crime_class"]]
    if f.categories:
        cats = cats[cats["category"].isin(f.categories)]
    out = cats.join(counts, on="category")
    out[["incidents", "incidents_prev"]] = out[["incidents", "incidents_prev"]].fillna(0)
    return out.astype({"incidents": "int64", "incidents_prev": "int64"}).sort_values(
        "incidents", ascending=False
    )


def incident_series(fr: Frames, f: Filters, grain: str = "month") -> pd.DataFrame:
    inc = _incidents(fr, f, f.start, f.end)
    freq = {"week": "W-SUN", "month": "M", "year": "Y"}[grain]
    period = inc["occurred_on"].dt.to_period(freq).dt.start_time.rename("period")
    crime_class = inc["category"].map(fr.categories.set_index("category")["crime_class"])
    out = inc.groupby([period, crime_class.astype(str).rename("crime_class")]).size()
    return out.rename("incidents").reset_index().sort_values(["period", "crime_class"])


def seasonal_profile(fr: Frames, f: Filters) -> pd.DataFrame:
    first = fr.incidents["occurred_on"].min()
    inc = _incidents(fr, f, first, f.end)
    day = inc["occurred_on"]
    out = inc.groupby([day.dt.year.rename("year"), day.dt.month.rename("month_of_year")]).size()
    return out.rename("incidents").reset_index()


def events_by_program(fr: Frames, f: Filters) -> pd.DataFrame:
    p = f.previous_year()
    ev = _events(fr, f)
    now, before = _in_days(ev, f.start, f.end), _in_days(ev, p.start, p.end)
    ev = ev[now | before].assign(now=now, before=before)
    rows = []
    for program, g in ev.groupby("program"):
        cur = g[g["now"]]
        survey = cur["survey_n"].astype(float)
        n = survey.sum(min_count=1)
        n = n if pd.notna(n) and n else np.nan
        rows.append(
            {
                "program": program,
                "events": int(g["now"].sum()),
                "attendance": int(cur["headcount"].sum()),
                "events_prev": int(g["before"].sum()),
                "attendance_prev": int(g.loc[g["before"], "headcount"].sum()),
                "survey_n": n,
                "trust_before": (cur["trust_before"] * survey).sum(min_count=1) / n,
                "trust_after": (cur["trust_after"] * survey).sum(min_count=1) / n,
            }
        )
    return pd.DataFrame(rows).sort_values("events", ascending=False)


def event_list(fr: Frames, f: Filters, limit: int = 5000) -> pd.DataFrame:
    ev = _events(fr, f)
    ev = ev[_in_days(ev, f.start, f.end)]
    names = fr.areas.set_index("area_id")["name"]
    out = ev.assign(area_name=ev["area_id"].map(names), partner_orgs=ev["partners"])
    out = out.sort_values("starts_at", ascending=False).head(limit)
    return out.drop(columns="partners").rename(columns={"a_partners": "partners"})


def event_points(fr: Frames, f: Filters, limit: int = 5000) -> pd.DataFrame:
    ev = _events(fr, f)
    ev = ev[_in_days(ev, f.start, f.end)].sort_values("starts_at", ascending=False).head(limit)
    return ev[["starts_at", "title", "program", "lat", "lon", "headcount"]]


def incident_grid(
    fr: Frames, f: Filters, lat0: float, lon0: float, dlat: float, dlon: float
) -> pd.DataFrame:
    inc = fr.incidents
    column = AREA_COLUMNS[f.area_kind]
    mask = (inc["occurred_on"] >= _ts(f.start)) & (inc["occurred_on"] <= _ts(f.end))
    mask &= ~inc["sensitive"] & inc["lat"].notna() & inc["lon"].notna()
    if f.area_ids:
        mask &= inc[column].isin(f.area_ids).to_numpy()
    if f.categories:
        mask &= inc["category"].isin(f.categories).to_numpy()
    sub = inc.loc[mask, ["lat", "lon"]]
    gx = np.floor((sub["lon"] - lon0) / dlon).astype(int).rename("gx")
    gy = np.floor((sub["lat"] - lat0) / dlat).astype(int).rename("gy")
    return sub.groupby([gx, gy]).size().rename("incidents").reset_index()


QUESTIONS = {
    name: globals()[name]
    for name in (
        "headline",
        "area_summary",
        "events_by_month",
        "incidents_by_category",
        "incident_series",
        "seasonal_profile",
        "events_by_program",
        "event_list",
        "event_points",
        "incident_grid",
    )
}


def _text(frame: pd.DataFrame, digits: int) -> pd.DataFrame:
    """Values as text (numbers to `digits` significant digits), for ordering and matching."""

    def cell(value: object) -> str:
        if value is None or (not isinstance(value, str) and pd.isna(value)):
            return ""
        if isinstance(value, bool | np.bool_):
            return str(bool(value))
        if isinstance(value, int | float | np.number):
            return f"{float(value):.{digits}g}"
        if isinstance(value, timedelta):
            return str(value.days)
        if hasattr(value, "isoformat"):
            return pd.Timestamp(value).isoformat()
        return str(value)

    return frame.reset_index(drop=True).map(cell)


def same_result(duck: pd.DataFrame, panda: pd.DataFrame) -> str | None:
    """None when both give the same table (the columns DuckDB returns, rows in any order,
    numbers equal to 1e-9 relative); else the first difference."""
    missing = [c for c in duck.columns if c not in panda.columns]
    if missing:
        return f"pandas result lacks {missing}"
    panda = panda[list(duck.columns)]
    if duck.shape != panda.shape:
        return f"shapes differ: {duck.shape} vs {panda.shape}"
    # Order rows by their values (numbers rounded, so float noise cannot reorder them).
    a = duck.reset_index(drop=True).iloc[_text(duck, 4).sort_values(list(duck.columns)).index]
    b = panda.reset_index(drop=True).iloc[_text(panda, 4).sort_values(list(duck.columns)).index]
    a, b = a.reset_index(drop=True), b.reset_index(drop=True)
    for column in duck.columns:
        x, y = a[column], b[column]
        if pd.api.types.is_float_dtype(x) or pd.api.types.is_float_dtype(y):
            xf = pd.to_numeric(x, errors="coerce").astype(float).to_numpy()
            yf = pd.to_numeric(y, errors="coerce").astype(float).to_numpy()
            bad = ~np.isclose(xf, yf, rtol=1e-9, atol=1e-9, equal_nan=True)
        else:
            bad = (_text(a[[column]], 15) != _text(b[[column]], 15))[column].to_numpy()
        if bad.any():
            i = int(np.flatnonzero(bad)[0])
            return f"{column} differs in row {i}: {a.iloc[i].to_dict()} vs {b.iloc[i].to_dict()}"
    return None
