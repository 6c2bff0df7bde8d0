"""The plotly.js preload every chart page starts with (nno_dash/ui/preload.py)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from nno_dash.ui import preload

ROOT = Path(__file__).resolve().parent.parent


def test_the_installed_streamlit_has_one_plotly_chunk():
    # If a Streamlit upgrade renames or splits the chunk, the preload silently stops helping:
    # this test is where that shows.
    chunk = preload.plotly_chunk()
    assert chunk is not None and chunk.startswith("PlotlyChart.") and chunk.endswith(".js")


@pytest.mark.parametrize(
    "script",
    [
        "dashboard.py",
        "pages/1_Outreach_coverage.py",
        "pages/2_Crime_trends.py",
        "pages/3_Outreach_and_crime.py",
        "pages/4_Events_and_attendance.py",
        "pages/5_Press_kit.py",
    ],
)
def test_every_chart_page_asks_for_plotly_js_first(demo_db, monkeypatch, script):
    monkeypatch.setenv("NNO_DB", str(demo_db))
    at = AppTest.from_file(str(ROOT / "dashboard.py"), default_timeout=120)
    at.run()
    if script != "dashboard.py":
        at.switch_page(script)
        at.run()
    assert not at.exception
    first = at.main.children[0]
    assert first.type == "html"
    assert first.proto.unsafe_allow_javascript
    assert json.dumps(f"./{preload.plotly_chunk()}") in first.proto.body
