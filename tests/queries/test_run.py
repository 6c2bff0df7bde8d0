"""The shared SQL fragments name columns only from the fixed list of kinds."""

from __future__ import annotations

import pytest

from nno_dash.core.vocab import AREA_KINDS
from nno_dash.queries import run


def test_area_column_names_a_column_from_the_fixed_kinds_only(con):
    # the column is written into the SQL text, so only a known kind may choose it
    for kind in AREA_KINDS:
        con.execute(f"select {run.area_column(kind)} from event_facts e limit 1").fetchall()
        con.execute(f"select {run.area_column(kind, 'i')} from incidents i limit 1").fetchall()
    with pytest.raises(ValueError, match="unknown area kind"):
        run.area_column("beat_id from events; drop table events; --")
