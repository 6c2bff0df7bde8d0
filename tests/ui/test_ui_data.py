"""The cached read path accepts only module-level query functions from the plain modules."""

import pytest

from nno_dash import queries
from nno_dash.analysis import statistics
from nno_dash.ui import data


def test_query_names_are_dotted_module_paths():
    assert data.query_name(queries.headline) == "nno_dash.queries.headline"
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
    first = data.load(demo_db, queries.table_counts)
    again = data.load(demo_db, queries.table_counts)
    assert first.equals(again)
    assert int(first.loc[first["table"] == "incidents", "rows"].iloc[0]) > 0
