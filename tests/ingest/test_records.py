"""Records: which columns need no trimming (the fast path for clean files)."""

from __future__ import annotations

import duckdb

from nno_dash.ingest import records


def test_clean_columns_are_found_exactly():
    con = duckdb.connect()
    con.execute(
        "create temp view raw as select * from (values "
        "('a', ' lead', 'x', 'in  side', 'tab\tbed', 'line\nbreak', 'é', 'fine', ''), "
        "('b', 'ok', 'trail ', 'ok', 'ok', 'ok', 'ok', 'fine too', 'x')) "
        "t(plain, lead, trail, runs, tab, nl, accent, spaced_once, blank)"
    )
    clean = records.clean_columns(
        con, ["plain", "lead", "trail", "runs", "tab", "nl", "accent", "spaced_once", "blank"]
    )
    # a single space inside a value needs nothing; an empty value is only nulled
    assert clean == ["plain", "spaced_once", "blank"]


def test_clean_columns_of_a_clean_file_and_the_separators_inside_values():
    con = duckdb.connect()
    # NULLs and single spaces are clean; the whole row is tested once and passes
    con.execute(
        "create temp view raw as select * from (values ('a b', null, 'x'), ('c', 'd e', null)) "
        "t(one, two, three)"
    )
    assert records.clean_columns(con, ["one", "two", "three"]) == ["one", "two", "three"]
    # a value holding the unit separator next to a space looks like an edge in the joined
    # row; the column-by-column test then clears it, and finds the real trailing space
    con.execute(
        "create or replace temp view raw as select * from (values "
        "('a' || chr(31) || ' b', 'ok', 'end '), ('c', 'ok', 'fine')) t(one, two, three)"
    )
    assert records.clean_columns(con, ["one", "two", "three"]) == ["one", "two"]
