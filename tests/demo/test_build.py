"""The demo database as built: deterministic, realistic enough for every page, and carrying
the planted truth (treated areas, under-served areas, effect) the analytics are checked on."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import replace
from datetime import date
from pathlib import Path

import duckdb
import numpy as np
import pytest
import shapely

from nno_dash.core.vocab import AREA_KINDS, PROGRAMS
from nno_dash.demo.build import build_demo, describe_summary
from nno_dash.demo.dates import national_night_out
from nno_dash.demo.params import DemoParams
from nno_dash.store import db

ROOT = Path(__file__).resolve().parents[2]
SMALL = DemoParams(seed=7, incidents=20_000)
# Large enough that a 20 % drop in a handful of areas stands well clear of the noise.
EFFECT = DemoParams(seed=11, incidents=100_000)

CHECKSUMS = {
    "areas": "select count(*), sum(hash(t)) from areas t",
    "incidents": "select count(*), sum(hash(t)) from incidents t",
    "events": "select count(*), sum(hash(t)) from events t",
    "attendance": "select count(*), sum(hash(t)) from attendance t",
    "attendance_home_areas": "select count(*), sum(hash(t)) from attendance_home_areas t",
}


def _build(tmp: Path, params: DemoParams, name: str = "demo.duckdb") -> Path:
    path = tmp / name
    build_demo(path, params)
    return path


def _checksums(path: Path) -> dict[str, tuple]:
    with duckdb.connect(str(path), read_only=True) as con:
        return {table: con.execute(sql).fetchone() for table, sql in CHECKSUMS.items()}


def _meta(con: duckdb.DuckDBPyConnection) -> dict:
    return json.loads(db.get_meta(con, "demo_params"))


@pytest.fixture(scope="module")
def small_path(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return _build(tmp_path_factory.mktemp("small"), SMALL)


@pytest.fixture
def con(small_path: Path) -> Iterator[duckdb.DuckDBPyConnection]:
    """Shadows the session-wide `con`: these tests need a city whose parameters they know."""
    con = db.open_readonly(small_path)
    yield con
    con.close()


@pytest.fixture
def meta(con: duckdb.DuckDBPyConnection) -> dict:
    return _meta(con)


# Determinism ------------------------------------------------------------------------------


def test_same_seed_gives_identical_tables(small_path: Path, tmp_path: Path) -> None:
    again = _build(tmp_path, SMALL)
    assert _checksums(again) == _checksums(small_path)


def test_other_seed_gives_another_city(small_path: Path, tmp_path: Path) -> None:
    other = _checksums(_build(tmp_path, replace(SMALL, seed=8)))
    mine = _checksums(small_path)
    for table in ("areas", "incidents", "events", "attendance"):
        assert other[table] != mine[table], table


# Areas ------------------------------------------------------------------------------------


def test_every_area_kind_has_populations_and_valid_polygons(con: duckdb.DuckDBPyConnection) -> None:
    rows = con.execute(
        """
        select kind, count(*), sum(population), min(population), max(population),
            count(*) filter (where population is null), list(geometry)
        from areas group by kind
        """
    ).fetchall()
    by_kind = {r[0]: r[1:] for r in rows}
    assert set(by_kind) == set(AREA_KINDS)
    for kind, (_n, total, low, _high, missing, geometries) in by_kind.items():
        assert missing == 0 and low > 0, kind
        assert 590_000 <= total <= 610_000, kind  # every kind covers the same ~600k people
        polygons = shapely.from_geojson(geometries)
        assert shapely.is_valid(polygons).all(), kind
        assert (shapely.get_type_id(polygons) == 3).all(), kind  # one polygon each
    assert by_kind["neighbourhood"][0] == 40
    assert by_kind["neighbourhood"][2] >= 2_000 and by_kind["neighbourhood"][3] <= 45_000
    assert by_kind["district"][0] == 8 and by_kind["council_district"][0] == 8
    assert 100 <= by_kind["beat"][0] <= 140


def test_area_ids_codes_and_names_follow_the_conventions(con: duckdb.DuckDBPyConnection) -> None:
    areas = con.execute("select area_id, kind, code, name from areas").fetchall()
    assert all(area_id == f"{kind}:{code}" for area_id, kind, code, _ in areas)
    names = {kind: [n for _, k, _, n in areas if k == kind] for kind in AREA_KINDS}
    assert len(set(names["neighbourhood"])) == 40
    assert "1st District" in names["district"] and "Council District 8" in names["council_district"]
    beat_codes = [code for _, kind, code, _ in areas if kind == "beat"]
    assert all(re.fullmatch(r"0[1-8][1-9][1-9]", code) for code in beat_codes)


def test_beats_nest_in_their_districts(con: duckdb.DuckDBPyConnection) -> None:
    """Both as polygons and for every incident and event: beat 0611 is in district 6."""
    areas = con.execute("select area_id, kind, geometry from areas").fetchall()
    shapes = {area_id: shapely.from_geojson(g) for area_id, kind, g in areas}
    for area_id, kind, _ in areas:
        if kind == "beat":
            district = shapes[f"district:{int(area_id[5:7])}"]
            assert shapes[area_id].difference(district).area < 1e-10, area_id
    for table in ("incidents", "events"):
        wrong = con.execute(
            f"""
            select count(*) from {table}
            where beat_id is null or district_id is null or neighbourhood_id is null
               or council_district_id is null
               or district_id != 'district:' || cast(substr(beat_id, 6, 2) as integer)
            """
        ).fetchone()[0]
        assert wrong == 0, table


# Incidents --------------------------------------------------------------------------------


def test_total_incidents_close_to_requested(con: duckdb.DuckDBPyConnection) -> None:
    n = con.execute("select count(*) from incidents").fetchone()[0]
    assert abs(n - SMALL.incidents) <= 0.05 * SMALL.incidents
    daily = con.execute(
        "select sum(incidents) from incident_daily where kind = 'neighbourhood'"
    ).fetchone()[0]
    assert daily == n


def test_incident_fields_look_like_an_agency_export(con: duckdb.DuckDBPyConnection) -> None:
    row = con.execute(
        """
        select count(*) filter (where not regexp_full_match(incident_id, 'DC-[0-9]{6}')),
            count(*) filter (where not regexp_full_match(case_number, 'J[A-Z][0-9]{6}')),
            count(distinct case_number) = count(*),
            count(*) filter (where reported_at < occurred_at),
            count(*) filter (where occurred_on != occurred_at::date),
            count(*) filter (
                where not regexp_full_match(block_address, '[0-9]{3}XX [NSEW] .+ (ST|AVE)')
            ),
            count(*) filter (where source != 'demo'),
            min(occurred_on), max(occurred_on)
        from incidents
        """
    ).fetchone()
    assert row[:7] == (0, 0, True, 0, 0, 0, 0)
    assert row[7:] == (date(2021, 11, 1), date(2026, 10, 31))
    codes = dict(
        con.execute(
            "select category, count(distinct offence_code) from incidents group by 1"
        ).fetchall()
    )
    assert len(codes) == 15 and min(codes.values()) >= 2


def test_category_mix_is_realistic(con: duckdb.DuckDBPyConnection) -> None:
    counts = dict(con.execute("select category, count(*) from incidents group by 1").fetchall())
    ranked = sorted(counts, key=counts.get, reverse=True)
    assert ranked[0] == "larceny_theft" and ranked[-1] == "homicide"


def test_summer_has_more_crime_than_winter(con: duckdb.DuckDBPyConnection) -> None:
    summer, winter = con.execute(
        """
        select count(*) filter (where month(occurred_on) in (7, 8)) / 62.0,
               count(*) filter (where month(occurred_on) in (1, 2)) / 59.25
        from incidents
        """
    ).fetchone()
    assert summer > 1.2 * winter


def test_weekends_and_hours_follow_their_cycles(con: duckdb.DuckDBPyConnection) -> None:
    weekend, midweek, night_violence, day_theft = con.execute(
        """
        select count(*) filter (where dayofweek(occurred_on) in (5, 6)),
               count(*) filter (where dayofweek(occurred_on) in (2, 3)),
               avg((hour(occurred_at) >= 20 or hour(occurred_at) < 4)::int)
                   filter (where category = 'aggravated_assault'),
               avg((hour(occurred_at) between 9 and 17)::int)
                   filter (where category = 'larceny_theft')
        from incidents
        """
    ).fetchone()
    assert weekend > 1.1 * midweek
    assert night_violence > 0.4 and day_theft > 0.5


def test_hotspots_exist(con: duckdb.DuckDBPyConnection) -> None:
    """The busiest 2 % of ~200 m cells hold far more than 2 % of incidents."""
    share = con.execute(
        """
        with cells as (
            select count(*) as n from incidents group by floor(lat / 0.002), floor(lon / 0.0025)
        ), ranked as (
            select n, row_number() over (order by n desc) as rank, count(*) over () as cells
            from cells
        )
        select sum(n) filter (where rank <= 0.02 * cells) / sum(n) from ranked
        """
    ).fetchone()[0]
    assert share > 0.08


def test_recorded_hotspots_lie_in_their_areas_and_draw_crime(
    con: duckdb.DuckDBPyConnection, meta: dict
) -> None:
    """Around each recorded hotspot, incidents are far denser than in its area as a whole."""
    hotspots = meta["hotspots"]
    assert len(hotspots) >= 15
    shapes = dict(con.execute("select area_id, geometry from areas").fetchall())
    ratios = []
    for spot in hotspots:
        assert shapely.contains_xy(
            shapely.from_geojson(shapes[spot["area_id"]]), spot["lon"], spot["lat"]
        )
        near, total, km2 = con.execute(
            """
            select count(*) filter (where abs(lat - $lat) < 0.0027 and abs(lon - $lon) < 0.0035),
                count(*), any_value(a.area_km2)
            from incidents i join areas a on a.area_id = i.neighbourhood_id
            where i.neighbourhood_id = $area
            """,
            {"lat": spot["lat"], "lon": spot["lon"], "area": spot["area_id"]},
        ).fetchone()
        ratios.append((near / 0.36) / (total / km2))  # the box is about 0.6 x 0.6 km
    assert np.median(ratios) > 2


def test_sensitive_offences_are_flagged(con: duckdb.DuckDBPyConnection) -> None:
    rows = con.execute("select category, avg(sensitive::int) from incidents group by 1").fetchall()
    share = dict(rows)
    assert share["rape"] == 1.0
    assert 0.15 < share["simple_assault"] < 0.35 and 0.15 < share["aggravated_assault"] < 0.35
    assert 0 < share["other"] < 0.5
    assert share["larceny_theft"] == 0 and share["homicide"] == 0


# Events and attendance --------------------------------------------------------------------


def test_every_program_is_present(con: duckdb.DuckDBPyConnection) -> None:
    counts = dict(con.execute("select program, count(*) from events group by 1").fetchall())
    assert set(counts) == set(PROGRAMS)
    assert 2_000 <= sum(counts.values()) <= 10_000
    assert counts["coffee_with_a_cop"] == 8 * 60  # one per district a month, 60 months


def test_national_night_out_falls_on_first_tuesday_of_august_or_october(
    con: duckdb.DuckDBPyConnection,
) -> None:
    rows = con.execute(
        "select starts_at, ends_at from events where program = 'national_night_out'"
    ).fetchall()
    days = {start.date() for start, _ in rows}
    august = {national_night_out(y, 8) for y in range(2022, 2027)}
    october = {national_night_out(y, 10) for y in range(2022, 2027)}
    assert days <= august | october
    assert days & august and days & october
    assert all(d.weekday() == 1 and d.day <= 7 for d in days)
    assert all(s.hour >= 17 and e.hour * 60 + e.minute <= 21 * 60 for s, e in rows)


def test_events_have_places_and_areas(con: duckdb.DuckDBPyConnection) -> None:
    row = con.execute(
        """
        select count(*) filter (where neighbourhood_id is null or lat is null or location is null),
            count(*) filter (where not regexp_full_match(event_id, 'EV-[0-9]{5}')),
            count(*) filter (where ends_at <= starts_at),
            count(*) filter (where agency != 'Demo City Police Department' or source != 'demo'),
            count(*) filter (where program = 'national_night_out' and units is null),
            min(starts_at)::date >= date '2021-11-01' and max(starts_at)::date <= date '2026-10-31'
        from events
        """
    ).fetchone()
    assert row == (0, 0, 0, 0, 0, True)


def test_attendance_breakdowns_add_up(con: duckdb.DuckDBPyConnection) -> None:
    row = con.execute(
        """
        select count(*) / (select count(*) from events),
            count(*) filter (where residents + youth + officers + a.partners > headcount),
            count(*) filter (where survey_n is not null) / count(*),
            count(*) filter (
                where trust_before not between 1 and 5 or trust_after not between 1 and 5
            ),
            avg(trust_after - trust_before),
            min(headcount) filter (where program = 'national_night_out'),
            max(headcount) filter (where program = 'national_night_out'),
            max(headcount) filter (where program = 'coffee_with_a_cop'),
            count(*) filter (where survey_n > headcount)
        from attendance a join events e using (event_id)
        """
    ).fetchone()
    coverage, over, surveyed, out_of_scale, lift, nno_min, nno_max, coffee_max, big_survey = row
    assert coverage > 0.9 and over == 0 and out_of_scale == 0 and big_survey == 0
    assert 0.3 < surveyed < 0.6
    assert 0.15 < lift < 0.45
    assert nno_min >= 40 and nno_max <= 400 and coffee_max <= 50
    homes = con.execute(
        """
        select count(distinct h.event_id), count(*) filter (where h.headcount > a.headcount),
            count(*) filter (where h.home_area_id not in (select area_id from areas))
        from attendance_home_areas h join attendance a using (event_id)
        """
    ).fetchone()
    assert homes[0] > 0 and homes[1:] == (0, 0)


# The planted truth ------------------------------------------------------------------------


def test_meta_records_the_dataset_and_the_truth(con: duckdb.DuckDBPyConnection, meta: dict) -> None:
    assert db.get_meta(con, "dataset") == "demo"
    assert db.get_meta(con, "dataset_label") == "Demo data: fictional city"
    assert db.get_meta(con, "agency_name") == "Demo City Police Department"
    assert db.get_meta(con, "data_version")
    assert meta["seed"] == SMALL.seed and meta["effect"] == SMALL.effect
    assert meta["effect_start"] == "2024-08-06"  # NNO two years before the end
    assert len(meta["treated_area_ids"]) == SMALL.treated_count
    assert 3 <= len(meta["under_served_area_ids"]) <= 4
    assert not set(meta["treated_area_ids"]) & set(meta["under_served_area_ids"])
    assert (
        meta["counts"]["incidents"] == con.execute("select count(*) from incidents").fetchone()[0]
    )
    log = con.execute("select kind, source_file, rows_loaded from import_log").fetchall()
    assert log == [("demo", "demo generator (seed 7)", sum(meta["counts"].values()))]


def test_under_served_areas_have_high_crime_and_little_outreach(
    con: duckdb.DuckDBPyConnection, meta: dict
) -> None:
    rates = con.execute(
        """
        select a.area_id,
            (select count(*) from incidents i where i.neighbourhood_id = a.area_id)
                * 1000.0 / a.population as crime_rate,
            (select count(*) from events e where e.neighbourhood_id = a.area_id)
                * 1000.0 / a.population as outreach_rate
        from areas a where a.kind = 'neighbourhood'
        """
    ).df()
    top_tercile = set(rates.nlargest(len(rates) // 3, "crime_rate")["area_id"])
    median_outreach = rates["outreach_rate"].median()
    under = rates[rates["area_id"].isin(meta["under_served_area_ids"])]
    assert set(under["area_id"]) <= top_tercile
    assert (under["outreach_rate"] < median_outreach).all()


def test_treated_areas_are_mid_or_high_crime_and_get_sustained_outreach(
    con: duckdb.DuckDBPyConnection, meta: dict
) -> None:
    monthly = con.execute(
        """
        select neighbourhood_id, count(distinct date_trunc('month', starts_at))
        from events
        where list_contains($treated, neighbourhood_id) and starts_at >= $start
            and program in ('neighbourhood_watch', 'community_meeting')
        group by 1
        """,
        {"treated": meta["treated_area_ids"], "start": date.fromisoformat(meta["effect_start"])},
    ).fetchall()
    assert len(monthly) == len(meta["treated_area_ids"])
    assert all(months >= 26 for _, months in monthly)  # every month from Aug 2024 to Oct 2026


def _did(con: duckdb.DuckDBPyConnection, meta: dict, years: int = 2) -> float:
    """Ratio of after/before ratios, treated against untreated, in the effect categories.

    Same months before and after (whole years either side of the start), so the season
    cancels; the under-served areas are left out of the comparison group because they
    are documented as rising.
    """
    rows = con.execute(
        """
        select list_contains($treated, neighbourhood_id), occurred_on >= $start, count(*)
        from incidents
        where list_contains($categories, category)
          and not list_contains($under_served, neighbourhood_id)
          and occurred_on >= $start - to_years($years) and occurred_on < $start + to_years($years)
        group by all
        """,
        {
            "treated": meta["treated_area_ids"],
            "under_served": meta["under_served_area_ids"],
            "categories": meta["effect_categories"],
            "start": date.fromisoformat(meta["effect_start"]),
            "years": years,
        },
    ).fetchall()
    n = {(treated, after): count for treated, after, count in rows}
    return (n[True, True] / n[True, False]) / (n[False, True] / n[False, False])


@pytest.fixture(scope="module")
def effect_pair(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    tmp = tmp_path_factory.mktemp("effect")
    return (
        _build(tmp, EFFECT, "effect.duckdb"),
        _build(tmp, replace(EFFECT, effect=0.0), "no_effect.duckdb"),
    )


def test_planted_effect_is_visible(effect_pair: tuple[Path, Path]) -> None:
    with_effect, without = effect_pair
    with duckdb.connect(str(with_effect), read_only=True) as con:
        did = _did(con, _meta(con))
    with duckdb.connect(str(without), read_only=True) as con:
        did_zero = _did(con, _meta(con))
    assert 0.70 < did < 0.90  # planted: x 0.8
    assert 0.90 < did_zero < 1.10  # no effect, no drop
    assert did / did_zero == pytest.approx(1 + EFFECT.effect, abs=0.06)


def test_untreated_areas_do_not_move_with_the_effect(effect_pair: tuple[Path, Path]) -> None:
    """Each area has its own random stream, so only treated areas differ between the two."""
    with_effect, without = effect_pair
    with duckdb.connect(str(with_effect), read_only=True) as con:
        treated = _meta(con)["treated_area_ids"]
        con.execute(f"attach '{without}' as other (read_only)")
        differing = con.execute(
            """
            select distinct area_id from (
                (select area_id, occurred_on, category, incidents from incident_daily
                 where kind = 'neighbourhood'
                 except all
                 select area_id, occurred_on, category, incidents from other.incident_daily
                 where kind = 'neighbourhood')
                union all
                (select area_id, occurred_on, category, incidents from other.incident_daily
                 where kind = 'neighbourhood'
                 except all
                 select area_id, occurred_on, category, incidents from incident_daily
                 where kind = 'neighbourhood')
            )
            """
        ).fetchall()
    assert {a for (a,) in differing} == set(treated)


def test_named_treated_areas_are_used(tmp_path: Path) -> None:
    params = DemoParams(seed=3, incidents=5_000, treated_areas=("3", "neighbourhood:12"))
    path = _build(tmp_path, params)
    with duckdb.connect(str(path), read_only=True) as con:
        meta = _meta(con)
    assert meta["treated_area_ids"] == ["neighbourhood:3", "neighbourhood:12"]
    assert not set(meta["under_served_area_ids"]) & set(meta["treated_area_ids"])


# Parameters and the command line ----------------------------------------------------------


def test_summary_and_its_description(small_path: Path, tmp_path: Path) -> None:
    messages: list[str] = []
    summary = build_demo(
        tmp_path / "d.duckdb", replace(SMALL, incidents=2_000), progress=messages.append
    )
    assert {"areas", "incidents", "events", "attendance", "writing"} <= set(messages)
    assert summary["counts"]["areas"] > 150 and summary["seconds"] > 0
    text = describe_summary(summary)
    assert str(tmp_path / "d.duckdb") in text and "2024-08-06" in text
    assert len(text.splitlines()) <= 6


def test_cli_builds_a_demo_database(tmp_path: Path) -> None:
    path = tmp_path / "cli.duckdb"
    result = subprocess.run(
        [sys.executable, "-m", "nno_dash", "demo", "--db", str(path), "--incidents", "5000",
         "--seed", "3"],
        cwd=ROOT, capture_output=True, text=True, timeout=120, check=False,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    assert "incidents" in result.stdout
    with duckdb.connect(str(path), read_only=True) as con:
        n = con.execute("select count(*) from incidents").fetchone()[0]
    assert 4_500 <= n <= 5_500
