"""Exports suppress small counts (with secondary suppression) and refuse identifying columns.

The property-based tests generate tables, and whole datasets with filter choices, and check
that nothing that leaves through privacy/export holds a small count, an id, an address or
a coordinate finer than a block. The end-to-end one lives in tests/test_export.py.
"""

import base64
import json
import re
from datetime import date, datetime, timedelta

import duckdb
import geopandas as gpd
import numpy as np
import pandas as pd
import plotly.express as px
import plotly.graph_objects as go
import pytest
import shapely
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st

from nno_dash.core.filters import Filters
from nno_dash.core.vocab import CATEGORIES, PROGRAMS
from nno_dash.geo import areas as geo
from nno_dash.publish import export, press, privacy
from nno_dash.publish.branding import Branding
from nno_dash.queries import crime, geography, outreach, overview
from nno_dash.queries import press as press_queries
from nno_dash.store import db
from nno_dash.viz import comparisons, time_series


def test_small_counts_become_less_than_threshold_and_zero_stays_zero():
    frame = pd.DataFrame({"area": ["a", "b", "c", "d"], "incidents": [0, 1, 2, 3]})
    out = privacy.protect(frame, ["incidents"], threshold=3, secondary=False).published
    assert out["incidents"].tolist() == ["0", "<3", "<3", "3"]
    assert frame["incidents"].tolist() == [0, 1, 2, 3]  # the input is not changed


def test_a_higher_threshold_suppresses_more():
    frame = pd.DataFrame({"incidents": [4, 10]})
    out = privacy.protect(frame, ["incidents"], 5, secondary=False).published
    assert out["incidents"].tolist() == ["<5", "10"]


@pytest.mark.parametrize("column", ["incident_id", "case_number", "lat", "lon", "block_address"])
def test_identifying_columns_are_refused(column):
    with pytest.raises(privacy.PrivacyError, match=column):
        privacy.protect(pd.DataFrame({column: [1], "n": [5]}), ["n"])


# Secondary suppression, derived values, figures --------------------------------------------


def test_a_total_cannot_reveal_a_single_suppressed_cell():
    frame = pd.DataFrame({"program": ["a", "b", "c"], "events": [2, 10, 40]})
    safe = privacy.protect(frame, ["events"])
    assert safe.published["events"].tolist() == ["<3", "withheld", "40"]
    assert safe.primary == 1 and safe.secondary == 1
    assert safe.drawn["events"].isna().tolist() == [True, True, False]
    assert "withheld" in safe.explain()


def test_subtotals_by_each_label_column_are_protected():
    # months × classes: each month's total and each class's total could be published
    frame = pd.DataFrame(
        {
            "month": ["jan", "jan", "feb", "feb"],
            "crime_class": ["violent", "property", "violent", "property"],
            "incidents": [1, 20, 30, 40],
        }
    )
    safe = privacy.protect(frame, ["incidents"])
    hidden = safe.drawn["incidents"].isna()
    for column in ("month", "crime_class"):
        for _, rows in hidden.groupby(frame[column]):
            assert rows.sum() != 1, f"a {column} total would reveal the suppressed cell"


def test_rates_from_a_suppressed_count_are_withheld():
    frame = pd.DataFrame(
        {"name": ["a", "b", "c"], "incidents": [1, 50, 60], "incident_rate": [0.5, 25.0, 30.0]}
    )
    safe = privacy.protect(frame)  # "incidents" is a count by name: no need to say so
    assert safe.published["incident_rate"].iloc[0] == "withheld"
    assert pd.isna(safe.drawn["incident_rate"].iloc[0])


@pytest.mark.parametrize(
    "column", ["Case Number", "centroid_lat", "incidentID", "Latitude", "street_address"]
)
def test_identifying_columns_are_refused_under_other_spellings(column):
    with pytest.raises(privacy.PrivacyError):
        privacy.protect(pd.DataFrame({column: [1], "incidents": [5]}))


def test_the_threshold_cannot_be_lowered():
    with pytest.raises(privacy.PrivacyError, match="never lowered"):
        privacy.protect(pd.DataFrame({"incidents": [5]}), threshold=2)


def test_a_figure_never_draws_a_small_count_or_a_precise_point():
    fig = go.Figure()
    fig.add_bar(x=["a", "b", "c"], y=[1, 7, 40], text=["1", "7", "40"])
    fig.add_scatter(x=["jan", "feb"], y=[2, 9])
    fig.add_scattermap(lat=[39.1234567], lon=[-94.7654321], customdata=[["case 17-0001"]])
    safe, blanked = privacy.safe_figure(fig, 3, hidden_values=[7])
    data = safe.to_dict()["data"]
    assert list(data[0]["y"]) == [None, None, 40] and "text" not in data[0]
    assert list(data[1]["y"]) == [None, 9]
    assert list(data[2]["lat"]) == [39.123] and "customdata" not in data[2]
    assert blanked == 3


def test_small_counts_in_typed_arrays_are_blanked_too():
    # plotly sends numpy data as base64 typed arrays: a line chart and a heatmap from frames
    frame = pd.DataFrame({"month": ["jan", "feb", "mar"], "incidents": np.array([1, 5, 9])})
    line, n_line = privacy.safe_figure(px.line(frame, x="month", y="incidents"), 3)
    heat, n_heat = privacy.safe_figure(go.Figure(go.Heatmap(z=np.array([[1, 2], [5, 6]]))), 3)
    gaps = [
        None if pd.isna(v) else v for v in as_values(json.loads(line.to_json())["data"][0]["y"])
    ]
    cells = [
        None if pd.isna(v) else v for v in as_values(json.loads(heat.to_json())["data"][0]["z"])
    ]
    assert gaps == [None, 5, 9] and cells == [None, None, 5, 6]
    assert (n_line, n_heat) == (1, 2)


def test_density_layers_are_refused():
    fig = go.Figure(go.Densitymap(lat=[39.1], lon=[-94.8]))
    with pytest.raises(privacy.PrivacyError, match="density"):
        privacy.safe_figure(fig, 3)


# Property-based: whatever the data and the filters, nothing unsafe leaves -----------------

COUNT_TEXT = re.compile(r"^\d+$")


@st.composite
def count_tables(draw):
    n = draw(st.integers(1, 12))
    labels = draw(st.lists(st.sampled_from("abcd"), min_size=n, max_size=n))
    frame = pd.DataFrame(
        {
            "label": labels,
            "incidents": draw(st.lists(st.integers(0, 30), min_size=n, max_size=n)),
            "events": draw(st.lists(st.integers(0, 8), min_size=n, max_size=n)),
        }
    )
    if draw(st.booleans()):
        frame[draw(st.sampled_from(sorted(privacy.FORBIDDEN_COLUMNS)))] = 1
    return frame


@settings(max_examples=200, deadline=None)
@given(frame=count_tables(), threshold=st.integers(3, 10))
def test_property_no_small_count_and_no_lone_suppressed_cell(frame, threshold):
    has_forbidden = bool(privacy.forbidden_columns(frame.columns))
    if has_forbidden:
        with pytest.raises(privacy.PrivacyError):
            privacy.protect(frame, threshold=threshold)
        return
    safe = privacy.protect(frame, threshold=threshold)
    for column in ("incidents", "events"):
        published = safe.published[column].astype(str)
        for value in published:
            if COUNT_TEXT.match(value):
                assert int(value) == 0 or int(value) >= threshold
            else:
                assert value in (f"<{threshold}", privacy.WITHHELD)
        hidden = safe.drawn[column].isna()
        for key in (None, "label"):
            groups = [hidden] if key is None else [g for _, g in hidden.groupby(frame[key])]
            for rows in groups:
                others = frame.loc[rows.index, column][~rows]
                # one hidden cell in a total is only allowed when every other cell is 0
                assert rows.sum() != 1 or (others == 0).all()


# End to end: generated datasets and filter choices through every press template and the
# page charts' export path. What leaves: each CSV, and each figure as laid out for
# publishing (the image is drawn from exactly that figure).

BASE_DAY = date(2024, 1, 1)
CATEGORY_CODES = sorted(CATEGORIES)


@st.composite
def datasets(draw):
    n_areas = draw(st.integers(1, 4))
    incidents = draw(
        st.lists(
            st.tuples(
                st.integers(0, n_areas - 1),  # area
                st.integers(0, 900),  # day
                st.sampled_from(CATEGORY_CODES),
                st.booleans(),  # sensitive
                st.integers(100, 9_899),  # position inside the area, 1e-6 degrees
                st.integers(100, 9_899),
            ),
            max_size=60,
        )
    )
    events = draw(
        st.lists(
            st.tuples(
                st.integers(0, n_areas - 1),
                st.integers(0, 900),
                st.sampled_from(sorted(PROGRAMS)),
                st.integers(0, 40),
            ),
            max_size=25,
        )
    )
    populations = draw(
        st.lists(st.one_of(st.none(), st.integers(0, 5000)), min_size=n_areas, max_size=n_areas)
    )
    start = draw(st.integers(0, 800))
    length = draw(st.integers(0, 400))
    areas = draw(st.lists(st.integers(0, n_areas - 1), max_size=2, unique=True))
    categories = draw(st.lists(st.sampled_from(CATEGORY_CODES), max_size=3, unique=True))
    programs = draw(st.lists(st.sampled_from(sorted(PROGRAMS)), max_size=2, unique=True))
    filters = Filters(
        BASE_DAY + timedelta(days=start),
        BASE_DAY + timedelta(days=min(start + length, 900)),
        area_ids=tuple(f"neighbourhood:{a}" for a in areas),
        categories=tuple(categories),
        programs=tuple(programs),
    )
    return n_areas, populations, incidents, events, filters


def build_database(n_areas, populations, incidents, events):
    con = duckdb.connect()
    db.ensure_schema(con)
    squares = [shapely.box(-95 + 0.01 * i, 39, -95 + 0.01 * (i + 1), 39.01) for i in range(n_areas)]
    gdf = gpd.GeoDataFrame(
        {
            "area_id": [f"neighbourhood:{i}" for i in range(n_areas)],
            "kind": "neighbourhood",
            "code": [str(i) for i in range(n_areas)],
            "name": [f"Area {i}" for i in range(n_areas)],
            "population": pd.array(populations, dtype="Int64"),
        },
        geometry=squares,
        crs=geo.WGS84,
    )
    rows = geo.area_rows(gdf)  # noqa: F841 - scanned by DuckDB below
    con.execute("insert into areas by name select * from rows")
    secrets = []
    for k, (area, day, category, sensitive, dx, dy) in enumerate(incidents):
        lat, lon = 39 + dy * 1e-6, -95 + 0.01 * area + dx * 1e-6
        when = datetime.combine(BASE_DAY + timedelta(days=day), datetime.min.time())
        row = {
            "incident_id": f"INC-{k:05d}-X",
            "case_number": f"CN{k:05d}Q",
            "occurred_at": when,
            "occurred_on": when.date(),
            "category": category,
            "sensitive": sensitive,
            "block_address": f"{k:03d}XX SECRET ST",
            "lat": lat,
            "lon": lon,
            "neighbourhood_id": f"neighbourhood:{area}",
        }
        con.execute(
            "insert into incidents (incident_id, case_number, occurred_at, occurred_on, category,"
            " sensitive, block_address, lat, lon, neighbourhood_id) values ($incident_id,"
            " $case_number, $occurred_at, $occurred_on, $category, $sensitive, $block_address,"
            " $lat, $lon, $neighbourhood_id)",
            row,
        )
        secrets += [row["incident_id"], row["case_number"], row["block_address"]]
        secrets += [f"{lat:.6f}", f"{lon:.6f}", f"{lat:.5f}", f"{lon:.5f}"]
    for k, (area, day, program, headcount) in enumerate(events):
        when = datetime.combine(BASE_DAY + timedelta(days=day), datetime.min.time())
        con.execute(
            "insert into events (event_id, title, program, starts_at, neighbourhood_id)"
            " values ($id, $title, $program, $when, $area)",
            {
                "id": f"e{k}",
                "title": f"Event {k}",
                "program": program,
                "when": when,
                "area": f"neighbourhood:{area}",
            },
        )
        con.execute(
            "insert into attendance (event_id, headcount) values ($id, $n)",
            {"id": f"e{k}", "n": headcount},
        )
    db.refresh_aggregates(con)
    db.refresh_event_facts(con)
    return con, secrets


def every_export(con, filters, threshold):
    """What the Press kit and a page's download control would publish for these filters."""
    options = geography.area_options(con, "neighbourhood")
    names = dict(zip(options["area_id"], options["name"], strict=True))
    ctx = press.Context("en", threshold, Branding(), "2026-06-30", names, (1200, 675))
    ytd = press.year_to_date(filters)
    areas = geography.load_areas(con, "neighbourhood", display=True)
    items = [
        press.nno_summary(press_queries.nno_by_year(con, filters), filters, ctx),
        press.outreach_by_program(outreach.events_by_program(con, ytd), ytd, ctx),
        press.crime_trend(press_queries.monthly_incidents(con, filters), filters, ctx),
        press.district_map(overview.area_summary(con, filters), areas, filters, ctx),
    ]
    caption = export.Caption("t", "s", "src")
    series = crime.incident_series(con, filters, "month")
    by_category = crime.incidents_by_category(con, filters)
    by_program = outreach.events_by_program(con, filters)
    seasonal = crime.seasonal_profile(con, filters)
    for fig, frame, counts in (
        (time_series.incident_trend(series), series, ("incidents",)),
        (
            comparisons.category_comparison(by_category),
            by_category,
            ("incidents", "incidents_prev"),
        ),
        (comparisons.events_by_program_bar(by_program), by_program, ("events", "events_prev")),
        (time_series.seasonal_heatmap(seasonal), seasonal, ("incidents",)),
    ):
        safe = privacy.protect(frame, counts, threshold)
        items.append(export.Exportable("page_chart", fig, safe, caption))
    return items


def as_values(values) -> list:
    """A plotly array as plain Python numbers: lists, numpy, or typed {"dtype", "bdata"}."""
    if isinstance(values, dict) and "bdata" in values:
        raw = np.frombuffer(base64.b64decode(values["bdata"]), dtype=values["dtype"])
        return raw.tolist()
    return pd.Series(list(np.asarray(values, dtype=object).ravel())).explode().tolist()


def drawn_values(fig: dict):
    """Every value a published figure draws as a bar, a line point or a cell."""
    for trace in fig["data"]:
        kind = trace.get("type", "scatter")
        attrs = {"bar": ["x", "y"], "scatter": ["y"], "heatmap": ["z"]}.get(kind, [])
        for attr in attrs:
            values = trace.get(attr)
            if values is None:
                continue
            for v in as_values(values):
                if isinstance(v, (int, float)) and not isinstance(v, bool):
                    yield v


@settings(
    max_examples=25,
    deadline=None,
    # no shrinking: a database per example makes it take minutes; the failing example
    # is printed as drawn, which is small enough to read
    phases=[Phase.explicit, Phase.reuse, Phase.generate],
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
@given(data=datasets(), threshold=st.sampled_from([3, 4, 5]))
def test_property_no_export_leaks_a_small_count_an_id_or_a_location(data, threshold):
    n_areas, populations, incidents, events, filters = data
    con, secrets = build_database(n_areas, populations, incidents, events)
    try:
        items = every_export(con, filters, threshold)
    finally:
        con.close()
    for item in items:
        table = item.table
        # the CSV is the published table, and its counts are 0, >= threshold, or hidden
        csv = item.csv().decode("utf-8")
        assert csv == table.published.rename(columns=dict(item.columns)).to_csv(index=False)
        assert not privacy.forbidden_columns(table.published.columns)
        for column in table.count_columns:
            for value in map(str, table.published[column]):
                if value.isdigit():
                    assert int(value) == 0 or int(value) >= threshold, (item.name, column)
                else:
                    assert value in (f"<{threshold}", privacy.WITHHELD, "<NA>", "nan")
        # the figure as published draws no small count
        published = export.publishable(item.safe_figure(), item.caption, Branding(), 1200, 675)
        spec = json.loads(published.to_json())  # what the renderer is sent
        for value in drawn_values(spec):
            # integers are counts; whole floats are counts in the press charts (page charts
            # also draw rates, which may happen to be whole)
            if isinstance(value, int) or (item.from_table and float(value).is_integer()):
                assert not 0 < value < threshold, (item.name, value)
        # and nothing anywhere in it names or locates an incident
        text = csv + published.to_json()
        for secret in secrets:
            assert secret not in text, (item.name, secret)
