"""Comparison charts: baselines, changes with intervals, trust, outreach against change."""

import pandas as pd
from figure_specs import house_spec

from nno_dash.core.vocab import COLUMN_LABELS
from nno_dash.viz import comparisons, theme


def test_program_bars_show_labels_not_codes():
    frame = pd.DataFrame(
        {
            "program": ["coffee_with_a_cop", "national_night_out"],
            "events": [5, 9],
            "events_prev": [4, 8],
        }
    )
    fig = comparisons.events_by_program_bar(frame)
    assert set(fig.data[1].y) == {"Coffee with a Cop", "National Night Out"}


def test_trust_scores_on_a_one_to_five_axis():
    frame = pd.DataFrame(
        {"program": ["national_night_out"], "trust_before": [3.1], "trust_after": [3.5]}
    )
    fig = comparisons.trust_scores(frame)
    assert tuple(fig.layout.xaxis.range) == (1, 5)
    none = comparisons.trust_scores(frame.assign(trust_before=None, trust_after=None))
    assert "No survey results" in none.layout.annotations[0].text


def test_change_intervals_put_the_total_on_top_and_the_rest_by_change():
    frame = pd.DataFrame(
        {
            "category": ["robbery", "all", "arson", "burglary"],
            "label": ["Robbery", "All selected offences", "Arson", "Burglary"],
            "change_pct": [-20.0, 5.0, 40.0, 10.0],
            "ci_low_pct": [-30.0, 0.0, -10.0, 0.0],
            "ci_high_pct": [-5.0, 10.0, 150.0, 20.0],
            "too_few": [False, False, True, False],
        }
    )
    order = list(comparisons.change_intervals(frame).layout.yaxis.categoryarray)
    # the y axis runs bottom to top: the total last is the total on top
    assert order == ["Robbery", "Burglary", "Arson", "All selected offences"]


def test_dose_line_draws_what_plotly_express_draws():
    """It stands in for px.scatter (kept here as the reference): the same figure, sizes and
    the zero line included."""
    import plotly.express as px

    points = pd.DataFrame(
        {
            "name": ["North", "South", "East"],
            "event_rate": [0.5, 1.0, 2.0],
            "rate_change": [-1.0, 0.5, 2.0],
            "population": [1200, 5400, 3100],
        }
    )
    line = pd.DataFrame(
        {"event_rate": [0.5, 2.0], "fit": [0.0, 1.0], "ci_low": [-1.0, 0.2], "ci_high": [1.0, 1.8]}
    )
    for fitted in (line, line.iloc[:0]):
        expected = px.scatter(
            points,
            x="event_rate",
            y="rate_change",
            size="population",
            hover_name="name",
            labels={
                **COLUMN_LABELS,
                "rate_change": "Change in incidents per 1,000 vs a year earlier",
            },
            color_discrete_sequence=[theme.INCIDENT_COLOUR],
            size_max=24,
        )
        if not fitted.empty:
            expected.add_scatter(
                x=list(fitted["event_rate"]) + list(fitted["event_rate"][::-1]),
                y=list(fitted["ci_high"]) + list(fitted["ci_low"][::-1]),
                fill="toself",
                fillcolor="rgba(230,159,0,0.2)",
                line={"width": 0},
                name="95% band for the line",
                hoverinfo="skip",
            )
            expected.add_scatter(
                x=fitted["event_rate"],
                y=fitted["fit"],
                mode="lines",
                name="Fitted line",
                line={"color": theme.OUTREACH_COLOUR, "width": 3},
            )
        expected.add_hline(y=0, line_color="#666666", line_dash="dot")
        got = comparisons.dose_line(points, fitted)
        assert house_spec(got) == house_spec(theme.style(expected)), len(fitted)
