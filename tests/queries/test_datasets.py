"""What is loaded: the dataset's description and the administration tables."""

from __future__ import annotations

from nno_dash.queries import datasets


def test_dataset_info_describes_the_demo(con):
    info = datasets.dataset_info(con)
    assert info["dataset"] == "demo"
    assert "fictional" in info["label"].lower()
    assert info["first_day"] < info["last_day"]
    assert info["demo_params"]["seed"] == 11


def test_administration_tables(con):
    counts = datasets.table_counts(con).set_index("table")["rows"]
    assert counts["incidents"] == con.execute("select count(*) from incidents").fetchone()[0]
    kinds = datasets.areas_by_kind(con)
    assert set(kinds["kind"]) == {"neighbourhood", "beat", "district", "council_district"}
    assert (kinds["with_population"] == kinds["areas"]).all()
    assert datasets.import_log(con)["kind"].iloc[0] == "demo"
