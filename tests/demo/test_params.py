"""Demo parameters: checked before anything is written, and the defaults that depend on them."""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from pathlib import Path

import pytest

from nno_dash.demo.build import build_demo
from nno_dash.demo.dates import national_night_out
from nno_dash.demo.params import DemoParams, validate


def test_default_effect_start_is_national_night_out_two_years_before_the_end() -> None:
    assert national_night_out(2024) == date(2024, 8, 6)
    assert validate(DemoParams()).effect_start == date(2024, 8, 6)
    short = validate(DemoParams(years=1))
    assert short.effect_start == date(2026, 8, 4)


def test_the_period_ends_on_the_end_date_and_spans_whole_years() -> None:
    period = validate(DemoParams(end_date=date(2024, 2, 29), years=2))
    assert (period.start, period.end) == (date(2022, 3, 1), date(2024, 2, 29))
    assert period.days()[0] == period.start and period.days()[-1] == period.end


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"effect_categories": ("robbery", "shoplifting")}, "shoplifting"),
        ({"treated_areas": ("3", "41")}, "41"),
        ({"effect": -1.0}, "greater than -1"),
        ({"effect": -1.5}, "greater than -1"),
        ({"effect": float("nan")}, "greater than -1"),
        ({"years": 0}, "years"),
        ({"incidents": 10}, "incidents"),
        ({"effect_start": date(2010, 8, 3)}, "effect_start"),
        ({"treated_count": 30}, "treated_count"),
        ({"seed": -1}, "seed"),
    ],
)
def test_invalid_params_raise_before_anything_is_written(
    tmp_path: Path, changes: dict, message: str
) -> None:
    path = tmp_path / "demo.duckdb"
    with pytest.raises(ValueError, match=message):
        build_demo(path, replace(DemoParams(incidents=5_000), **changes))
    assert not path.exists()
