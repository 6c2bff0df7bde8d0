"""Charts are pure functions: frame in, figure out, in the house style, never raw codes."""

import pandas as pd
import plotly.graph_objects as go

from nno_dash.viz import charts

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
    fig = charts.incidents_and_outreach_by_month(incidents, events)
    names = [t.name for t in fig.data]
    assert names == ["Violent (Part I)", "Property (Part I)", "Outreach events"]
    assert list(fig.data[2].y) == [3, 4]
    assert fig.layout.barmode == "stack"


def test_empty_inputs_give_the_no_data_figure():
    empty = pd.DataFrame(columns=["period", "crime_class", "incidents"])
    fig = charts.incidents_and_outreach_by_month(empty, pd.DataFrame(columns=["month", "events"]))
    assert fig.layout.annotations[0].text == "No data for these filters"
    assert charts.incident_trend(empty).layout.annotations[0].text == "No data for these filters"


def test_program_bars_show_labels_not_codes():
    frame = pd.DataFrame(
        {
            "program": ["coffee_with_a_cop", "national_night_out"],
            "events": [5, 9],
            "events_prev": [4, 8],
        }
    )
    fig = charts.events_by_program_bar(frame)
    assert set(fig.data[1].y) == {"Coffee with a Cop", "National Night Out"}


def test_title_subtitle_and_source_for_exports():
    fig = charts.titled(charts.empty_figure(), "A title", "a subtitle", "Source: X; as of Y")
    assert "A title" in fig.layout.title.text
    assert fig.layout.title.subtitle.text == "a subtitle<br>Source: X; as of Y"


def test_the_same_code_gets_the_label_of_its_column():
    frame = pd.DataFrame({"crime_class": ["other"], "program": ["other"]})
    out = charts.labelled(frame, "crime_class", "program")
    assert out.iloc[0].tolist() == ["Other offences", "Other outreach"]


def test_seasonal_heatmap_has_twelve_months():
    frame = pd.DataFrame(
        {"year": [2025, 2025, 2026], "month_of_year": [1, 7, 1], "incidents": [5, 9, 6]}
    )
    fig = charts.seasonal_heatmap(frame)
    assert len(fig.data[0].x) == 12 and list(fig.data[0].y) == ["2025", "2026"]


def test_trust_scores_on_a_one_to_five_axis():
    frame = pd.DataFrame(
        {"program": ["national_night_out"], "trust_before": [3.1], "trust_after": [3.5]}
    )
    fig = charts.trust_scores(frame)
    assert tuple(fig.layout.xaxis.range) == (1, 5)
    none = charts.trust_scores(frame.assign(trust_before=None, trust_after=None))
    assert "No survey results" in none.layout.annotations[0].text


def test_palette_is_the_colour_blind_safe_one():
    assert charts.PALETTE[:3] == ["#0072B2", "#E69F00", "#009E73"]


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
    order = list(charts.change_intervals(frame).layout.yaxis.categoryarray)
    # the y axis runs bottom to top: the total last is the total on top
    assert order == ["Robbery", "Burglary", "Arson", "All selected offences"]


def _spec(fig) -> str:
    """The figure as the browser receives it (Plotly's JSON), template aside."""
    import json

    spec = json.loads(fig.to_json())
    spec["layout"].pop("template", None)
    return json.dumps(spec, sort_keys=True)


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
    labels = {**charts.LABELS, "group": ""}
    common = {"x": "month", "y": "events", "color": "group", "labels": labels}
    for kind, draw in (("bar", px.bar), ("line", lambda *a, **k: px.line(*a, **k, markers=True))):
        for sequence in (None, charts.PALETTE):
            extra = {"color_discrete_sequence": sequence} if sequence else {}
            expected = draw(frame, **common, color_discrete_map=charts.CLASS_COLOURS, **extra)
            got = go.Figure(
                *charts.by_colour(
                    kind, frame, **common, colours=charts.CLASS_COLOURS, sequence=sequence
                )
            )
            assert _spec(got) == _spec(expected), (kind, sequence)
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
    expected = px.line(weeks, **common, markers=True, color_discrete_map=charts.CLASS_COLOURS)
    got = go.Figure(*charts.by_colour("line", weeks, **common, colours=charts.CLASS_COLOURS))
    assert {t.type for t in got.data} == {"scattergl"}
    assert _spec(got) == _spec(expected)


def _house_spec(fig) -> str:
    """_spec, less the empty legend title object style() leaves and house_figure does not."""
    import json

    spec = json.loads(_spec(fig))
    if spec["layout"].get("legend", {}).get("title") == {}:
        del spec["layout"]["legend"]["title"]
    return json.dumps(spec, sort_keys=True)


def test_house_figure_is_the_figure_styled():
    traces = [{"type": "bar", "x": [1, 2], "y": [3, 4], "name": "n"}]
    layout = {"margin": {"t": 60, "pad": 4}, "legend": {"title": {"text": "gone"}}, "height": 300}
    got = charts.house_figure(traces, layout)
    assert _house_spec(got) == _house_spec(charts.style(go.Figure(data=traces, layout=layout)))
    # the house margins win, the chart's other settings stay
    assert got.layout.margin.t == 30 and got.layout.margin.pad == 4 and got.layout.height == 300


def test_seasonal_heatmap_and_dose_line_draw_what_plotly_express_draws():
    """Both stand in for Plotly Express calls (kept here as the reference): the same
    figure, gaps, sizes and the zero line included."""
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
        x=charts.MONTHS,
        y=[str(y) for y in grid.index],
        color_continuous_scale="Cividis",
        labels={"x": "Month", "y": "Year", "color": "Incidents"},
        aspect="auto",
        text_auto=",d",
    )
    assert _house_spec(charts.seasonal_heatmap(frame)) == _house_spec(charts.style(expected))

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
                **charts.LABELS,
                "rate_change": "Change in incidents per 1,000 vs a year earlier",
            },
            color_discrete_sequence=[charts.INCIDENT_COLOUR],
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
                line={"color": charts.OUTREACH_COLOUR, "width": 3},
            )
        expected.add_hline(y=0, line_color="#666666", line_dash="dot")
        got = charts.dose_line(points, fitted)
        assert _house_spec(got) == _house_spec(charts.style(expected)), len(fitted)
