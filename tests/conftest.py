"""Session-wide fixtures: one small demo database built by the real generator, shared by all.

Built once per test session from a fixed seed, like the README's demo and the benchmark,
so the same code makes every database the tests read.
"""

from __future__ import annotations

import os
import shutil
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from server_helpers import streamlit_app

from nno_dash.demo.build import build_demo
from nno_dash.demo.params import DemoParams
from nno_dash.store import db

ROOT = Path(__file__).resolve().parent.parent
CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]
TEST_SEED = 11
TEST_INCIDENTS = 40_000


@pytest.fixture(scope="session")
def demo_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A demo database file (40,000 incidents) with the default planted effect."""
    path = tmp_path_factory.mktemp("demo") / "demo.duckdb"
    build_demo(path, DemoParams(seed=TEST_SEED, incidents=TEST_INCIDENTS))
    return path


@pytest.fixture(scope="session")
def con(demo_db: Path):
    connection = db.open_readonly(demo_db)
    yield connection
    connection.close()


@pytest.fixture
def app_env(demo_db: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Point the app at the demo database, as NNO_DB does for a deployment."""
    monkeypatch.setenv("NNO_DB", str(demo_db))
    return demo_db


@pytest.fixture(scope="session")
def artifacts() -> Path:
    path = Path(__file__).parent / "artifacts"
    path.mkdir(exist_ok=True)
    return path


@pytest.fixture(scope="session")
def server(demo_db: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The app on the shared demo database, for the real-browser tests."""
    log = tmp_path_factory.mktemp("streamlit") / "server.log"
    with streamlit_app({"NNO_DB": str(demo_db)}, log) as url:
        yield url


@pytest.fixture(scope="session")
def browser():
    from playwright.sync_api import sync_playwright

    if not os.path.exists(CHROMIUM):
        pytest.fail("Debian's chromium is missing: run scripts/install-browser.sh")
    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield b
        b.close()


def pytest_configure(config: pytest.Config) -> None:
    # Tests must never build or touch the developer's own data/nno.duckdb.
    os.environ.setdefault("NNO_DEMO_INCIDENTS", "20000")


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    # Streamlit's AppTest module keeps a TemporaryDirectory (TMP_DIR) that nothing cleans up:
    # at interpreter exit its finalizer warned, printed as a traceback after every run.
    app_test = sys.modules.get("streamlit.testing.v1.app_test")
    if app_test is not None:
        app_test.TMP_DIR.cleanup()


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Skip the tests on the real Chicago exports, saying why, where no copy is at hand."""
    from import_fixtures import CHICAGO_MISSING

    if CHICAGO_MISSING:
        for item in items:
            if item.get_closest_marker("chicago"):
                item.add_marker(pytest.mark.skip(reason=CHICAGO_MISSING))
