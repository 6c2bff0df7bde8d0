"""Time series: counts month by month or week by week, by offence class or program, the
seasonal profile, and the weeks around an outreach event.

Built from plain trace and layout dicts and validated once (theme.house_figure), drawing
what Plotly Express would draw (tests/viz/test_time_series.py compares them).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import pandas as pd
import plotly.graph_objects as go
import plotly.io as pio
from plotly.colors import sequential
from plotly.subplots import make_subplots

from nno_dash.core.vocab import COLUMN_LABELS, CRIME_CLASSES, MONTHS
from nno_dash.viz.theme import (
    BASELINE_COLOUR,
    CLASS_COLOURS,
    COMPARISON_COLOUR,
    HOUSE_LAYOUT,
    OUTREACH_COLOUR,
    PALETTE,
    PROGRAM_COLOURS,
    TREATED_COLOUR,
    empty_figure,
    house_figure,
    labelled,
    reference_line,
)

MEASURES = {"incidents": "Incidents", "rate_per_1000": "Incidents per 1,000 residents"}
# The seasonal heat map's scale, as Plotly Express spreads the named one over 0-1.
CIVIDIS = [[i / (len(sequential.Cividis) - 1), c] for i, c in enumerate(sequential.Cividis)]
# make_subplots' axes and titles for incidents above events (without its template).
INCIDENTS_OVER_EVENTS = make_subplots(
    rows=2,
    cols=1,
    shared_xaxes=True,
    row_heights=[0.62, 0.38],
    vertical_spacing=0.08,
    subplot_titles=("Incidents per month", "Outreach events per month"),
).layout.to_plotly_json()
del INCIDENTS_OVER_EVENTS["template"]


def by_colour(
    kind: str,
    data: pd.DataFrame,
    *,
    x: str,
    y: str,
    color: str,
    colours: Mapping[str, str],
    labels: Mapping[str, str] = COLUMN_LABELS,
    sequence: Sequence[str] | None = None,
) -> tuple[list[dict[str, object]], dict[str, object]]:
    """The traces and layout of what `px.bar` (kind "bar") or `px.line(markers=True)` (kind
    "line") draws for one colour column, as dicts: a chart adds its own, then builds and
    validates the figure once (`house_figure`). `labels` name the columns (default: vocab's).

    A value missing from `colours` takes the next colour of `sequence` (default: the
    template's colorway) as Plotly Express counts them, from the map's length on; lines of
    more than 1,000 rows are drawn with WebGL, as Plotly Express draws them.
    tests/viz/test_time_series.py checks it against Plotly Express.
    Kept by hand: Plotly Express draws the same figures several times slower (bench/px_vs_dicts.py).
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

    Built from dicts and validated once, on make_subplots' layout worked out at import:
    Home draws it on every rerun, and make_subplots costs more than the rest of the chart.
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
    layout = {
        **INCIDENTS_OVER_EVENTS,
        "barmode": "stack",
        "bargap": 0.15,
        # Months, said as such: with no events, or one month, plotly would guess numbers.
        "xaxis": {**INCIDENTS_OVER_EVENTS["xaxis"], "type": "date"},
        "xaxis2": {
            **INCIDENTS_OVER_EVENTS["xaxis2"],
            "type": "date",
            "dtick": "M1",
            "tickformat": "%b\n%Y",
        },
        **HOUSE_LAYOUT,
        # The legend sits above the first subplot's title, not on it.
        "legend": {**HOUSE_LAYOUT["legend"], "y": 1.1},
        "margin": {**HOUSE_LAYOUT["margin"], "t": 80},
    }
    if monthly_events["events"].sum() == 0:
        layout["annotations"] = [
            *INCIDENTS_OVER_EVENTS["annotations"],
            {
                "text": "No outreach events on record in this period",
                "xref": "x2 domain",
                "yref": "y2 domain",
                "x": 0.5,
                "y": 0.5,
                "showarrow": False,
                "font": {"color": "#52606d"},
            },
        ]
    return go.Figure(data=traces, layout=layout)


def monthly_outreach(frame: pd.DataFrame) -> go.Figure:
    """Stacked monthly events by program."""
    if frame.empty:
        return empty_figure()
    data = labelled(frame, "program")
    traces, layout = by_colour(
        "bar", data, x="month", y="events", color="program", colours=PROGRAM_COLOURS
    )
    layout["xaxis"]["tickformat"] = "%b\n%Y"
    return house_figure(traces, layout)


def incident_trend(frame: pd.DataFrame, x: str = "period") -> go.Figure:
    """Incidents over time by offence class, one line each."""
    if frame.empty:
        return empty_figure()
    data = labelled(frame, "crime_class")
    traces, layout = by_colour(
        "line", data, x=x, y="incidents", color="crime_class", colours=CLASS_COLOURS
    )
    return house_figure(traces, layout)


def seasonal_heatmap(frame: pd.DataFrame) -> go.Figure:
    """Month of year × year: shows summer peaks so they are not read as trends.

    What px.imshow draws (Cividis, counts in the cells), built from dicts: Crime trends
    draws it on every rerun. tests/viz/test_time_series.py checks it against Plotly Express.
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
            "colorscale": CIVIDIS,
            "autocolorscale": False,
        },
        "margin": {"t": 60},
    }
    return house_figure([trace], layout)


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
        labels={**COLUMN_LABELS, "label": "", measure: MEASURES[measure]},
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
        "shapes": [reference_line("x", -0.5)],
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
        labels={**COLUMN_LABELS, "when": ""},
        colours={"This period": OUTREACH_COLOUR, "The year before": BASELINE_COLOUR},
    )
    layout["xaxis"]["tickformat"] = "%b\n%Y"
    return house_figure(traces, layout)
