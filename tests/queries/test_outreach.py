"""Event questions count what the event table holds and never carry incident information."""

from __future__ import annotations

from dataclasses import replace

from nno_dash.queries import outreach, overview


def test_event_counts_match_the_raw_event_table(con, filters):
    f = replace(filters, programs=("national_night_out",))
    by_program = outreach.events_by_program(con, filters).set_index("program")
    raw = con.execute(
        "select count(*) from events where program = 'national_night_out' "
        "and starts_at::date between $start and $end",
        {"start": f.start, "end": f.end},
    ).fetchone()[0]
    assert by_program.loc["national_night_out", "events"] == raw > 0
    assert overview.headline(con, f).iloc[0].events == raw


def test_event_list_carries_no_incident_information(con, filters):
    events = outreach.event_list(con, filters, limit=50)
    assert 0 < len(events) <= 50
    assert events["starts_at"].is_monotonic_decreasing
    assert not {"incident_id", "case_number", "block_address"} & set(events.columns)


def test_event_points_are_the_event_lists_rows_with_the_markers_columns(con, filters):
    """The maps read event_points: the same events in the same order, fewer columns."""
    for f in (filters, replace(filters, area_kind="district", programs=("national_night_out",))):
        points = outreach.event_points(con, f)
        listed = outreach.event_list(con, f)
        assert list(points.columns) == ["starts_at", "title", "program", "lat", "lon", "headcount"]
        assert len(points) > 0
        assert points.equals(listed[list(points.columns)])
