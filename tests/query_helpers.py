"""Counts straight from the raw tables, to check the queries' pre-aggregated answers."""

from __future__ import annotations

from nno_dash.core.filters import Filters


def raw_count(con, f: Filters, where: str = "true", params: dict | None = None) -> int:
    """Count incidents straight from the incident table (not the pre-aggregate)."""
    column = {
        "neighbourhood": "neighbourhood_id",
        "beat": "beat_id",
        "district": "district_id",
        "council_district": "council_district_id",
    }[f.area_kind]
    sql = f"""
        select count(*) from incidents
        where occurred_on between $start and $end
          and (len($areas::varchar[]) = 0 or list_contains($areas::varchar[], {column}))
          and (len($categories::varchar[]) = 0 or list_contains($categories::varchar[], category))
          and {where}
    """
    p = {
        "start": f.start,
        "end": f.end,
        "areas": list(f.area_ids),
        "categories": list(f.categories),
        **(params or {}),
    }
    return con.execute(sql, p).fetchone()[0]
