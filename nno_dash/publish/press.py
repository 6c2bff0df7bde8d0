"""Press templates: the charts public information officers ask for most, ready to publish.

- National Night Out by the numbers: events, attendance and neighbourhoods reached, year
  over year, the latest year highlighted.
- Community outreach this year by program: events and attendance, year to date, against
  the same dates a year earlier.
- Crime trend: incidents month by month for the chosen areas (a district), against the
  same months a year earlier.
- A district map: incidents per 1,000 residents by area, the chosen areas outlined.

Each has a query (in nno_dash.queries, cached by the UI like any other) and a
builder that turns its result into an `export.Exportable` in English or Spanish: the
numbers pass through privacy.protect first, and the figure is drawn from the protected
numbers, so a suppressed count is never drawn. `readme` writes the press pack's
definitions.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date

import geopandas as gpd
import pandas as pd
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from nno_dash.analysis import classes
from nno_dash.core.filters import Filters
from nno_dash.core.vocab import CATEGORIES, CRIME_CLASSES
from nno_dash.publish import i18n, privacy
from nno_dash.publish.branding import Branding
from nno_dash.publish.export import Caption, Exportable
from nno_dash.viz import maps, theme

GREY = "#9aa5b1"  # earlier years and the year-earlier series (3:1 on white with text beside)

TEMPLATES: dict[str, tuple[str, str]] = {
    "nno": ("National Night Out by the numbers", "National Night Out en cifras"),
    "outreach": ("Outreach this year, by program", "Acercamiento este año, por programa"),
    "trend": ("Crime trend for the chosen areas", "Tendencia delictiva de las zonas elegidas"),
    "map": ("Map: incidents per 1,000 residents", "Mapa: incidentes por cada 1,000 residentes"),
}


@dataclass(frozen=True)
class Context:
    """What every template needs besides its numbers."""

    lang: str
    threshold: int
    brand: Branding
    data_as_of: str
    area_names: Mapping[str, str]
    size: tuple[int, int] = (1200, 675)

    def source(self) -> str:
        return i18n.source_line(
            self.brand.agency_name, self.data_as_of, self.lang, self.brand.custom_source()
        )

    def caption(self, title: str, subtitle: str, tables: Sequence[privacy.SafeTable]) -> Caption:
        hidden = any(t.any_hidden for t in tables)
        note = i18n.t("suppressed_note", self.lang, n=self.threshold) if hidden else ""
        return Caption(title=title, subtitle=subtitle, source=self.source(), note=note)

    def exportable(
        self,
        name: str,
        figure: go.Figure,
        safe: privacy.SafeTable,
        *,
        title: str,
        subtitle: str,
        columns: Mapping[str, str],
        definition: str,
    ) -> Exportable:
        """A template's chart with its own table and its caption, ready to export."""
        return Exportable(
            name=name,
            figure=figure,
            table=safe,
            caption=self.caption(title, subtitle, [safe]),
            columns=columns,
            from_table=True,
            definitions=(definition,),
        )

    def protect(self, frame: pd.DataFrame, **kwargs) -> privacy.SafeTable:
        return privacy.protect(
            frame, threshold=self.threshold, withheld=i18n.t("withheld", self.lang), **kwargs
        )


# Periods ---------------------------------------------------------------------------------


def year_to_date(filters: Filters) -> Filters:
    """1 January of the period's last year to the period's end: "this year"."""
    return filters.with_period(date(filters.end.year, 1, 1), filters.end)


# Builders ---------------------------------------------------------------------------------


def _bar_text(values: pd.Series, published: pd.Series) -> list[str]:
    """Labels on bars: the published value ("<3", "withheld") or the number with commas."""
    out = []
    for value, shown in zip(values, published, strict=True):
        out.append(f"{int(value):,}" if pd.notna(value) else str(shown))
    return out


def _style(fig: go.Figure) -> go.Figure:
    theme.style(fig)
    fig.update_layout(bargap=0.25)
    return fig


def nno_summary(frame: pd.DataFrame, filters: Filters, ctx: Context) -> Exportable:
    """National Night Out by the numbers: three panels, one bar per year."""
    lang = ctx.lang
    measures = ("events", "attendance", "areas_reached")
    safe = ctx.protect(frame[["year", *measures]], counts=measures)
    years = [str(y) for y in frame["year"]]
    fig = make_subplots(
        rows=1,
        cols=3,
        subplot_titles=[i18n.t(m, lang) for m in measures],
        horizontal_spacing=0.07,
    )
    latest = len(years) - 1
    for col, measure in enumerate(measures, start=1):
        drawn = safe.drawn[measure]
        colours = [ctx.brand.accent_colour if i == latest else GREY for i in range(len(years))]
        fig.add_bar(
            x=years,
            y=drawn.fillna(0).tolist(),
            marker_color=colours,
            text=_bar_text(drawn, safe.published[measure]),
            textposition="outside",
            constraintext="none",
            cliponaxis=False,
            showlegend=False,
            name=i18n.t(measure, lang),
            row=1,
            col=col,
        )
        top = drawn.max()
        fig.update_yaxes(
            range=[0, (top if pd.notna(top) and top > 0 else 1) * 1.18],
            showticklabels=False,
            showgrid=False,
            row=1,
            col=col,
        )
    fig.update_xaxes(type="category")
    _style(fig)
    scope = i18n.describe_scope(filters, ctx.area_names, lang)[0]
    subtitle = i18n.t(
        "nno_subtitle",
        lang,
        first=years[0] if years else "–",
        last=years[-1] if years else "–",
        areas=scope,
    )
    if years:
        subtitle += "<br>" + _nno_headline(frame, safe, lang)
    columns = {m: i18n.t(m, lang) for m in ("year", *measures)}
    return ctx.exportable(
        f"national_night_out_{years[-1] if years else 'none'}_{lang}",
        fig,
        safe,
        title=i18n.t("nno_title", lang),
        subtitle=subtitle,
        columns=columns,
        definition=(
            "National Night Out events are outreach-log events of the program "
            "'National Night Out'; attendance is their recorded head count; neighbourhoods "
            "reached counts distinct neighbourhoods with at least one event."
        ),
    )


def _nno_headline(frame: pd.DataFrame, safe: privacy.SafeTable, lang: str) -> str:
    """ "2026: 100 events (−24% on 2025) · 5,200 attending · 35 neighbourhoods"."""
    row = safe.drawn.iloc[-1]
    shown = safe.published.iloc[-1]
    year = int(frame["year"].iloc[-1])

    def value(measure: str) -> str:
        v = row[measure]
        return f"{int(v):,}" if pd.notna(v) else str(shown[measure])

    parts = [
        f"{value('events')} {i18n.t('events', lang).lower()}",
        f"{value('attendance')} {i18n.t('attendees', lang)}",
        f"{value('areas_reached')} {i18n.t('areas_reached', lang).lower()}",
    ]
    if len(safe.drawn) > 1:
        before = safe.drawn.iloc[-2]["events"]
        if pd.notna(before) and before > 0 and pd.notna(row["events"]):
            pct = 100 * (row["events"] - before) / before
            word = "vs" if lang == "en" else "frente a"
            parts[0] += f" ({pct:+.0f}% {word} {year - 1})".replace("-", "\u2212")
    return f"{year}: " + " · ".join(parts)


def outreach_by_program(frame: pd.DataFrame, filters: Filters, ctx: Context) -> Exportable:
    """Events and attendance by program, year to date, against a year earlier."""
    lang = ctx.lang
    cols = ["program", "events", "events_prev", "attendance", "attendance_prev"]
    data = frame[cols].sort_values("events").reset_index(drop=True)
    data["program"] = data["program"].map(lambda p: i18n.program(p, lang))
    safe = ctx.protect(data, counts=cols[1:])
    fig = make_subplots(
        rows=1,
        cols=2,
        shared_yaxes=True,
        subplot_titles=[i18n.t("events", lang), i18n.t("attendance", lang)],
        horizontal_spacing=0.05,
    )
    names = (i18n.t("a_year_earlier", lang), i18n.t("this_period", lang))
    for col, measure in enumerate(("events", "attendance"), start=1):
        for column, name, colour in zip(
            (f"{measure}_prev", measure), names, (GREY, ctx.brand.accent_colour), strict=True
        ):
            drawn = safe.drawn[column]
            fig.add_bar(
                y=safe.drawn["program"],
                x=drawn.fillna(0).tolist(),
                orientation="h",
                name=name,
                marker_color=colour,
                text=_bar_text(drawn, safe.published[column]),
                textposition="outside",
                constraintext="none",
                cliponaxis=False,
                legendgroup=name,
                showlegend=col == 1,
                row=1,
                col=col,
            )
        top = safe.drawn[[measure, f"{measure}_prev"]].max().max()
        fig.update_xaxes(
            range=[0, (top if pd.notna(top) and top > 0 else 1) * 1.25],
            showticklabels=False,
            showgrid=False,
            row=1,
            col=col,
        )
    fig.update_layout(barmode="group")
    _style(fig)
    period = i18n.t(
        "period", lang, start=i18n.day(filters.start, lang), end=i18n.day(filters.end, lang)
    )
    scope = i18n.describe_scope(filters, ctx.area_names, lang)
    subtitle = " · ".join([period, scope[0], scope[2]])
    columns = {c: i18n.t(c, lang) for c in cols}
    return ctx.exportable(
        f"outreach_by_program_{filters.end.year}_{lang}",
        fig,
        safe,
        title=i18n.t("outreach_title", lang),
        subtitle=subtitle,
        columns=columns,
        definition=(
            "Outreach events are counted by the day they started; 'a year earlier' is the "
            "same calendar dates one year before."
        ),
    )


def crime_trend(frame: pd.DataFrame, filters: Filters, ctx: Context) -> Exportable:
    """Incidents per month in the period, and the same months a year earlier."""
    lang = ctx.lang
    data = frame[["month", "incidents", "incidents_prev"]].copy()
    data["month"] = pd.to_datetime(data["month"]).dt.date
    safe = ctx.protect(data, counts=("incidents", "incidents_prev"), totals_by=())
    labels = [i18n.month(m, lang) for m in data["month"]]
    fig = go.Figure()
    for column, name, colour, dash in (
        ("incidents_prev", i18n.t("a_year_earlier", lang), GREY, "dot"),
        ("incidents", i18n.t("this_period_plain", lang), ctx.brand.accent_colour, "solid"),
    ):
        drawn = safe.drawn[column]
        fig.add_scatter(
            x=labels,
            y=drawn.tolist(),
            mode="lines+markers",
            name=name,
            line={"color": colour, "width": 3.5, "dash": dash},
            marker={"size": 8},
            connectgaps=False,
        )
    fig.update_xaxes(type="category", showgrid=False)
    fig.update_yaxes(rangemode="tozero", tickformat=",d")
    _style(fig)
    fig.update_layout(yaxis_title=i18n.t("incidents", lang))
    return ctx.exportable(
        f"crime_trend_{filters.end:%Y%m}_{lang}",
        fig,
        safe,
        title=i18n.t("trend_title", lang),
        subtitle=i18n.describe(filters, ctx.area_names, lang),
        columns={
            "month": i18n.t("month", lang),
            "incidents": i18n.t("incidents", lang),
            "incidents_prev": i18n.t("a_year_earlier", lang),
        },
        definition=(
            "Incidents are counted by the month they occurred; the dotted line is the same "
            "month one year earlier."
        ),
    )


def district_map(
    summary: pd.DataFrame, areas: gpd.GeoDataFrame, filters: Filters, ctx: Context
) -> Exportable:
    """Incidents per 1,000 residents by area, the chosen areas outlined and in view."""
    lang = ctx.lang
    data = summary[["area_id", "name", "population", "incidents", "incident_rate"]]
    safe = ctx.protect(data, counts=("incidents",), totals_by=())
    width, height = ctx.size
    fig = maps.area_map(
        areas,
        safe.drawn,
        "incident_rate",
        height=height,
        width_px=width,
        highlight=filters.area_ids,
        legend_title=i18n.t("incident_rate", lang),
        hover={"incident_rate": ":,.1f"},
    )
    # the box area_map fitted the map to, so the export can refit it to its plot area
    fig.update_layout(meta={"map_fit": [maps.map_width(width), height - 20]})
    no_data = "Sin datos o <{n}" if lang == "es" else "No data or under {n} incidents"
    selected = "Zona elegida" if lang == "es" else "Chosen area"
    for trace in fig.data:
        if trace.name == classes.NO_DATA:
            trace.name = no_data.format(n=ctx.threshold)
        elif trace.name == "Selected":
            trace.name = selected
    columns = {"area_id": "id", "name": i18n.t("area", lang)}
    for column in ("population", "incidents", "incident_rate"):
        columns[column] = i18n.t(column, lang)
    return ctx.exportable(
        f"incident_rate_map_{filters.area_kind}_{lang}",
        fig,
        safe,
        title=i18n.t("map_title", lang, kind=i18n.area_kind(filters.area_kind, lang)),
        subtitle=i18n.describe(filters, ctx.area_names, lang),
        columns=columns,
        definition=(
            "The map shades whole areas by incidents per 1,000 residents; no incident is "
            "drawn as a point. Areas with a suppressed count are shown as 'no data'."
        ),
    )


# The press pack's README ---------------------------------------------------------------------


def readme(items: Sequence[Exportable], ctx: Context) -> str:
    """Definitions for the press pack: what is counted, how, and what was withheld."""
    violent = ", ".join(v[0] for v in CATEGORIES.values() if v[1] == "violent")
    prop = ", ".join(v[0] for v in CATEGORIES.values() if v[1] == "property")
    other = ", ".join(v[0] for v in CATEGORIES.values() if v[1] == "other")
    n = ctx.threshold
    lines = [
        f"PRESS PACK · {ctx.brand.agency_name}",
        ctx.source(),
        "",
        "WHAT IS IN THIS PACK",
        "Each chart comes as a PNG image, an SVG image (for print and editing) and a CSV of",
        "exactly the numbers drawn.",
        "",
    ]
    for item in items:
        lines += [
            f"* {item.caption.title}",
            f"  Files: {item.name}.csv and its .png / .svg images",
            f"  Filters: {item.caption.subtitle.replace('<br>', '; ')}",
            f"  Suppression: {item.table.explain()}",
        ]
        lines += [f"  {d}" for d in item.definitions]
        lines.append("")
    lines += [
        "DEFINITIONS",
        "Incident: a crime report in the agency's records system, counted once, on the day it",
        "occurred and in the area where it occurred. Reports are mapped from the agency's own",
        "offence codes to the categories below; counts can change as reports are reclassified.",
        "",
        f"Offence classes: {CRIME_CLASSES['violent']} = {violent}.",
        f"{CRIME_CLASSES['property']} = {prop}.",
        f"{CRIME_CLASSES['other']} = {other}.",
        "(UCR Part I classes, as used by the FBI's Uniform Crime Reporting program.)",
        "",
        "Outreach event: an entry in the agency's community-outreach log (National Night Out,",
        "Coffee with a Cop, neighbourhood watch, citizen academy, youth program, job fair,",
        "community meeting, other). Attendance: the head count recorded for the event.",
        "",
        "Rates: incidents per 1,000 residents = incidents / residents x 1,000, with residents",
        "from the population recorded for each area.",
        "",
        "Year-earlier comparisons use the same calendar dates one year before, because crime",
        "and outreach are seasonal. Changes are associations, not evidence that outreach",
        "caused them.",
        "",
        "PRIVACY: WHAT WAS SUPPRESSED AND WHY",
        f"Counts from 1 to {n - 1} are shown as '<{n}' so that no small group of people or",
        "incidents can be singled out. Where a total would let a reader work out a suppressed",
        f"count, one more count in that total is shown as '{i18n.t('withheld', ctx.lang)}'; rates",
        "computed from a suppressed count are withheld too. Zero is shown as 0.",
        "No incident is shown more precisely than its area: no addresses, coordinates, case",
        "numbers or incident ids are in this pack, and sensitive offences (sex offences,",
        "domestic violence, juvenile victims) are never located at all.",
        "",
        f"Data as of {i18n.day(ctx.data_as_of, 'en')}.",
    ]
    return "\n".join(lines) + "\n"


def readme_es(items: Sequence[Exportable], ctx: Context) -> str:
    """LEAME: the same definitions in Spanish, for packs exported in Spanish."""
    n = ctx.threshold
    lines = [
        f"PAQUETE DE PRENSA · {ctx.brand.agency_name}",
        ctx.source(),
        "",
        "Cada gráfico se entrega como imagen PNG, imagen SVG y un CSV con exactamente las",
        "cifras representadas.",
        "",
    ]
    for item in items:
        lines += [
            f"* {item.caption.title}",
            f"  Archivos: {item.name}.csv y sus imágenes .png / .svg",
            f"  Filtros: {item.caption.subtitle.replace('<br>', '; ')}",
            "",
        ]
    lines += [
        "DEFINICIONES",
        "Incidente: una denuncia registrada en el sistema de la agencia, contada una vez, el",
        "día y en la zona en que ocurrió, clasificada según los tipos de delito del programa",
        "UCR del FBI (Parte I: violentos y contra la propiedad; otros delitos).",
        "Evento de acercamiento: una entrada del registro de actividades comunitarias;",
        "asistencia: el número de personas registrado.",
        "Tasas: incidentes por cada 1,000 residentes = incidentes / residentes x 1,000.",
        "Las comparaciones usan las mismas fechas del año anterior. Son asociaciones, no",
        "prueba de causa.",
        "",
        "PRIVACIDAD",
        f"Las cifras de 1 a {n - 1} se muestran como '<{n}'. Cuando un total permitiría deducir",
        f"una cifra suprimida, otra cifra se muestra como '{i18n.t('withheld', 'es')}'.",
        "Ningún incidente se ubica con más precisión que su zona; no hay direcciones,",
        "coordenadas, números de caso ni identificadores, y los delitos sensibles nunca se",
        "ubican.",
        "",
        f"Datos al {i18n.day(ctx.data_as_of, 'es')}.",
    ]
    return "\n".join(lines) + "\n"
