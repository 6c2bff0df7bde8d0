"""A boundary file's code and name columns found from their values, on constructed layers and
on St. Louis's own neighbourhood files, whose column names nothing recognises."""

from __future__ import annotations

import pandas as pd
import pytest
from import_fixtures import STL_NEIGHBOURHOODS_GEOJSON, STL_NEIGHBOURHOODS_SHP, needs_st_louis

from nno_dash.ingest import boundary_columns, pipeline
from nno_dash.ingest.suggest import suggest
from nno_dash.store import db


def test_a_number_and_a_name_become_code_and_name():
    sample = pd.DataFrame(
        {
            "SHAPE_area": ["1101.47", "588.69", "1158.60"],
            "NHD_NUMTXT": ["43 Franz Park", "29 Tiffany", "28 Botanical Heights"],
            "NHD_NAME": ["Franz Park", "Tiffany", "Botanical Heights"],
            "NHD_NUM": ["43.0", "29.0", "28.0"],
        }
    )
    found = boundary_columns.guess(sample, set(), {"code", "name"})
    assert (found["code"].column, found["code"].whole_numbers) == ("NHD_NUM", True)
    assert found["name"].column == "NHD_NAME"


def test_a_single_name_property_is_code_and_name():
    sample = pd.DataFrame({"nhood": ["Mission", "Bayview Hunters Point", "Noe Valley"]})
    found = boundary_columns.guess(sample, set(), {"code", "name"})
    assert found["code"].column == found["name"].column == "nhood"
    assert not found["code"].whole_numbers


def test_repeated_values_are_never_a_code():
    sample = pd.DataFrame({"district": ["1", "1", "2"], "label": ["A", "B", "B"]})
    assert boundary_columns.guess(sample, set(), {"code", "name"}) == {}


@needs_st_louis
@pytest.mark.parametrize("path", [STL_NEIGHBOURHOODS_SHP, STL_NEIGHBOURHOODS_GEOJSON])
def test_st_louis_neighbourhoods_import_with_the_suggestion_unedited(path, tmp_path):
    drafted = suggest(path, "areas")
    mapping = tmp_path / "areas.toml"
    mapping.write_text(drafted.text)
    assert 'code = { column = "NHD_NUM", format = "int" }' in drafted.text
    assert 'name = "NHD_NAME"' in drafted.text
    database = tmp_path / "nno.duckdb"
    report = pipeline.run(database, "areas", [path], mapping)
    assert report.ok, report.summary()
    con = db.open_readonly(database)
    try:
        rows = con.execute(
            "select area_id, name from areas where area_id in "
            "('neighbourhood:43', 'neighbourhood:88') order by area_id"
        ).fetchall()
        count = con.execute("select count(*) from areas").fetchone()[0]
    finally:
        con.close()
    assert count == 88  # 79 neighbourhoods and 9 parks, as the file's PROVENANCE says
    assert rows[0] == ("neighbourhood:43", "Franz Park")
