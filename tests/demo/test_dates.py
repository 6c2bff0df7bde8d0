"""Calendar rules of the demo's recurring events."""

from __future__ import annotations

from datetime import date, datetime

from nno_dash.demo.dates import at_time, months_between, national_night_out, nth_weekday


def test_nth_and_last_weekday_of_a_month() -> None:
    assert nth_weekday(2026, 10, 1) == date(2026, 10, 6)  # first Tuesday
    assert nth_weekday(2026, 10, 5, 2) == date(2026, 10, 10)  # second Saturday
    assert nth_weekday(2026, 12, 3, -1) == date(2026, 12, 31)  # last Thursday, year's end
    assert national_night_out(2026, 10) == date(2026, 10, 6)


def test_months_between_includes_both_ends_across_a_new_year() -> None:
    months = list(months_between(date(2025, 11, 30), date(2026, 2, 1)))
    assert months == [(2025, 11), (2025, 12), (2026, 1), (2026, 2)]
    assert at_time(date(2026, 8, 4), 17, 30) == datetime(2026, 8, 4, 17, 30)
