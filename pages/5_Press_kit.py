"""Press kit: titled, sourced, dated charts and their numbers, safe to publish."""

import streamlit as st

from nno_dash.ui.preload import plotly_js

plotly_js()  # first: the browser loads plotly.js while the imports below run

from nno_dash.publish import export, press
from nno_dash.ui import press_kit
from nno_dash.ui.page import setup, size_label

page = setup(
    "Press kit",
    ":material/newspaper:",
    "Charts with a title, the filters in words, the source and the date, and their numbers, "
    "as PNG, SVG and CSV. The sidebar filters choose the areas and the period.",
)
export.warm_up()  # start the image browser now, so the first download is quick
if note := press_kit.unnamed_agency_note(page):
    st.warning(note)

templates = st.pills(
    "Charts",
    list(press.TEMPLATES),
    format_func=press_kit.template_label,
    selection_mode="multi",
    default=["nno", "outreach"],
    key="press_templates",
)
left, mid, right = st.columns([1.2, 2, 1])
lang = (
    left.segmented_control(
        "Language",
        ["en", "es"],
        format_func=press_kit.language_label,
        default="en",
        key="press_lang",
    )
    or "en"
)
size = mid.selectbox("Size", list(export.SIZES), format_func=size_label, key="press_size")
scale = (
    right.segmented_control(
        "Resolution",
        list(export.SCALES),
        format_func=lambda s: f"{s}×",
        default=1,
        key="press_scale",
    )
    or 1
)

answers = page.ask(**{template: press_kit.question(page, template) for template in templates})
ctx = press_kit.context(page, lang, size)
items = [press_kit.build(page, template, answers[template], ctx) for template in templates]
press_kit.pack_button(page, items, ctx, size, scale)
if not items:
    st.info("Choose one or more charts above.")
for template, item in zip(templates, items, strict=True):
    st.divider()
    press_kit.show(page, item, template, size, scale)

st.caption(
    f"Counts under {page.settings.suppression_threshold} are shown as "
    f'"<{page.settings.suppression_threshold}" in every chart and download, and a further '
    "count is withheld where a total would reveal one. No incident location, address, case "
    "number or id leaves this page."
)
