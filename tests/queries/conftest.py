"""The default period's filters, shared by the query tests."""

from __future__ import annotations

import pytest

from nno_dash.core.filters import Filters, default_period
from nno_dash.queries import datasets


@pytest.fixture(scope="session")
def filters(con) -> Filters:
    start, end = default_period(datasets.latest_day(con))
    return Filters(start, end)
