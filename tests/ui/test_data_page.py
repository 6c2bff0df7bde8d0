"""The Data page's administrator part: sign-in, upload, check (dry run), commit.

AppTest drives the real page, st.file_uploader included (Streamlit 1.67's testing API
registers the uploaded bytes). Each test that may write works on its own copy of a
database of Chicago's areas and two incidents; the result is read back through a fresh
connection, never through the app.
"""

from __future__ import annotations

import contextlib
import hashlib
import io
import json
import shutil
from pathlib import Path

import duckdb
import pytest
from import_fixtures import BAD, GOOD, areas_db, two_incidents_db  # noqa: F401
from streamlit.testing.v1 import AppTest

from nno_dash.__main__ import main
from nno_dash.core import auth
from nno_dash.ui import admin

ENTRY = Path(__file__).resolve().parents[2] / "dashboard.py"
PASSWORD = "correct horse battery"  # noqa: S105 - the tests' own made-up password
CHECK = "Check the files (dry run: nothing is written)"


def count(db_path: Path, sql: str = "select count(*) from incidents") -> int:
    with contextlib.closing(duckdb.connect(str(db_path), read_only=True)) as con:
        return con.execute(sql).fetchall()[0][0]


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


@pytest.fixture(scope="module")
def hashed() -> str:
    return auth.hash_password(PASSWORD)


@pytest.fixture
def page_db(two_incidents_db, tmp_path, monkeypatch) -> Path:  # noqa: F811
    """This test's own copy, as the app's database."""
    path = tmp_path / "data" / "nno.duckdb"
    path.parent.mkdir()
    shutil.copyfile(two_incidents_db, path)
    monkeypatch.setenv("NNO_DB", str(path))
    monkeypatch.delenv(auth.ENV_VAR, raising=False)
    return path


def open_data_page() -> AppTest:
    at = AppTest.from_file(str(ENTRY), default_timeout=120)
    at.run()
    at.switch_page("pages/6_Data.py")
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def sign_in(at: AppTest, password: str = PASSWORD) -> AppTest:
    at.text_input(key="admin_password").input(password)
    at.get("form_submit_button")[0].click()
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def button(at: AppTest, starts: str):
    return next(b for b in at.button if b.label.startswith(starts))


def upload(at: AppTest, *paths: Path) -> AppTest:
    at.file_uploader[0].set_value([(p.name, p.read_bytes(), "text/csv") for p in paths])
    at.run()
    button(at, CHECK).click()
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def metrics(at: AppTest) -> dict[str, str]:
    return {m.label: m.value for m in at.metric}


def texts(at: AppTest) -> str:
    kinds = ("markdown", "error", "warning", "info", "success", "code")
    return "\n".join(str(e.value) for kind in kinds for e in at.get(kind))


# ---------------------------------------------------------------- sign-in


def test_without_an_admin_there_is_no_upload_and_the_page_says_how(page_db):
    at = open_data_page()
    assert len(at.file_uploader) == 0 and len(at.text_input) == 0
    assert any("no administrator is configured" in i.value for i in at.info)
    body = texts(at)
    assert "python -m nno_dash admin-hash" in body and "NNO_ADMIN_PASSWORD_HASH" in body
    assert "python -m nno_dash import incidents" in body  # the command-line way meanwhile
    assert any("Import log" in s.value for s in at.subheader)


def test_a_malformed_hash_is_named_and_gives_no_upload(page_db, monkeypatch):
    monkeypatch.setenv(auth.ENV_VAR, "hunter2")  # a password pasted where the hash goes
    at = open_data_page()
    assert len(at.file_uploader) == 0 and len(at.text_input) == 0
    assert any("not a hash made by" in e.value for e in at.error)


def test_wrong_password_is_refused_and_the_right_one_shows_the_uploader(
    page_db, hashed, monkeypatch
):
    monkeypatch.setenv(auth.ENV_VAR, hashed)
    at = open_data_page()
    assert len(at.file_uploader) == 0
    sign_in(at, "not the password")
    assert any(e.value == "Wrong password." for e in at.error)
    assert len(at.file_uploader) == 0
    sign_in(at)
    assert len(at.file_uploader) == 1
    assert "200 MB" in at.file_uploader[0].label  # the limit from .streamlit/config.toml
    assert {".csv", ".gz", ".geojson", ".zip"} <= set(at.file_uploader[0].proto.type)
    button(at, "Sign out").click()
    at.run()
    assert len(at.file_uploader) == 0


def test_the_hash_can_come_from_streamlit_secrets(page_db, hashed):
    at = AppTest.from_file(str(ENTRY), default_timeout=120)
    at.secrets[auth.ENV_VAR] = hashed
    at.run()
    at.switch_page("pages/6_Data.py")
    at.run()
    sign_in(at)
    assert len(at.file_uploader) == 1


def test_too_many_wrong_passwords_make_the_session_wait(page_db, hashed, monkeypatch):
    monkeypatch.setenv(auth.ENV_VAR, hashed)
    at = open_data_page()
    for _ in range(admin.MAX_TRIES):
        sign_in(at, "wrong password")
    sign_in(at)  # even the right password waits now
    assert any("Too many wrong passwords" in e.value for e in at.error)
    assert len(at.file_uploader) == 0


# ---------------------------------------------------------------- upload, check, commit


@pytest.fixture
def admin_page(page_db, hashed, monkeypatch) -> AppTest:
    monkeypatch.setenv(auth.ENV_VAR, hashed)
    return sign_in(open_data_page())


def test_upload_check_and_commit_land_the_rows(admin_page, page_db):
    before = digest(page_db)
    at = upload(admin_page, GOOD / "latlon.csv")
    shown = metrics(at)
    # latlon.csv holds 8 incidents, 2 of them the ones already loaded from tab.tsv
    assert (shown["Rows read"], shown["New"], shown["Unchanged"], shown["Rejected"]) == (
        "8",
        "6",
        "2",
        "0",
    )
    assert digest(page_db) == before  # checking never writes
    assert any("chicago_crimes" in m.value for m in at.markdown)
    button(at, "Commit 1 file").click()
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    assert count(page_db) == 8  # a fresh connection sees the rows
    assert any("6 new" in s.value for s in at.success)
    logged = "select count(*) from import_log where source_file = 'latlon.csv (uploaded)'"
    assert count(page_db, logged) == 1
    # the rerun after the commit reads the new file: the page's table says 8 incidents
    tables = at.dataframe[0].value
    assert int(tables.loc[tables["table"] == "incidents", "rows"].iloc[0]) == 8
    log = at.dataframe[2].value
    assert log["source_file"].iloc[0] == "latlon.csv (uploaded)"
    assert len(at.file_uploader) == 1 and not at.file_uploader[0].value  # a fresh uploader


def test_the_first_incidents_show_at_once_in_a_running_session(
    areas_db,  # noqa: F811
    tmp_path,
    hashed,
    monkeypatch,
):
    """An areas-only database: the session's period starts on today; after the import the
    data's days are in 2016, and the page must rerun on them without an error."""
    path = tmp_path / "nno.duckdb"
    shutil.copyfile(areas_db, path)
    monkeypatch.setenv("NNO_DB", str(path))
    monkeypatch.setenv(auth.ENV_VAR, hashed)
    at = sign_in(open_data_page())
    at = upload(at, GOOD / "latlon.csv")
    assert metrics(at)["New"] == "8"
    button(at, "Commit 1 file").click()
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    tables = at.dataframe[0].value
    assert int(tables.loc[tables["table"] == "incidents", "rows"].iloc[0]) == 8
    assert "3 Jan 2016" in next(c.value for c in at.caption if "**Showing:**" in c.value)


def choose_mapping(at: AppTest, name: str) -> AppTest:
    choice = at.radio(key="mapping_choice_incidents")
    choice.set_value(next(o for o in choice.options if o.startswith(f"{name}:")))
    return at.run()


def test_a_file_missing_a_required_column_says_so_and_writes_nothing(admin_page, page_db):
    before = digest(page_db)
    at = upload(choose_mapping(admin_page, "chicago_crimes"), BAD / "missing_date.csv")
    errors = " ".join(e.value for e in at.error)
    assert "missing_date.csv" in errors and "missing required column" in errors
    assert "Nothing from this file will be written" in errors
    assert not any(b.label.startswith("Commit") for b in at.button)
    assert any("Nothing to commit" in w.value for w in at.warning)
    assert digest(page_db) == before


def test_a_binary_file_and_an_unaccepted_type_are_refused(admin_page, page_db):
    before = digest(page_db)
    at = admin_page
    # the uploader lets only data types through (Streamlit enforces it on the server too)
    assert ".pdf" not in at.file_uploader[0].proto.type
    at.file_uploader[0].set_value(
        [
            ("binary.csv", (BAD / "binary.csv").read_bytes(), "text/csv"),
            ("backup.tar.gz", b"\x1f\x8b not data", "application/gzip"),  # .gz, not a table
        ]
    )
    at.run()
    assert any("backup.tar.gz: files of this type are not accepted" in e.value for e in at.error)
    button(at, CHECK).click()
    at.run()
    errors = " ".join(e.value for e in at.error)
    assert "binary.csv: is a binary file" in errors
    assert not any(b.label.startswith("Commit") for b in at.button)
    assert digest(page_db) == before


def test_bad_rows_are_listed_with_file_row_column_and_reason(admin_page, page_db):
    at = upload(admin_page, BAD / "bad_dates.csv")
    assert metrics(at)["Rejected"] == "3"
    reasons = next(d.value for d in at.dataframe if list(d.value.columns) == ["reason", "rows"])
    assert dict(zip(reasons["reason"], reasons["rows"], strict=True)) == {
        "unparseable date": 2,
        "missing date": 1,
    }
    issues = next(d.value for d in at.dataframe if "row_number" in d.value.columns)
    assert list(issues["file"].unique()) == ["bad_dates.csv"]
    assert sorted(issues["row_number"]) == [2, 4, 5]  # as the bad files' README says
    assert set(issues["column_name"]) == {"Date"}
    button(at, "Commit 1 file").click()
    at.run()
    assert count(page_db, "select count(*) from rejects where reason = 'unparseable date'") == 2
    rejects = next(d.value for d in at.dataframe if "raw" in d.value.columns)
    assert sorted(rejects["row"].head(3)) == [2, 4, 5]


def test_unmapped_offence_codes_are_shown_before_the_commit(admin_page):
    at = upload(admin_page, BAD / "unknown_codes.csv")
    assert any("would be filed as 'other'" in w.value for w in at.warning)
    unmapped = next(d.value for d in at.dataframe if "code" in d.value.columns)
    assert {"9999", "8888"} <= set(unmapped["code"])


def test_a_file_no_shipped_mapping_fits_gets_a_suggested_mapping(admin_page, page_db):
    at = upload(admin_page, GOOD / "sf_incidents.csv")
    assert any("no shipped incidents mapping fits" in e.value for e in at.error)
    suggested = [c.value for c in at.code if "[source]" in c.value]
    assert suggested and 'kind = "incidents"' in suggested[0]
    # the suggested mapping, written on the page, imports the file
    at.radio(key="mapping_choice_incidents").set_value(admin.WRITE_MAPPING)
    at.run()
    assert "[source]" in at.text_area[0].value
    button(at, CHECK).click()
    at.run()
    assert not any("no shipped" in e.value for e in at.error)
    assert metrics(at)["Rows read"] == "2"


def test_a_mapping_for_another_kind_fails_every_file(admin_page, page_db):
    at = admin_page
    at.radio(key="mapping_choice_incidents").set_value(admin.UPLOAD_MAPPING)
    at.run()
    mapping_text = (GOOD / "events_mapping.toml").read_bytes()
    at.file_uploader(key="mapping_file").set_value(("events.toml", mapping_text, "text/plain"))
    at = upload(at, GOOD / "latlon.csv")
    assert any("is for events, not incidents" in e.value for e in at.error)


# ---------------------------------------------------------------- hashes and the CLI


def test_hashes_verify_only_their_password():
    for scheme in ("scrypt", "pbkdf2"):
        encoded = auth.hash_password(PASSWORD, scheme=scheme)
        assert auth.verify_password(PASSWORD, encoded)
        assert not auth.verify_password(PASSWORD + " ", encoded)
        assert auth.hash_password(PASSWORD, scheme=scheme) != encoded  # salted
    with pytest.raises(ValueError, match="at least 8"):
        auth.hash_password("short")
    for bad in ("", "hunter2", "scrypt$1$8$1$c2FsdA$a2V5", "md5$abc$def"):
        with pytest.raises(auth.AuthConfigError):
            auth.check_hash(bad)


def test_where_the_hash_is_found():
    assert auth.configured_hash({}, {}) is None
    assert auth.configured_hash({}, {auth.ENV_VAR: " h1 "}) == "h1"
    assert auth.configured_hash({auth.ENV_VAR: "h2"}, {auth.ENV_VAR: "h1"}) == "h2"
    assert auth.configured_hash({"admin": {"password_hash": "h3"}}, {}) == "h3"


def test_admin_hash_command_reads_stdin_and_prints_a_working_hash(monkeypatch, capsys):
    monkeypatch.setattr("sys.stdin", io.StringIO(PASSWORD + "\n"))
    assert main(["admin-hash"]) == 0
    encoded = capsys.readouterr().out.strip()
    assert encoded.startswith("scrypt$") and auth.verify_password(PASSWORD, encoded)
    monkeypatch.setattr("sys.stdin", io.StringIO("short\n"))
    assert main(["admin-hash", "--scheme", "pbkdf2"]) == 1
    assert "at least 8" in capsys.readouterr().err


def _holdings_app() -> None:
    import pandas as pd

    from nno_dash.ui import admin

    tables = pd.DataFrame({"table": ["areas"], "rows": [3]})
    areas = pd.DataFrame(
        {
            "kind": ["beat", "neighbourhood"],
            "areas": [2, 1],
            "with_population": [0, 1],
            "residents": [None, 1200],
        }
    )
    admin.show_holdings(tables, areas)


def test_a_kind_of_area_without_population_shows_a_dash_for_residents():
    # Streamlit's own placeholder, drawn by the browser for the missing value. (A pandas
    # Styler's na_rep passed an AppTest check of its display values, but the browser drew
    # "None": the column's number format wins over the Styler there.)
    at = AppTest.from_function(_holdings_app).run()
    assert not at.exception
    frame = at.dataframe[1]
    assert frame.proto.placeholder == "–"
    assert frame.value["residents"].isna().tolist() == [True, False]
    residents = json.loads(frame.proto.columns)["residents"]
    assert residents["type_config"] == {"type": "number", "format": "localized"}  # 1,200
