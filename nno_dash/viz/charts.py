"""Charts: pure functions from a result frame to a Plotly figure, in one house style.

One colour-blind-safe palette (Okabe-Ito), one font, one "no data for these filters"
figure, and human labels from one LABELS mapping, so stored snake_case never shows.

The charts are built from plain trace and layout dicts and validated once, drawing what
Plotly Express would draw (tests/test_charts.py compares them): Plotly Express took 35-100
ms a chart, on every rerun of the pages, and its import cost a new server's first page.
"""

from __future__ import annotations

import functools
from collections.abc import Mapping, Sequence

import pandas as pd
import plotly.graph_objects as go
import plotly.io as pio
from plotly.colors import sequential
from plotly.subplots import make_subplots

from nno_dash.core.vocab import AREA_KINDS, CATEGORIES, CRIME_CLASSES, PROGRAMS

# Okabe & Ito (2008): distinguishable with the common colour-vision deficiencies.
PALETTE = ["#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00", "#F0E442", "#000000"]
INCIDENT_COLOUR = "#0072B2"
OUTREACH_COLOUR = "#E69F00"
FONT = "Inter, Segoe UI, Helvetica, Arial, sans-serif"
TEXT_COLOUR = "#1f2933"  # 14:1 on white, well past WCAG AA
TEMPLATE = "plotly_white"

# The house template is the process default (built once, ~0.1 s at import), so a new figure
# starts with it at no cost. Naming it on each figure (update_layout(template=...)) deep-
# copies and re-validates the whole template: ~15 ms a figure, on every rerun of every page.
pio.templates.default = TEMPLATE

LABELS: dict[str, str] = {
    "month": "Month",
    "period": "Period",
    "incidents": "Incidents",
    "incidents_prev": "Same period a year earlier",
    "events": "Outreach events",
    "attendance": "Attendance",
    "program": "Program",
    "crime_class": "Offence class",
    "category": "Offence category",
    "label": "Offence category",
    "name": "Area",
    "population": "Residents",
    "incident_rate": "Incidents per 1,000 residents",
    "incident_rate_prev": "Incidents per 1,000, a year earlier",
    "event_rate": "Outreach events per 1,000 residents",
    "attendance_rate": "Attendance per 1,000 residents",
    "incident_change_pct": "Change in incidents vs a year earlier (%)",
    "days_since_event": "Days since last event",
    "last_event_on": "Last event",
    "year": "Year",
    "month_of_year": "Month of year",
    "headcount": "Attendance",
    "trust_before": "Trust before (1–5)",
    "trust_after": "Trust after (1–5)",
}

# Code -> label, per coded column (the same code can mean different things: "other").
CODE_LABELS: dict[str, dict[str, str]] = {
    "program": PROGRAMS,
    "crime_class": CRIME_CLASSES,
    "category": {code: label for code, (label, *_rest) in CATEGORIES.items()},
    "kind": AREA_KINDS,
}

CLASS_COLOURS = {
    CRIME_CLASSES["violent"]: "#D55E00",
    CRIME_CLASSES["property"]: "#0072B2",
    CRIME_CLASSES["other"]: "#999999",
}
PROGRAM_COLOURS = dict(zip(PROGRAMS.values(), PALETTE, strict=True))
# The seasonal heat map's scale, as Plotly Express spreads the named one over 0-1.
_CIVIDIS = [[i / (len(sequential.Cividis) - 1), c] for i, c in enumerate(sequential.Cividis)]


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
    the whole layout: 6-10 ms a chart. The one difference: the legend's title, which style
    clears to an empty object, is left out; plotly.js draws both alike.
    """
    merged = dict(layout)
    for key, value in HOUSE_LAYOUT.items():
        current = merged.get(key)
        merged[key] = {**current, **value} if isinstance(current, dict) else value
    return go.Figure(data=traces, layout=merged)


def titled(fig: go.Figure, title: str, subtitle: str, source: str) -> go.Figure:
    """A chart fit to publish: title, then the filters in words and the source line."""
    style(fig)
    fig.update_layout(
        title={
            "text": f"<b>{title}</b>",
            "subtitle": {"text": f"{subtitle}<br>{source}", "font": {"size": 13}},
            "x": 0.01,
            "xanchor": "left",
            "y": 0.97,
            "yanchor": "top",
        },
        margin={"t": 150},
        legend={"y": 1.01},
    )
    return fig


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


def by_colour(
    kind: str,
    data: pd.DataFrame,
    *,
    x: str,
    y: str,
    color: str,
    labels: Mapping[str, str],
    colours: Mapping[str, str],
    sequence: Sequence[str] | None = None,
) -> tuple[list[dict[str, object]], dict[str, object]]:
    """The traces and layout of what `px.bar` (kind "bar") or `px.line(markers=True)` (kind
    "line") draws for one colour column, as dicts: a chart adds its own, then builds and
    validates the figure once (`house_figure`).

    Plotly Express took 50-100 ms a chart, on every rerun of the pages that draw these; the
    same figure this way takes about 5 ms. tests/test_charts.py checks it against Plotly
    Express. A value missing from `colours` takes the next colour of `sequence` (default:
    the template's colorway) as Plotly Express counts them, from the map's length on; lines
    of more than 1,000 rows are drawn with WebGL, as Plotly Express draws them.
    """
    sequence = list(sequence or pio.templates[pio.templates.default].layout.colorway)
    colour_of = dict(colours)
    title = {name: labels.get(name, name) for name in (x, y, color)}
    xs, ys, groups = data[x].to_numpy(), data[y].to_numpy(), data[color].to_numpy()
    webgl = kind == "line" and len(data) > 1000  # px's render_mode "auto": WebGL past 1,000 rows
    traces = []
    for value in pd.unique(groups):
        if value not in colour_of:
            colour_of[value] = sequence[len(colour_of) % len(sequence)]
        rows = groups == value
        trace = {
            "type": "bar" if kind == "bar" else "scattergl" if webgl else "scatter",
            "x": xs[rows],
            "y": ys[rows],
            "name": value,
            "legendgroup": value,
            "showlegend": True,
            "xaxis": "x",
            "yaxis": "y",
            "hovertemplate": f"{title[color]}={value}<br>{title[x]}=%{{x}}<br>{title[y]}=%{{y}}"
            "<extra></extra>",
        }
        if not webgl:
            trace["orientation"] = "v"
        if kind == "bar":
            trace |= {"marker": {"color": colour_of[value], "pattern": {"shape": ""}}}
            trace |= {"textposition": "auto"}
        else:
            trace |= {"line": {"color": colour_of[value], "dash": "solid"}}
            trace |= {"marker": {"symbol": "circle"}, "mode": "lines+markers"}
        traces.append(trace)
    layout = {
        "xaxis": {"anchor": "y", "domain": [0.0, 1.0], "title": {"text": title[x]}},
        "yaxis": {"anchor": "x", "domain": [0.0, 1.0], "title": {"text": title[y]}},
        "legend": {"title": {"text": title[color]}, "tracegroupgap": 0},
        "margin": {"t": 60},
    }
    if kind == "bar":
        layout["barmode"] = "relative"
    return traces, layout


def incidents_and_outreach_by_month(incidents: pd.DataFrame, events: pd.DataFrame) -> go.Figure:
    """Monthly incidents (by offence class, stacked) above monthly outreach events.

    Built from dicts and validated once, on make_subplots' layout worked out once: Home
    draws it on every rerun, and make_subplots alone cost 16 ms a call.
    """
    if incidents.empty and events.empty:
        return empty_figure()
    inc = labelled(incidents, "crime_class")
    traces = [
        {
            "type": "bar",
            "x": part["period"],
            "y": part["incidents"],
            "name": crime_class,
            "marker": {"color": colour},
            "xaxis": "x",
            "yaxis": "y",
            "hovertemplate": "%{x|%b %Y}: %{y:,} incidents<extra>" + crime_class + "</extra>",
        }
        for crime_class, colour in CLASS_COLOURS.items()
        if not (part := inc[inc["crime_class"] == crime_class]).empty
    ]
    monthly_events = events.groupby("month", as_index=False)["events"].sum()
    traces.append(
        {
            "type": "bar",
            "x": monthly_events["month"],
            "y": monthly_events["events"],
            "name": "Outreach events",
            "marker": {"color": OUTREACH_COLOUR},
            "xaxis": "x2",
            "yaxis": "y2",
            "hovertemplate": "%{x|%b %Y}: %{y:,} events<extra></extra>",
        }
    )
    grid = _incidents_over_events_grid()
    layout = {
        **grid,
        "barmode": "stack",
        "bargap": 0.15,
        "xaxis2": {**grid["xaxis2"], "dtick": "M1", "tickformat": "%b\n%Y"},
        **HOUSE_LAYOUT,
        # The legend sits above the first subplot's title, not on it.
        "legend": {**HOUSE_LAYOUT["legend"], "y": 1.1},
        "margin": {**HOUSE_LAYOUT["margin"], "t": 80},
    }
    return go.Figure(data=traces, layout=layout)


@functools.cache
def _incidents_over_events_grid() -> dict:
    """make_subplots' axes and titles for incidents above events (without its template)."""
    grid = make_subplots(
        rows=2,
        cols=1,
        shared_xaxes=True,
        row_heights=[0.62, 0.38],
        vertical_spacing=0.08,
        subplot_titles=("Incidents per month", "Outreach events per month"),
    ).layout.to_plotly_json()
    grid.pop("template", None)
    return grid


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
        colours=("#BBBBBB", OUTREACH_COLOUR),
        x_title=LABELS[value],
    )


def monthly_outreach(frame: pd.DataFrame) -> go.Figure:
    """Stacked monthly events by program."""
    if frame.empty:
        return empty_figure()
    data = labelled(frame, "program")
    traces, layout = by_colour(
        "bar", data, x="month", y="events", color="program", labels=LABELS, colours=PROGRAM_COLOURS
    )
    layout["xaxis"]["tickformat"] = "%b\n%Y"
    return house_figure(traces, layout)


def incident_trend(frame: pd.DataFrame, x: str = "period") -> go.Figure:
    """Incidents over time by offence class, one line each."""
    if frame.empty:
        return empty_figure()
    data = labelled(frame, "crime_class")
    traces, layout = by_colour(
        "line", data, x=x, y="incidents", color="crime_class", labels=LABELS, colours=CLASS_COLOURS
    )
    return house_figure(traces, layout)


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
        colours=("#BBBBBB", INCIDENT_COLOUR),
        x_title="Incidents",
    )


MONTHS = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]


def seasonal_heatmap(frame: pd.DataFrame) -> go.Figure:
    """Month of year × year: shows summer peaks so they are not read as trends.

    What px.imshow draws (Cividis, counts in the cells), built from dicts: Crime trends
    draws it on every rerun, and Plotly Express took 35 ms of it (now about 5).
    tests/test_charts.py checks it against Plotly Express.
    """
    if frame.empty:
        return empty_figure()
    grid = frame.pivot_table(
        index="year", columns="month_of_year", values="incidents", aggfunc="sum"
    )
    grid = grid.reindex(columns=range(1, 13))
    trace = {
        "type": "heatmap",
        "z": grid.to_numpy(),
        "x": MONTHS,
        "y": [str(y) for y in grid.index],
        "coloraxis": "coloraxis",
        "name": "0",
        "texttemplate": "%{z:,d}",
        "xaxis": "x",
        "yaxis": "y",
        "hovertemplate": "Month: %{x}<br>Year: %{y}<br>Incidents: %{z}<extra></extra>",
    }
    layout = {
        "xaxis": {"anchor": "y", "domain": [0.0, 1.0], "title": {"text": "Month"}},
        "yaxis": {
            "anchor": "x",
            "domain": [0.0, 1.0],
            "autorange": "reversed",
            "title": {"text": "Year"},
        },
        "coloraxis": {
            "colorbar": {"title": {"text": "Incidents"}},
            "colorscale": _CIVIDIS,
            "autocolorscale": False,
        },
        "margin": {"t": 60},
    }
    return house_figure([trace], layout)


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
        colours=("#BBBBBB", "#009E73"),
        x_title="Mean trust score (1–5)",
    )
    fig.update_xaxes(range=[1, 5])
    return fig


# Crime trends and outreach evaluation (issue 5) ---------------------------------------------

TREATED_COLOUR = "#D55E00"
COMPARISON_COLOUR = "#0072B2"
MEASURES = {"incidents": "Incidents", "rate_per_1000": "Incidents per 1,000 residents"}


def incident_series(frame: pd.DataFrame, measure: str = "incidents") -> go.Figure:
    """Incidents (or the rate per 1,000) over time, a line per group; partial periods (cut by
    the period's start or end) are drawn as open circles so a half month is not read as a drop."""
    if frame.empty:
        return empty_figure()
    data = frame.copy()
    data["label"] = [CRIME_CLASSES.get(v, v) for v in data["label"]]
    traces, layout = by_colour(
        "line",
        data,
        x="period",
        y=measure,
        color="label",
        labels={**LABELS, "label": "", measure: MEASURES[measure]},
        colours=CLASS_COLOURS,
        sequence=PALETTE,
    )
    if "partial" in data and data["partial"].any():
        part = data[data["partial"]]
        traces.append(
            {
                "type": "scatter",
                "x": part["period"].to_numpy(),
                "y": part[measure].to_numpy(),
                "mode": "markers",
                "name": "Partial period",
                "marker": {"symbol": "circle-open", "size": 14, "color": "#666666"},
                "hovertemplate": "%{x}: partial period<extra></extra>",
            }
        )
    return house_figure(traces, layout)


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
        "shapes": [_reference_line("x", 0)],
        "xaxis": {"title": {"text": title or "Change (%), with 95% interval"}},
        "yaxis": {"categoryorder": "array", "categoryarray": list(data[y])},
        "height": max(320, 26 * data[y].nunique() + 120),
    }
    return house_figure(traces, layout)


def _reference_line(axis: str, at: float) -> dict[str, object]:
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


def event_study(series: pd.DataFrame) -> go.Figure:
    """Weekly incidents per 1,000 around the event day: treated areas, comparison areas, and
    the treated areas as they would have been had they moved like the comparison."""
    if series.empty:
        return empty_figure("No weeks of data around this day")
    styles = {
        "Treated areas": {"color": TREATED_COLOUR, "width": 3},
        "Comparison areas": {"color": COMPARISON_COLOUR, "width": 2},
        "Treated, had they moved like the comparison": {
            "color": TREATED_COLOUR,
            "width": 2,
            "dash": "dash",
        },
    }
    traces = [
        {
            "type": "scatter",
            "x": part["week"].to_numpy(),
            "y": part["rate_per_1000"].to_numpy(),
            "mode": "lines+markers" if "dash" not in line else "lines",
            "name": group,
            "line": line,
            "customdata": part[["week_start"]].astype(str).to_numpy(),
            "hovertemplate": "week of %{customdata[0]}: %{y:.2f} per 1,000<extra>"
            + group
            + "</extra>",
        }
        for group, line in styles.items()
        if not (part := series[series["group"] == group]).empty
    ]
    layout = {
        "shapes": [_reference_line("x", -0.5)],
        "annotations": [
            {
                "x": -0.5,
                "y": 1.0,
                "yref": "paper",
                "text": "event day",
                "showarrow": False,
                "xanchor": "left",
            }
        ],
        "xaxis": {"title": {"text": "Weeks from the event (0 = the week starting on the day)"}},
        "yaxis": {"title": {"text": "Incidents per 1,000 residents per week"}},
    }
    return house_figure(traces, layout)


def dose_line(points: pd.DataFrame, line: pd.DataFrame) -> go.Figure:
    """Areas' change in incidents per 1,000 against outreach per 1,000, with the fitted line
    and its 95% band.

    The areas are what px.scatter draws with sizes by residents (size_max 24), built from
    dicts: Outreach and crime draws it on every rerun, and Plotly Express took 40 ms of it.
    tests/test_charts.py checks it against Plotly Express.
    """
    if points.empty:
        return empty_figure("No areas with residents and a year-earlier baseline")
    x_title, y_title = LABELS["event_rate"], "Change in incidents per 1,000 vs a year earlier"
    sizes = points["population"].to_numpy()
    traces: list[dict[str, object]] = [
        {
            "type": "scatter",
            "x": points["event_rate"].to_numpy(),
            "y": points["rate_change"].to_numpy(),
            "hovertext": points["name"].to_numpy(),
            "hovertemplate": f"<b>%{{hovertext}}</b><br><br>{x_title}=%{{x}}<br>{y_title}=%{{y}}"
            f"<br>{LABELS['population']}=%{{marker.size}}<extra></extra>",
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
        "shapes": [_reference_line("y", 0)],
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
        "shapes": [_reference_line("x", 0)],
        "xaxis": {"title": {"text": "Trust after minus before (1–5 scale)"}},
        "height": max(300, 30 * len(data) + 120),
    }
    return house_figure([trace], layout)


def attendance_trend(frame: pd.DataFrame) -> go.Figure:
    """Monthly attendance, this period against the year before it."""
    if frame.empty:
        return empty_figure("No outreach events for these filters")
    data = frame.assign(
        when=["This period" if v else "The year before" for v in frame["this_period"]]
    )
    traces, layout = by_colour(
        "bar",
        data,
        x="month",
        y="attendance",
        color="when",
        labels={**LABELS, "when": ""},
        colours={"This period": OUTREACH_COLOUR, "The year before": "#BBBBBB"},
    )
    layout["xaxis"]["tickformat"] = "%b\n%Y"
    return house_figure(traces, layout)
