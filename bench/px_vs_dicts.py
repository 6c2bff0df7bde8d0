"""Plotly Express against the charts built from dicts (time_series.by_colour), on one frame.

    python bench/px_vs_dicts.py [--repeats 20]

Builds the monthly outreach (bars by program), attendance (this period against the year
before) and incident trend (lines by offence class) figures both ways from a realistic
frame (two years of months, eight programs, three offence classes), checks the figures'
JSON is the same (template aside, and the empty legend title object that theme.style
leaves), and prints the median time of each way. The numbers depend on the machine.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import plotly.express as px
import plotly.graph_objects as go

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from timing import median_ms  # noqa: E402  (beside this script)

from nno_dash.core.vocab import COLUMN_LABELS, CRIME_CLASSES, PROGRAMS  # noqa: E402
from nno_dash.viz import theme, time_series  # noqa: E402

MONTHS = pd.date_range("2024-11-01", periods=24, freq="MS").date


def frames() -> dict[str, pd.DataFrame]:
    rng = np.random.default_rng(7)
    outreach = pd.DataFrame(
        [(m, p, int(rng.poisson(6))) for m in MONTHS for p in PROGRAMS],
        columns=["month", "program", "events"],
    )
    attendance = pd.DataFrame(
        {
            "month": list(MONTHS),
            "attendance": rng.poisson(400, len(MONTHS)),
            "this_period": [i >= 12 for i in range(len(MONTHS))],
        }
    )
    trend = pd.DataFrame(
        [(m, c, int(rng.poisson(300))) for m in MONTHS for c in CRIME_CLASSES],
        columns=["period", "crime_class", "incidents"],
    )
    return {"outreach": outreach, "attendance": attendance, "trend": trend}


def px_monthly_outreach(frame: pd.DataFrame) -> go.Figure:
    data = theme.labelled(frame, "program")
    fig = px.bar(
        data,
        x="month",
        y="events",
        color="program",
        labels=COLUMN_LABELS,
        color_discrete_map=theme.PROGRAM_COLOURS,
    )
    fig.update_xaxes(tickformat="%b\n%Y")
    return theme.style(fig)


def px_attendance_trend(frame: pd.DataFrame) -> go.Figure:
    data = frame.assign(
        when=["This period" if v else "The year before" for v in frame["this_period"]]
    )
    fig = px.bar(
        data,
        x="month",
        y="attendance",
        color="when",
        labels={**COLUMN_LABELS, "when": ""},
        color_discrete_map={
            "This period": theme.OUTREACH_COLOUR,
            "The year before": theme.BASELINE_COLOUR,
        },
    )
    fig.update_xaxes(tickformat="%b\n%Y")
    return theme.style(fig)


def px_incident_trend(frame: pd.DataFrame) -> go.Figure:
    data = theme.labelled(frame, "crime_class")
    fig = px.line(
        data,
        x="period",
        y="incidents",
        color="crime_class",
        labels=COLUMN_LABELS,
        markers=True,
        color_discrete_map=theme.CLASS_COLOURS,
    )
    return theme.style(fig)


def spec(fig: go.Figure) -> str:
    out = json.loads(fig.to_json())
    out["layout"].pop("template", None)
    if out["layout"].get("legend", {}).get("title") == {}:
        del out["layout"]["legend"]["title"]
    return json.dumps(out, sort_keys=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=20)
    args = parser.parse_args()
    data = frames()
    pairs = {
        "monthly_outreach": (data["outreach"], px_monthly_outreach, time_series.monthly_outreach),
        "attendance_trend": (data["attendance"], px_attendance_trend, time_series.attendance_trend),
        "incident_trend": (data["trend"], px_incident_trend, time_series.incident_trend),
    }
    all_same = True
    for name, (frame, by_px, by_dicts) in pairs.items():
        same = spec(by_px(frame)) == spec(by_dicts(frame))
        all_same &= same
        px_ms = median_ms(lambda f=frame, draw=by_px: draw(f), args.repeats)
        dict_ms = median_ms(lambda f=frame, draw=by_dicts: draw(f), args.repeats)
        print(
            f"{name:18} same JSON: {same}  Plotly Express {px_ms:6.1f} ms  "
            f"dicts {dict_ms:5.1f} ms  ({px_ms / dict_ms:.1f}x)"
        )
    sys.exit(0 if all_same else 1)  # figures that differ from Plotly Express fail the run


if __name__ == "__main__":
    main()
