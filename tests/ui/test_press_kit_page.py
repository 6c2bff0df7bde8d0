"""The Press kit page in AppTest: templates, language, size, previews and downloads."""

from __future__ import annotations

import json
from pathlib import Path

from streamlit.testing.v1 import AppTest

ENTRY = Path(__file__).resolve().parents[2] / "dashboard.py"


def open_press_kit(query: dict[str, str] | None = None) -> AppTest:
    at = AppTest.from_file(str(ENTRY), default_timeout=60)
    for key, value in (query or {}).items():
        at.query_params[key] = value
    at.run()
    at.switch_page("pages/5_Press_kit.py")
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def previews(at: AppTest) -> list[dict]:
    return [json.loads(c.proto.spec) for c in at.get("plotly_chart")]


def texts(figure: dict) -> str:
    return " ".join(a.get("text", "") for a in figure["layout"].get("annotations", []))


def labels(at: AppTest) -> list[str]:
    return [b.proto.label for b in at.get("download_button")]


def test_opens_with_the_national_night_out_summary_ready_to_download(app_env):
    at = open_press_kit()
    figures = previews(at)
    assert len(figures) == 2
    first = texts(figures[0])
    assert "National Night Out by the numbers" in first
    assert "Source: Demo City Police Department records system; outreach log." in first
    assert "Data as of 31 Oct 2026" in first
    # PNG, SVG and CSV for each chart, and the press pack; images are drawn on click
    assert labels(at) == ["Download press pack (ZIP)"] + ["PNG", "SVG", "CSV"] * 2
    buttons = at.get("download_button")
    assert all(b.proto.deferred_file_id for b in buttons if b.proto.label in ("PNG", "SVG"))
    assert any(b.proto.id.endswith("png_press_nno") for b in buttons)


def test_spanish_labels_follow_the_language_switch(app_env):
    at = open_press_kit()
    at.segmented_control(key="press_lang").set_value("es").run()
    assert not at.exception
    first = texts(previews(at)[0])
    assert "National Night Out en cifras" in first
    assert "Fuente:" in first and "Datos al 31 oct 2026" in first
    assert "Eventos" in texts(previews(at)[0])


def test_every_template_and_size_builds(app_env):
    at = open_press_kit()
    at.pills(key="press_templates").set_value(["nno", "outreach", "trend", "map"]).run()
    at.selectbox(key="press_size").set_value("1080x1080").run()
    assert not at.exception, [e.value for e in at.exception]
    figures = previews(at)
    assert len(figures) == 4
    assert any(t["type"] == "choroplethmap" for t in figures[3]["data"])
    # the preview is the export scaled to the screen: a square stays square
    assert figures[0]["layout"]["width"] == figures[0]["layout"]["height"]
    assert labels(at).count("PNG") == 4


def test_the_sidebar_filters_choose_the_areas(app_env):
    at = open_press_kit({"kind": "district", "area": "district:3"})
    at.pills(key="press_templates").set_value(["trend"]).run()
    assert "3rd District" in texts(previews(at)[0])


def test_no_chart_chosen_says_so(app_env):
    at = open_press_kit()
    at.pills(key="press_templates").set_value([]).run()
    assert not at.exception
    assert any("Choose one or more charts" in i.value for i in at.info)


def test_every_chart_on_other_pages_has_a_download_control(app_env):
    at = open_press_kit()
    at.switch_page("pages/4_Events_and_attendance.py").run()
    assert not at.exception
    charts = at.get("plotly_chart")
    assert len(at.get("popover")) == len(charts)
    png = [b for b in at.get("download_button") if b.proto.label == "PNG"]
    assert len(png) == len(charts) and all(b.proto.deferred_file_id for b in png)
