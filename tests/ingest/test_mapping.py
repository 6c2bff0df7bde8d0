"""Mappings: the shipped ones load and fit their files; bad ones fail clearly."""

from __future__ import annotations

import tomllib

import pytest
from import_fixtures import (
    BEATS,
    CAPS_JSON,
    COMMUNITY_AREAS,
    COMMUNITY_AREAS_SHP,
    CRIMES_2016,
    CRIMES_2022_SLIM,
    CRIMES_2023,
    CRIMES_2024,
    DISTRICTS,
    GOOD,
    HOMICIDES,
    POPULATION_2010,
    POPULATION_2020,
    needs_chicago,
    raw_rows,
)

from nno_dash.__main__ import main
from nno_dash.core.vocab import CATEGORIES
from nno_dash.ingest import formats, mapping, readers

SHIPPED_FILES = [
    ("chicago_crimes", CRIMES_2024),
    ("chicago_crimes", CRIMES_2023),
    ("chicago_crimes", CRIMES_2016),
    ("chicago_crimes", HOMICIDES),
    ("chicago_crimes_slim", CRIMES_2022_SLIM),
    ("chicago_community_areas", COMMUNITY_AREAS),
    ("chicago_community_areas", COMMUNITY_AREAS_SHP),
    ("chicago_beats", BEATS),
    ("chicago_districts", DISTRICTS),
    ("chicago_population_2020", POPULATION_2020),
    ("chicago_population_2010", POPULATION_2010),
    ("chicago_caps_events", CAPS_JSON),
]


def header_of(path):
    if formats.is_geo(path):
        return list(readers.read_boundaries(path, rows=1)[0].columns)
    return readers.read_header(path)


@pytest.mark.parametrize("name", sorted(mapping.shipped()))
def test_every_shipped_mapping_is_valid(name):
    loaded = mapping.load(name)
    assert loaded.name == name
    assert loaded.description


def test_shipped_mappings_cover_the_chicago_files():
    assert {name for name, _ in SHIPPED_FILES} == set(mapping.shipped())


@needs_chicago
@pytest.mark.parametrize(("name", "path"), SHIPPED_FILES, ids=lambda v: getattr(v, "name", v))
def test_shipped_mapping_fits_its_real_file(name, path):
    loaded = mapping.load(name)
    _, missing = mapping.resolve_columns(loaded.columns_used(), header_of(path))
    assert missing == []
    assert loaded in mapping.fitting(loaded.kind, header_of(path))


@needs_chicago
@pytest.mark.parametrize(
    ("kind", "path", "expected"),
    [
        ("incidents", CRIMES_2024, "chicago_crimes"),
        ("incidents", CRIMES_2022_SLIM, "chicago_crimes_slim"),
        ("areas", BEATS, "chicago_beats"),
        ("areas", POPULATION_2020, "chicago_population_2020"),
        ("events", CAPS_JSON, "chicago_caps_events"),
    ],
)
def test_the_best_fitting_mapping_is_chosen(kind, path, expected):
    assert mapping.fitting(kind, header_of(path))[0].name == expected


def test_load_by_path_and_by_name_agree():
    by_name = mapping.load("chicago_crimes")
    by_path = mapping.load(mapping.shipped()["chicago_crimes"])
    assert by_name == by_path


BASE = """
[source]
name = "t"
kind = "incidents"
[fields]
incident_id = "ID"
occurred_at = "Date"
"""


@pytest.mark.parametrize(
    ("extra", "words"),
    [
        ("[feilds]\nx = 'y'", "[feilds]: is not a known section"),
        ("[time]\nformat = 'mm/dd/yyyy'", "not a strptime format"),
        ("[time]\ntimezone = 'Mars/Olympus'", "not a known time zone"),
        ("[areas]\nkind = 'county'", None),
        (
            "[[offences.rules]]\ncolumn = 'X'\nmap = { A = 'grand_theft' }",
            "'grand_theft' is not a known category",
        ),
        ("[[offences.rules]]\nwhen = { X = 'A' }", "is not a known category"),
        ("[area_codes]\nbeat = { column = 'B', format = 'pad' }", "width"),
        ("[area_codes]\nbeat = { column = 'B', regex = '[0-9]+' }", "capturing group"),
        ("[area_codes]\nbeat = { column = 'B', value = 'x' }", "exactly one of"),
        ("[area_codes]\nward = 'W'", "unknown key 'ward'"),
        ("[coordinates]\nx = 'X'\ny = 'Y'", "need crs"),
        ("[placement]\nprefer = 'both'", "'points' or 'codes'"),
        ("[[exclude]]\nwhen = { T = 'x' }", "needs reason"),
    ],
)
def test_bad_mappings_name_the_file_and_the_key(extra, words):
    text = BASE + "\n" + extra
    if words is None:
        mapping.parse(tomllib.loads(text), "t.toml")  # [areas] is ignored for incidents
        return
    with pytest.raises(mapping.MappingError) as caught:
        mapping.parse(tomllib.loads(text), "agency.toml")
    assert str(caught.value).startswith("agency.toml: ")
    assert words in str(caught.value)


def test_missing_required_field_and_unknown_field():
    with pytest.raises(mapping.MappingError, match="required field 'occurred_at'"):
        mapping.parse(tomllib.loads(BASE.replace('occurred_at = "Date"', "")), "m.toml")
    with pytest.raises(mapping.MappingError, match="is not a field of incidents"):
        mapping.parse(tomllib.loads(BASE + 'colour = "C"\n'), "m.toml")


def test_unreadable_and_missing_mapping_files(tmp_path):
    broken = tmp_path / "broken.toml"
    broken.write_text("[source\nname=")
    with pytest.raises(mapping.MappingError, match="broken.toml: not valid TOML"):
        mapping.load(broken)
    with pytest.raises(mapping.MappingError, match="not a shipped mapping"):
        mapping.load("no_such_mapping")


def test_yaml_mapping(tmp_path):
    import yaml

    path = tmp_path / "agency.yaml"
    path.write_text(yaml.safe_dump(tomllib.loads(BASE)))
    assert mapping.load(path).fields["incident_id"].column == "ID"


def test_resolve_columns_exact_then_loose():
    found, missing = mapping.resolve_columns(
        ["Community Area", "ID", "Beat #", "Sector"], ["ID", "COMMUNITY_AREA", "Beat"]
    )
    assert found == {"Community Area": "COMMUNITY_AREA", "ID": "ID", "Beat #": "Beat"}
    assert missing == ["Sector"]


def test_rules_first_match_wins_with_wildcards():
    rules = mapping.Classifier(
        rules=(
            mapping.Rule(
                when=(("Type", ("BATTERY",)), ("Desc", ("AGG*",))), value="aggravated_assault"
            ),
            mapping.Rule(
                column="Type", table=(("BATTERY", "simple_assault"), ("THEFT*", "larceny_theft"))
            ),
        )
    )
    assert (
        rules.classify({"Type": "battery", "Desc": " aggravated:  handgun"}) == "aggravated_assault"
    )
    assert rules.classify({"Type": "BATTERY", "Desc": "SIMPLE"}) == "simple_assault"
    assert rules.classify({"Type": "THEFT - RETAIL"}) == "larceny_theft"
    assert rules.classify({"Type": "ARSON"}) is None
    assert rules.classify({}) is None


# FBI code (or Primary Type for code 26) -> category, as docs/mapping.md states
CHICAGO_CASES = [
    ({"FBI Code": "01A", "Primary Type": "HOMICIDE"}, "homicide"),
    ({"FBI Code": "01B", "Primary Type": "HOMICIDE"}, "other"),
    ({"FBI Code": "02", "Primary Type": "OFFENSE INVOLVING CHILDREN"}, "rape"),
    ({"FBI Code": "03"}, "robbery"),
    ({"FBI Code": "04A", "Primary Type": "ASSAULT"}, "aggravated_assault"),
    ({"FBI Code": "04B", "Primary Type": "BATTERY"}, "aggravated_assault"),
    ({"FBI Code": "05"}, "burglary"),
    ({"FBI Code": "06", "Primary Type": "BURGLARY"}, "larceny_theft"),
    ({"FBI Code": "07"}, "motor_vehicle_theft"),
    ({"FBI Code": "08A", "Primary Type": "OTHER OFFENSE"}, "simple_assault"),
    ({"FBI Code": "08B", "Primary Type": "BATTERY"}, "simple_assault"),
    ({"FBI Code": "09"}, "arson"),
    ({"FBI Code": "11", "Primary Type": "DECEPTIVE PRACTICE"}, "fraud"),
    ({"FBI Code": "14"}, "vandalism"),
    ({"FBI Code": "15"}, "weapons"),
    ({"FBI Code": "18"}, "drugs"),
    ({"FBI Code": "24"}, "disorder"),
    ({"FBI Code": "26", "Primary Type": "NARCOTICS"}, "drugs"),
    ({"FBI Code": "26", "Primary Type": "CRIMINAL TRESPASS"}, "other"),
    ({"FBI Code": "", "Primary Type": "THEFT"}, "larceny_theft"),
    ({"FBI Code": "99Z", "Primary Type": "MYSTERY"}, None),
]


@pytest.mark.parametrize(("record", "category"), CHICAGO_CASES)
def test_chicago_offence_rules(record, category):
    assert mapping.load("chicago_crimes").offences.classify(record) == category


def test_chicago_categories_are_all_known():
    loaded = mapping.load("chicago_crimes")
    values = {v for rule in loaded.offences.rules for _, v in rule.table}
    assert values <= set(CATEGORIES)


@pytest.mark.parametrize(
    ("record", "sensitive"),
    [
        ({"Domestic": "true", "FBI Code": "08B", "Primary Type": "BATTERY"}, True),
        ({"Domestic": "false", "FBI Code": "17", "Primary Type": "SEX OFFENSE"}, True),
        ({"Domestic": "false", "FBI Code": "26", "Primary Type": "KIDNAPPING"}, True),
        ({"Domestic": "false", "FBI Code": "06", "Primary Type": "THEFT"}, False),
    ],
)
def test_chicago_sensitive_rules(record, sensitive):
    loaded = mapping.load("chicago_crimes")
    assert any(rule.apply(record) for rule in loaded.sensitive) is sensitive


@needs_chicago
def test_chicago_mapping_classifies_every_code_in_the_samples():
    loaded = mapping.load("chicago_crimes")
    for path in (CRIMES_2024, CRIMES_2016, HOMICIDES):
        unmapped = {
            (r["FBI Code"], r["Primary Type"])
            for r in raw_rows(path)
            if loaded.offences.classify(r) is None
        }
        assert unmapped == set(), path.name


@needs_chicago
def test_caps_beat_pattern_reads_the_titles():
    import re

    spec = mapping.load("chicago_caps_events").area_codes["beat"]
    patterns = [re.compile(p) for p in spec.regex]

    def beat(title):
        for p in patterns:
            found = p.search(title)
            if found:
                return found.group(1)
        return None

    assert beat("2514 Beat Meeting") == "2514"
    assert beat("Beat Meeting: 1112/21") == "1112"
    assert beat("Community Beat Meeting-Bt. 715") == "715"
    assert beat("Community Meeting - Beats 711, 713 and 714") == "711"
    assert beat("Beat 1914") == "1914"
    assert beat("100 Blocks / 100 Churches") is None
    assert beat("20 Sector Community Beat Meeting") is None


def test_cli_mapping_list_and_check(capsys):
    assert main(["mapping", "list"]) == 0
    assert "chicago_crimes" in capsys.readouterr().out
    assert main(["mapping", "check", "chicago_crimes", str(GOOD / "latlon.csv")]) == 0
    assert "every required column is present" in capsys.readouterr().out
    assert main(["mapping", "check", "chicago_crimes", str(GOOD / "sf_incidents.csv")]) == 1
    assert "MISSING (required)" in capsys.readouterr().out
