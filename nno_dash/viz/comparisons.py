"""Comparisons: this period against a baseline (paired bars, changes with their 95%
intervals), survey trust before and after, and outreach against the change in crime.

Built from plain trace and layout dicts and validated once (theme.house_figure).
"""

from __future__ import annotations

import pandas as pd
import plotly.graph_objects as go

from nno_dash.core.vocab import COLUMN_LABELS, PROGRAMS
from nno_dash.viz.theme import (
    BASELINE_COLOUR,
    INCIDENT_COLOUR,
    OUTREACH_COLOUR,
    empty_figure,
    house_figure,
    labelled,
    reference_line,
)


def paired_bars(
    frame: pd.DataFrame,
    *,
    y: str,
    before: str,
    after: str,
    names: tuple[str, str],
    colours: tuple[str, str],
    x_title: str,
) -> go.Figure:
    """Horizontal bars, two per row: a baseline (grey) and the value of interest."""
    traces = [
        {
            "type": "bar",
            "y": frame[y].to_numpy(),
            "x": frame[column].to_numpy(),
            "orientation": "h",
            "name": name,
            "marker": {"color": colour},
        }
        for column, name, colour in zip((before, after), names, colours, strict=True)
    ]
    layout = {
        "barmode": "group",
        "xaxis": {"title": {"text": x_title}},
        "height": max(320, 28 * len(frame) + 120),
    }
    return house_figure(traces, layout)


def events_by_program_bar(frame: pd.DataFrame, value: str = "events") -> go.Figure:
    """Events (or attendance) by program, this period against a year earlier."""
    if frame.empty or frame[value].sum() == 0:
        return empty_figure()
    return paired_bars(
        labelled(frame, "program").sort_values(value),
        y="program",
        before=f"{value}_prev",
        after=value,
        names=("A year earlier", "This period"),
        colours=(BASELINE_COLOUR, OUTREACH_COLOUR),
        x_title=COLUMN_LABELS[value],
    )


def category_comparison(frame: pd.DataFrame) -> go.Figure:
    """Incidents by offence category, this period against the same period a year earlier."""
    if frame.empty or frame[["incidents", "incidents_prev"]].to_numpy().sum() == 0:
        return empty_figure()
    return paired_bars(
        frame.sort_values("incidents"),
        y="label",
        before="incidents_prev",
        after="incidents",
        names=("Same period a year earlier", "This period"),
        colours=(BASELINE_COLOUR, INCIDENT_COLOUR),
        x_title="Incidents",
    )


def trust_scores(frame: pd.DataFrame) -> go.Figure:
    """Mean survey trust before and after events, by program (1–5 scale)."""
    data = frame.dropna(subset=["trust_before", "trust_after"])
    if data.empty:
        return empty_figure("No survey results for these filters")
    fig = paired_bars(
        labelled(data, "program").sort_values("trust_after"),
        y="program",
        before="trust_before",
        after="trust_after",
        names=("Before the event", "After the event"),
        colours=(BASELINE_COLOUR, "#009E73"),
        x_title="Mean trust score (1–5)",
    )
    fig.update_xaxes(range=[1, 5])
    return fig


def change_intervals(frame: pd.DataFrame, *, y: str = "label", title: str = "") -> go.Figure:
    """Percentage changes as dots with their 95% intervals; too-few rows grey and labelled.

    Rows by change, largest at the top; a total row (category "all", as trends.compstat_table
    adds) sits above them all, where a reader looks first.
    """
    data = frame.dropna(subset=["change_pct"])
    if data.empty:
        return empty_figure("No baseline to compare with")
    data = data.sort_values("change_pct")
    is_total = data["category"].eq("all") if "category" in data else data["change_pct"].isna()
    data = pd.concat([data[~is_total], data[is_total]])  # the y axis runs bottom to top
    traces = []
    for too_few, colour, name in ((False, INCIDENT_COLOUR, "Change"), (True, "#AAAAAA", "Too few")):
        part = data[data["too_few"] == too_few]
        if part.empty:
            continue
        high = part["ci_high_pct"].clip(upper=300) - part["change_pct"]
        low = part["change_pct"] - part["ci_low_pct"].clip(lower=-100)
        trace = {
            "type": "scatter",
            "x": part["change_pct"].to_numpy(),
            "y": part[y].to_numpy(),
            "mode": "markers",
            "name": f"{name} (95% CI)" if not too_few else "Too few to judge",
            "marker": {"color": colour, "size": 10},
            "error_x": {
                "type": "data",
                "array": high.to_numpy(),
                "arrayminus": low.to_numpy(),
                "color": colour,
            },
            "hovertemplate": "%{y}: %{x:+.0f}%<extra></extra>",
        }
        if "current" in part:
            trace["customdata"] = part[["current", "baseline"]].to_numpy()
        traces.append(trace)
    layout = {
        "shapes": [reference_line("x", 0)],
        "xaxis": {"title": {"text": title or "Change (%), with 95% interval"}},
        "yaxis": {"categoryorder": "array", "categoryarray": list(data[y])},
        "height": max(320, 26 * data[y].nunique() + 120),
    }
    return house_figure(traces, layout)


def dose_line(points: pd.DataFrame, line: pd.DataFrame) -> go.Figure:
    """Areas' change in incidents per 1,000 against outreach per 1,000, with the fitted line
    and its 95% band.

    The areas are what px.scatter draws with sizes by residents (size_max 24), built from
    dicts: Outreach and crime draws it on every rerun. tests/viz/test_comparisons.py checks
    it against Plotly Express.
    """
    if points.empty:
        return empty_figure("No areas with residents and a year-earlier baseline")
    x_title, y_title = (
        COLUMN_LABELS["event_rate"],
        "Change in incidents per 1,000 vs a year earlier",
    )
    sizes = points["population"].to_numpy()
    traces: list[dict[str, object]] = [
        {
            "type": "scatter",
            "x": points["event_rate"].to_numpy(),
            "y": points["rate_change"].to_numpy(),
            "hovertext": points["name"].to_numpy(),
            "hovertemplate": f"<b>%{{hovertext}}</b><br><br>{x_title}=%{{x}}<br>{y_title}=%{{y}}"
            f"<br>{COLUMN_LABELS['population']}=%{{marker.size}}<extra></extra>",
            "legendgroup": "",
            "marker": {
                "color": INCIDENT_COLOUR,
                "size": sizes,
                "sizemode": "area",
                "sizeref": max(0, sizes.max()) / 24**2,  # as Plotly Express's size_max=24
                "symbol": "circle",
            },
            "mode": "markers",
            "name": "",
            "orientation": "v",
            "showlegend": False,
            "xaxis": "x",
            "yaxis": "y",
        }
    ]
    if not line.empty:
        traces += [
            {
                "type": "scatter",
                "x": list(line["event_rate"]) + list(line["event_rate"][::-1]),
                "y": list(line["ci_high"]) + list(line["ci_low"][::-1]),
                "fill": "toself",
                "fillcolor": "rgba(230,159,0,0.2)",
                "line": {"width": 0},
                "name": "95% band for the line",
                "hoverinfo": "skip",
            },
            {
                "type": "scatter",
                "x": line["event_rate"].to_numpy(),
                "y": line["fit"].to_numpy(),
                "mode": "lines",
                "name": "Fitted line",
                "line": {"color": OUTREACH_COLOUR, "width": 3},
            },
        ]
    layout = {
        "xaxis": {"anchor": "y", "domain": [0.0, 1.0], "title": {"text": x_title}},
        "yaxis": {"anchor": "x", "domain": [0.0, 1.0], "title": {"text": y_title}},
        "legend": {"tracegroupgap": 0, "itemsizing": "constant"},
        "margin": {"t": 60},
        "shapes": [reference_line("y", 0)],
    }
    return house_figure(traces, layout)


def trust_change(frame: pd.DataFrame) -> go.Figure:
    """Mean change in survey trust (after minus before, 1-5 scale) by program, with 95% CIs."""
    data = frame.dropna(subset=["change"])
    if data.empty:
        return empty_figure("No survey results for these filters")
    data = data.assign(
        label=[PROGRAMS.get(p, "All programs" if p == "all" else p) for p in data["program"]]
    ).sort_values("change")
    trace = {
        "type": "scatter",
        "x": data["change"].to_numpy(),
        "y": data["label"].to_numpy(),
        "mode": "markers",
        "marker": {"color": "#009E73", "size": 10},
        "error_x": {
            "type": "data",
            "array": (data["ci_high"] - data["change"]).fillna(0).to_numpy(),
            "arrayminus": (data["change"] - data["ci_low"]).fillna(0).to_numpy(),
        },
        "name": "Mean change (95% CI)",
        "hovertemplate": "%{y}: %{x:+.2f}<extra></extra>",
    }
    layout = {
        "shapes": [reference_line("x", 0)],
        "xaxis": {"title": {"text": "Trust after minus before (1–5 scale)"}},
        "height": max(300, 30 * len(data) + 120),
    }
    return house_figure([trace], layout)
