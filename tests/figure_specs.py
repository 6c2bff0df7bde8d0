"""Figures as the browser receives them, for comparing a chart with Plotly Express's."""

import json


def spec(fig) -> str:
    """The figure as the browser receives it (Plotly's JSON), template aside."""
    out = json.loads(fig.to_json())
    out["layout"].pop("template", None)
    return json.dumps(out, sort_keys=True)


def house_spec(fig) -> str:
    """spec, less the empty legend title object style() leaves and house_figure does not."""
    out = json.loads(spec(fig))
    if out["layout"].get("legend", {}).get("title") == {}:
        del out["layout"]["legend"]["title"]
    return json.dumps(out, sort_keys=True)
