"""Readers: every supported format in, text columns and true row numbers out; clear refusals."""

from __future__ import annotations

import shutil
import warnings
import zipfile
from pathlib import Path

import duckdb
import geopandas as gpd
import pandas as pd
import pytest
from import_fixtures import (
    BAD,
    CAPS_CSV,
    CAPS_JSON,
    COMMUNITY_AREAS,
    COMMUNITY_AREAS_SHP,
    CRIMES_2016,
    CRIMES_2022_SLIM,
    CRIMES_2023,
    CRIMES_2024,
    GOOD,
    needs_chicago,
    raw_rows,
)

from nno_dash.ingest import formats, readers


@pytest.fixture
def con():
    connection = duckdb.connect()
    yield connection
    connection.close()


def read(con, path, **options):
    result = readers.read_table(con, path, options=formats.ReadOptions(**options))
    frame = con.execute("select * from raw order by _row").df()
    return result, frame


@needs_chicago
def test_bom_is_not_part_of_the_first_column_name(con):
    result, frame = read(con, CRIMES_2024)
    assert result.columns[0] == "ID"
    assert frame["ID"].iloc[0] == "13364090"
    assert result.rows == 10_000


@needs_chicago
def test_gzip_csv_is_read_by_duckdb(con):
    result, _ = read(con, CRIMES_2022_SLIM)
    assert formats.sniff(CRIMES_2022_SLIM).compression == "gzip"
    assert result.rows == 215_551
    assert result.columns[:3] == ["Date", "Block", "Primary Type"]


@needs_chicago
def test_quoted_line_breaks_are_one_record_and_row_numbers_count_records(con):
    # 2,446 records on 2,823 lines (PROVENANCE)
    result, frame = read(con, CAPS_CSV)
    assert result.rows == 2_446 == len(raw_rows(CAPS_CSV))
    assert frame["_row"].tolist() == list(range(1, 2_447))
    expected = [r["id"] for r in raw_rows(CAPS_CSV)]
    assert frame["id"].tolist() == expected


@needs_chicago
def test_json_array_feed(con):
    result, frame = read(con, CAPS_JSON)
    assert result.format == "json"
    assert result.rows == 5_006
    assert frame.loc[0, "calendarId"] == "25"
    assert frame.loc[0, "start"] == "2017-12-28T18:30:00"


@needs_chicago
def test_real_truncated_export_keeps_the_cut_row_with_its_number(con):
    # the 2023 sample ends in the middle of its last row (9,746th)
    result, frame = read(con, CRIMES_2023)
    assert result.rows == 9_745
    assert result.malformed == 1
    bad = con.execute("select _row, reason from raw_malformed").fetchall()
    assert bad == [(9_746, "malformed row: too few fields")]
    assert frame["_row"].max() == 9_745


def test_row_numbers_stay_true_after_a_malformed_row(con):
    # row 1 has a quoted line break, row 2 is too short, rows 3-4 are fine
    result, frame = read(con, BAD / "short_row.csv")
    assert result.malformed == 1
    assert con.execute("select _row from raw_malformed").fetchall() == [(2,)]
    assert frame["_row"].tolist() == [1, 3, 4]
    assert "BEHIND THE" in frame.loc[0, "Location Description"]
    expected = [r["ID"] for i, r in enumerate(raw_rows(BAD / "short_row.csv"), 1) if i != 2]
    assert frame["ID"].tolist() == expected


def test_truncated_in_a_quoted_field(con):
    result, _ = read(con, BAD / "truncated.csv")
    assert result.rows == 3
    assert result.malformed == 1


@pytest.mark.parametrize("name", ["semicolon.csv", "tab.tsv"])
def test_files_in_other_delimiters_are_read(con, name):
    result, frame = read(con, GOOD / name)
    assert result.rows == 2
    assert frame["ID"].str.fullmatch(r"\d+").all()


def test_delimiter_inside_quotes_and_line_break(con):
    _, frame = read(con, GOOD / "semicolon.csv")
    assert frame.loc[0, "Location Description"] == "STREET;\nCORNER"


def test_latin1_file_is_decoded_and_noted(con):
    result, frame = read(con, BAD / "latin1.csv")
    assert "Latin-1" in " ".join(result.notes)
    assert frame.loc[0, "Block"] == "016XX W CAFÉ ST"


def test_forced_encoding(con):
    _, frame = read(con, BAD / "latin1.csv", encoding="latin1")
    assert frame.loc[0, "Block"] == "016XX W CAFÉ ST"


@pytest.mark.parametrize(
    ("name", "words"),
    [
        ("empty.csv", "is empty"),
        ("header_only.csv", "header but no data rows"),
        ("binary.csv", "binary file"),
        ("report.pdf.csv", "PDF document"),
        ("truncated.csv.gz", "truncated gzip"),
    ],
)
def test_unreadable_files_fail_with_one_sentence_naming_the_file(con, name, words):
    with pytest.raises(formats.ReadError) as caught:
        readers.read_table(con, BAD / name)
    message = str(caught.value)
    assert message.startswith(f"{name}: ")
    assert words in message
    assert "\n" not in message


def test_missing_file(con, tmp_path):
    with pytest.raises(formats.ReadError, match="no such file"):
        readers.read_table(con, tmp_path / "nope.csv")


def test_renamed_file_is_detected_by_content(con, tmp_path):
    fake = tmp_path / "data.xlsx"
    shutil.copyfile(GOOD / "latlon.csv", fake)
    with pytest.raises(formats.ReadError, match="not an Excel workbook"):
        readers.read_table(con, fake)


def test_excel_and_parquet(con, tmp_path):
    frame = pd.read_csv(GOOD / "latlon.csv", dtype=str, keep_default_na=False)
    xlsx, parquet = tmp_path / "incidents.xlsx", tmp_path / "incidents.parquet"
    frame.to_excel(xlsx, index=False)
    frame.to_parquet(parquet, index=False)
    for path, fmt in ((xlsx, "xlsx"), (parquet, "parquet")):
        local = duckdb.connect()
        result, got = read(local, path)
        assert result.format == fmt
        assert result.rows == len(frame)
        assert got["ID"].tolist() == frame["ID"].tolist()
        assert got["_row"].tolist() == list(range(1, len(frame) + 1))
        local.close()


@needs_chicago
@pytest.mark.parametrize("source", ["geojson", "shapefile folder", "shp", "zip", "gpkg 3435"])
def test_boundaries_in_every_format_come_back_in_wgs84(tmp_path, source):
    reference = gpd.read_file(COMMUNITY_AREAS)
    if source == "geojson":
        path = COMMUNITY_AREAS
    elif source == "shapefile folder":
        path = COMMUNITY_AREAS_SHP
    elif source == "shp":
        path = next(COMMUNITY_AREAS_SHP.glob("*.shp"))
    elif source == "zip":
        path = tmp_path / "areas.zip"
        with zipfile.ZipFile(path, "w") as zf:
            for part in COMMUNITY_AREAS_SHP.iterdir():
                zf.write(part, part.name)
    else:
        # Illinois State Plane East, US feet, as a GIS office would hand it over
        path = tmp_path / "areas.gpkg"
        reference.to_crs("EPSG:3435").to_file(path, driver="GPKG")
    gdf, notes = readers.read_boundaries(path)
    assert len(gdf) == 77
    assert gdf.crs == "EPSG:4326"
    assert abs(gdf.total_bounds - reference.total_bounds).max() < 1e-6
    if source == "gpkg 3435":
        assert any("reprojected" in n for n in notes)
    assert set(gdf["area_numbe"]) == set(reference["area_numbe"])


def test_boundary_file_without_crs_in_feet_is_refused(tmp_path):
    square = "POLYGON((1160000 1850000, 1170000 1850000, 1170000 1860000, 1160000 1850000))"
    shapes = gpd.GeoDataFrame({"code": ["1"]}, geometry=gpd.GeoSeries.from_wkt([square]))
    path = tmp_path / "nocrs.shp"
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # "'crs' was not provided": the point of the test
        shapes.to_file(path)
    assert not path.with_suffix(".prj").exists()
    with pytest.raises(formats.ReadError, match="no coordinate system"):
        readers.read_boundaries(path)
    gdf, _ = readers.read_boundaries(path, formats.ReadOptions(crs="EPSG:3435"))
    assert -88 < gdf.total_bounds[0] < -87.5


def test_quote_ident_doubles_quotes():
    assert readers.quote_ident('a "b"') == '"a ""b"""'


@needs_chicago
def test_sample_reads_only_the_first_rows():
    sample = readers.read_sample(CRIMES_2016, 5)
    assert len(sample) == 5
    assert list(sample.columns)[:2] == ["ID", "Case Number"]
    assert readers.read_header(COMMUNITY_AREAS)[:1] != []


@pytest.mark.parametrize("name", ["sf_incidents.csv", "la_crimes.csv", "nibrs_incidents.csv"])
def test_other_cities_headers(name):
    header = readers.read_header(GOOD / name)
    assert len(header) >= 10


def test_paths_as_strings(con):
    result, _ = read(con, str(Path(GOOD / "tab.tsv")))
    assert result.rows == 2


def test_row_numbers_inside_an_open_transaction_of_a_file_database(tmp_path):
    """The importer reads inside its write session's transaction, where DuckDB numbers
    uncommitted rows from a large base: `_row` must still be 1, 2, 3... in file order."""
    with duckdb.connect(str(tmp_path / "session.duckdb")) as con:
        con.execute("begin transaction")
        assert con.execute("select 1").fetchall() == [(1,)]
        _, frame = read(con, BAD / "short_row.csv")
        assert frame["_row"].tolist() == [1, 3, 4]
        expected = [r["ID"] for i, r in enumerate(raw_rows(BAD / "short_row.csv"), 1) if i != 2]
        assert frame["ID"].tolist() == expected
        con.execute("drop view raw")
        con.execute("drop table _raw0")
        con.execute("drop table raw_malformed")
        _, frame = read(con, GOOD / "latlon.csv")
        rows = raw_rows(GOOD / "latlon.csv")
        assert frame["_row"].tolist() == list(range(1, len(rows) + 1))
        assert frame["ID"].tolist() == [r["ID"] for r in rows]
        con.execute("rollback")
