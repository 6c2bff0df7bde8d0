"""The Parquet lake holds the same data as the database, and the queries run on it unchanged."""

from __future__ import annotations

from datetime import timedelta

import duckdb
import pandas as pd
import pytest

from nno_dash import __main__ as cli
from nno_dash.core.filters import Filters
from nno_dash.queries import crime, datasets, outreach, overview
from nno_dash.store import db, lake


@pytest.fixture(scope="module")
def exported(demo_db, tmp_path_factory):
    out = tmp_path_factory.mktemp("lake") / "nno"
    rows = lake.export(demo_db, out)
    return out, rows


def test_incidents_are_partitioned_by_year_and_every_row_is_there(exported, con):
    out, rows = exported
    years = sorted(int(p.name.split("=")[1]) for p in (out / "incidents").glob("year=*"))
    first, last = con.execute(
        "select min(year(occurred_on)), max(year(occurred_on)) from incidents"
    ).fetchone()
    assert years == list(range(first, last + 1))
    for table in lake.TABLES:
        assert rows[table] == con.execute(f"select count(*) from {table}").fetchone()[0], table
    one_year = duckdb.sql(
        "select count(*) from read_parquet($glob, hive_partitioning = true) where year = $y",
        params={"glob": str(out / "incidents" / "**" / "*.parquet"), "y": last},
    ).fetchall()[0][0]
    in_db = con.execute("select count(*) from incidents where year(occurred_on) = $y", {"y": last})
    assert one_year == in_db.fetchone()[0] > 0


@pytest.mark.parametrize(
    "query",
    [
        overview.headline,
        overview.area_summary,
        crime.incidents_by_category,
        crime.seasonal_profile,
        outreach.events_by_program,
        crime.compstat_counts,
    ],
    ids=lambda f: f.__name__,
)
def test_the_page_queries_answer_the_same_on_the_lake(exported, con, query):
    out, _ = exported
    last = datasets.latest_day(con)
    filters = Filters(last - timedelta(days=364), last, categories=("robbery", "burglary"))
    views = lake.open_views(out)
    try:
        expected = query(db.cursor(con), filters)
        got = query(views, filters)
    finally:
        views.close()
    sort = list(expected.columns[:2])
    pd.testing.assert_frame_equal(
        got.sort_values(sort).reset_index(drop=True),
        expected.sort_values(sort).reset_index(drop=True),
        check_dtype=False,
    )


def test_an_existing_lake_is_kept_unless_replaced(exported, demo_db, capsys):
    out, _ = exported
    marker = out / "meta.parquet"
    before = marker.stat().st_mtime_ns
    assert cli.main(["export-parquet", "--db", str(demo_db), str(out)]) == 2
    assert "exists" in capsys.readouterr().err
    assert marker.stat().st_mtime_ns == before
    assert cli.main(["export-parquet", "--db", str(demo_db), str(out), "--replace"]) == 0
    assert not out.with_name(out.name + ".partial").exists()
    assert not out.with_name(out.name + ".old").exists()
    assert lake.open_views(out).execute("select count(*) from incidents").fetchone()[0] > 0


def test_a_failed_export_leaves_nothing_behind(tmp_path):
    with pytest.raises(FileNotFoundError):
        lake.export(tmp_path / "missing.duckdb", tmp_path / "lake")
    assert list(tmp_path.iterdir()) == []
