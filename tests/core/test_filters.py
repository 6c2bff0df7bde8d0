"""The shared filter set: URL round trip, tolerance of bad links, words, SQL parameters."""

from datetime import date

import pytest

from nno_dash.core.filters import PHRASES, Filters, Wording, default_period, describe, shift_year

START, END = date(2025, 11, 1), date(2026, 10, 31)


def test_round_trip_through_the_url():
    f = Filters(
        date(2026, 1, 1),
        date(2026, 6, 30),
        "beat",
        ("beat:0111", "beat:0112"),
        ("national_night_out",),
        ("robbery", "burglary"),
    )
    assert Filters.from_query_params(f.to_query_params(), START, END) == f


def test_defaults_leave_the_url_short():
    assert Filters(START, END).to_query_params() == {"start": "2025-11-01", "end": "2026-10-31"}


def test_url_keys_are_the_field_names():
    f = Filters(START, END, "beat", ("beat:1",), ("job_fair",), ("arson",))
    assert set(f.to_query_params()) == {
        "start",
        "end",
        "area_kind",
        "area_ids",
        "programs",
        "categories",
    }


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ({}, Filters(START, END)),
        ({"start": "not-a-date"}, Filters(START, END)),
        ({"start": "2026-05-01", "end": "2026-01-01"}, Filters(START, END)),  # reversed
        ({"area_kind": "planet"}, Filters(START, END)),
        ({"categories": ["robbery", "bogus"]}, Filters(START, END, categories=("robbery",))),
        (
            {"area_kind": "beat", "area_ids": ["beat:1", "neighbourhood:2"]},
            Filters(START, END, "beat", ("beat:1",)),
        ),
        # links made with the older keys still open
        ({"from": "not-a-date"}, Filters(START, END)),
        ({"from": "2026-05-01", "to": "2026-01-01"}, Filters(START, END)),  # reversed
        ({"kind": "planet"}, Filters(START, END)),
        (
            {"program": ["national_night_out", "bogus"]},
            Filters(START, END, programs=("national_night_out",)),
        ),
        ({"category": "robbery"}, Filters(START, END, categories=("robbery",))),
        # areas of another kind than the chosen one are dropped
        (
            {"kind": "beat", "area": ["beat:1", "neighbourhood:2"]},
            Filters(START, END, "beat", ("beat:1",)),
        ),
    ],
)
def test_bad_or_partial_links_still_open(query, expected):
    assert Filters.from_query_params(query, START, END) == expected


def test_previous_year_is_the_same_season():
    f = Filters(date(2024, 2, 29), date(2024, 8, 31)).previous_year()
    assert (f.start, f.end) == (date(2023, 2, 28), date(2023, 8, 31))


def test_params_are_plain_values_for_sql():
    params = Filters(START, END, area_ids=("neighbourhood:3",)).params()
    assert params == {
        "start": START,
        "end": END,
        "area_kind": "neighbourhood",
        "counts_kind": "neighbourhood",  # areas chosen: their kind's daily counts
        "area_ids": ["neighbourhood:3"],
        "programs": [],
        "categories": [],
    }
    assert Filters(START, END).params()["counts_kind"] == "city"  # none: the city's counts


def test_describe_in_words():
    f = Filters(START, END, area_ids=("neighbourhood:3",), categories=("robbery",))
    text = f.describe({"neighbourhood:3": "Riverside"})
    assert text == "1 Nov 2025 to 31 Oct 2026 · Riverside · Robbery · all outreach programs"
    many = Filters(START, END, categories=("robbery", "burglary", "arson", "homicide"))
    assert "4 offence categories" in many.describe()


def test_invalid_filters_are_refused():
    with pytest.raises(ValueError, match="before it starts"):
        Filters(END, START)
    with pytest.raises(ValueError, match="area kind"):
        Filters(START, END, "planet")


def test_default_period_is_the_last_twelve_months():
    assert default_period(date(2026, 10, 31)) == (date(2025, 11, 1), date(2026, 10, 31))


def test_shift_year_keeps_the_day_and_turns_29_february_into_the_28th():
    assert shift_year(date(2024, 3, 15), -1) == date(2023, 3, 15)
    assert shift_year(date(2024, 2, 29), -1) == date(2023, 2, 28)
    assert shift_year(date(2023, 2, 28), 1) == date(2024, 2, 28)


def test_describe_takes_its_words_from_a_wording():
    f = Filters(START, END, "beat", area_ids=("beat:1", "beat:2"), programs=("job_fair",))
    shouting = Wording(
        phrases={**PHRASES, "and": "AND", "all_offences": "ALL OFFENCES"},
        day=lambda d: d.isoformat(),
        area_kind=str.upper,
        category=str.upper,
        program=str.upper,
    )
    assert describe(f, None, shouting) == (
        "2025-11-01 to 2026-10-31 · 1 AND 2 · ALL OFFENCES · JOB_FAIR"
    )
    assert describe(f) == f.describe()
