"""Time-series charts: frame in, figure out, in the house style, never raw codes; the ones
built from dicts draw what Plotly Express draws."""

from datetime import date

import pandas as pd
import plotly.graph_objects as go
from figure_specs import house_spec, spec

from nno_dash.core import vocab
from nno_dash.core.vocab import COLUMN_LABELS
from nno_dash.viz import theme, time_series

MONTHS = pd.to_datetime(["2026-01-01", "2026-02-01"]).date


def test_monthly_chart_stacks_classes_with_labels_and_has_outreach_row():
    incidents = pd.DataFrame(
        {
            "period": [*MONTHS, *MONTHS],
            "crime_class": ["violent", "violent", "property", "property"],
            "incidents": [10, 12, 30, 28],
        }
    )
    events = pd.DataFrame(
        {"month": MONTHS, "program": ["national_night_out"] * 2, "events": [3, 4]}
    )
    fig = time_series.incidents_and_outreach_by_month(incidents, events)
    names = [t.name for t in fig.data]
    assert names == ["Violent (Part I)", "Property (Part I)", "Outreach events"]
    assert list(fig.data[2].y) == [3, 4]
    assert fig.layout.barmode == "stack"


def test_one_month_without_events_keeps_month_axes_and_says_why_outreach_is_empty():
    incidents = pd.DataFrame(
        {"period": [date(2016, 1, 1)], "crime_class": ["violent"], "incidents": [230]}
    )
    fig = time_series.incidents_and_outreach_by_month(
        incidents, pd.DataFrame({"month": [], "events": []})
    )
    assert fig.layout.xaxis.type == "date" and fig.layout.xaxis2.type == "date"
    notes = [a.text for a in fig.layout.annotations]
    assert "No outreach events on record in this period" in notes
    with_events = time_series.incidents_and_outreach_by_month(
        incidents, pd.DataFrame({"month": [date(2016, 1, 1)], "events": [2]})
    )
    assert "No outreach events on record in this period" not in [
        a.text for a in with_events.layout.annotations
    ]


def test_empty_inputs_give_the_no_data_figure():
    empty = pd.DataFrame(columns=["period", "crime_class", "incidents"])
    fig = time_series.incidents_and_outreach_by_month(
        empty, pd.DataFrame(columns=["month", "events"])
    )
    assert fig.layout.annotations[0].text == "No data for these filters"
    assert (
        time_series.incident_trend(empty).layout.annotations[0].text == "No data for these filters"
    )


def test_seasonal_heatmap_has_twelve_months():
    frame = pd.DataFrame(
        {"year": [2025, 2025, 2026], "month_of_year": [1, 7, 1], "incidents": [5, 9, 6]}
    )
    fig = time_series.seasonal_heatmap(frame)
    assert len(fig.data[0].x) == 12 and list(fig.data[0].y) == ["2025", "2026"]


def test_by_colour_draws_what_plotly_express_draws():
    """by_colour stands in for px.bar and px.line(markers=True) on the pages that rerun
    often; it must give Plotly Express's figure, colours of unmapped values included."""
    import plotly.express as px

    frame = pd.DataFrame(
        {
            "month": pd.to_datetime(["2026-01-01", "2026-02-01"] * 3 + ["2026-03-01"]),
            "events": [3, 4, 5, 6, 7, 8, 9],
            "group": ["Violent (Part I)", "Violent (Part I)", "Zed", "Zed", "Yak", "Yak", "Zed"],
        }
    )
    labels = {**COLUMN_LABELS, "group": ""}
    common = {"x": "month", "y": "events", "color": "group", "labels": labels}
    for kind, draw in (("bar", px.bar), ("line", lambda *a, **k: px.line(*a, **k, markers=True))):
        for sequence in (None, theme.PALETTE):
            extra = {"color_discrete_sequence": sequence} if sequence else {}
            expected = draw(frame, **common, color_discrete_map=theme.CLASS_COLOURS, **extra)
            got = go.Figure(
                *time_series.by_colour(
                    kind, frame, **common, colours=theme.CLASS_COLOURS, sequence=sequence
                )
            )
            assert spec(got) == spec(expected), (kind, sequence)
    # and the names, colours and order the pages rely on
    assert [t.name for t in got.data] == ["Violent (Part I)", "Zed", "Yak"]
    assert [t.line.color for t in got.data] == ["#D55E00", "#CC79A7", "#56B4E9"]
    # past 1,000 rows Plotly Express draws lines with WebGL
    weeks = pd.DataFrame(
        {
            "period": pd.date_range("2000-01-03", periods=1001, freq="W-MON"),
            "incidents": range(1001),
            "group": ["Zed", "Yak"] * 500 + ["Zed"],
        }
    )
    common |= {"x": "period", "y": "incidents"}
    expected = px.line(weeks, **common, markers=True, color_discrete_map=theme.CLASS_COLOURS)
    got = go.Figure(*time_series.by_colour("line", weeks, **common, colours=theme.CLASS_COLOURS))
    assert {t.type for t in got.data} == {"scattergl"}
    assert spec(got) == spec(expected)


def test_seasonal_heatmap_draws_what_plotly_express_draws():
    """It stands in for px.imshow (kept here as the reference): the same figure, gaps
    included."""
    import plotly.express as px

    frame = pd.DataFrame(
        {
            "year": [2024, 2025, 2025, 2026],
            "month_of_year": [12, 1, 7, 1],
            "incidents": [4, 5, 9, 6],
        }
    )
    grid = frame.pivot_table(
        index="year", columns="month_of_year", values="incidents", aggfunc="sum"
    ).reindex(columns=range(1, 13))
    expected = px.imshow(
        grid.to_numpy(),
        x=vocab.MONTHS,
        y=[str(y) for y in grid.index],
        color_continuous_scale="Cividis",
        labels={"x": "Month", "y": "Year", "color": "Incidents"},
        aspect="auto",
        text_auto=",d",
    )
    assert house_spec(time_series.seasonal_heatmap(frame)) == house_spec(theme.style(expected))
