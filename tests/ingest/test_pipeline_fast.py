"""Pipeline fast paths: the shortcuts taken on clean, dense files give the full answers."""

from __future__ import annotations

import contextlib
import shutil
from pathlib import Path

import duckdb
import geopandas as gpd
import pytest
import shapely

from nno_dash.geo import areas as geo
from nno_dash.ingest import pipeline, placing, staging
from nno_dash.ingest.report import ImportReport
from nno_dash.store import db

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


def _import(tmp_path: Path, lines: list[str], mapping: str = SPEC) -> ImportReport:
    data = tmp_path / "in.csv"
    data.write_text("id,when,what,where,lat,lon\n" + "\n".join(lines) + "\n", encoding="utf-8")
    spec = tmp_path / "fast.toml"
    spec.write_text(mapping)
    target = _areas_db(tmp_path / "x.duckdb")
    return pipeline.run(target, "incidents", [data], spec, rejects_dir=tmp_path / "rejects")


def _rows(path: Path, sql: str) -> list[tuple]:
    with contextlib.closing(duckdb.connect(str(path), read_only=True)) as con:
        return con.execute(sql).fetchall()


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


@pytest.mark.parametrize("chunk", [None, 37])
def test_dense_and_repeated_points_are_placed_alike(tmp_path, monkeypatch, chunk):
    if chunk:  # many small chunks, located three at a time on the pool's threads
        monkeypatch.setattr(placing, "PIP_CHUNK", chunk)
        monkeypatch.setattr(placing, "PIP_THREADS", 3)
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
    again = pipeline.run(
        tmp_path / "x.duckdb",
        "incidents",
        [tmp_path / "in.csv"],
        tmp_path / "fast.toml",
        rejects_dir=tmp_path / "rejects",
    ).files[0]
    assert (again.inserted, again.updated, again.unchanged) == (0, 0, 2)
    # no key in the table stops a second copy: the importer's comparison does
    assert _rows(tmp_path / "x.duckdb", "select incident_id from incidents order by 1") == got


def _write(tmp_path: Path, name: str, lines: list[str]) -> Path:
    data = tmp_path / name
    data.write_text("id,when,what,where,lat,lon\n" + "\n".join(lines) + "\n", encoding="utf-8")
    return data


def _aggregates(path: Path) -> dict[str, list[tuple]]:
    return {
        table: _rows(path, f"select * from {table} order by all")
        for table in ("incident_daily", "incident_monthly")
    }


def _rebuilt(path: Path, tmp_path: Path) -> dict[str, list[tuple]]:
    """The aggregates a full rebuild gives, on a copy."""
    copy = tmp_path / "rebuilt.duckdb"
    shutil.copyfile(path, copy)
    with db.write_session(copy) as con:
        db.refresh_aggregates(con)
    return _aggregates(copy)


def test_an_import_refreshes_the_days_it_touches_exactly_as_a_full_rebuild(tmp_path):
    spec = tmp_path / "fast.toml"
    spec.write_text(SPEC)
    target = _areas_db(tmp_path / "x.duckdb")

    def run(name, lines):
        report = pipeline.run(target, "incidents", [_write(tmp_path, name, lines)], spec)
        assert report.ok, report.summary()
        return report.files[0]

    first = run(
        "first.csv",
        [
            "1,2024-01-02 03:04:05,THEFT,X,41.05,-87.95",
            "2,2024-01-02 13:00:00,THEFT,X,41.05,-87.85",
            "3,2024-01-03 03:04:05,BATTERY,X,41.05,-87.95",
            "4,2024-02-10 10:00:00,ROBBERY,X,41.05,-87.85",
        ],
    )
    assert first.inserted == 4
    assert _aggregates(target) == _rebuilt(target, tmp_path)
    # more on days and months that already have counts, and a new day
    more = run(
        "more.csv",
        [
            "5,2024-01-02 20:00:00,THEFT,X,41.05,-87.95",
            "6,2024-02-10 11:00:00,ROBBERY,X,41.05,-87.85",
            "7,2024-03-01 11:00:00,BATTERY,X,41.05,-87.85",
        ],
    )
    assert more.inserted == 3
    after_more = _aggregates(target)
    assert after_more == _rebuilt(target, tmp_path)
    daily = {(r[1], str(r[2])): r[4] for r in after_more["incident_daily"]}
    assert daily[("neighbourhood:W", "2024-01-02")] == 2
    # replacing rows: one moves to another day and month (emptying 2024-01-03), one
    # changes area, one is unchanged
    replaced = run(
        "replace.csv",
        [
            "3,2024-04-05 03:04:05,BATTERY,X,41.05,-87.95",
            "5,2024-01-02 20:00:00,THEFT,X,41.05,-87.85",
            "7,2024-03-01 11:00:00,BATTERY,X,41.05,-87.85",
        ],
    )
    assert (replaced.inserted, replaced.updated, replaced.unchanged) == (0, 2, 1)
    after = _aggregates(target)
    assert after == _rebuilt(target, tmp_path)
    assert after != after_more
    assert "2024-01-03" not in {str(r[2]) for r in after["incident_daily"]}


def test_a_direct_import_that_fails_at_any_step_writes_nothing(tmp_path, monkeypatch):
    """`run` checks and writes a file in one write session: a failure while checking, or
    an interruption while writing, leaves the live file byte for byte as it was, no
    staging copy or work folder behind, and the writer lock free for the next import."""
    import hashlib
    import tempfile

    spec = tmp_path / "fast.toml"
    spec.write_text(SPEC)
    target = _areas_db(tmp_path / "x.duckdb")
    good = ["1,2024-01-02 03:04:05,THEFT,X,41.05,-87.95"]
    assert pipeline.run(target, "incidents", [_write(tmp_path, "a.csv", good)], spec).ok
    digest = hashlib.sha256(target.read_bytes()).hexdigest()
    work = tmp_path / "tmp"  # the importer's work folders go here, away from other runs
    work.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(work))
    data = _write(tmp_path, "b.csv", ["2,2024-01-03 03:04:05,THEFT,X,41.05,-87.85"])

    def broken_check(*args, **kwargs):
        raise duckdb.ConversionException("unforeseen value (simulated)")

    with monkeypatch.context() as patch:
        patch.setattr(staging, "dedupe", broken_check)
        f = pipeline.run(target, "incidents", [data], spec).files[0]
    assert f.failed and "b.csv: could not be imported (" in f.error

    def interrupted(*args, **kwargs):
        raise KeyboardInterrupt

    with monkeypatch.context() as patch:
        patch.setattr(db, "bump_data_version", interrupted)
        with pytest.raises(KeyboardInterrupt):
            pipeline.run(target, "incidents", [data], spec)
    assert hashlib.sha256(target.read_bytes()).hexdigest() == digest
    assert sorted(p.name for p in tmp_path.iterdir() if p.name.startswith(".x.")) == [
        ".x.duckdb.lock"
    ]
    assert not list(work.iterdir())
    # and the next import goes through (the lock was released)
    again = pipeline.run(target, "incidents", [data], spec).files[0]
    assert again.status == "loaded" and again.inserted == 1
    assert _rows(target, "select count(*) from incidents") == [(2,)]


def _many_rows(n: int = 60) -> list[str]:
    lines = []
    for i in range(1, n + 1):
        lon = "-87.95" if i % 3 else "-87.85"
        lines.append(f"{i},2024-01-{1 + i % 28:02d} 03:04:05,THEFT {i % 4},X,41.05,{lon}")
    lines[10] = "11,not a date,THEFT,X,41.05,-87.95"  # a reject between loaded rows
    return lines


def _loaded(path: Path) -> list[tuple]:
    return _rows(path, "select * from incidents order by incident_id")


@pytest.mark.parametrize("shuffle", ["placed", "both"])
def test_rows_load_alike_whatever_order_the_work_tables_are_in(tmp_path, monkeypatch, shuffle):
    """Staging joins `mapped` and `placed` on `_row`, not by position: with either or both
    shuffled, the same rows load with the same values (each row its own place and class),
    and the preview still shows the file's first rows, in file order."""
    classes = {"THEFT 1": "larceny_theft", "THEFT 2": "robbery", "THEFT 3": "burglary"}
    rules = ", ".join(f'"{k}" = "{v}"' for k, v in classes.items())
    mapping = SPEC + f"[[offences.rules]]\ncolumn = 'what'\nmap = {{ {rules} }}\n"
    expected_dir = tmp_path / "plain"
    expected_dir.mkdir()
    plain = _import(expected_dir, _many_rows(), mapping).files[0]
    expected = _loaded(expected_dir / "x.duckdb")
    assert plain.inserted == 59 and sorted(int(r[0]) for r in expected) == [
        i for i in range(1, 61) if i != 11
    ]
    assert list(plain.preview["incident_id"]) == [str(i) for i in range(1, 22) if i != 11]
    # rows differ in their place (every third is east) and class: a mix-up would show
    assert {r[12] for r in expected} == {"neighbourhood:W", "neighbourhood:E"}
    assert all(r[7] == classes.get(r[6], "other") for r in expected)
    assert {r[7] for r in expected} == {*classes.values(), "other"}
    place = placing.place

    def shuffled(con, *args, **kwargs):
        place(con, *args, **kwargs)
        tables = ["placed", "_mapped"] if shuffle == "both" else ["placed"]
        for table in tables:
            con.execute(
                f"create or replace temp table {table} as "
                f"select * from {table} order by hash(_row * 7919)"
            )

    monkeypatch.setattr(placing, "place", shuffled)
    f = _import(tmp_path, _many_rows(), mapping).files[0]
    assert (f.inserted, f.rejected, f.reasons) == (plain.inserted, 1, plain.reasons)
    assert _loaded(tmp_path / "x.duckdb") == expected
    assert list(f.preview["incident_id"]) == list(plain.preview["incident_id"])


def test_a_direct_import_stores_the_mapping_name_as_given(tmp_path):
    # The direct import's `staged` view reads the name from a session variable set with a
    # parameter: quotes and SQL in the name are stored verbatim, never run.
    name = "O'Brien's \"export\"; drop table incidents; --"
    spec = tmp_path / "quoted.toml"
    spec.write_text(SPEC.replace('name = "fast"', "name = '''" + name + "'''"))
    data = tmp_path / "in.csv"
    lines = [f"q{i},2024-03-0{i} 10:00,THEFT,1 Main St,41.05,-87.95" for i in range(1, 6)]
    data.write_text("id,when,what,where,lat,lon\n" + "\n".join(lines) + "\n", encoding="utf-8")
    target = _areas_db(tmp_path / "x.duckdb")
    report = pipeline.run(target, "incidents", [data], spec, rejects_dir=tmp_path / "rejects")
    assert report.ok, report.summary()
    assert _rows(target, "select distinct source from incidents") == [(name,)]
    assert _rows(target, "select count(*) from incidents") == [(5,)]
    preview = report.files[0].preview
    assert list(preview["incident_id"]) == ["q1", "q2", "q3", "q4", "q5"]
    assert set(preview["source"]) == {name}
