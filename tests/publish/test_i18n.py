"""Exports' words in English and Spanish: one describe algorithm, English from core."""

from __future__ import annotations

from datetime import date

from nno_dash.core.filters import Filters
from nno_dash.core.vocab import CATEGORIES, COLUMN_LABELS, PROGRAMS
from nno_dash.publish import i18n

START, END = date(2024, 2, 29), date(2025, 1, 5)


def test_english_filters_in_words_are_filters_describe():
    names = {"neighbourhood:3": "Riverside"}
    for f in (
        Filters(START, END),
        Filters(START, END, area_ids=("neighbourhood:3", "neighbourhood:4")),
        Filters(START, END, categories=tuple(CATEGORIES)[:4], programs=("job_fair",)),
    ):
        assert i18n.describe(f, names, "en") == f.describe(names)


def test_spanish_filters_in_words():
    f = Filters(
        START,
        END,
        "district",
        area_ids=tuple(f"district:{i}" for i in range(5)),
        categories=("robbery", "arson"),
    )
    assert i18n.describe(f, None, "es") == (
        "del 29 feb 2024 al 5 ene 2025 · 5 zonas (distrito policial) · "
        "Robo con violencia y Incendio provocado · todos los programas de acercamiento"
    )
    assert i18n.describe_scope(f, None, "es")[0] == "5 zonas (distrito policial)"


def test_english_comes_from_the_vocabulary_and_unknown_codes_fall_back_to_it():
    assert i18n.t("incident_rate", "en") == COLUMN_LABELS["incident_rate"]
    assert i18n.t("incident_rate", "es") == "Incidentes por cada 1,000 residentes"
    assert i18n.program("job_fair", "en") == PROGRAMS["job_fair"]
    assert i18n.program("new_thing", "es") == "New thing"
    assert i18n.day("2024-03-05", "es") == "5 mar 2024"
    assert i18n.month(date(2024, 9, 1), "es") == "sept 2024"
