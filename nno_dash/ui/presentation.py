"""Council presentation mode: no sidebar or controls, large type, a title block.

Kept in the URL (`?present=1`) with the filters, so a staffer can prepare the link before
the meeting. `ui.page.setup` reads the flag; the sidebar is then not drawn at all (the
filters still come from the URL), and this module's CSS hides Streamlit's chrome and
scales the type: Streamlit sizes text in rem, so one root font size enlarges it all.
"""

from __future__ import annotations

from collections.abc import Mapping

import plotly.graph_objects as go
import streamlit as st

from nno_dash.core.filters import Filters
from nno_dash.core.vocab import area_kind_label

PARAM = "present"
ON_VALUES = ("1", "true", "yes", "on")

CSS = """
<style>
[data-testid="stSidebar"], [data-testid="stSidebarCollapsedControl"],
[data-testid="stSidebarNav"], [data-testid="stHeader"], [data-testid="stToolbar"],
[data-testid="stDecoration"], [data-testid="stExpander"],
[data-testid="stElementToolbar"] { display: none !important; }
html { font-size: 22px; }
.block-container, [data-testid="stMainBlockContainer"] {
  padding: 1rem 1.5rem 1rem 1.5rem !important; max-width: 100% !important;
}
h1 { font-size: 2.4rem !important; line-height: 1.15 !important; padding-bottom: 0 !important; }
@media (max-width: 640px) {
  html { font-size: 16px; }
  .block-container, [data-testid="stMainBlockContainer"] { padding: 0.5rem !important; }
  h1 { font-size: 1.8rem !important; }
}
</style>
"""

# Plotly text sizes in presentation mode: readable from the back of a council chamber
# on a 1920×1080 projector (about 1/50 of the screen height).
FONT_SIZE = 22
LEGEND_SIZE = 20


def is_on() -> bool:
    return st.query_params.get(PARAM, "").lower() in ON_VALUES


def _toggle() -> None:
    if st.session_state.get("present_toggle"):
        st.query_params[PARAM] = "1"
    else:
        st.query_params.pop(PARAM, None)


def toggle() -> None:
    """The switch into presentation mode (drawn only outside it)."""
    st.toggle(
        "Council presentation mode",
        value=False,
        key="present_toggle",
        on_change=_toggle,
        help="Hides the sidebar and controls and enlarges the map and text. The link in "
        "the address bar opens this exact view: share it before the meeting.",
    )


def exit_button() -> None:
    """The one control left in presentation mode, at the foot of the page."""
    if st.button("Exit presentation mode", key="present_exit", type="tertiary"):
        st.query_params.pop(PARAM, None)
        st.session_state["present_toggle"] = False
        st.rerun()


def is_phone() -> bool:
    """A phone asked for the page (its browser says so); maps are fitted to its width."""
    agent = st.context.headers.get("User-Agent", "") or ""
    return "Mobi" in agent or "Android" in agent


def map_size(present: bool) -> tuple[int, int]:
    """(width in px the map is fitted to, height in px) for this viewer.

    A desktop map is fitted to the main column of a 1366-px laptop screen with the sidebar
    open (about 980 px): a wider screen gets a margin round the city, a narrower fit would
    cut its edge off (1150 px clipped the west of the demo city at 1440 px).
    """
    if is_phone():
        return (370, 560) if present else (370, 520)
    return (1850, 740) if present else (980, 640)


def title_block(
    title: str,
    filters: Filters,
    names: Mapping[str, str],
    *,
    as_of: object,
    source: str,
    demo: bool,
) -> None:
    """The presentation title: whose areas, which period, as of when, and the source."""
    if filters.area_ids:
        who = ", ".join(names.get(a, a) for a in filters.area_ids[:3])
        if len(filters.area_ids) > 3:
            who = f"{len(filters.area_ids)} {area_kind_label(filters.area_kind).lower()}s"
    else:
        who = f"Citywide, by {area_kind_label(filters.area_kind).lower()}"
    st.markdown(CSS, unsafe_allow_html=True)
    st.title(f"{who} · {title}")
    note = " · **Demo data: fictional city**" if demo else ""
    st.markdown(
        f"**{filters.start:%-d %B %Y} to {filters.end:%-d %B %Y}** · "
        f"data as of {as_of or 'unknown'} · {source}{note}"
    )


def enlarge(fig: go.Figure, present: bool) -> go.Figure:
    """Bigger type and hover labels for the projector; unchanged otherwise."""
    if present:
        fig.update_layout(
            font={"size": FONT_SIZE},
            legend={"font": {"size": LEGEND_SIZE}, "title": {"font": {"size": LEGEND_SIZE}}},
            hoverlabel={"font": {"size": FONT_SIZE}},
        )
        if "legend2" in fig.layout and fig.layout.legend2 is not None:
            fig.update_layout(
                legend2={"font": {"size": LEGEND_SIZE}, "title": {"font": {"size": LEGEND_SIZE}}}
            )
    return fig
