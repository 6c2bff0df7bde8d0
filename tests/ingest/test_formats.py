"""Formats: what a file is, found from its first bytes (the refusals are in test_readers)."""

from __future__ import annotations

import pytest
from import_fixtures import BAD, CRIMES_2022_SLIM, GOOD, needs_chicago

from nno_dash.ingest import formats


@pytest.mark.parametrize(("name", "delimiter"), [("semicolon.csv", ";"), ("tab.tsv", "\t")])
def test_delimiter_is_detected(name, delimiter):
    assert formats.sniff(GOOD / name).delimiter == delimiter


@pytest.mark.parametrize("name", ["truncated.csv", "short_row.csv"])
def test_a_cut_or_short_row_does_not_change_the_delimiter(name):
    # without ignore_errors, DuckDB's sniffer took '|' for these files (one column)
    sniffed = formats.sniff(BAD / name)
    assert sniffed.delimiter == ","
    assert sniffed.header[:3] == ["ID", "Case Number", "Date"]


def test_a_file_of_one_column_is_read_with_the_default_delimiter(tmp_path):
    path = tmp_path / "names.csv"
    path.write_text("name\nAda\nGrace\n", encoding="utf-8")
    sniffed = formats.sniff(path)
    assert (sniffed.delimiter, sniffed.header) == (",", ["name"])


@needs_chicago
def test_gzip_is_sniffed_from_its_decompressed_start():
    sniffed = formats.sniff(CRIMES_2022_SLIM)
    assert (sniffed.compression, sniffed.delimiter) == ("gzip", ",")


def test_unique_names():
    assert formats.unique_names(["\ufeffID", " Date ", "date", ""]) == [
        "ID",
        "Date",
        "date_2",
        "column_4",
    ]
