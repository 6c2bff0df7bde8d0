"""Importer: real Chicago files in, counts that agree with the raw files, every rule enforced."""

from __future__ import annotations

import csv
import io
import json
import shutil
from collections import Counter
from datetime import datetime
from pathlib import Path

import duckdb
import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely
from import_fixtures import (
    BAD,
    BEATS,
    CAPS_JSON,
    COMMUNITY_AREAS,
    COMMUNITY_AREAS_SHP,
    CRIMES_2016,
    CRIMES_2022_SLIM,
    CRIMES_2023,
    CRIMES_2024,
    DISTRICTS,
    GOOD,
    HOMICIDES,
    areas_db,  # noqa: F401 - fixtures shared through import_fixtures
    chicago_db,  # noqa: F401
    crimes_2024_db,  # noqa: F401
    file_digest,
    homicides_db,  # noqa: F401
    needs_chicago,
    query,
    raw_rows,
    scalar,
)

from nno_dash.__main__ import _ProgressBar, main
from nno_dash.ingest import mapping, pipeline
from nno_dash.ingest.report import ImportReport, format_summary
from nno_dash.store import db

pytestmark = needs_chicago

CHICAGO_DATE = "%m/%d/%Y %I:%M:%S %p"

# The test's own reading of Chicago's FBI codes (docs/mapping.md), independent of the
# shipped mapping file: FBI code -> category, and Primary Type for code 26.
FBI = {
    "01A": "homicide",
    "01B": "other",
    "02": "rape",
    "03": "robbery",
    "04A": "aggravated_assault",
    "04B": "aggravated_assault",
    "05": "burglary",
    "06": "larceny_theft",
    "07": "motor_vehicle_theft",
    "08A": "simple_assault",
    "08B": "simple_assault",
    "09": "arson",
    "10": "fraud",
    "11": "fraud",
    "12": "fraud",
    "13": "other",
    "14": "vandalism",
    "15": "weapons",
    "16": "disorder",
    "17": "other",
    "18": "drugs",
    "19": "disorder",
    "20": "other",
    "22": "disorder",
    "24": "disorder",
}
TYPE_26 = {
    "NARCOTICS": "drugs",
    "PUBLIC PEACE VIOLATION": "disorder",
    "INTERFERENCE WITH PUBLIC OFFICER": "disorder",
    "INTIMIDATION": "simple_assault",
}
SENSITIVE_TYPES = {
    "CRIMINAL SEXUAL ASSAULT",
    "CRIM SEXUAL ASSAULT",
    "SEX OFFENSE",
    "OFFENSE INVOLVING CHILDREN",
    "HUMAN TRAFFICKING",
    "KIDNAPPING",
    "STALKING",
    "OBSCENITY",
    "PUBLIC INDECENCY",
}


def expected_category(row: dict) -> str:
    return FBI.get(row["FBI Code"]) or TYPE_26.get(row["Primary Type"], "other")


def expected_sensitive(row: dict) -> bool:
    return (
        row["Domestic"] == "true"
        or row["FBI Code"] in ("02", "17", "20")
        or row["Primary Type"] in SENSITIVE_TYPES
    )


def table_digest(path: Path, table: str) -> list[tuple]:
    return query(path, f"select * from {table} order by all")


def run(path: Path, kind: str, files, mapping_name=None, **kwargs) -> ImportReport:
    files = files if isinstance(files, list | tuple) else [files]
    return pipeline.run(path, kind, files, mapping_name, **kwargs)


# ---------------------------------------------------------------- areas


def test_community_areas_beats_districts_coexist(areas_db):  # noqa: F811
    kinds = dict(query(areas_db, "select kind, count(*) from areas group by kind"))
    assert kinds == {"neighbourhood": 77, "beat": 275, "district": 23}
    names = dict(query(areas_db, "select area_id, name from areas where kind = 'neighbourhood'"))
    assert names["neighbourhood:8"] == "Near North Side"
    assert names["neighbourhood:32"] == "Loop"
    assert scalar(areas_db, "select name from areas where area_id = 'beat:0611'") == "Beat 0611"
    assert scalar(areas_db, "select name from areas where area_id = 'district:9'") == "District 9"


def test_populations_from_a_separate_table(areas_db):  # noqa: F811
    # 2020 Census, PROVENANCE: total 2,746,388 over the 77 community areas
    total, known = query(
        areas_db,
        "select sum(population), count(population) from areas where kind = 'neighbourhood'",
    )[0]
    assert (total, known) == (2_746_388, 77)
    assert (
        scalar(areas_db, "select population from areas where area_id = 'neighbourhood:1'") == 55_628
    )
    assert scalar(areas_db, "select count(population) from areas where kind = 'beat'") == 0


def test_geojson_and_shapefile_give_the_same_areas(tmp_path):
    from_json, from_shp = tmp_path / "a.duckdb", tmp_path / "b.duckdb"
    assert run(from_json, "areas", COMMUNITY_AREAS).ok
    assert run(from_shp, "areas", COMMUNITY_AREAS_SHP).ok
    sql = "select area_id, name, round(area_km2, 3) from areas order by area_id"
    assert query(from_json, sql) == query(from_shp, sql)
    km2 = scalar(from_json, "select sum(area_km2) from areas")
    assert 585 < km2 < 615  # Chicago is about 600 km2


def test_boundaries_in_state_plane_feet(tmp_path):
    gpkg = tmp_path / "areas_3435.gpkg"
    gpd.read_file(COMMUNITY_AREAS).to_crs("EPSG:3435").to_file(gpkg, driver="GPKG")
    report = run(tmp_path / "x.duckdb", "areas", gpkg, "chicago_community_areas")
    assert report.ok
    assert any("reprojected" in n for n in report.files[0].notes)
    lat, lon = query(
        tmp_path / "x.duckdb",
        "select centroid_lat, centroid_lon from areas where area_id = 'neighbourhood:32'",
    )[0]
    assert 41.87 < lat < 41.89 and -87.64 < lon < -87.62  # the Loop


def test_reimporting_boundaries_keeps_the_population(chicago_db):  # noqa: F811
    report = run(chicago_db, "areas", COMMUNITY_AREAS)
    assert report.files[0].unchanged == 77
    assert scalar(chicago_db, "select count(population) from areas") == 77


def test_population_table_rejects_unknown_and_blank_codes(chicago_db, tmp_path):  # noqa: F811
    path = tmp_path / "population.csv"
    path.write_text(
        "community_area_id,community_area_name,population_2020\n"
        "01,Rogers Park,60000\n,CHICAGO,2746388\n99,Atlantis,5\n02,West Ridge,n/a\n"
    )
    before = file_digest(chicago_db)
    report = run(chicago_db, "areas", path, "chicago_population_2020", dry_run=True)
    assert file_digest(chicago_db) == before
    f = report.files[0]
    assert (f.rows_read, f.updated, f.rejected) == (4, 1, 3)
    assert f.reasons == {
        "missing area code": 1,
        "no such neighbourhood area (import its boundaries first)": 1,
        "population is not a whole number": 1,
    }


def test_population_in_the_boundary_file(tmp_path):
    areas = gpd.read_file(COMMUNITY_AREAS)
    areas["residents"] = [str(1000 + i) for i in range(len(areas))]
    path = tmp_path / "with_population.geojson"
    areas.to_file(path, driver="GeoJSON")
    spec = tmp_path / "areas.toml"
    spec.write_text(
        mapping.shipped()["chicago_community_areas"].read_text() + 'population = "residents"\n'
    )
    assert run(tmp_path / "x.duckdb", "areas", path, spec).ok
    assert scalar(tmp_path / "x.duckdb", "select sum(population) from areas") == sum(
        1000 + i for i in range(77)
    )


def test_dissolve_merges_features_sharing_a_code(tmp_path):
    report = run(tmp_path / "x.duckdb", "areas", [DISTRICTS, BEATS])
    assert [f.rows_read for f in report.files] == [25, 277]
    assert [f.inserted for f in report.files] == [23, 275]
    assert any("merged" in n for n in report.files[0].notes)


def test_shapes_that_share_a_code_without_dissolve_are_rejected(tmp_path):
    strict = tmp_path / "beats.toml"
    strict.write_text(mapping.shipped()["chicago_beats"].read_text().replace("dissolve = true", ""))
    report = run(tmp_path / "x.duckdb", "areas", BEATS, strict)
    f = report.files[0]
    assert f.rejected == 3  # beat 3100, the airport, is three shapes
    assert "set dissolve = true" in next(iter(f.reasons))


def test_points_are_not_boundaries(tmp_path):
    points = tmp_path / "stations.geojson"
    gpd.GeoDataFrame(
        {"area_numbe": ["1"], "community": ["X"]},
        geometry=gpd.points_from_xy([-87.6], [41.8]),
        crs="EPSG:4326",
    ).to_file(points, driver="GeoJSON")
    report = run(tmp_path / "x.duckdb", "areas", points, "chicago_community_areas")
    assert not report.ok
    assert "not polygons" in report.files[0].error
    assert not (tmp_path / "x.duckdb").exists()


# ---------------------------------------------------------------- the 2024 sample, counted


def test_2024_sample_totals_agree_with_the_raw_csv(crimes_2024_db):  # noqa: F811
    path, report = crimes_2024_db
    rows = raw_rows(CRIMES_2024)
    f = report.files[0]
    assert len(rows) == f.rows_read == f.inserted == 10_000
    assert f.rejected == 0
    assert scalar(path, "select count(*) from incidents") == 10_000
    assert scalar(path, "select count(distinct incident_id) from incidents") == 10_000
    # the BOM is not part of the first column: every id came through
    ids = {r[0] for r in query(path, "select incident_id from incidents")}
    assert ids == {r["ID"] for r in rows}


def test_2024_sample_categories_agree_with_fbi_codes(crimes_2024_db):  # noqa: F811
    path, _ = crimes_2024_db
    expected = Counter(expected_category(r) for r in raw_rows(CRIMES_2024))
    loaded = dict(query(path, "select category, count(*) from incidents group by all"))
    assert loaded == dict(expected)


def test_2024_sample_days_agree_with_the_raw_dates(crimes_2024_db):  # noqa: F811
    path, _ = crimes_2024_db
    expected = Counter(
        datetime.strptime(r["Date"], CHICAGO_DATE).date() for r in raw_rows(CRIMES_2024)
    )
    loaded = dict(query(path, "select occurred_on, count(*) from incidents group by all"))
    assert loaded == dict(expected)
    first = raw_rows(CRIMES_2024)[0]
    stored = scalar(
        path, "select occurred_at from incidents where incident_id = $id", {"id": first["ID"]}
    )
    assert stored == datetime.strptime(first["Date"], CHICAGO_DATE)  # naive local time


def test_2024_sample_sensitive_flags(crimes_2024_db):  # noqa: F811
    path, _ = crimes_2024_db
    expected = {r["ID"] for r in raw_rows(CRIMES_2024) if expected_sensitive(r)}
    loaded = {r[0] for r in query(path, "select incident_id from incidents where sensitive")}
    assert loaded == expected
    assert scalar(path, "select bool_and(sensitive) from incidents where category = 'rape'")


def test_aggregates_match_the_incidents(crimes_2024_db):  # noqa: F811
    path, _ = crimes_2024_db
    for kind in ("neighbourhood", "beat", "district"):
        assert (
            scalar(path, "select sum(incidents) from incident_daily where kind = $k", {"k": kind})
            == 10_000
        )


def test_rows_without_coordinates_are_placed_by_their_codes(crimes_2024_db):  # noqa: F811
    path, _ = crimes_2024_db
    loaded = {
        r[0]: r[1:]
        for r in query(
            path, "select incident_id, neighbourhood_id, district_id, lat from incidents"
        )
    }
    without = [r for r in raw_rows(CRIMES_2024) if not r["Latitude"]]
    assert len(without) == 270  # PROVENANCE
    for r in without:
        neighbourhood, district, lat = loaded[r["ID"]]
        assert lat is None
        assert neighbourhood == f"neighbourhood:{int(r['Community Area'])}"
        assert district == f"district:{int(r['District'])}"


def test_points_agree_with_an_independent_point_in_polygon(crimes_2024_db):  # noqa: F811
    path, _ = crimes_2024_db
    areas = gpd.read_file(COMMUNITY_AREAS)
    polygons = list(areas.geometry)
    codes = [f"neighbourhood:{int(c)}" for c in areas["area_numbe"]]
    rows = [r for r in raw_rows(CRIMES_2024) if r["Latitude"]]
    lon = np.array([float(r["Longitude"]) for r in rows])
    lat = np.array([float(r["Latitude"]) for r in rows])
    independent = np.full(len(rows), None, dtype=object)
    for polygon, code in zip(polygons, codes, strict=True):
        independent[shapely.contains_xy(polygon, lon, lat)] = code
    loaded = dict(query(path, "select incident_id, neighbourhood_id from incidents"))
    mismatched = [
        i
        for i, r in enumerate(rows)
        if independent[i] is not None and loaded[r["ID"]] != independent[i]
    ]
    assert mismatched == []
    edge = [i for i, r in enumerate(rows) if independent[i] is None]
    # points on the city limit (PROVENANCE: all but one inside with a ~200 m buffer)
    assert len(edge) < 50
    assert all(loaded[rows[i]["ID"]] is not None for i in edge)


def test_report_lists_area_codes_the_areas_do_not_know(crimes_2024_db):  # noqa: F811
    _, report = crimes_2024_db
    assert report.files[0].unknown_codes == {"beat": [("1650", 1)]}  # PROVENANCE
    assert any("agrees with point-in-polygon" in n for n in report.files[0].notes)


# ---------------------------------------------------------------- real dirt


def test_homicides_placeholder_points(homicides_db):  # noqa: F811
    path, report = homicides_db
    rows = raw_rows(HOMICIDES)
    placeholder = {i for i, r in enumerate(rows, 1) if r["Latitude"].startswith("36.6194")}
    assert len(placeholder) == 37
    rejects = query(
        path,
        "select row_number, column_name, reason from rejects where reason like "
        "'warning: point outside every area%'",
    )
    assert {r[0] for r in rejects} == placeholder
    assert {r[1] for r in rejects} == {"Latitude, Longitude"}
    f = report.files[0]
    assert f.warnings == {
        "warning: point outside every area; coordinates dropped, placed by its area codes": 37
    }
    # loaded all the same, without the Missouri point, counted in the areas they name
    # (they name a beat and a district; none of the 37 names a community area)
    assert scalar(path, "select count(*) from incidents") == 13_174 == len(rows)
    ids = [rows[i - 1]["ID"] for i in placeholder]
    placed = query(
        path,
        "select lat, district_id, neighbourhood_id from incidents "
        "where list_contains($ids, incident_id)",
        {"ids": ids},
    )
    assert len(placed) == 37
    assert all(lat is None and district is not None for lat, district, _ in placed)
    assert all(rows[i - 1]["Community Area"] == "" for i in placeholder)
    counted = scalar(
        path,
        "select sum(incidents) from incident_daily where kind = 'district' and area_id is not null",
    )
    assert counted == 13_174
    assert f.rejects_csv is not None and f.rejects_csv.exists()
    with f.rejects_csv.open(newline="") as fh:
        csv_rows = list(csv.DictReader(fh))
    assert len(csv_rows) == 37
    assert json.loads(csv_rows[0]["raw"])["Latitude"].startswith("36.6194")


def test_homicide_categories(homicides_db):  # noqa: F811
    path, _ = homicides_db
    expected = Counter(expected_category(r) for r in raw_rows(HOMICIDES))
    assert dict(query(path, "select category, count(*) from incidents group by all")) == dict(
        expected
    )


def test_truncated_real_export(chicago_db):  # noqa: F811
    report = run(chicago_db, "incidents", CRIMES_2023)
    f = report.files[0]
    assert (f.rows_read, f.inserted, f.rejected) == (9_746, 9_745, 1)
    row = query(chicago_db, "select row_number, reason, raw from rejects")
    assert row[0][0] == 9_746
    assert row[0][1] == "malformed row: too few fields"
    assert row[0][2].startswith("13217311,JG432404")


def test_slim_extract_without_ids_or_coordinates(chicago_db):  # noqa: F811
    report = run(chicago_db, "incidents", CRIMES_2022_SLIM)
    f = report.files[0]
    assert f.mapping == "chicago_crimes_slim"
    assert (f.rows_read, f.inserted, f.rejected) == (215_551, 215_551, 0)
    raw = pd.read_csv(CRIMES_2022_SLIM, dtype=str, keep_default_na=False)
    expected = raw.groupby("Community Area").size()
    loaded = dict(
        query(chicago_db, "select neighbourhood_id, count(*) from incidents group by all")
    )
    assert {f"neighbourhood:{int(k)}": v for k, v in expected.items()} == loaded
    # identical rows stay separate incidents, and a second import adds nothing
    again = run(chicago_db, "incidents", CRIMES_2022_SLIM).files[0]
    assert (again.inserted, again.updated, again.unchanged) == (0, 0, 215_551)


# ---------------------------------------------------------------- idempotent, updates


def test_reimporting_the_same_file_changes_nothing(chicago_db):  # noqa: F811
    first = run(chicago_db, "incidents", CRIMES_2016).files[0]
    assert first.inserted == 1_730
    incidents, daily = (
        table_digest(chicago_db, "incidents"),
        table_digest(chicago_db, "incident_daily"),
    )
    version = scalar(chicago_db, "select value from meta where key = 'data_version'")
    second = run(chicago_db, "incidents", CRIMES_2016).files[0]
    assert (second.inserted, second.updated, second.unchanged) == (0, 0, 1_730)
    assert table_digest(chicago_db, "incidents") == incidents
    assert table_digest(chicago_db, "incident_daily") == daily
    assert scalar(chicago_db, "select value from meta where key = 'data_version'") == version
    assert scalar(chicago_db, "select count(*) from import_log where kind = 'incidents'") == 2


def test_a_newer_export_updates_and_adds(chicago_db, tmp_path):  # noqa: F811
    run(chicago_db, "incidents", CRIMES_2016)
    rows = raw_rows(CRIMES_2016)
    rows[0]["Primary Type"], rows[0]["Description"], rows[0]["FBI Code"] = "ROBBERY", "ARMED", "03"
    added = dict(rows[1], ID="99999999", **{"Case Number": "ZZ000001"})
    newer = tmp_path / "newer.csv"
    with newer.open("w", newline="") as fh:
        writer = csv.DictWriter(fh, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows([*rows, added])
    version = scalar(chicago_db, "select value from meta where key = 'data_version'")
    f = run(chicago_db, "incidents", newer, "chicago_crimes").files[0]
    assert (f.inserted, f.updated, f.unchanged) == (1, 1, 1_729)
    assert (
        scalar(
            chicago_db,
            "select category from incidents where incident_id = $id",
            {"id": rows[0]["ID"]},
        )
        == "robbery"
    )
    assert scalar(chicago_db, "select count(*) from incidents") == 1_731
    assert scalar(chicago_db, "select value from meta where key = 'data_version'") != version
    assert (
        scalar(chicago_db, "select sum(incidents) from incident_daily where kind = 'district'")
        == 1_731
    )


# ---------------------------------------------------------------- broken files, row level


def test_bad_dates_are_rejected_with_row_and_column(chicago_db):  # noqa: F811
    f = run(chicago_db, "incidents", BAD / "bad_dates.csv", "chicago_crimes").files[0]
    assert (f.rows_read, f.inserted, f.rejected) == (6, 3, 3)
    rejects = query(chicago_db, "select row_number, column_name, reason from rejects order by 1")
    assert rejects == [
        (2, "Date", "unparseable date"),
        (4, "Date", "unparseable date"),
        (5, "Date", "missing date"),
    ]


def test_duplicate_ids(chicago_db):  # noqa: F811
    f = run(chicago_db, "incidents", BAD / "duplicate_ids.csv", "chicago_crimes").files[0]
    # rows 1 and 3 are identical: merged; rows 4 and 5 share an id with different content
    assert (f.rows_read, f.inserted, f.duplicates, f.rejected) == (6, 3, 1, 2)
    rejects = query(chicago_db, "select row_number, column_name, reason from rejects order by 1")
    assert rejects == [
        (4, "ID", "duplicate id with conflicting content"),
        (5, "ID", "duplicate id with conflicting content"),
    ]
    # each rejected copy carries its own record from the file (kept while staging)
    rows = raw_rows(BAD / "duplicate_ids.csv")
    for number, raw in query(chicago_db, "select row_number, raw from rejects order by 1"):
        record = json.loads(raw)
        assert record.pop("_row") == number
        assert {k: v for k, v in record.items() if v is not None} == {
            k: v for k, v in rows[number - 1].items() if v
        }


def test_unusable_points(chicago_db):  # noqa: F811
    f = run(chicago_db, "incidents", BAD / "bad_points.csv", "chicago_crimes").files[0]
    rejects = {
        r[0]: r[1] for r in query(chicago_db, "select row_number, reason from rejects order by 1")
    }
    kept = "; coordinates dropped, placed by its area codes"
    assert rejects == {
        1: "warning: latitude and longitude look swapped" + kept,
        2: "warning: point at 0,0" + kept,
        3: "point at 0,0",  # and no area code: not loaded
        4: "point outside every area",
    }
    assert (f.inserted, f.rejected, f.warned) == (3, 2, 2)
    rows = raw_rows(BAD / "bad_points.csv")
    swapped = query(
        chicago_db,
        "select lat, neighbourhood_id from incidents where incident_id = $id",
        {"id": rows[0]["ID"]},
    )[0]
    assert swapped == (None, f"neighbourhood:{int(rows[0]['Community Area'])}")


def test_unknown_offence_codes_are_reported_not_hidden(chicago_db, tmp_path):  # noqa: F811
    f = run(chicago_db, "incidents", BAD / "unknown_codes.csv", "chicago_crimes").files[0]
    assert f.unmapped == [
        ("9999", "MYSTERY OFFENSE: UNHEARD OF", 2),
        ("8888", "STRANGE THING: ODD", 1),
    ]
    assert f.unmapped_rows == 3
    assert "unmapped offence codes: 2 codes, 3 rows filed as 'other'" in format_summary(
        ImportReport("incidents", [f], db_path=chicago_db)
    )
    assert (
        scalar(
            chicago_db,
            "select count(*) from incidents where offence_code in ('9999', '8888') "
            "and category = 'other'",
        )
        == 3
    )
    notes = json.loads(
        scalar(chicago_db, "select notes from import_log order by import_id desc limit 1")
    )
    assert notes["unmapped_rows"] == 3
    strict = tmp_path / "strict.toml"
    strict.write_text(
        mapping.shipped()["chicago_crimes"]
        .read_text()
        .replace('unmapped = "other"', 'unmapped = "reject"')
    )
    g = run(chicago_db, "incidents", BAD / "unknown_codes.csv", strict).files[0]
    assert g.reasons == {"unmapped offence code": 3}


def test_wrong_encoding_is_read_as_latin1(chicago_db):  # noqa: F811
    f = run(chicago_db, "incidents", BAD / "latin1.csv", "chicago_crimes").files[0]
    assert f.inserted == 2
    assert any("Latin-1" in n for n in f.notes)
    assert (
        scalar(chicago_db, "select count(*) from incidents where block_address = '016XX W CAFÉ ST'")
        == 1
    )


def test_truncated_file_loads_the_complete_rows(chicago_db):  # noqa: F811
    f = run(chicago_db, "incidents", BAD / "truncated.csv", "chicago_crimes").files[0]
    assert (f.rows_read, f.inserted, f.rejected) == (4, 3, 1)
    assert f.reasons == {"malformed row: too few fields": 1}


def test_projected_xy_coordinates_place_rows_like_lat_lon(tmp_path, areas_db):  # noqa: F811
    a, b = tmp_path / "a.duckdb", tmp_path / "b.duckdb"
    shutil.copyfile(areas_db, a)
    shutil.copyfile(areas_db, b)
    run(a, "incidents", GOOD / "latlon.csv", "chicago_crimes")
    run(b, "incidents", GOOD / "xy_only.csv", "chicago_crimes")
    sql = (
        "select incident_id, neighbourhood_id, beat_id, district_id, round(lat, 4), "
        "round(lon, 4) from incidents where incident_id in (select incident_id from incidents "
        "where lat is not null) order by 1"
    )
    with_xy = query(b, sql)
    assert len(with_xy) == 6
    assert with_xy == [r for r in query(a, sql) if r[0] in {x[0] for x in with_xy}]


# ---------------------------------------------------------------- broken files, file level


@pytest.mark.parametrize(
    ("name", "words"),
    [
        ("missing_date.csv", "missing required column 'Date' (for occurred_at)"),
        ("empty.csv", "is empty"),
        ("header_only.csv", "has a header but no data rows"),
        ("binary.csv", "is a binary file"),
        ("report.pdf.csv", "is a PDF document"),
        ("truncated.csv.gz", "truncated gzip"),
    ],
)
def test_unusable_files_fail_and_leave_the_database_untouched(chicago_db, name, words):  # noqa: F811
    before = file_digest(chicago_db)
    report = run(chicago_db, "incidents", BAD / name, "chicago_crimes")
    assert not report.ok and report.exit_code == 1
    error = report.files[0].error
    assert error.startswith(f"{name}: ") and words in error and "\n" not in error
    assert file_digest(chicago_db) == before


def test_events_given_as_incidents(chicago_db):  # noqa: F811
    before = file_digest(chicago_db)
    with_mapping = run(chicago_db, "incidents", CAPS_JSON, "chicago_crimes").files[0]
    assert (
        "missing required columns 'ID' (for incident_id), 'Date' (for occurred_at)"
        in with_mapping.error
    )
    assert "it looks like events data, not incidents" in with_mapping.error
    without = run(chicago_db, "incidents", CAPS_JSON).files[0]
    assert (
        "no shipped incidents mapping fits its columns; it looks like events data" in without.error
    )
    assert file_digest(chicago_db) == before


def test_a_mapping_for_another_kind(chicago_db):  # noqa: F811
    report = run(chicago_db, "events", CRIMES_2016, "chicago_crimes")
    assert "mapping chicago_crimes is for incidents, not events" in report.files[0].error


def test_a_failure_while_writing_leaves_the_live_file_as_it_was(chicago_db, monkeypatch):  # noqa: F811
    before = file_digest(chicago_db)

    def broken(con, *args, **kwargs):
        raise duckdb.IOException("disk full (simulated)")

    monkeypatch.setattr(db, "refresh_aggregates", broken)
    report = run(chicago_db, "incidents", GOOD / "latlon.csv", "chicago_crimes")
    assert not report.ok
    assert "writing failed, nothing written" in report.files[0].error
    assert file_digest(chicago_db) == before
    assert not list(chicago_db.parent.glob(".*.tmp"))


def test_one_bad_file_does_not_stop_the_others(chicago_db):  # noqa: F811
    report = run(
        chicago_db, "incidents", [BAD / "empty.csv", GOOD / "latlon.csv"], "chicago_crimes"
    )
    assert [f.status for f in report.files] == ["failed", "loaded"]
    assert report.exit_code == 1
    assert scalar(chicago_db, "select count(*) from incidents") == 8


# ---------------------------------------------------------------- dry run, prepare/commit


def test_dry_run_reports_what_a_real_run_does_and_writes_nothing(chicago_db):  # noqa: F811
    before = file_digest(chicago_db)
    dry = run(
        chicago_db,
        "incidents",
        [CRIMES_2016, BAD / "bad_points.csv"],
        "chicago_crimes",
        dry_run=True,
    )
    assert file_digest(chicago_db) == before
    assert all(f.status == "dry-run" for f in dry.files)
    real = run(chicago_db, "incidents", [CRIMES_2016, BAD / "bad_points.csv"], "chicago_crimes")

    def comparable(report):
        out = []
        for f in report.files:
            d = f.as_dict()
            for volatile in ("status", "seconds", "rejects_csv"):
                d.pop(volatile)
            out.append(d)
        return out

    assert comparable(dry) == comparable(real)
    assert dry.files[1].rejects_csv.name.startswith("dry-run-")
    assert "DRY RUN" in dry.summary()


def test_prepare_then_commit_for_the_data_page(chicago_db):  # noqa: F811
    before = file_digest(chicago_db)
    with pipeline.prepare(
        "incidents", [GOOD / "latlon.csv"], "chicago_crimes", db_path=chicago_db
    ) as plan:
        (f,) = plan.reports
        assert f.status == "ready" and f.inserted == 8
        assert (
            list(f.preview["incident_id"])[:2]
            == [r["ID"] for r in raw_rows(GOOD / "latlon.csv")][:2]
        )
        assert {"category", "neighbourhood_id", "sensitive"} <= set(f.preview.columns)
        assert file_digest(chicago_db) == before
        report = pipeline.commit(chicago_db, plan)
    assert report.ok and report.files[0].status == "loaded"
    assert scalar(chicago_db, "select count(*) from incidents") == 8


def test_commit_dry_run(chicago_db):  # noqa: F811
    before = file_digest(chicago_db)
    with pipeline.prepare(
        "incidents", [GOOD / "latlon.csv"], "chicago_crimes", db_path=chicago_db
    ) as plan:
        report = pipeline.commit(chicago_db, plan, dry_run=True)
    assert report.files[0].status == "dry-run" and report.files[0].inserted == 8
    assert file_digest(chicago_db) == before


# ---------------------------------------------------------------- formats, names, times


def test_excel_and_parquet_load_like_csv(tmp_path, areas_db):  # noqa: F811
    frame = pd.read_csv(GOOD / "latlon.csv", dtype=str, keep_default_na=False)
    sql = "select * exclude (source) from incidents order by incident_id"
    results = []
    for name in ("incidents.csv", "incidents.xlsx", "incidents.parquet"):
        path = tmp_path / name
        if name.endswith("csv"):
            shutil.copyfile(GOOD / "latlon.csv", path)
        elif name.endswith("xlsx"):
            frame.to_excel(path, index=False)
        else:
            frame.to_parquet(path, index=False)
        target = tmp_path / f"{name}.duckdb"
        shutil.copyfile(areas_db, target)
        assert run(target, "incidents", path, "chicago_crimes").ok
        results.append(query(target, sql))
    assert results[0] == results[1] == results[2]
    assert len(results[0]) == 8


def test_column_names_are_identifiers_never_sql(tmp_path):
    hostile = 'Date"); drop table incidents; --'
    data = tmp_path / "odd.csv"
    with data.open("w", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(["case id", hostile])
        writer.writerow(["A1", "2024-01-02 03:04:05"])
    spec = tmp_path / "odd.toml"
    spec.write_text(
        '[source]\nname = "odd"\nkind = "incidents"\n[fields]\nincident_id = "case id"\n'
        f"occurred_at = '{hostile}'\n"
    )
    report = run(tmp_path / "x.duckdb", "incidents", data, spec)
    assert report.ok, report.summary()
    assert query(
        tmp_path / "x.duckdb", "select incident_id, occurred_at::varchar from incidents"
    ) == [("A1", "2024-01-02 03:04:05")]


def test_time_zones(tmp_path):
    data = tmp_path / "utc.csv"
    data.write_text("id,when\nz,2024-07-01T15:00:00Z\nnaive,2024-01-01 12:00:00\n")
    spec = tmp_path / "utc.toml"
    spec.write_text(
        '[source]\nname = "utc"\nkind = "incidents"\n[fields]\nincident_id = "id"\n'
        'occurred_at = "when"\n[time]\ntimezone = "America/Chicago"\nsource_timezone = "UTC"\n'
    )
    run(tmp_path / "x.duckdb", "incidents", data, spec)
    got = dict(
        query(tmp_path / "x.duckdb", "select incident_id, occurred_at::varchar from incidents")
    )
    assert got == {"z": "2024-07-01 10:00:00", "naive": "2024-01-01 06:00:00"}


def test_incidents_before_any_areas(tmp_path):
    report = run(tmp_path / "x.duckdb", "incidents", GOOD / "latlon.csv", "chicago_crimes")
    f = report.files[0]
    assert f.inserted == 8
    assert any("no areas in the database yet" in n for n in f.notes)
    assert scalar(tmp_path / "x.duckdb", "select count(neighbourhood_id) from incidents") == 8


# ---------------------------------------------------------------- events and attendance


def test_caps_events_feed(chicago_db):  # noqa: F811
    report = run(chicago_db, "events", CAPS_JSON)
    f = report.files[0]
    assert f.mapping == "chicago_caps_events"
    assert f.rows_read == 5_006
    assert f.reasons["excluded by mapping: test entry"] == 1
    assert f.warnings == {"warning: ends before it starts; end time dropped": 28}
    assert f.rows_read == f.inserted + f.duplicates + f.rejected
    assert scalar(chicago_db, "select count(*) from events") == f.inserted
    assert scalar(chicago_db, "select count(*) from events where title ilike 'test%'") == 0
    assert (
        scalar(chicago_db, "select count(*) from events where location similar to '.*[\\r\\n].*'")
        == 0
    )
    assert scalar(chicago_db, "select count(*) from events where district_id is null") == 0
    raw = json.loads(CAPS_JSON.read_text())
    no_end = sum(1 for e in raw if e["end"] is None and not e["title"].startswith("Test"))
    assert (
        scalar(chicago_db, "select count(*) from events where ends_at is null")
        >= no_end - f.duplicates - 2
    )
    meeting = query(
        chicago_db,
        "select beat_id, district_id, neighbourhood_id, program from events "
        "where title = '2514 Beat Meeting' limit 1",
    )[0]
    assert meeting[:2] == ("beat:2514", "district:25")
    assert meeting[2] is not None and meeting[3] == "community_meeting"
    beats = scalar(chicago_db, "select count(beat_id) from events")
    assert beats > 2_500  # PROVENANCE: 2,524 beat meetings name a beat in the polygons
    again = run(chicago_db, "events", CAPS_JSON).files[0]
    assert (again.inserted, again.updated) == (0, 0)


def test_events_and_attendance(chicago_db):  # noqa: F811
    events = run(chicago_db, "events", GOOD / "events.csv", GOOD / "events_mapping.toml").files[0]
    assert events.inserted == 4
    programs = dict(query(chicago_db, "select event_id, program from events"))
    assert programs == {
        "NNO-2016-001": "national_night_out",
        "CWC-2016-014": "coffee_with_a_cop",
        "YTH-2016-007": "youth_program",
        "MTG-2016-033": "community_meeting",
    }
    placed = scalar(
        chicago_db, "select neighbourhood_id from events where event_id = 'NNO-2016-001'"
    )
    assert placed == "neighbourhood:67"  # Ogden Park is in West Englewood
    report = run(
        chicago_db,
        "attendance",
        [GOOD / "attendance.csv", BAD / "attendance_bad.csv"],
        GOOD / "attendance_mapping.toml",
    )
    good, bad = report.files
    assert good.inserted == 3
    assert bad.unchanged == 1
    assert bad.reasons == {
        "unknown event id (import the events first)": 1,
        "negative count": 1,
        "not a whole number": 1,
        "trust score outside 1-5": 1,
    }
    assert (
        scalar(chicago_db, "select headcount from attendance where event_id = 'NNO-2016-001'")
        == 250
    )


# ---------------------------------------------------------------- log, rejects CSV, CLI


def test_import_log_and_rejects_csv(chicago_db):  # noqa: F811
    f = run(chicago_db, "incidents", BAD / "bad_dates.csv", "chicago_crimes").files[0]
    log = query(
        chicago_db,
        "select import_id, kind, source_file, mapping, rows_read, rows_loaded, "
        "rows_rejected from import_log order by import_id desc limit 1",
    )[0]
    assert log[1:] == ("incidents", str(BAD / "bad_dates.csv"), "chicago_crimes", 6, 3, 3)
    assert f.import_id == log[0]
    assert f.rejects_csv == chicago_db.parent / "rejects" / f"{log[0]:05d}-bad_dates.csv"
    table = pd.read_csv(f.rejects_csv, dtype=str)
    assert list(table.columns) == [
        "import_id",
        "source_file",
        "row_number",
        "column_name",
        "reason",
        "raw",
    ]
    assert table["row_number"].tolist() == ["2", "4", "5"]
    assert (
        scalar(chicago_db, "select count(*) from rejects where import_id = $i", {"i": log[0]}) == 3
    )


def test_cli_import_exit_codes_and_summary(chicago_db, capsys):  # noqa: F811
    code = main(
        ["import", "incidents", str(GOOD / "latlon.csv"), "--db", str(chicago_db), "--quiet"]
    )
    out = capsys.readouterr().out
    assert code == 0
    for words in ("rows read", "loaded, new", "updated", "rejected", "latlon.csv"):
        assert words in out
    assert len(out.splitlines()) < 40  # one screen
    code = main(
        [
            "import",
            "incidents",
            str(BAD / "binary.csv"),
            str(GOOD / "latlon.csv"),
            "--db",
            str(chicago_db),
            "--quiet",
        ]
    )
    out = capsys.readouterr().out
    assert code == 1
    assert "FAILED  binary.csv: is a binary file" in out
    code = main(
        [
            "import",
            "incidents",
            str(BAD / "bad_dates.csv"),
            "--mapping",
            "chicago_crimes",
            "--db",
            str(chicago_db),
            "--quiet",
            "--json",
            "--dry-run",
        ]
    )
    parsed = json.loads(capsys.readouterr().out)
    assert code == 0 and parsed[0]["reasons"] == {"unparseable date": 2, "missing date": 1}


def test_cli_bad_mapping(chicago_db, tmp_path, capsys):  # noqa: F811
    code = main(
        [
            "import",
            "incidents",
            str(CRIMES_2016),
            "--mapping",
            str(tmp_path / "none.toml"),
            "--db",
            str(chicago_db),
            "--quiet",
        ]
    )
    assert code == 1
    assert "no such mapping file" in capsys.readouterr().out


def test_progress_bar():
    stream = io.StringIO()
    bar = _ProgressBar(stream, force=True, width=10)
    bar("reading crimes.csv", 0.5)
    bar("placing points", None)
    bar.close()
    text = stream.getvalue()
    assert "[#####-----]  50%" in text and "placing points" in text
    quiet = io.StringIO()
    _ProgressBar(quiet)("reading", 0.5)  # not a terminal: nothing drawn
    assert quiet.getvalue() == ""


def test_two_imports_at_once_both_land(chicago_db, tmp_path):  # noqa: F811
    """Each write copies the live file and swaps the copy in: without the writer lock, two
    at once (the app and the command line) would lose one's rows, or share a staging file."""
    import threading

    rows = raw_rows(GOOD / "latlon.csv")
    other = tmp_path / "renumbered.csv"
    with other.open("w", newline="") as fh:
        writer = csv.DictWriter(fh, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(
            dict(r, ID=f"9{r['ID']}", **{"Case Number": f"Z{i}"}) for i, r in enumerate(rows)
        )
    plans = [
        pipeline.prepare("incidents", [path], "chicago_crimes", db_path=chicago_db)
        for path in (GOOD / "latlon.csv", other)
    ]
    reports: list[ImportReport] = []
    threads = [
        threading.Thread(target=lambda p=plan: reports.append(pipeline.commit(chicago_db, p)))
        for plan in plans
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    for plan in plans:
        plan.close()
    assert all(r.ok for r in reports), [r.summary() for r in reports]
    assert scalar(chicago_db, "select count(*) from incidents") == 2 * len(rows)
    assert scalar(chicago_db, "select count(*) from import_log where kind = 'incidents'") == 2
