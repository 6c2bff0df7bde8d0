"""The cached read path accepts only module-level query functions from the plain modules."""

import pytest

from nno_dash.analysis import statistics
from nno_dash.analysis.matching import touching
from nno_dash.queries import datasets, geography, overview
from nno_dash.store import db
from nno_dash.ui import data


def test_query_names_are_dotted_module_paths():
    assert data.query_name(overview.headline) == "nno_dash.queries.overview.headline"
    expected = "nno_dash.analysis.statistics.compare_counts"
    assert data.query_name(statistics.compare_counts) == expected


@pytest.mark.parametrize(
    "function",
    [lambda con: None, data.settings, len],
    ids=["lambda", "ui-module", "builtin"],
)
def test_other_callables_are_refused(function):
    with pytest.raises(ValueError, match="not a module-level query function"):
        data.query_name(function)


def test_load_runs_and_caches_by_data_version(demo_db):
    first = data.load(demo_db, datasets.table_counts)
    again = data.load(demo_db, datasets.table_counts)
    assert first.equals(again)
    assert int(first.loc[first["table"] == "incidents", "rows"].iloc[0]) > 0


def test_neighbours_are_worked_out_once_per_data_version(demo_db, tmp_path):
    path = tmp_path / "copy.duckdb"
    path.write_bytes(demo_db.read_bytes())
    first = data.neighbours(path, "neighbourhood")
    with db.open_readonly(path) as con:
        assert first == touching(geography.load_areas(con, "neighbourhood"))
    assert data.neighbours(path, "neighbourhood") is first  # remembered
    data.connection(path)[0].close()
    with db.write_session(path) as writer:  # new boundaries come with a new data version
        writer.execute("delete from areas where kind = 'neighbourhood' and code = '1'")
        db.bump_data_version(writer)
    again = data.neighbours(path, "neighbourhood")
    assert again is not first and "neighbourhood:1" not in again
    assert all("neighbourhood:1" not in near for near in again.values())
