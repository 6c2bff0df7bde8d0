"""The plotly.js preload every chart page starts with (nno_dash/ui/preload.py).

That each chart page's first element is the preload is checked in test_pages.py; that the
browser loads the chunk once through it, in test_browser.py.
"""

from __future__ import annotations

from nno_dash.ui import preload


def test_the_installed_streamlit_has_one_plotly_chunk():
    # If a Streamlit upgrade renames or splits the chunk, the preload silently stops helping:
    # this test is where that shows.
    chunk = preload.plotly_chunk()
    assert chunk is not None and chunk.startswith("PlotlyChart.") and chunk.endswith(".js")
