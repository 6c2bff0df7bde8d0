"""Suggest: a first mapping drafted from a file's header and sample, valid as it stands."""

from __future__ import annotations

import tomllib

import pytest
from import_fixtures import (
    BAD,
    CAPS_CSV,
    CAPS_JSON,
    COMMUNITY_AREAS,
    CRIMES_2016,
    CRIMES_2024,
    GOOD,
    POPULATION_2010,
    needs_chicago,
)

from nno_dash.__main__ import main
from nno_dash.ingest import mapping, suggest


def parsed(suggestion):
    """The suggested text must itself be a valid mapping."""
    return mapping.parse(tomllib.loads(suggestion.text), "suggested.toml")


@needs_chicago
def test_suggest_for_chicago_crimes():
    suggestion = suggest.suggest(CRIMES_2024)
    m = parsed(suggestion)
    assert suggestion.kind == "incidents"
    assert m.fields["incident_id"].column == "ID"
    assert m.fields["occurred_at"].column == "Date"
    assert m.fields["lat"].column == "Latitude"
    assert m.fields["lon"].column == "Longitude"
    assert m.time_formats == ("%m/%d/%Y %I:%M:%S %p",)
    assert m.timezone == "America/Chicago"
    assert m.area_codes["neighbourhood"].column == "Community Area"
    assert m.area_codes["beat"].column == "Beat"
    assert m.x.column == "X Coordinate"
    assert m.area_codes["council_district"].column == "Ward"  # Chicago's council districts
    assert "Updated On" in suggestion.unplaced_columns
    assert "reported_at" in suggestion.unplaced_fields


@pytest.mark.parametrize(
    ("name", "expected", "zone"),
    [
        (
            "sf_incidents.csv",
            {
                "incident_id": "Row ID",
                "occurred_at": "Incident Datetime",
                "offence_code": "Incident Code",
                "lat": "Latitude",
                "reported_at": "Report Datetime",
            },
            "America/Los_Angeles",
        ),
        (
            "la_crimes.csv",
            {
                "incident_id": "DR_NO",
                "occurred_at": "DATE OCC",
                "offence_code": "Crm Cd",
                "offence_description": "Crm Cd Desc",
                "lat": "LAT",
                "lon": "LON",
            },
            "America/Los_Angeles",
        ),
        (
            "nibrs_incidents.csv",
            {
                "incident_id": "incident_id",
                "occurred_at": "incident_date",
                "offence_code": "offense_code",
                "offence_description": "offense_name",
            },
            "America/Denver",
        ),
    ],
)
def test_suggest_recognises_other_cities(name, expected, zone):
    suggestion = suggest.suggest(GOOD / name)
    m = parsed(suggestion)
    assert suggestion.kind == "incidents"
    for field, column in expected.items():
        assert m.fields[field].column == column
    assert m.timezone == zone
    assert suggestion.unplaced_columns  # says what it could not place


def test_suggest_la_notes_the_separate_time_column():
    suggestion = suggest.suggest(GOOD / "la_crimes.csv")
    assert any("TIME OCC" in note for note in suggestion.notes)
    assert "TIME OCC" in suggestion.unplaced_columns


@needs_chicago
def test_suggest_for_events_without_an_id_makes_a_hash():
    suggestion = suggest.suggest(CAPS_JSON)
    m = parsed(suggestion)
    assert suggestion.kind == "events"
    assert m.fields["title"].column == "title"
    assert m.fields["starts_at"].column == "start"
    assert m.fields["event_id"].hash
    assert m.area_codes["district"].column == "calendarId"
    assert m.programs is not None


@needs_chicago
@pytest.mark.parametrize(
    ("path", "code", "extra"),
    [(COMMUNITY_AREAS, "area_numbe", "name"), (POPULATION_2010, "ID", "population")],
)
def test_suggest_for_areas(path, code, extra):
    suggestion = suggest.suggest(path)
    m = parsed(suggestion)
    assert suggestion.kind == "areas"
    assert m.fields["code"].column == code
    assert extra in m.fields


@needs_chicago
def test_suggest_on_a_scraped_events_csv():
    suggestion = suggest.suggest(CAPS_CSV)
    assert suggestion.kind == "events"
    assert parsed(suggestion).fields["event_id"].column == "id"


@needs_chicago
def test_cli_mapping_suggest_prints_a_mapping_and_what_it_could_not_place(capsys):
    assert main(["mapping", "suggest", str(CRIMES_2016)]) == 0
    out, err = capsys.readouterr()
    assert tomllib.loads(out)["fields"]["incident_id"] == "ID"
    assert "could not place columns:" in err
    assert "Updated On" in err


def test_cli_mapping_suggest_on_a_bad_file(capsys):
    assert main(["mapping", "suggest", str(BAD / "empty.csv")]) == 1
    assert "empty.csv: is empty" in capsys.readouterr().err
