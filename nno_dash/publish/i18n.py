"""Labels for exported charts in English and Spanish: titles, axes, programs, categories,
the filters in words, the source line and the data date.

English labels of codes and columns, and the filters' English phrases, come from
nno_dash.core (vocab, filters); this module holds the Spanish for them, keyed by the same
codes, and falls back to the English for a code it does not know.

Many agencies this serves publish in both languages. The app's screens stay in English;
what a PIO downloads from the Press kit follows the language switch. Numbers keep the
US style (1,234.5) in both, as US Spanish-language media print them.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date

from nno_dash.core import filters as core_filters
from nno_dash.core.filters import Filters, Wording
from nno_dash.core.vocab import (
    COLUMN_LABELS,
    MONTHS,
    area_kind_label,
    category_label,
    day_label,
    program_label,
)
from nno_dash.core.vocab import CRIME_CLASSES as CRIME_CLASSES_EN

LANGUAGES: dict[str, str] = {"en": "English", "es": "Español"}

MONTHS_ES = ("ene", "feb", "mar", "abr", "may", "jun", "jul", "ago", "sept", "oct", "nov", "dic")

# Spanish for the columns' labels whose English (vocab.COLUMN_LABELS) exports use as it is.
COLUMN_LABELS_ES: dict[str, str] = {
    "attendance": "Asistencia",
    "year": "Año",
    "month": "Mes",
    "program": "Programa",
    "incidents": "Incidentes",
    "crime_class": "Tipo de delito",
    "population": "Residentes",
    "incident_rate": "Incidentes por cada 1,000 residentes",
}

# Spanish for the filters' phrases (English: core.filters.PHRASES).
PHRASES_ES: dict[str, str] = {
    "period": "del {start} al {end}",
    "all_areas": "todas las zonas",
    "all_offences": "todos los delitos",
    "all_programs": "todos los programas de acercamiento",
    "n_areas": "{n} zonas ({kind})",
    "n_categories": "{n} categorías de delito",
    "n_programs": "{n} programas",
    "and": "y",
}

# key -> (English, Spanish): the exports' own texts, then the columns' and filters' ones.
TEXT: dict[str, tuple[str, str]] = {
    # template titles
    "nno_title": ("National Night Out by the numbers", "National Night Out en cifras"),
    "nno_subtitle": (
        "National Night Out, {first} to {last} · {areas}",
        "National Night Out, {first} a {last} · {areas}",
    ),
    "outreach_title": (
        "Community outreach this year, by program",
        "Acercamiento comunitario este año, por programa",
    ),
    "map_title": (
        "Incidents per 1,000 residents by {kind}",
        "Incidentes por cada 1,000 residentes, por {kind}",
    ),
    "trend_title": ("Reported crime month by month", "Delitos denunciados mes a mes"),
    # measures and axes
    "events": ("Events", "Eventos"),
    "areas_reached": ("Neighbourhoods reached", "Vecindarios alcanzados"),
    "area": ("Area", "Zona"),
    "this_period": ("This year to date", "Este año hasta la fecha"),
    "this_period_plain": ("This period", "Este periodo"),
    "attendees": ("attendees", "asistentes"),
    "a_year_earlier": ("Same period a year earlier", "Mismo periodo del año anterior"),
    "events_prev": ("Events, a year earlier", "Eventos, un año antes"),
    "attendance_prev": ("Attendance, a year earlier", "Asistencia, un año antes"),
    # lines on every export
    "source": ("Source: {source}.", "Fuente: {source}."),
    "source_default": (
        "{agency} records system; outreach log",
        "sistema de registros de {agency}; registro de actividades comunitarias",
    ),
    "as_of": ("Data as of {date}", "Datos al {date}"),
    "suppressed_note": (
        "Counts under {n} are shown as <{n} or left blank to protect privacy.",
        "Las cifras menores de {n} se muestran como <{n} o se omiten para proteger la privacidad.",
    ),
    "withheld": ("withheld", "reservado"),
    "no_data": ("No data for these filters", "No hay datos para estos filtros"),
    **{key: (COLUMN_LABELS[key], es) for key, es in COLUMN_LABELS_ES.items()},
    **{key: (core_filters.PHRASES[key], es) for key, es in PHRASES_ES.items()},
}

PROGRAMS_ES: dict[str, str] = {
    "national_night_out": "National Night Out",
    "coffee_with_a_cop": "Café con un policía",
    "neighbourhood_watch": "Vigilancia vecinal",
    "citizen_academy": "Academia ciudadana",
    "youth_program": "Programa juvenil",
    "job_fair": "Feria de empleo",
    "community_meeting": "Reunión comunitaria",
    "other": "Otro acercamiento",
}
CRIME_CLASSES_ES: dict[str, str] = {
    "violent": "Violentos (Parte I)",
    "property": "Contra la propiedad (Parte I)",
    "other": "Otros delitos",
}
CATEGORIES_ES: dict[str, str] = {
    "homicide": "Homicidio",
    "rape": "Violación",
    "robbery": "Robo con violencia",
    "aggravated_assault": "Agresión agravada",
    "burglary": "Robo en vivienda o local",
    "larceny_theft": "Hurto",
    "motor_vehicle_theft": "Robo de vehículo",
    "arson": "Incendio provocado",
    "simple_assault": "Agresión simple",
    "vandalism": "Vandalismo",
    "fraud": "Fraude",
    "drugs": "Delitos de drogas",
    "weapons": "Delitos con armas",
    "disorder": "Desorden público",
    "other": "Otros delitos",
}
AREA_KINDS_ES: dict[str, str] = {
    "neighbourhood": "vecindario",
    "beat": "sector policial",
    "district": "distrito policial",
    "council_district": "distrito del concejo",
}


def check(lang: str) -> str:
    if lang not in LANGUAGES:
        raise ValueError(f"unknown language {lang!r}; one of {', '.join(LANGUAGES)}")
    return lang


def t(key: str, lang: str = "en", **values: object) -> str:
    """The text for `key` in `lang`, with {placeholders} filled in."""
    text = TEXT[key][1 if check(lang) == "es" else 0]
    return text.format(**values) if values else text


def program(code: str, lang: str = "en") -> str:
    if check(lang) == "es" and code in PROGRAMS_ES:
        return PROGRAMS_ES[code]
    return program_label(code)


def crime_class(code: str, lang: str = "en") -> str:
    table = CRIME_CLASSES_ES if check(lang) == "es" else CRIME_CLASSES_EN
    return table.get(code, code.replace("_", " ").capitalize())


def category(code: str, lang: str = "en") -> str:
    if check(lang) == "es" and code in CATEGORIES_ES:
        return CATEGORIES_ES[code]
    return category_label(code)


def area_kind(kind: str, lang: str = "en") -> str:
    """The kind of area in running text: "police district", "distrito policial"."""
    if check(lang) == "es" and kind in AREA_KINDS_ES:
        return AREA_KINDS_ES[kind]
    return area_kind_label(kind).lower()


def day(d: date | str | None, lang: str = "en") -> str:
    """A date in words: "31 Oct 2026", "31 oct 2026"."""
    if d is None or d == "":
        return "–"
    if isinstance(d, str):
        d = date.fromisoformat(d[:10])
    return day_label(d, MONTHS_ES if check(lang) == "es" else MONTHS)


def month(d: date, lang: str = "en") -> str:
    return f"{(MONTHS_ES if check(lang) == 'es' else MONTHS)[d.month - 1]} {d.year}"


def wording(lang: str) -> Wording:
    """The filters' words in `lang`, for core.filters' one describe algorithm."""
    if check(lang) == "en":
        return core_filters.ENGLISH
    return Wording(
        phrases=PHRASES_ES,
        day=lambda d: day(d, lang),
        area_kind=lambda kind: area_kind(kind, lang),
        category=lambda code: category(code, lang),
        program=lambda code: program(code, lang),
    )


def describe(
    filters: Filters, area_names: Mapping[str, str] | None = None, lang: str = "en"
) -> str:
    """The filters in words, as Filters.describe, in either language."""
    return core_filters.describe(filters, area_names, wording(lang))


def describe_scope(
    filters: Filters, area_names: Mapping[str, str] | None = None, lang: str = "en"
) -> list[str]:
    """Areas, offences and programs in words (no period): for templates with their own."""
    return core_filters.describe_scope(filters, area_names, wording(lang))


def source_line(agency: str, as_of: date | str | None, lang: str = "en", source: str = "") -> str:
    """ "Source: <agency> records system; outreach log. Data as of <date>"."""
    text = source or t("source_default", lang, agency=agency)
    return f"{t('source', lang, source=text)} {t('as_of', lang, date=day(as_of, lang))}"
