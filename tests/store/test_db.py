"""The database file: schema, read-only viewing, atomic writes and migration of old files."""

import shutil
import threading
from pathlib import Path

import duckdb
import pytest

from nno_dash.store import db

DATA = Path(__file__).resolve().parents[1] / "data"


def test_fresh_file_has_every_table_and_the_current_version(tmp_path):
    path = tmp_path / "fresh.duckdb"
    with db.write_session(path, fresh=True) as con:
        db.bump_data_version(con)
    con = db.open_readonly(path)
    tables = {
        r[0] for r in con.execute("select table_name from information_schema.tables").fetchall()
    }
    assert {
        "areas",
        "events",
        "attendance",
        "incidents",
        "incident_daily",
        "import_log",
        "rejects",
        "meta",
        "offence_categories",
    } <= tables
    assert db.schema_version(con) == db.SCHEMA_VERSION
    assert db.get_meta(con, "data_version")


def test_viewing_connection_cannot_write(tmp_path):
    path = tmp_path / "ro.duckdb"
    with db.write_session(path, fresh=True):
        pass
    con = db.open_readonly(path)
    with pytest.raises(duckdb.Error):
        con.execute("insert into meta values ('x', 'y')")


def test_failed_write_leaves_the_live_file_untouched(tmp_path):
    path = tmp_path / "live.duckdb"
    with db.write_session(path, fresh=True) as con:
        db.set_meta(con, "marker", "before")
    with pytest.raises(RuntimeError, match="boom"), db.write_session(path) as con:
        db.set_meta(con, "marker", "after")
        raise RuntimeError("boom")
    assert db.get_meta(db.open_readonly(path), "marker") == "before"
    assert [p.name for p in tmp_path.iterdir()] == ["live.duckdb"]  # no staging file left


def test_reader_keeps_its_snapshot_while_a_writer_swaps_in_a_new_file(tmp_path):
    path = tmp_path / "swap.duckdb"
    with db.write_session(path, fresh=True) as con:
        db.set_meta(con, "marker", "old")
    reader = db.open_readonly(path)
    with db.write_session(path) as con:
        db.set_meta(con, "marker", "new")
    assert db.get_meta(reader, "marker") == "old"
    # The old connection is still open (in the app: a query running on it cannot be
    # closed), yet a new viewing connection reads the new file, not the old instance.
    fresh = db.open_readonly(path)
    assert db.get_meta(fresh, "marker") == "new"
    assert db.get_meta(db.cursor(fresh), "marker") == "new"
    assert db.get_meta(reader, "marker") == "old"


def test_the_app_sees_an_import_while_a_query_on_the_old_file_holds_it(tmp_path):
    from nno_dash.ui import data

    path = tmp_path / "app.duckdb"
    with db.write_session(path, fresh=True) as con:
        db.set_meta(con, "marker", "old")
        db.bump_data_version(con)
    old, old_version = data.connection(path)
    busy = db.cursor(old)  # another session's query still holds the old connection
    with db.write_session(path) as con:
        db.set_meta(con, "marker", "new")
        db.bump_data_version(con)
    con, version = data.connection(path)
    assert version != old_version
    assert db.get_meta(db.cursor(con), "marker") == "new"
    busy.close()


def test_version_one_file_is_upgraded_not_rejected(tmp_path):
    path = tmp_path / "v1.duckdb"
    with duckdb.connect(str(path)) as con:
        con.execute((DATA / "schema_v1.sql").read_text())
    with pytest.raises(db.SchemaError, match="schema version 1"):
        db.open_readonly(path)
    assert db.needs_migration(path)
    assert db.migrate(path) == 1
    con = db.open_readonly(path)
    assert db.schema_version(con) == db.SCHEMA_VERSION
    assert con.execute("select geometry_display is not null from areas").fetchone() == (True,)
    # schema 6: the incidents keep their rows and columns but lose the primary key's index
    assert con.execute("select incident_id, case_number from incidents").fetchall() == [
        ("A1", "C1")
    ]
    assert con.execute(
        "select constraint_type from duckdb_constraints() where table_name = 'incidents' "
        "and constraint_type <> 'NOT NULL'"
    ).fetchall() == []
    # the old incidents are kept and now counted in the daily aggregate, for every kind
    assert con.execute(
        "select incidents from incident_daily where kind = 'neighbourhood'"
    ).fetchall() == [(1,)]
    # and in the monthly one (schema version 3), by the month's first day
    assert con.execute(
        "select month, incidents from incident_monthly where kind = 'neighbourhood'"
    ).fetchall() == con.execute(
        "select date_trunc('month', occurred_on)::date, 1 from incidents"
    ).fetchall()


@pytest.mark.parametrize("upgrade", ["migrate", "a write"])
def test_upgrading_to_schema_6_gives_the_old_incidents_space_back(tmp_path, upgrade):
    path = tmp_path / "v1.duckdb"
    with duckdb.connect(str(path)) as con:
        con.execute((DATA / "schema_v1.sql").read_text())
        con.execute(
            "insert into incidents by name select 'X' || i as incident_id, "
            "timestamp '2024-05-01' as occurred_at, date '2024-05-01' as occurred_on, "
            "'theft' as category from range(300000) r(i)"
        )
    before = path.stat().st_size
    if upgrade == "migrate":
        db.migrate(path)
    else:  # an import into an older file upgrades it in its own write session
        with db.write_session(path) as con:
            db.set_meta(con, "marker", "written")
    # the copy without the key, and nothing left of the keyed table and its index
    assert path.stat().st_size < before
    con = db.open_readonly(path)
    counted = con.execute("select count(*), count(distinct incident_id) from incidents")
    assert counted.fetchone() == (300_001, 300_001)
    left = {p.suffix for p in tmp_path.glob(".v1.duckdb.*")}
    assert left <= {".lock"}  # no copy left behind, at most the writers' lock file


def test_an_upgrade_waits_for_the_writer_holding_the_file(tmp_path):
    path = tmp_path / "v1.duckdb"
    with duckdb.connect(str(path)) as con:
        con.execute((DATA / "schema_v1.sql").read_text())
    done = threading.Event()
    with db.writer_lock(path):  # an import is writing: its copy would replace the upgrade's
        upgrade = threading.Thread(target=lambda: (db.migrate(path), done.set()))
        upgrade.start()
        assert not done.wait(1.5)
        assert db.needs_migration(path)
    upgrade.join(60)
    assert done.is_set()
    assert not db.needs_migration(path)


def test_newer_file_is_refused_with_a_clear_message(tmp_path):
    path = tmp_path / "future.duckdb"
    with db.write_session(path, fresh=True) as con:
        db.set_meta(con, "schema_version", str(db.SCHEMA_VERSION + 1))
    with pytest.raises(db.SchemaError, match="newer than this app"), db.write_session(path):
        pass


def test_monthly_counts_are_the_daily_counts_summed_by_month(con):
    differences = con.execute(
        """
        with daily as (
            select kind, area_id, date_trunc('month', occurred_on)::date as month, category,
                sum(incidents) as incidents
            from incident_daily group by all
        )
        select count(*) from daily full join incident_monthly m
            on daily.kind = m.kind and daily.area_id is not distinct from m.area_id
            and daily.month = m.month and daily.category = m.category
        where daily.incidents is distinct from m.incidents
        """
    ).fetchall()[0][0]
    assert differences == 0
    assert con.execute("select sum(incidents) from incident_monthly").fetchall()[0][0] > 0


def _aggregates(con: duckdb.DuckDBPyConnection) -> dict[str, list[tuple]]:
    return {
        table: con.execute(f"select * from {table} order by all").fetchall()
        for table in ("incident_daily", "incident_monthly")
    }


def test_refreshing_the_touched_days_equals_a_full_rebuild(demo_db, tmp_path):
    """The importer refreshes only the days an import touched: rows added to days that
    already have counts, rows moved from one day (and month) to another, a day emptied,
    a category and an area changed. The counts must be exactly a full rebuild's."""
    path = tmp_path / "copy.duckdb"
    shutil.copyfile(demo_db, path)
    with db.write_session(path) as con:
        days = [
            r[0]
            for r in con.execute(
                "select occurred_on from incidents group by all order by count(*) desc limit 4"
            ).fetchall()
        ]
        busy, emptied, moved_from, changed = days
        moved_to = con.execute(
            "select max(occurred_on) + 40 from incidents"  # a new day in a new month
        ).fetchall()[0][0]
        before = _aggregates(con)
        touched = {busy, emptied, moved_from, moved_to, changed}
        con.execute(
            "insert into incidents by name select incident_id || '-copy' as incident_id, "
            "* exclude (incident_id) from incidents where occurred_on = $d",
            {"d": busy},
        )
        con.execute("delete from incidents where occurred_on = $d", {"d": emptied})
        con.execute(
            "update incidents set occurred_on = $to, occurred_at = $to::timestamp "
            "where occurred_on = $d",
            {"d": moved_from, "to": moved_to},
        )
        con.execute(
            "update incidents set category = 'other', neighbourhood_id = null "
            "where occurred_on = $d",
            {"d": changed},
        )
        db.refresh_aggregates(con, days=sorted(touched))
        incremental = _aggregates(con)
        db.refresh_aggregates(con)
        full = _aggregates(con)
        assert incremental == full
        assert incremental != before  # the changes did change the counts
        daily_days = {r[2] for r in full["incident_daily"]}
        assert emptied not in daily_days and moved_from not in daily_days
        assert moved_to in daily_days
        # no temp table left behind for the next refresh
        assert not con.execute(
            "select count(*) from duckdb_tables() where table_name = '_refresh_days'"
        ).fetchall()[0][0]
