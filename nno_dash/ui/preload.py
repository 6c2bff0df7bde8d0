"""Start loading plotly.js in the browser while the page's Python is still importing.

Streamlit fetches its Plotly chart code (plotly.js, 4.7 MB) only when the first chart
arrives, and on a cold start the browser then spends about two seconds downloading and
evaluating it before anything is drawn. A page
calls `plotly_js()` first, before its heavy imports, so that work overlaps the server's
imports and queries instead of following them. It imports only Streamlit and the standard
library for that reason.
"""

from __future__ import annotations

import functools
import json
from pathlib import Path

import streamlit as st

# The element draws nothing, and its style takes its slot (and the gap after it) out of the
# page's layout. It is inert once the module is loaded: the window flag makes reruns and other
# pages skip the import. The chunk is resolved against Streamlit's own entry script, the
# way Streamlit's lazy import resolves it, so both share one module (and a base URL path
# works). A failed import leaves Streamlit to load the chunk itself, as it always did.
_SCRIPT = """<style>
.stElementContainer:has(script[data-nno-preload]) {{ display: none; }}
</style>
<script data-nno-preload>
(() => {{
  if (window.__nnoPlotlyPreload) return;
  const entry = document.querySelector('script[type="module"][src*="/static/js/index."]');
  if (!entry) return;
  window.__nnoPlotlyPreload = import(new URL({chunk}, entry.src).href).catch(() => null);
}})();
</script>"""


@functools.cache
def plotly_chunk() -> str | None:
    """The file name of Streamlit's Plotly chart chunk in the installed Streamlit, if any."""
    static = Path(st.__file__).parent / "static" / "static" / "js"
    found = sorted(p.name for p in static.glob("PlotlyChart.*.js"))
    return found[0] if len(found) == 1 else None


def plotly_js() -> None:
    """Ask the browser to load plotly.js now (nothing happens if the chunk is not found)."""
    chunk = plotly_chunk()
    if chunk:
        st.html(_SCRIPT.format(chunk=json.dumps(f"./{chunk}")), unsafe_allow_javascript=True)
