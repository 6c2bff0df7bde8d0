"""Export: publishable PNG and SVG images, CSVs and the press-pack ZIP.

Everything goes through nno_dash.publish.privacy: an `Exportable` holds a `privacy.SafeTable`
(only `privacy.protect` makes one), its CSV is that table, and its figure is passed through
`privacy.safe_figure` before it is drawn. A chart cannot reach a file any other way.

Images are drawn server-side by kaleido 1.x in the system Chromium (found on PATH, or via
BROWSER_PATH). One browser serves the whole process: it starts on the first export (about
3–4 s) and every later image takes a fraction of a second. `warm_up()` starts it in the
background when a page expects exports. kaleido (and its browser driver) is imported there
too, not with this module: every page imports this one, and the first page a new server
draws should not wait for it.

`publishable` sets a chart for print or social media at a fixed pixel size: the agency's
colour rule, the title, the filters in words, the legend, the chart, then the source line
with the data date, all placed in pixels so nothing overlaps at any of the three sizes.
"""

from __future__ import annotations

import atexit
import contextlib
import io
import math
import textwrap
import threading
import time
import zipfile
from collections import deque
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import plotly.graph_objects as go

from nno_dash.publish import privacy
from nno_dash.publish.branding import Branding
from nno_dash.viz import theme

# name -> (width, height, what it is for)
SIZES: dict[str, tuple[int, int, str]] = {
    "1200x675": (1200, 675, "Web and social, 16:9"),
    "1080x1080": (1080, 1080, "Square, for social feeds"),
    "1920x1080": (1920, 1080, "Full HD, for print and screens"),
}
DEFAULT_SIZE = "1200x675"
SCALES = (1, 2)
MIME = {"png": "image/png", "svg": "image/svg+xml", "csv": "text/csv", "zip": "application/zip"}
RENDER_TIMEOUT_S = 60
RECENT_RENDERS = 100
MAP_TRACES = {"choroplethmap", "scattermap", "densitymap", "choroplethmapbox", "scattermapbox"}


@dataclass(frozen=True)
class Caption:
    """The words around a published chart."""

    title: str
    subtitle: str  # the filters in words
    source: str  # "Source: ... Data as of ..."
    note: str = ""  # e.g. what was suppressed


@dataclass(frozen=True, eq=False)
class Exportable:
    """A chart ready to publish: figure, its safe numbers and its words.

    `from_table`: the figure was drawn from `table.drawn` (the press templates), so only
    primary small counts need blanking; otherwise values withheld by secondary suppression
    are blanked in the figure as well.
    """

    name: str
    figure: go.Figure
    table: privacy.SafeTable
    caption: Caption
    columns: Mapping[str, str] = field(default_factory=dict)
    from_table: bool = False
    definitions: tuple[str, ...] = ()

    def csv(self) -> bytes:
        return self.table.csv(self.columns)

    def safe_figure(self) -> go.Figure:
        hidden = () if self.from_table else self.table.hidden_values
        fig, _ = privacy.safe_figure(self.figure, self.table.threshold, hidden)
        return fig


# The renderer ----------------------------------------------------------------------------


class Renderer:
    """One kaleido browser for the process, used by one export at a time."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        # (format, seconds) of the latest renders, for the export tests' record
        self.timings: deque[tuple[str, float]] = deque(maxlen=RECENT_RENDERS)
        self._stop_at_exit = False

    def _start(self) -> None:
        import kaleido  # here, not at the top: see the module docstring

        # A no-op when already running; MathJax off: charts use no LaTeX and it is a CDN.
        kaleido.start_sync_server(mathjax=False, timeout=RENDER_TIMEOUT_S, silence_warnings=True)
        if not self._stop_at_exit:
            # Close the browser deliberately at exit rather than leave it to finalizers.
            atexit.register(kaleido.stop_sync_server, silence_warnings=True)
            self._stop_at_exit = True

    def render(self, fig: go.Figure | dict, fmt: str, width: int, height: int, scale: float = 1):
        """PNG or SVG bytes of `fig` at width×height layout pixels times `scale`."""
        if fmt not in ("png", "svg"):
            raise ValueError(f"images are png or svg, not {fmt!r}")
        opts = {"format": fmt, "width": width, "height": height, "scale": scale}
        spec = fig.to_dict() if isinstance(fig, go.Figure) else fig
        with self._lock:
            started = time.perf_counter()
            self._start()
            import kaleido  # imported by _start

            try:
                out = kaleido.calc_fig_sync(spec, opts=opts)
            except Exception:  # noqa: BLE001 - the browser died or hung: one fresh try
                kaleido.stop_sync_server(silence_warnings=True)
                self._start()
                out = kaleido.calc_fig_sync(spec, opts=opts)
            self.timings.append((fmt, time.perf_counter() - started))
        return out.encode("utf-8") if isinstance(out, str) else bytes(out)


RENDERER = Renderer()
_warm = threading.Event()


def warm_up() -> None:
    """Start the browser in the background so the first export a person asks for is quick."""
    if _warm.is_set():
        return
    _warm.set()

    def run() -> None:
        # a failure here is reported by the export that needs the browser
        with contextlib.suppress(Exception):
            RENDERER.render(go.Figure(), "png", 10, 10)

    threading.Thread(target=run, name="kaleido-warm-up", daemon=True).start()


# Layout for publishing ---------------------------------------------------------------------


def _wrap(text: str, width_px: float, font_px: float, factor: float = 0.52) -> list[str]:
    chars = max(12, int(width_px / (factor * font_px)))
    lines: list[str] = []
    for part in text.split("<br>"):
        lines.extend(textwrap.wrap(part, chars) or [""])
    return lines


def _values(trace: dict, axis: str) -> list[Any]:
    values = trace.get(axis)
    if values is None:
        return []
    try:
        return list(values)
    except TypeError:
        return []


def _is_number(v: Any) -> bool:
    return isinstance(v, (int, float)) and not isinstance(v, bool)


def _label_width(fig: dict, axis: str, tick_px: float) -> float:
    """Room the tick labels of an axis letter need, estimated from the drawn values."""
    longest = 0
    for trace in fig.get("data", []):
        values = _values(trace, axis)
        if not values:
            continue
        if all(_is_number(v) or v is None for v in values):
            numbers = [abs(v) for v in values if _is_number(v) and math.isfinite(v)]
            if numbers:
                longest = max(longest, len(f"{max(numbers):,.0f}") + 2)
        else:
            longest = max(longest, max(len(str(v)) for v in values))
    return longest * 0.58 * tick_px


def _has_dates(fig: dict, axis: str) -> bool:
    for trace in fig.get("data", []):
        values = _values(trace, axis)
        if values and not _is_number(values[0]) and str(values[0])[:4].isdigit():
            return True
    return False


def _legend_entries(fig: dict) -> list[str]:
    names, seen = [], set()
    for trace in fig.get("data", []):
        name = trace.get("name")
        if trace.get("showlegend") is False or not name or name in seen:
            continue
        if trace.get("type") in ("heatmap", "pie"):
            continue
        seen.add(name)
        names.append(str(name))
    return names


def publishable(
    fig: go.Figure,
    caption: Caption,
    brand: Branding,
    width: int,
    height: int,
) -> go.Figure:
    """A copy of `fig` laid out for publishing at width×height pixels."""
    spec = fig.to_dict()
    layout = spec.setdefault("layout", {})
    is_map = any(t.get("type") in MAP_TRACES for t in spec.get("data", []))
    s = math.sqrt(width * height) / 900  # 1.0 at 1200×675, 1.2 square, 1.6 full HD
    title_px, sub_px, body_px, small_px = (round(v * s) for v in (30, 17, 15, 13))
    tick_px = round(14 * s)
    pad = round(26 * s)
    rule = max(4, round(7 * s))
    logo = brand.logo_uri()
    logo_w = round(150 * s) if logo else 0

    title_lines = _wrap(caption.title, width - 2 * pad - logo_w, title_px, 0.56)
    sub_lines = _wrap(caption.subtitle, width - 2 * pad - logo_w, sub_px)
    top = rule + pad
    title_top = top
    sub_top = title_top + len(title_lines) * title_px * 1.25 + 6 * s
    header = sub_top + len(sub_lines) * sub_px * 1.4 + 12 * s

    foot_text = caption.source + (f"<br>{caption.note}" if caption.note else "")
    foot_lines = _wrap(foot_text, width - 2 * pad, small_px)
    footer = len(foot_lines) * small_px * 1.4 + pad

    entries = _legend_entries(spec)
    show_legend = layout.get("showlegend", True) is not False and len(entries) > 1
    legend_h = 0.0
    margin_r = pad
    if show_legend and not is_map:
        item_w = [len(n) * 0.56 * body_px + 48 * s for n in entries]
        rows, used = 1, 0.0
        for w in item_w:
            if used + w > width - 2 * pad and used:
                rows, used = rows + 1, 0.0
            used += w
        legend_h = rows * body_px * 1.7 + 6 * s
    map_legend_below = is_map and width / height < 1.4  # square: legend under the map
    map_legend_h = 0.0
    if is_map:
        longest = max([len(n) for n in entries] + [0])
        title_len = len(str(((layout.get("legend") or {}).get("title") or {}).get("text") or ""))
        if map_legend_below:
            per_row = max(1, int((width - 2 * pad) // (longest * 0.6 * body_px + 50 * s)))
            rows = math.ceil(len(entries) / per_row) + 1  # + the legend title
            map_legend_h = rows * body_px * 1.7 + 10 * s
        else:
            margin_r = pad + round(max(longest, min(title_len, 28)) * 0.6 * body_px + 50 * s)

    # axes: room for tick labels and titles, then no automatic margins (so the pixel
    # positions below hold); a cartesian chart always has both axes spelled out
    cartesian = {"bar", "scatter", "scattergl", "heatmap", "histogram", "box", "violin"}
    if any(t.get("type", "scatter") in cartesian for t in spec.get("data", [])):
        layout.setdefault("xaxis", {})
        layout.setdefault("yaxis", {})
    margin_l = pad
    margin_b_axes = 0.0
    for key in list(layout):
        if key.startswith("yaxis") and layout[key].get("visible", True) is not False:
            labels = layout[key].get("showticklabels", True) is not False
            room = (_label_width(spec, "y", tick_px) if labels else 0) + 14 * s
            if (layout[key].get("title") or {}).get("text"):
                room += body_px * 1.8
            margin_l = max(margin_l, pad + round(room))
        if key.startswith("xaxis") and layout[key].get("visible", True) is not False:
            lines = 2 if _has_dates(spec, "x") else 1
            if layout[key].get("showticklabels", True) is False:
                lines = 0
            room = lines * tick_px * 1.35 + 12 * s
            if (layout[key].get("title") or {}).get("text"):
                room += body_px * 1.8
            margin_b_axes = max(margin_b_axes, room)
    if not any(k.startswith(("xaxis", "yaxis")) for k in layout) and not is_map:
        margin_l = pad + round(_label_width(spec, "y", tick_px) + 14 * s)
        margin_b_axes = 2 * tick_px * 1.35 + 12 * s
    subplot_titles = any(
        a.get("yref") == "paper" and (a.get("y") or 0) >= 1 for a in layout.get("annotations", [])
    )
    margin_t = round(header + legend_h + (body_px * 1.9 if subplot_titles else 0))
    margin_b = round(margin_b_axes + footer + map_legend_h)
    plot_w = width - margin_l - margin_r
    plot_h = height - margin_t - margin_b

    def px_x(px: float) -> float:
        return (px - margin_l) / plot_w

    def px_y(px_from_top: float) -> float:
        return (height - margin_b - px_from_top) / plot_h

    if is_map and isinstance(layout.get("map"), dict) and "zoom" in layout["map"]:
        # the map was fitted to another box: fit it to this plot area instead
        fitted = (
            (layout.get("meta") or {}).get("map_fit")
            if isinstance(layout.get("meta"), dict)
            else None
        )
        ref_w, ref_h = fitted or (
            max((layout.get("width") or 900) - 260, 300),
            (layout.get("height") or 560) - 20,
        )
        layout["map"]["zoom"] += math.log2(min(plot_w / ref_w, plot_h / ref_h))
    for key in list(layout):
        if key.startswith(("xaxis", "yaxis")):
            layout[key]["automargin"] = False
            layout[key]["ticklabelstandoff"] = round(6 * s)
            layout[key].setdefault("tickfont", {})["size"] = tick_px
            title = layout[key].get("title")
            if isinstance(title, dict):
                title.setdefault("font", {})["size"] = body_px
                title["standoff"] = round(8 * s)

    annotations = [dict(a) for a in layout.get("annotations", [])]
    for a in annotations:  # subplot titles and messages: same scale as the rest
        a.setdefault("font", {})["size"] = body_px
    text_common = {"xref": "paper", "yref": "paper", "showarrow": False, "xanchor": "left"}
    annotations += [
        {
            **text_common,
            "x": px_x(pad),
            "y": px_y(title_top),
            "yanchor": "top",
            "align": "left",
            "text": "<br>".join(f"<b>{line}</b>" for line in title_lines),
            "font": {"size": title_px, "color": brand.primary_colour, "family": theme.FONT},
        },
        {
            **text_common,
            "x": px_x(pad),
            "y": px_y(sub_top),
            "yanchor": "top",
            "align": "left",
            "text": "<br>".join(sub_lines),
            "font": {"size": sub_px, "color": theme.TEXT_COLOUR, "family": theme.FONT},
        },
        {
            **text_common,
            "x": px_x(pad),
            "y": px_y(height - footer + pad * 0.45),
            "yanchor": "top",
            "align": "left",
            "text": "<br>".join(foot_lines),
            "font": {"size": small_px, "color": "#3e4c59", "family": theme.FONT},
        },
    ]
    shapes = [dict(sh) for sh in layout.get("shapes", [])]
    shapes.append(
        {
            "type": "rect",
            "xref": "paper",
            "yref": "paper",
            "x0": px_x(0),
            "x1": px_x(width),
            "y0": px_y(rule),
            "y1": px_y(0),
            "fillcolor": brand.primary_colour,
            "line": {"width": 0},
            "layer": "above",
        }
    )
    images = [dict(im) for im in layout.get("images", [])]
    if logo:
        logo_h = title_px * 1.25 + sub_px * 1.4
        images.append(
            {
                "source": logo,
                "xref": "paper",
                "yref": "paper",
                "x": px_x(width - pad),
                "y": px_y(top),
                "sizex": logo_w / plot_w,
                "sizey": logo_h / plot_h,
                "xanchor": "right",
                "yanchor": "top",
                "sizing": "contain",
                "layer": "above",
            }
        )
    legend = dict(layout.get("legend") or {})
    legend.update(font={"size": body_px, "family": theme.FONT, "color": theme.TEXT_COLOUR})
    if map_legend_below:
        legend.update(
            xref="container",
            yref="container",
            x=pad / width,
            xanchor="left",
            y=(footer + map_legend_h) / height,
            yanchor="top",
            orientation="h",
            traceorder="normal",  # "grouped" stacks a group's entries even in a row
        )
        if isinstance(legend.get("title"), dict):
            legend["title"] = {**legend["title"], "font": {"size": body_px}, "side": "top"}
    elif is_map:
        legend.update(
            xref="container",
            yref="container",
            x=1 - (margin_r - pad * 0.6) / width,
            xanchor="left",
            y=1 - margin_t / height,
            yanchor="top",
            orientation="v",
        )
        if isinstance(legend.get("title"), dict):
            legend["title"] = {**legend["title"], "font": {"size": body_px}}
        if "legend2" in layout:
            layout["legend2"] = {
                **layout["legend2"],
                "xref": "container",
                "x": legend["x"],
                "font": {"size": body_px},
            }
    else:
        legend.update(
            orientation="h",
            xref="container",
            yref="container",
            x=pad / width,
            xanchor="left",
            y=1 - header / height,
            yanchor="top",
            title=None,
        )
    layout.update(
        width=width,
        height=height,
        autosize=False,
        title=None,
        template=layout.get("template") or "plotly_white",
        paper_bgcolor="#ffffff",
        plot_bgcolor="#ffffff",
        font={"family": theme.FONT, "size": body_px, "color": theme.TEXT_COLOUR},
        margin={"l": margin_l, "r": margin_r, "t": margin_t, "b": margin_b, "pad": 0},
        showlegend=show_legend,
        legend=legend,
        annotations=annotations,
        shapes=shapes,
        images=images,
    )
    return go.Figure(spec)


# Exports ---------------------------------------------------------------------------------


def image(item: Exportable, fmt: str, brand: Branding, size: str = DEFAULT_SIZE, scale: int = 1):
    """The chart as PNG or SVG bytes, through the privacy rules, set for publishing."""
    width, height, _ = SIZES[size]
    fig = publishable(item.safe_figure(), item.caption, brand, width, height)
    return RENDERER.render(fig, fmt, width, height, scale)


def preview(item: Exportable, brand: Branding, size: str, max_width: int) -> go.Figure:
    """The export as a figure for the screen, scaled to `max_width`: the same layout,
    since every position and font in `publishable` is proportional to the size."""
    width, height, _ = SIZES[size]
    k = min(1.0, max_width / width)
    return publishable(item.safe_figure(), item.caption, brand, round(width * k), round(height * k))


def file_name(item: Exportable, fmt: str, size: str = DEFAULT_SIZE, scale: int = 1) -> str:
    if fmt == "csv":
        return f"{item.name}.csv"
    suffix = f"_{size}" + (f"@{scale}x" if scale != 1 and fmt == "png" else "")
    return f"{item.name}{suffix}.{fmt}"


def press_pack(
    items: Sequence[Exportable],
    brand: Branding,
    readme: str,
    *,
    size: str = DEFAULT_SIZE,
    scale: int = 1,
    extra: Mapping[str, str] | None = None,
) -> bytes:
    """A ZIP: every chart as PNG and SVG, its CSV, and the README of definitions."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("README.txt", readme)
        for name, text in (extra or {}).items():
            zf.writestr(name, text)
        for item in items:
            for fmt in ("png", "svg"):
                zf.writestr(file_name(item, fmt, size, scale), image(item, fmt, brand, size, scale))
            zf.writestr(file_name(item, "csv"), item.csv())
    return buffer.getvalue()
