"""The house style: palette, house layout, the no-data figure, labels for codes."""

import pandas as pd
import plotly.graph_objects as go
from figure_specs import house_spec

from nno_dash.viz import theme


def test_the_same_code_gets_the_label_of_its_column():
    frame = pd.DataFrame({"crime_class": ["other"], "program": ["other"]})
    out = theme.labelled(frame, "crime_class", "program")
    assert out.iloc[0].tolist() == ["Other offences", "Other outreach"]


def test_palette_is_the_colour_blind_safe_one():
    assert theme.PALETTE[:3] == ["#0072B2", "#E69F00", "#009E73"]


def test_house_figure_is_the_figure_styled():
    traces = [{"type": "bar", "x": [1, 2], "y": [3, 4], "name": "n"}]
    layout = {"margin": {"t": 60, "pad": 4}, "legend": {"title": {"text": "gone"}}, "height": 300}
    got = theme.house_figure(traces, layout)
    assert house_spec(got) == house_spec(theme.style(go.Figure(data=traces, layout=layout)))
    # the house margins win, the chart's other settings stay
    assert got.layout.margin.t == 30 and got.layout.margin.pad == 4 and got.layout.height == 300
