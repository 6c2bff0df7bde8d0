"""Importer fast paths: the shortcuts taken on clean, dense files give the full answers."""

from __future__ import annotations

import contextlib
from pathlib import Path

import duckdb
import geopandas as gpd
import shapely

from nno_dash import db, geo, importer

SPEC = """[source]
name = "fast"
kind = "incidents"
[fields]
incident_id = "id"
occurred_at = "when"
offence_description = "what"
block_address = "where"
lat = "lat"
lon = "lon"
"""

# two neighbourhoods side by side: west [0, 1] x [0, 1], east [1, 2] x [0, 1] (degrees)
WEST = shapely.box(-88.0, 41.0, -87.9, 41.1)
EAST = shapely.box(-87.9, 41.0, -87.8, 41.1)


def _areas_db(path: Path) -> Path:
    frame = gpd.GeoDataFrame(
        {
            "area_id": ["neighbourhood:W", "neighbourhood:E"],
            "kind": ["neighbourhood", "neighbourhood"],
            "code": ["W", "E"],
            "name": ["West", "East"],
            "population": [1000, 2000],
        },
        geometry=[WEST, EAST],
        crs=geo.WGS84,
    )
    rows = geo.area_rows(frame)
    with db.write_session(path, fresh=True) as con:
        con.register("_rows", rows)
        con.execute("insert into areas select * from _rows")
    return path


def _import(tmp_path: Path, lines: list[str]) -> importer.ImportReport:
    data = tmp_path / "in.csv"
    data.write_text("id,when,what,where,lat,lon\n" + "\n".join(lines) + "\n", encoding="utf-8")
    spec = tmp_path / "fast.toml"
    spec.write_text(SPEC)
    target = _areas_db(tmp_path / "x.duckdb")
    return importer.run(target, "incidents", [data], spec, rejects_dir=tmp_path / "rejects")


def _rows(path: Path, sql: str) -> list[tuple]:
    with contextlib.closing(duckdb.connect(str(path), read_only=True)) as con:
        return con.execute(sql).fetchall()


def test_clean_columns_are_found_exactly():
    con = duckdb.connect()
    con.execute(
        "create temp view raw as select * from (values "
        "('a', ' lead', 'x', 'in  side', 'tab\tbed', 'line\nbreak', 'é', 'fine', ''), "
        "('b', 'ok', 'trail ', 'ok', 'ok', 'ok', 'ok', 'fine too', 'x')) "
        "t(plain, lead, trail, runs, tab, nl, accent, spaced_once, blank)"
    )
    clean = importer._clean_columns(
        con, ["plain", "lead", "trail", "runs", "tab", "nl", "accent", "spaced_once", "blank"]
    )
    # a single space inside a value needs nothing; an empty value is only nulled
    assert clean == ["plain", "spaced_once", "blank"]


def test_messy_and_clean_columns_load_the_same_values(tmp_path):
    report = _import(
        tmp_path,
        [
            "1,2024-01-02 03:04:05,  BURGLARY   HOME ,001XX W MAIN ST,41.05,-87.95",
            "2,2024-01-02  03:04:05,\u00a0THEFT,001XX W MAIN ST,41.05,-87.85",
            '3,2024-01-03 00:00:00,"ASSAULT\tSIMPLE",,41.05,-87.95',
        ],
    )
    assert report.ok, report.summary()
    got = _rows(
        tmp_path / "x.duckdb",
        "select incident_id, occurred_at::varchar, offence_description, block_address, "
        "neighbourhood_id from incidents order by incident_id",
    )
    assert got == [
        ("1", "2024-01-02 03:04:05", "BURGLARY HOME", "001XX W MAIN ST", "neighbourhood:W"),
        # a run of blanks inside a date is collapsed before it is read
        ("2", "2024-01-02 03:04:05", "THEFT", "001XX W MAIN ST", "neighbourhood:E"),
        ("3", "2024-01-03 00:00:00", "ASSAULT SIMPLE", None, "neighbourhood:W"),
    ]


def _truth(lon: float, lat: float) -> str | None:
    for area_id, shape in (("neighbourhood:W", WEST), ("neighbourhood:E", EAST)):
        if shapely.contains_xy(shape, lon, lat):
            return area_id
    return None


def _points_file(repeats: bool) -> tuple[list[str], dict[str, str | None]]:
    lines, truth = [], {}
    for i in range(400):
        # repeated block points (a few distinct ones) or every point its own
        j = i % 7 if repeats else i
        lon = -87.99 + (j * 0.0317) % 0.18
        lat = 41.01 + (j * 0.0131) % 0.08
        lines.append(f"{i},2024-01-01 00:00:00,THEFT,X,{lat},{lon}")
        truth[str(i)] = _truth(lon, lat)
    lines.append("far,2024-01-01 00:00:00,THEFT,X,10.0,10.0")  # outside every area
    lines.append("zero,2024-01-01 00:00:00,THEFT,X,0,0")
    return lines, truth


def test_dense_and_repeated_points_are_placed_alike(tmp_path):
    for repeats in (True, False):
        folder = tmp_path / str(repeats)
        folder.mkdir()
        lines, truth = _points_file(repeats)
        report = _import(folder, lines)
        f = report.files[0]
        assert report.ok, report.summary()
        got = dict(
            _rows(folder / "x.duckdb", "select incident_id, neighbourhood_id from incidents")
        )
        assert {k: got[k] for k in truth} == truth
        assert set(truth.values()) == {"neighbourhood:W", "neighbourhood:E"}
        # a point in no area and with no area code is a reject, named by its reason
        assert "far" not in got and "zero" not in got
        assert f.reasons == {"point outside every area": 1, "point at 0,0": 1}
        assert f.inserted == 400


def test_repeated_and_conflicting_ids(tmp_path):
    report = _import(
        tmp_path,
        [
            "1,2024-01-02 03:04:05,THEFT,X,41.05,-87.95",
            "1,2024-01-02 03:04:05,THEFT,X,41.05,-87.95",  # an identical copy: merged
            "2,2024-01-02 03:04:05,THEFT,X,41.05,-87.95",
            "2,2024-01-02 03:04:05,ROBBERY,X,41.05,-87.95",  # same id, other content
            "3,2024-01-02 03:04:05,THEFT,X,41.05,-87.85",
        ],
    )
    f = report.files[0]
    assert (f.inserted, f.duplicates, f.rejected) == (2, 1, 2)
    assert f.reasons == {"duplicate id with conflicting content": 2}
    got = _rows(tmp_path / "x.duckdb", "select incident_id from incidents order by 1")
    assert got == [("1",), ("3",)]
    # the same file again: nothing new, nothing changed
    again = importer.run(
        tmp_path / "x.duckdb",
        "incidents",
        [tmp_path / "in.csv"],
        tmp_path / "fast.toml",
        rejects_dir=tmp_path / "rejects",
    ).files[0]
    assert (again.inserted, again.updated, again.unchanged) == (0, 0, 2)
