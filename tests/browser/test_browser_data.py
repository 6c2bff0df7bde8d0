"""The Data page's upload in a real browser: sign in, upload, check, commit, see the data.

Runs its own `streamlit run dashboard.py` on its own copy of a database (Chicago's areas
and two incidents) with an administrator configured through the environment, so the
session-wide demo database other tests read is never written. A second browser session,
open on the page during the import, must see the new rows on its next run, without a
restart and without an error.
"""

from __future__ import annotations

import contextlib
import shutil
from collections.abc import Iterator
from pathlib import Path

import duckdb
import pytest
from browser_helpers import wait_for_page
from import_fixtures import GOOD, areas_db  # noqa: F401
from server_helpers import streamlit_app

from nno_dash.core import auth
from nno_dash.ingest import pipeline

pytestmark = pytest.mark.browser
PASSWORD = "a browser test password"  # noqa: S105 - made up for this test


@pytest.fixture(scope="module")
def upload_db(areas_db, tmp_path_factory) -> Path:  # noqa: F811
    path = tmp_path_factory.mktemp("browser_data") / "data" / "nno.duckdb"
    path.parent.mkdir()
    shutil.copyfile(areas_db, path)
    report = pipeline.run(path, "incidents", [GOOD / "tab.tsv"], "chicago_crimes")
    assert report.ok, report.summary()
    return path


@pytest.fixture(scope="module")
def admin_server(upload_db: Path, tmp_path_factory) -> Iterator[str]:
    env = {"NNO_DB": str(upload_db), auth.ENV_VAR: auth.hash_password(PASSWORD)}
    log = tmp_path_factory.mktemp("streamlit_admin") / "server.log"
    with streamlit_app(env, log) as url:
        yield url


def last_cell(page, row_text: str, frame: int = 0) -> str:
    """The last cell of the row holding `row_text` in the page's `frame`-th data frame, as the
    browser shows it (the frame's accessible table)."""
    table = page.locator('[data-testid="stDataFrame"] table').nth(frame)
    row = table.locator("tr", has_text=row_text).first
    return row.locator("td, th").last.inner_text().strip()


def incidents_shown(page) -> str:
    """The incidents row of the page's Tables frame."""
    return last_cell(page, "incidents")


def incidents_in(db_path: Path) -> int:
    with contextlib.closing(duckdb.connect(str(db_path), read_only=True)) as con:
        return con.execute("select count(*) from incidents").fetchall()[0][0]


def test_sign_in_upload_and_commit_in_chromium(admin_server, upload_db, browser, artifacts):
    shots = artifacts / "screenshots"
    shots.mkdir(parents=True, exist_ok=True)
    viewer = browser.new_page(viewport={"width": 1440, "height": 1400})
    admin = browser.new_page(viewport={"width": 1440, "height": 2400})
    try:
        viewer.goto(f"{admin_server}/Data")
        wait_for_page(viewer, with_chart=False)
        assert incidents_shown(viewer) == "2"
        # Areas by kind: beats have no population loaded, so no residents to sum. The grid
        # draws on a canvas; its accessible table holds the values, not the placeholder
        # drawn for a missing one (tests/test_data_page.py checks that), so look at it too.
        assert last_cell(viewer, "Police beat", frame=1) == ""
        assert last_cell(viewer, "Neighbourhood", frame=1) == "2746388"
        frame = viewer.locator('[data-testid="stDataFrame"]').nth(1)
        frame.screenshot(path=str(shots / "data_areas_by_kind.png"))
        assert viewer.locator('[data-testid="stFileUploader"]').count() == 0

        admin.goto(f"{admin_server}/Data")
        wait_for_page(admin, with_chart=False)
        admin.locator('input[type="password"]').fill("wrong password")
        admin.get_by_role("button", name="Sign in").click()
        admin.get_by_text("Wrong password.").wait_for(timeout=30_000)
        assert admin.locator('[data-testid="stFileUploader"]').count() == 0
        admin.locator('input[type="password"]').fill(PASSWORD)
        admin.get_by_role("button", name="Sign in").click()
        uploader = admin.locator('[data-testid="stFileUploaderDropzoneInput"]')
        uploader.wait_for(state="attached", timeout=30_000)

        uploader.set_input_files(str(GOOD / "latlon.csv"))
        admin.get_by_text("latlon.csv").first.wait_for(timeout=30_000)
        admin.get_by_role("button", name="Check the files").click()
        commit = admin.get_by_role("button", name="Commit 1 file")
        commit.wait_for(timeout=60_000)
        wait_for_page(admin, with_chart=False)
        assert incidents_in(upload_db) == 2  # the check wrote nothing
        admin.screenshot(path=str(shots / "data_upload_checked.png"), full_page=True)

        commit.click()
        admin.get_by_text("Imported.").wait_for(timeout=60_000)
        wait_for_page(admin, with_chart=False)
        assert "6 new" in admin.inner_text("body")
        assert incidents_in(upload_db) == 8
        assert incidents_shown(admin) == "8"  # the running app reads the new file
        admin.screenshot(path=str(shots / "data_upload_committed.png"), full_page=True)

        # the other session, open during the import, sees the new data on its next run
        viewer.reload()
        wait_for_page(viewer, with_chart=False)
        assert incidents_shown(viewer) == "8"
        viewer.goto(f"{admin_server}/Crime_trends")
        wait_for_page(viewer, with_chart=True)
    finally:
        viewer.close()
        admin.close()
