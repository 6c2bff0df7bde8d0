"""Areas: the lists the sidebar offers and the boundaries themselves.

DuckDB holds polygons as GeoJSON text (no extension needed); shapely turns them into
geometry here, once per load.
"""

from __future__ import annotations

import geopandas as gpd
import pandas as pd
import shapely

from nno_dash.geo.areas import WGS84
from nno_dash.queries.run import Con, run


def area_options(con: Con, kind: str) -> pd.DataFrame:
    """area_id, name, population of every area of a kind, by name."""
    return run(
        con,
        "select area_id, name, population from areas where kind = $area_kind order by name",
        {"area_kind": kind},
    )


def area_kinds_present(con: Con) -> list[str]:
    return [
        row[0] for row in con.execute("select distinct kind from areas order by kind").fetchall()
    ]


def load_areas(con: Con, kind: str | None = None, *, display: bool = False) -> gpd.GeoDataFrame:
    """Areas (all kinds, or one) as a WGS84 GeoDataFrame; `display` takes the simplified shapes."""
    column = "geometry_display" if display else "geometry"
    frame = con.execute(
        f"""
        select area_id, kind, code, name, population, {column} as geojson
        from areas where $area_kind is null or kind = $area_kind order by area_id
        """,
        {"area_kind": kind},
    ).df()
    geoms = shapely.from_geojson(frame.pop("geojson").to_numpy()) if len(frame) else []
    return gpd.GeoDataFrame(frame, geometry=list(geoms), crs=WGS84)
