"""Uploads: the Data page's flow driven directly with bytes: refuse, check, commit, clean up.

(The page that draws it is tested through AppTest in tests/ui/test_data_page.py.)
"""

from __future__ import annotations

import contextlib
import io
import shutil
import zipfile
from pathlib import Path

import duckdb
import pytest
from import_fixtures import COMMUNITY_AREAS, COMMUNITY_AREAS_SHP, GOOD, areas_db, two_incidents_db  # noqa: F401

from nno_dash.ingest import pipeline, uploads


def count(db_path: Path, sql: str = "select count(*) from incidents") -> int:
    with contextlib.closing(duckdb.connect(str(db_path), read_only=True)) as con:
        return con.execute(sql).fetchall()[0][0]


@pytest.fixture
def db_copy(two_incidents_db, tmp_path) -> Path:  # noqa: F811
    """This test's own copy of the database."""
    path = tmp_path / "data" / "nno.duckdb"
    path.parent.mkdir()
    shutil.copyfile(two_incidents_db, path)
    return path


def test_refusal_by_type_and_size():
    assert uploads.refusal("crimes.csv.gz", 10, 1) == ""
    assert uploads.refusal("Boundaries.GEOJSON", 10, 1) == ""
    assert "not accepted" in uploads.refusal("crimes.exe", 10, 1)
    too_big = uploads.refusal("crimes.csv", 3 * 1024 * 1024, 2)
    assert "3.0 MB is over the 2 MB upload limit" in too_big
    assert "server.maxUploadSize" in too_big
    assert "empty" in uploads.refusal("crimes.csv", 0, 2)
    assert uploads.safe_name("../../etc/passwd") == "passwd"
    assert uploads.safe_name("C:\\data\\my crimes;.csv") == "my crimes_.csv"


def test_an_oversized_upload_is_refused_by_the_flow(db_copy):
    big = uploads.Upload("latlon.csv", b"x" * (1024 * 1024 + 1))
    checked = uploads.check_uploads(db_copy, "incidents", [big], None, limit_mb=1)
    try:
        (report,) = checked.reports
        assert report.failed and "over the 1 MB upload limit" in report.error
    finally:
        checked.close()


def test_a_commit_after_the_database_changed_is_refused(db_copy):
    before = count(db_copy)
    checked = uploads.check_uploads(
        db_copy,
        "incidents",
        [uploads.Upload("latlon.csv", (GOOD / "latlon.csv").read_bytes())],
        "chicago_crimes",
        limit_mb=200,
    )
    assert checked.ready and checked.folder.exists()
    pipeline.run(db_copy, "incidents", [GOOD / "xy_only.csv"], "chicago_crimes")  # meanwhile
    changed = count(db_copy)
    with pytest.raises(uploads.StaleCheck, match="check them again"):
        uploads.commit_checked(db_copy, checked)
    assert count(db_copy) == changed != before
    assert not checked.folder.exists() and not checked.plan.workdir.exists()  # cleaned up


def test_commit_through_the_flow_cleans_up(db_copy):
    checked = uploads.check_uploads(
        db_copy,
        "incidents",
        [uploads.Upload("latlon.csv", (GOOD / "latlon.csv").read_bytes())],
        None,
        limit_mb=200,
    )
    report = uploads.commit_checked(db_copy, checked)
    assert report.ok and report.files[0].inserted == 6
    assert count(db_copy) == 8
    assert not checked.folder.exists() and not checked.plan.workdir.exists()


def test_boundaries_upload_as_geojson_and_as_a_zipped_shapefile(db_copy, tmp_path):
    """Areas through the upload; the Shapefile zipped as a folder (the .shp not at the root)."""
    archive = io.BytesIO()
    with zipfile.ZipFile(archive, "w") as zf:
        for part in sorted(COMMUNITY_AREAS_SHP.iterdir()):
            zf.write(part, f"community_areas/{part.name}")
    files = [
        uploads.Upload(COMMUNITY_AREAS.name, COMMUNITY_AREAS.read_bytes()),
        uploads.Upload("community_areas.zip", archive.getvalue()),
    ]
    checked = uploads.check_uploads(db_copy, "areas", files, None, limit_mb=200)
    try:
        geojson, shapefile = checked.reports
        for report in (geojson, shapefile):
            assert report.status == "ready", report.error
            assert report.mapping == "chicago_community_areas"
            # the same 77 area ids as loaded: none new, none rejected
            assert (report.rows_read, report.inserted, report.rejected) == (77, 0, 0)
        assert geojson.unchanged == 77  # the very file the areas came from
    finally:
        checked.close()
