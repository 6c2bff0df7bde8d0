"""What is loaded and how it got there: the dataset's extent, table sizes, the import log and
its rejects (the Data page and the CLI)."""

from __future__ import annotations

import json
from datetime import date

import pandas as pd

from nno_dash.queries.run import Con, run


def dataset_info(con: Con) -> dict[str, object]:
    """What is loaded: label, agency, data-as-of date, extent of incidents and events."""
    first, last, ev_first, ev_last, meta = con.execute(
        """
        select
            (select min(occurred_on) from incident_daily),
            (select max(occurred_on) from incident_daily),
            (select min(starts_at)::date from events),
            (select max(starts_at)::date from events),
            (select map(list(key), list(value)) from meta)
        """
    ).fetchone()
    meta = meta or {}
    demo_params = meta.get("demo_params")
    return {
        "dataset": meta.get("dataset", "agency"),
        "label": meta.get("dataset_label", ""),
        "agency": meta.get("agency_name", ""),
        "data_as_of": meta.get("data_as_of", ""),
        "data_version": meta.get("data_version", ""),
        "first_day": first or ev_first,
        "last_day": last or ev_last,
        "first_event_day": ev_first,
        "last_event_day": ev_last,
        "demo_params": json.loads(demo_params) if demo_params else None,
    }


def table_counts(con: Con) -> pd.DataFrame:
    """table, rows: what the database holds."""
    tables = ["areas", "events", "attendance", "incidents", "import_log", "rejects"]
    rows = [
        (t, con.execute(f"select count(*) from {t}").fetchone()[0])  # t from the fixed list
        for t in tables
    ]
    return pd.DataFrame(rows, columns=["table", "rows"])


def areas_by_kind(con: Con) -> pd.DataFrame:
    """kind, areas, with_population, residents."""
    return run(
        con,
        """select kind, count(*) as areas, count(population) as with_population,
               sum(population)::bigint as residents
           from areas group by kind order by kind""",
        {},
    )


def import_log(con: Con, limit: int = 200) -> pd.DataFrame:
    """The latest imports, newest first."""
    return run(
        con,
        """select import_id, imported_at, kind, source_file, rows_read, rows_loaded,
               rows_updated, rows_rejected, notes
           from import_log order by import_id desc limit $limit""",
        {"limit": limit},
    )


def latest_day(con: Con) -> date | None:
    return con.execute("select max(occurred_on) from incident_daily").fetchone()[0]


def recent_rejects(con: Con, limit: int = 500) -> pd.DataFrame:
    """Rejected and warned rows of the latest imports, newest import first, by row.

    Holds the raw source records: for the signed-in administrator only.
    """
    return run(
        con,
        """select import_id, source_file as file, row_number as row, column_name as column,
                  reason, raw
           from rejects order by import_id desc, row_number, reason limit $limit""",
        {"limit": limit},
    )
