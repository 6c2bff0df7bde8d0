"""Calendar rules for the demo's recurring events: the n-th weekday of a month, and so on."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, datetime, timedelta


def nth_weekday(year: int, month: int, weekday: int, n: int = 1) -> date:
    """The n-th given weekday (Monday 0) of a month; n=-1 is the last one."""
    if n < 0:
        after = date(year + month // 12, month % 12 + 1, 1)
        return after - timedelta(days=(after.weekday() - weekday - 1) % 7 + 1)
    first = date(year, month, 1)
    return first + timedelta(days=(weekday - first.weekday()) % 7 + 7 * (n - 1))


def national_night_out(year: int, month: int = 8) -> date:
    """First Tuesday of August (some agencies hold it on the first Tuesday of October)."""
    return nth_weekday(year, month, 1)


def months_between(start: date, end: date) -> Iterator[tuple[int, int]]:
    """(year, month) of every month from start's to end's, both included."""
    year, month = start.year, start.month
    while (year, month) <= (end.year, end.month):
        yield year, month
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)


def at_time(day: date, hour: int, minute: int = 0) -> datetime:
    """The moment on a day at a wall-clock time."""
    return datetime(day.year, day.month, day.day) + timedelta(hours=hour, minutes=minute)
