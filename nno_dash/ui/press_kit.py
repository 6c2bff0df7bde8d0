"""The Press kit page's pieces: load each template's numbers, build it, preview it, offer it.

The numbers come through `page.load` (cached by data version like every query), the
charts from nno_dash.publish.press, the files from nno_dash.publish.export. Previews are the
real PNG at the chosen size scaled to fit the screen (every size in the layout is
proportional), so what a PIO sees is what they download.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

import pandas as pd
import streamlit as st

from nno_dash.publish import branding, export, i18n, press
from nno_dash.queries import outreach, overview
from nno_dash.queries import press as press_queries
from nno_dash.ui.page import Page, image_buttons

PREVIEW_WIDTH = 960  # the preview is the export scaled down: same layout, smaller


def context(page: Page, lang: str, size: str) -> press.Context:
    width, height, _ = export.SIZES[size]
    return press.Context(
        lang=lang,
        threshold=page.settings.suppression_threshold,
        brand=page.branding(),
        data_as_of=page.info.get("data_as_of") or date.today().isoformat(),
        area_names=page.area_names(),
        size=(width, height),
    )


def unnamed_agency_note(page: Page) -> str | None:
    """What to do before publishing when no agency name is on record or configured."""
    if page.branding().agency_name != branding.UNNAMED_AGENCY:
        return None
    return (
        f"No agency name is on record, so every chart's source line says "
        f"“{branding.UNNAMED_AGENCY}”. Record it before publishing: "
        '`python -m nno_dash agency "Your Police Department"` (or set NNO_AGENCY_NAME).'
    )


def question(page: Page, template: str) -> tuple:
    """The query a template's numbers come from, as `page.ask` takes it."""
    filters = page.filters
    asked = {
        "nno": (press_queries.nno_by_year, filters),
        "outreach": (outreach.events_by_program, press.year_to_date(filters)),
        "trend": (press_queries.monthly_incidents, filters),
        "map": (overview.area_summary, filters),
    }
    if template not in asked:
        raise ValueError(f"unknown press template {template!r}")
    return asked[template]


def build(
    page: Page, template: str, numbers: pd.DataFrame, ctx: press.Context
) -> export.Exportable:
    """One template, built from its question's answer (`question`) for the page's filters."""
    if template == "nno":
        return press.nno_summary(numbers, page.filters, ctx)
    if template == "outreach":
        return press.outreach_by_program(numbers, press.year_to_date(page.filters), ctx)
    if template == "trend":
        return press.crime_trend(numbers, page.filters, ctx)
    return press.district_map(numbers, page.areas(), page.filters, ctx)


def show(page: Page, item: export.Exportable, template: str, size: str, scale: int) -> None:
    """Preview, download buttons and the numbers of one chart."""
    brand = page.branding()
    st.plotly_chart(
        export.preview(item, brand, size, PREVIEW_WIDTH),
        width="content",
        key=f"press_preview_{template}",
        config={"staticPlot": True},
        theme=None,
    )
    image_buttons(item, brand, size, scale, key=f"press_{template}")
    with st.expander("Numbers behind this chart"):
        st.dataframe(item.table.published.rename(columns=dict(item.columns)), hide_index=True)
        st.caption(item.table.explain())


def pack_button(
    page: Page, items: Sequence[export.Exportable], ctx: press.Context, size: str, scale: int
) -> None:
    """The press pack: every chosen chart as PNG, SVG and CSV, and the README."""
    extra = {"LEAME.txt": press.readme_es(items, ctx)} if ctx.lang == "es" else {}
    text = press.readme(items, ctx)
    st.download_button(
        "Download press pack (ZIP)",
        data=lambda: export.press_pack(items, ctx.brand, text, size=size, scale=scale, extra=extra),
        file_name=f"press_pack_{page.filters.end:%Y%m%d}_{ctx.lang}.zip",
        mime=export.MIME["zip"],
        on_click="ignore",
        type="primary",
        icon=":material/folder_zip:",
        key="press_pack",
        disabled=not items,
    )


def template_label(template: str) -> str:
    return press.TEMPLATES[template][0]


def language_label(lang: str) -> str:
    return i18n.LANGUAGES[lang]
