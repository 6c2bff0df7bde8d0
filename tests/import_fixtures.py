"""Shared fixtures for the import tests: the real Chicago files and databases built from them.

Imported by the tests in tests/ingest/ and a few others (not a conftest: the lead owns
that). Databases are built once per session through the importer itself and copied
for any test that writes.
"""

from __future__ import annotations

import contextlib
import csv
import hashlib
import os
import shutil
from pathlib import Path

import duckdb
import pytest

from nno_dash.ingest import pipeline
from nno_dash.ingest.report import ImportReport

HERE = Path(__file__).parent
GOOD = HERE / "data" / "good"
BAD = HERE / "data" / "bad"
# Real City of Chicago exports: a copy beside the checkout (CI has it), or NNO_CHICAGO_DATA.
CHICAGO = Path(
    os.environ.get("NNO_CHICAGO_DATA", HERE.resolve().parents[1] / "shared" / "data" / "chicago")
)

CRIMES_2024 = CHICAGO / "crimes_2024_sample" / "Crimes_-_2001_to_Present.csv"
CRIMES_2023 = CHICAGO / "crimes_2023_sample" / "Crimes_-_2001_to_Present.csv"
CRIMES_2016 = CHICAGO / "crimes_2016_jan_sample" / "Crimes_-_2001_to_present.csv"
CRIMES_2022_SLIM = CHICAGO / "crimes_2022_slim" / "crimes-2022-slim.csv.gz"
HOMICIDES = CHICAGO / "homicides" / "Homicides.csv"
COMMUNITY_AREAS = CHICAGO / "boundaries" / "community_areas.geojson"
COMMUNITY_AREAS_SHP = CHICAGO / "boundaries" / "community_areas_shapefile"
BEATS = CHICAGO / "boundaries" / "police_beats.geojson"
DISTRICTS = CHICAGO / "boundaries" / "police_districts.geojson"
POPULATION_2020 = CHICAGO / "population" / "chicago_community_areas_population_2020.csv"
POPULATION_2010 = CHICAGO / "population" / "Community_Areas_population_2010.csv"
SOCIOECONOMIC = (
    CHICAGO
    / "population"
    / "Census_Data_-_Selected_socioeconomic_indicators_in_Chicago__2008___2012.csv"
)
CAPS_JSON = CHICAGO / "caps_events" / "chi_police.json"
CAPS_CSV = CHICAGO / "caps_events" / "chi_police_20180423_1917.csv"

CHICAGO_MISSING = (
    None
    if CRIMES_2024.exists()
    else f"the City of Chicago exports are not at {CHICAGO} (set NNO_CHICAGO_DATA to their folder)"
)
needs_chicago = pytest.mark.chicago  # tests on the real Chicago exports

# Real City of St. Louis files (NIBRS and UCR months, neighbourhoods), beside Chicago's.
ST_LOUIS = Path(os.environ.get("NNO_ST_LOUIS_DATA", CHICAGO.parent / "st_louis"))
STL_NEIGHBOURHOODS_SHP = ST_LOUIS / "boundaries" / "BND_Nhd88_cw.shp"
STL_NEIGHBOURHOODS_GEOJSON = ST_LOUIS / "boundaries" / "neighborhoods.geojson"
needs_st_louis = pytest.mark.skipif(
    not STL_NEIGHBOURHOODS_SHP.exists(),
    reason=f"the City of St. Louis files are not at {ST_LOUIS} (set NNO_ST_LOUIS_DATA)",
)


def raw_rows(path: Path) -> list[dict[str, str]]:
    """A CSV's records by Python's csv module: the independent count to compare against."""
    with path.open(encoding="utf-8-sig", newline="") as fh:
        return list(csv.DictReader(fh))


def file_digest(path: Path) -> str | None:
    return hashlib.sha256(path.read_bytes()).hexdigest() if path.exists() else None


def query(db_path: Path, sql: str, params: dict | None = None) -> list[tuple]:
    with contextlib.closing(duckdb.connect(str(db_path), read_only=True)) as con:
        return con.execute(sql, params or {}).fetchall()


def scalar(db_path: Path, sql: str, params: dict | None = None):
    return query(db_path, sql, params)[0][0]


@pytest.fixture(scope="session")
def areas_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Chicago's 77 community areas (with 2020 populations), 275 beats and 23 districts."""
    if CHICAGO_MISSING:
        pytest.skip(CHICAGO_MISSING)
    path = tmp_path_factory.mktemp("areas") / "areas.duckdb"
    report = pipeline.run(path, "areas", [COMMUNITY_AREAS, BEATS, DISTRICTS, POPULATION_2020], None)
    assert report.ok, report.summary()
    return path


@pytest.fixture(scope="module")
def two_incidents_db(areas_db: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:  # noqa: F811
    """Chicago's areas and the two incidents of tab.tsv, so every page and upload has data."""
    path = tmp_path_factory.mktemp("two_incidents") / "base.duckdb"
    shutil.copyfile(areas_db, path)
    report = pipeline.run(path, "incidents", [GOOD / "tab.tsv"], "chicago_crimes")
    assert report.ok and report.files[0].inserted == 2, report.summary()
    return path


@pytest.fixture
def chicago_db(areas_db: Path, tmp_path: Path) -> Path:
    """A writable copy of the areas database, for one test."""
    path = tmp_path / "db" / "nno.duckdb"
    path.parent.mkdir()
    shutil.copyfile(areas_db, path)
    return path


@pytest.fixture(scope="session")
def crimes_2024_db(
    areas_db: Path, tmp_path_factory: pytest.TempPathFactory
) -> tuple[Path, ImportReport]:
    """The 2024 sample imported once, with its report, for the read-only checks."""
    path = tmp_path_factory.mktemp("crimes2024") / "nno.duckdb"
    shutil.copyfile(areas_db, path)
    report = pipeline.run(path, "incidents", [CRIMES_2024], "chicago_crimes")
    assert report.ok, report.summary()
    return path, report


@pytest.fixture(scope="session")
def homicides_db(
    areas_db: Path, tmp_path_factory: pytest.TempPathFactory
) -> tuple[Path, ImportReport]:
    path = tmp_path_factory.mktemp("homicides") / "nno.duckdb"
    shutil.copyfile(areas_db, path)
    report = pipeline.run(path, "incidents", [HOMICIDES], "chicago_crimes")
    assert report.ok, report.summary()
    return path, report
