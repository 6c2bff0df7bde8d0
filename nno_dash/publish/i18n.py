"""Labels for exported charts in English and Spanish: titles, axes, programs, categories,
the filters in words, the source line and the data date.

Many agencies this serves publish in both languages. The app's screens stay in English;
what a PIO downloads from the Press kit follows the language switch. Numbers keep the
US style (1,234.5) in both, as US Spanish-language media print them.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date

from nno_dash.core.filters import Filters
from nno_dash.core.vocab import AREA_KINDS, CATEGORIES, CRIME_CLASSES, PROGRAMS

LANGUAGES: dict[str, str] = {"en": "English", "es": "Español"}

MONTHS = {
    "en": ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"],
    "es": ["ene", "feb", "mar", "abr", "may", "jun", "jul", "ago", "sept", "oct", "nov", "dic"],
}

# key -> (English, Spanish)
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
    "trend_title": ("Reported crime month by month", "Delitos denunciados mes a mes"),
    "map_title": (
        "Incidents per 1,000 residents by {kind}",
        "Incidentes por cada 1,000 residentes, por {kind}",
    ),
    # measures and axes
    "events": ("Events", "Eventos"),
    "attendance": ("Attendance", "Asistencia"),
    "areas_reached": ("Neighbourhoods reached", "Vecindarios alcanzados"),
    "year": ("Year", "Año"),
    "month": ("Month", "Mes"),
    "program": ("Program", "Programa"),
    "incidents": ("Incidents", "Incidentes"),
    "crime_class": ("Offence class", "Tipo de delito"),
    "area": ("Area", "Zona"),
    "population": ("Residents", "Residentes"),
    "incident_rate": ("Incidents per 1,000 residents", "Incidentes por cada 1,000 residentes"),
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
    # the filters in words
    "period": ("{start} to {end}", "del {start} al {end}"),
    "all_areas": ("all areas", "todas las zonas"),
    "all_offences": ("all offences", "todos los delitos"),
    "all_programs": ("all outreach programs", "todos los programas de acercamiento"),
    "n_areas": ("{n} {kind}s", "{n} zonas ({kind})"),
    "n_categories": ("{n} offence categories", "{n} categorías de delito"),
    "n_programs": ("{n} programs", "{n} programas"),
    "and": ("and", "y"),
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
    table = PROGRAMS_ES if check(lang) == "es" else PROGRAMS
    return table.get(code, code.replace("_", " ").capitalize())


def crime_class(code: str, lang: str = "en") -> str:
    table = CRIME_CLASSES_ES if check(lang) == "es" else CRIME_CLASSES
    return table.get(code, code.replace("_", " ").capitalize())


def category(code: str, lang: str = "en") -> str:
    if check(lang) == "es":
        return CATEGORIES_ES.get(code, code.replace("_", " ").capitalize())
    return CATEGORIES.get(code, (code.replace("_", " ").capitalize(),))[0]


def area_kind(kind: str, lang: str = "en") -> str:
    """The kind of area in running text: "police district", "distrito policial"."""
    if check(lang) == "es":
        return AREA_KINDS_ES.get(kind, kind.replace("_", " "))
    return AREA_KINDS.get(kind, kind.replace("_", " ")).lower()


def day(d: date | str | None, lang: str = "en") -> str:
    """A date in words: "31 Oct 2026", "31 oct 2026"."""
    if d is None or d == "":
        return "–" if lang == "en" else "–"
    if isinstance(d, str):
        d = date.fromisoformat(d[:10])
    return f"{d.day} {MONTHS[check(lang)][d.month - 1]} {d.year}"


def month(d: date, lang: str = "en") -> str:
    return f"{MONTHS[check(lang)][d.month - 1]} {d.year}"


def _list_words(items: list[str], summary: str, lang: str, most: int = 3) -> str:
    if len(items) > most:
        return summary
    if len(items) <= 1:
        return "".join(items)
    return ", ".join(items[:-1]) + f" {t('and', lang)} " + items[-1]


def describe(
    filters: Filters, area_names: Mapping[str, str] | None = None, lang: str = "en"
) -> str:
    """The filters in words, like Filters.describe, in either language."""
    area_names = area_names or {}
    period = t("period", lang, start=day(filters.start, lang), end=day(filters.end, lang))
    return " · ".join([period, *describe_scope(filters, area_names, lang)])


def describe_scope(
    filters: Filters, area_names: Mapping[str, str] | None = None, lang: str = "en"
) -> list[str]:
    """Areas, offences and programs in words (no period): for templates with their own."""
    area_names = area_names or {}
    kind = area_kind(filters.area_kind, lang)
    if filters.area_ids:
        names = [area_names.get(a, a.split(":", 1)[-1]) for a in filters.area_ids]
        areas = _list_words(names, t("n_areas", lang, n=len(names), kind=kind), lang)
    else:
        areas = t("all_areas", lang)
    cats = (
        _list_words(
            [category(c, lang) for c in filters.categories],
            t("n_categories", lang, n=len(filters.categories)),
            lang,
        )
        if filters.categories
        else t("all_offences", lang)
    )
    progs = (
        _list_words(
            [program(p, lang) for p in filters.programs],
            t("n_programs", lang, n=len(filters.programs)),
            lang,
        )
        if filters.programs
        else t("all_programs", lang)
    )
    return [areas, cats, progs]


def source_line(agency: str, as_of: date | str | None, lang: str = "en", source: str = "") -> str:
    """ "Source: <agency> records system; outreach log. Data as of <date>"."""
    text = source or t("source_default", lang, agency=agency)
    return f"{t('source', lang, source=text)} {t('as_of', lang, date=day(as_of, lang))}"
