"""event_facts, each event with its attendance: equal to the join after every kind of write.

The pages' event questions read this table instead of joining events and attendance, so it
must never lag behind them: after the demo build, after an events or attendance import, and
after an upgrade from a schema that did not have it.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import duckdb
from import_fixtures import GOOD, areas_db, chicago_db  # noqa: F401 - shared fixtures

from nno_dash.ingest import pipeline
from nno_dash.store import db

JOINED = """
    select e.*, a.headcount, a.residents, a.youth, a.officers, a.partners as partners_present,
        a.survey_n, a.trust_before, a.trust_after
    from events e left join attendance a using (event_id)
"""
FACTS = "select * from event_facts"


def differences(con: duckdb.DuckDBPyConnection) -> tuple[int, int]:
    """Rows of the join missing from event_facts, and rows of event_facts not in the join."""
    missing = con.execute(f"select count(*) from ({JOINED} except all {FACTS})").fetchone()[0]
    extra = con.execute(f"select count(*) from ({FACTS} except all {JOINED})").fetchone()[0]
    return missing, extra


def test_the_demo_city_has_every_event_with_its_attendance(con):
    assert con.execute("select count(*) from event_facts").fetchone()[0] > 100
    assert differences(con) == (0, 0)
    with_attendance = con.execute(
        "select count(*) from event_facts where headcount is not null"
    ).fetchone()[0]
    assert with_attendance == con.execute("select count(*) from attendance").fetchone()[0]


def test_events_then_attendance_imports_keep_it_equal_to_the_join(chicago_db):  # noqa: F811
    pipeline.run(chicago_db, "events", [GOOD / "events.csv"], str(GOOD / "events_mapping.toml"))
    with duckdb.connect(str(chicago_db), read_only=True) as con:
        assert con.execute("select count(*) from event_facts").fetchone()[0] == 4
        assert con.execute("select count(headcount) from event_facts").fetchone()[0] == 0
        assert differences(con) == (0, 0)
    pipeline.run(
        chicago_db, "attendance", [GOOD / "attendance.csv"], str(GOOD / "attendance_mapping.toml")
    )
    with duckdb.connect(str(chicago_db), read_only=True) as con:
        assert differences(con) == (0, 0)
        nno = con.execute(
            "select headcount from event_facts where event_id = 'NNO-2016-001'"
        ).fetchone()[0]
        assert nno == 250


def test_upgrading_a_schema_3_file_fills_it(demo_db: Path, tmp_path: Path):
    old = tmp_path / "old.duckdb"
    shutil.copyfile(demo_db, old)
    with duckdb.connect(str(old)) as con:  # as a schema-3 file was: no event_facts
        con.execute("drop table event_facts")
        db.set_meta(con, "schema_version", "3")
    with duckdb.connect(str(old)) as con:
        assert db.ensure_schema(con) == 3
        assert db.schema_version(con) == db.SCHEMA_VERSION
        assert con.execute("select count(*) from event_facts").fetchone()[0] > 100
        assert differences(con) == (0, 0)
