"""Frames written into tables: columns by name, only known tables, incidents numbered."""

from __future__ import annotations

from datetime import datetime

import duckdb
import pandas as pd
import pytest

from nno_dash.store import db, frames


@pytest.fixture
def con() -> duckdb.DuckDBPyConnection:
    con = duckdb.connect()
    db.ensure_schema(con)
    yield con
    con.close()


def test_a_frame_goes_in_by_column_name(con: duckdb.DuckDBPyConnection) -> None:
    homes = pd.DataFrame(
        {"headcount": [3, 5], "home_area_id": ["neighbourhood:1", "neighbourhood:2"],
         "event_id": ["EV-1", "EV-1"]}
    )  # fmt: skip
    frames.insert_frame(con, "attendance_home_areas", homes)
    rows = con.execute(
        "select event_id, home_area_id, headcount from attendance_home_areas order by 2"
    ).fetchall()
    assert rows == [("EV-1", "neighbourhood:1", 3), ("EV-1", "neighbourhood:2", 5)]


def test_an_unknown_table_is_refused(con: duckdb.DuckDBPyConnection) -> None:
    with pytest.raises(ValueError, match="meta; drop"):
        frames.insert_frame(con, "meta; drop table areas", pd.DataFrame({"key": ["a"]}))
    with pytest.raises(ValueError, match="no frame insert"):
        frames.insert_frame(con, "incidents", pd.DataFrame({"seq": [1]}))


def test_incidents_get_ids_in_seq_order_and_case_numbers_per_report_year(
    con: duckdb.DuckDBPyConnection,
) -> None:
    reported = [datetime(2025, 12, 31, 23), datetime(2026, 1, 2), datetime(2026, 1, 1)]
    incidents = pd.DataFrame(
        {
            "seq": [1, 2, 3],
            "occurred_at": [datetime(2025, 12, 31, 22), datetime(2026, 1, 1), datetime(2026, 1, 1)],
            "reported_at": reported,
            "offence_code": pd.Categorical(["0810"] * 3),
            "offence_description": ["THEFT - OVER $500"] * 3,
            "category": pd.Categorical(["larceny_theft"] * 3),
            "sensitive": [False] * 3,
            "block_address": ["001XX N MAIN ST"] * 3,
            "lat": [39.1] * 3,
            "lon": [-94.9] * 3,
            "neighbourhood_id": ["neighbourhood:1"] * 3,
            "beat_id": ["beat:0111"] * 3,
            "district_id": ["district:1"] * 3,
            "council_district_id": ["council_district:1"] * 3,
        }
    )
    frames.insert_numbered_incidents(con, incidents, id_prefix="DC", source="demo")
    rows = con.execute(
        "select incident_id, case_number, occurred_on::varchar, source from incidents "
        "order by incident_id"
    ).fetchall()
    assert rows == [
        ("DC-000001", "JH100001", "2025-12-31", "demo"),
        ("DC-000002", "JI100002", "2026-01-01", "demo"),
        ("DC-000003", "JI100001", "2026-01-01", "demo"),
    ]
