"""The house style of every figure: the colour-blind-safe palette, one font, the layout
settings, the "no data" figure, and codes shown as their labels.

Charts are built from plain trace and layout dicts and validated once (`house_figure`):
going through Plotly Express or update_layout on each rerun of a page cost more than the
chart (bench/px_vs_dicts.py measures it).
"""

from __future__ import annotations

import pandas as pd
import plotly.graph_objects as go
import plotly.io as pio

from nno_dash.core.vocab import CODE_LABELS, CRIME_CLASSES, PROGRAMS

# Okabe & Ito (2008): distinguishable with the common colour-vision deficiencies.
PALETTE = ["#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00", "#F0E442", "#000000"]
INCIDENT_COLOUR = "#0072B2"
OUTREACH_COLOUR = "#E69F00"
BASELINE_COLOUR = "#BBBBBB"  # the grey of "a year earlier" and "before"
TREATED_COLOUR = "#D55E00"
COMPARISON_COLOUR = "#0072B2"
FONT = "Inter, Segoe UI, Helvetica, Arial, sans-serif"
TEXT_COLOUR = "#1f2933"  # 14:1 on white, well past WCAG AA
TEMPLATE = "plotly_white"

# The house template is the process default (built once, at import), so a new figure starts
# with it at no cost. Naming it on each figure (update_layout(template=...)) deep-copies and
# re-validates the whole template, on every rerun of every page.
pio.templates.default = TEMPLATE

CLASS_COLOURS = {
    CRIME_CLASSES["violent"]: "#D55E00",
    CRIME_CLASSES["property"]: "#0072B2",
    CRIME_CLASSES["other"]: "#999999",
}
PROGRAM_COLOURS = dict(zip(PROGRAMS.values(), PALETTE, strict=True))


# The house style: font, margins, legend on top (a figure built from dicts starts from it).
HOUSE_LAYOUT: dict[str, object] = {
    "font": {"family": FONT, "size": 14, "color": TEXT_COLOUR},
    "margin": {"l": 10, "r": 10, "t": 30, "b": 10},
    "legend": {"orientation": "h", "yanchor": "bottom", "y": 1.02, "x": 0, "title": None},
    "hoverlabel": {"font_family": FONT},
}


def style(fig: go.Figure) -> go.Figure:
    """The house style: font, margins, legend on top."""
    if fig.layout.template.layout.plot_bgcolor != "white":  # made before the default was set
        fig.update_layout(template=TEMPLATE)
    fig.update_layout(HOUSE_LAYOUT)
    return fig


def house_figure(traces: list[dict[str, object]], layout: dict[str, object]) -> go.Figure:
    """A figure from trace and layout dicts, in the house style, validated once.

    What `style(go.Figure(data=traces, layout=layout))` draws (the house settings win, one
    level down, as update_layout merges them), without update_layout's second validation of
    the whole layout, which costs more than the rest. The one difference: the legend's
    title, which style clears to an empty object, is left out; plotly.js draws both alike.
    """
    merged = dict(layout)
    for key, value in HOUSE_LAYOUT.items():
        current = merged.get(key)
        merged[key] = {**current, **value} if isinstance(current, dict) else value
    return go.Figure(data=traces, layout=merged)


def empty_figure(message: str = "No data for these filters") -> go.Figure:
    fig = go.Figure()
    fig.add_annotation(
        text=message, showarrow=False, x=0.5, y=0.5, xref="paper", yref="paper", font={"size": 16}
    )
    fig.update_xaxes(visible=False)
    fig.update_yaxes(visible=False)
    return style(fig)


def labelled(frame: pd.DataFrame, *columns: str) -> pd.DataFrame:
    """Replace codes with their labels in the given coded columns."""
    out = frame.copy()
    for column in columns:
        names = CODE_LABELS[column]
        out[column] = out[column].map(lambda v, names=names: names.get(v, v))
    return out


def reference_line(axis: str, at: float) -> dict[str, object]:
    """The dotted reference line add_vline (axis "x") or add_hline ("y") draws at `at`."""
    other = "y" if axis == "x" else "x"
    return {
        "type": "line",
        "line": {"color": "#666666", "dash": "dot"},
        f"{axis}0": at,
        f"{axis}1": at,
        f"{axis}ref": axis,
        f"{other}0": 0,
        f"{other}1": 1,
        f"{other}ref": f"{other} domain",
    }
