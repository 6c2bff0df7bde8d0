"""The run: build the city, its plan and its rows, write them in one session, and say what
was written (the summary and the planted truth in meta demo_params)."""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from datetime import date
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from nno_dash.core.vocab import AREA_COLUMNS
from nno_dash.demo.attendance import attendance_frames
from nno_dash.demo.city import City, areas_wgs84, make_city
from nno_dash.demo.dates import national_night_out
from nno_dash.demo.events import event_frame
from nno_dash.demo.incidents import incident_frame
from nno_dash.demo.names import AGENCY, SOURCE
from nno_dash.demo.params import DemoParams, validate
from nno_dash.demo.plan import UNDER_SERVED_TREND, Plan, make_plan
from nno_dash.demo.shapes import to_lonlat
from nno_dash.geo import areas as geo
from nno_dash.store import db, frames

# The events table's columns; the frame also carries what attendance needs (host, x, y, ...).
_EVENT_COLUMNS = [
    "event_id", "title", "program", "starts_at", "ends_at", "location", "lat", "lon", "agency",
    "units", "partners", *AREA_COLUMNS.values(), "source",
]  # fmt: skip


def _write(
    path: Path,
    areas: pd.DataFrame,
    incidents: pd.DataFrame,
    events: pd.DataFrame,
    attendance: pd.DataFrame,
    homes: pd.DataFrame,
    meta: dict[str, object],
) -> None:
    """Everything in one write session: the live file changes all at once or not at all."""
    with db.write_session(path, fresh=True) as con:
        frames.insert_frame(con, "areas", areas)
        frames.insert_frame(con, "events", events[_EVENT_COLUMNS])
        frames.insert_frame(con, "attendance", attendance)
        frames.insert_frame(con, "attendance_home_areas", homes)
        frames.insert_numbered_incidents(con, incidents, id_prefix="DC", source=SOURCE)
        db.refresh_aggregates(con)
        db.refresh_event_facts(con)
        rows = len(areas) + len(incidents) + len(events) + len(attendance) + len(homes)
        db.log_import(
            con,
            kind="demo",
            source_file=f"demo generator (seed {meta['seed']})",
            rows_read=rows,
            rows_loaded=rows,
            notes="fictional city; planted truth in meta demo_params",
        )
        db.set_meta(con, "dataset", "demo")
        db.set_meta(con, "dataset_label", "Demo data: fictional city")
        db.set_meta(con, "demo_params", json.dumps(meta))
        db.set_meta(con, "agency_name", AGENCY)
        db.bump_data_version(con, as_of=date.fromisoformat(str(meta["end_date"])))


def _hood_ids(positions: np.ndarray) -> list[str]:
    return [f"neighbourhood:{int(i) + 1}" for i in positions]


def _meta(city: City, plan: Plan, params: DemoParams, counts: dict[str, int]) -> dict[str, object]:
    """The parameters and the planted truth, for the validation of the analytics."""
    period = plan.period
    names = city.hoods["name"]
    nno_dates = sorted(
        national_night_out(y, m)
        for y in range(period.start.year, period.end.year + 1)
        for m in (8, 10)
        if period.start <= national_night_out(y, m) <= period.end
    )
    return {
        "generator": "nno_dash.demo",
        "seed": params.seed,
        "incidents_requested": params.incidents,
        "years": params.years,
        "start_date": period.start.isoformat(),
        "end_date": period.end.isoformat(),
        "effect": params.effect,
        "effect_categories": list(params.effect_categories),
        "effect_start": period.effect_start.isoformat(),
        "treated_count": len(plan.treated),
        "treated_areas": [str(int(i) + 1) for i in plan.treated],
        "treated_area_ids": _hood_ids(plan.treated),
        "treated_area_names": [names[int(i)] for i in plan.treated],
        "under_served_area_ids": _hood_ids(plan.under_served),
        "under_served_area_names": [names[int(i)] for i in plan.under_served],
        "high_crime_area_ids": _hood_ids(np.flatnonzero(city.hoods["high_crime"])),
        "hotspots": [
            {"area_id": f"neighbourhood:{a + 1}", "lat": float(lat), "lon": float(lon)}
            for a, spots in enumerate(city.hotspots)
            for lon, lat in zip(*to_lonlat(spots[:, 0], spots[:, 1]), strict=True)
        ],
        "under_served_trend_per_year": UNDER_SERVED_TREND,
        "october_nno_area_ids": _hood_ids(plan.october_nno),
        "nno_dates": [d.isoformat() for d in nno_dates],
        "counts": counts,
        "truth": (
            "From effect_start, expected incident counts in effect_categories in the treated "
            "neighbourhoods are multiplied by (1 + effect); nothing else changes. Treated "
            "neighbourhoods get monthly watch and partnership meetings and extra National "
            "Night Out parties from then on. Under-served neighbourhoods have among the "
            "highest crime rates, rising, and almost no outreach. Survey trust scores in "
            "treated neighbourhoods are 0.25 higher from effect_start."
        ),
    }


def build_demo(
    path: str | Path,
    params: DemoParams | None = None,
    progress: Callable[[str], None] | None = None,
) -> dict[str, object]:
    """Generate the demo city into `path` (replacing it) and return a small summary."""
    params = params or DemoParams()
    say = progress or (lambda _message: None)
    started = time.perf_counter()
    period = validate(params)

    say("areas")
    city = make_city(params.seed)
    plan = make_plan(city, period, params)
    area_rows = geo.area_rows(areas_wgs84(city))
    # Assign points against the geometry exactly as stored, as an import would.
    stored = gpd.GeoDataFrame(
        area_rows[["area_id", "kind"]],
        geometry=shapely.from_geojson(area_rows["geometry"].to_numpy()),
        crs=geo.WGS84,
    )

    say("incidents")
    incidents = incident_frame(city, plan, params, stored)
    say(f"incidents: {len(incidents):,}")
    say("events")
    events = event_frame(city, plan, params.seed, stored)
    say("attendance")
    attendance, homes = attendance_frames(city, plan, events, params.seed)

    counts = {
        "areas": len(area_rows),
        "incidents": len(incidents),
        "events": len(events),
        "attendance": len(attendance),
        "attendance_home_areas": len(homes),
    }
    meta = _meta(city, plan, params, counts)
    say("writing")
    _write(Path(path), area_rows, incidents, events, attendance, homes, meta)
    return {
        "path": str(path),
        "seconds": round(time.perf_counter() - started, 2),
        "seed": params.seed,
        "counts": counts,
        "start_date": meta["start_date"],
        "end_date": meta["end_date"],
        "effect": params.effect,
        "effect_categories": list(params.effect_categories),
        "effect_start": meta["effect_start"],
        "treated_area_ids": meta["treated_area_ids"],
        "under_served_area_ids": meta["under_served_area_ids"],
    }


def describe_summary(summary: dict[str, object]) -> str:
    """A few lines for the terminal: what was written, where, and the planted truth."""
    counts = summary["counts"]
    treated = summary["treated_area_ids"] or ["none"]
    lines = [
        f"Demo city (seed {summary['seed']}) written to {summary['path']} "
        f"in {summary['seconds']:.1f} s",
        f"  {counts['incidents']:,} incidents {summary['start_date']} to {summary['end_date']}, "
        f"{counts['areas']} areas",
        f"  {counts['events']:,} outreach events, {counts['attendance']:,} with attendance, "
        f"{counts['attendance_home_areas']:,} home-area rows",
        f"  planted effect {float(summary['effect']):+.0%} in "
        f"{', '.join(summary['effect_categories']) or 'no categories'} "
        f"from {summary['effect_start']} in {', '.join(treated)}",
        f"  under-served: {', '.join(summary['under_served_area_ids'])}",
    ]
    return "\n".join(lines)
