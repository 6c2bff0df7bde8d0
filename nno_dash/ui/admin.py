"""The Data page's administrator part: sign in, upload, check (dry run), commit.

Everyone sees what is loaded and the import log; only a signed-in administrator sees the
upload. The flow itself (save, check, commit, refuse) is `ingest.uploads`, which writes
the database only in `commit_checked`; this module draws it. Uploads, checks and their
temporary folders belong to one browser session and are removed on commit, on discard,
when the upload changes, and when the session ends.
"""

from __future__ import annotations

import hashlib
import time
from collections.abc import Sequence
from pathlib import Path

import duckdb
import pandas as pd
import streamlit as st

from nno_dash.core import auth
from nno_dash.ingest import mapping
from nno_dash.ingest.report import WARNING
from nno_dash.ingest.uploads import (
    DATA_SUFFIXES,
    MAPPING_SUFFIXES,
    Checked,
    StaleCheck,
    Upload,
    check_uploads,
    commit_checked,
    refusal,
    safe_name,
    shipped_by_kind,
    suggestion_for,
)
from nno_dash.queries import datasets
from nno_dash.store import db
from nno_dash.ui import data
from nno_dash.viz import theme

KIND_LABELS = {
    "incidents": "Incidents (crime records)",
    "events": "Outreach events",
    "attendance": "Attendance at events",
    "areas": "Areas: boundaries or populations",
}
AUTO = "Automatic: the shipped mapping that fits each file"
UPLOAD_MAPPING = "Upload a mapping file (TOML or YAML)"
WRITE_MAPPING = "Write or edit a mapping here"
MAX_TRIES = 5  # wrong passwords before a session must wait
WAIT_SECONDS = 30
ISSUE_ROWS = 500


def upload_limit_mb() -> int:
    """The largest upload in megabytes: server.maxUploadSize in .streamlit/config.toml."""
    return int(st.get_option("server.maxUploadSize"))


def read_fresh(db_path: Path, query, *args):
    """A small query on the current file, uncached (the log changes without a data change)."""
    for attempt in range(3):
        con, _ = data.connection(db_path)
        cursor = db.cursor(con)
        try:
            return query(cursor, *args)
        except duckdb.ConnectionException:  # closed under us by a swap to a new file: retry
            if attempt == 2:
                raise
        finally:
            cursor.close()
    raise AssertionError("unreachable")


# ---------------------------------------------------------------- sign-in


def configured_hash() -> str | None:
    try:
        secrets = dict(st.secrets)
    except Exception:  # noqa: BLE001 - no secrets.toml, or one that does not parse
        secrets = {}
    return auth.configured_hash(secrets)


def show_setup_instructions(problem: str | None = None) -> None:
    if problem:
        st.error(problem)
    else:
        st.info(
            "Uploading data here is for administrators, and no administrator is configured.",
            icon=":material/lock:",
        )
    st.markdown(
        """
To turn uploads on, make a password hash (the password itself is never stored):

```
python -m nno_dash admin-hash
```

and give the hash it prints to the app, in `.streamlit/secrets.toml`:

```
NNO_ADMIN_PASSWORD_HASH = "scrypt$16384$8$1$..."
```

or in the environment before `streamlit run` (single quotes: the hash contains `$`):

```
export NNO_ADMIN_PASSWORD_HASH='scrypt$16384$8$1$...'
```

Until then, import with the command line:

```
python -m nno_dash import areas boundaries.geojson --mapping chicago_community_areas
python -m nno_dash import incidents crimes.csv --mapping chicago_crimes --dry-run
python -m nno_dash import incidents crimes.csv --mapping chicago_crimes
python -m nno_dash mapping suggest other_export.csv
```

See docs/mapping.md for mapping files and the validation rules.
"""
    )


def signed_in() -> bool:
    return bool(st.session_state.get("nno_admin"))


def show_sign_in(expected: str) -> None:
    state = st.session_state
    wait = state.get("nno_admin_wait_until", 0.0) - time.monotonic()
    with st.form("admin_sign_in", clear_on_submit=True):
        st.markdown("**Administrator sign-in** to upload data")
        password = st.text_input("Password", type="password", key="admin_password")
        submitted = st.form_submit_button("Sign in")
    if not submitted:
        return
    if wait > 0:
        st.error(f"Too many wrong passwords: wait {wait:.0f} s and try again.")
        return
    if auth.verify_password(password, expected):
        state["nno_admin"] = True
        state["nno_admin_tries"] = 0
        st.rerun()
    tries = state.get("nno_admin_tries", 0) + 1
    state["nno_admin_tries"] = tries
    if tries >= MAX_TRIES:
        state["nno_admin_wait_until"] = time.monotonic() + WAIT_SECONDS
        state["nno_admin_tries"] = 0
    st.error("Wrong password.")


# ---------------------------------------------------------------- the upload flow


def _discard() -> None:
    checked: Checked | None = st.session_state.pop("nno_checked", None)
    if checked is not None:
        checked.close()


def _signature(kind: str, files: Sequence, chosen: str | Upload | None) -> str:
    digest = hashlib.sha256(kind.encode())
    for f in files:
        digest.update(f"{f.file_id}|{f.name}|{f.size}".encode())
    if isinstance(chosen, Upload):
        digest.update(chosen.name.encode() + chosen.data)
    else:
        digest.update(str(chosen).encode())
    return digest.hexdigest()


def _choose_mapping(kind: str, uploads: list[Upload]) -> str | Upload | None:
    """The mapping controls; returns what check_uploads takes."""
    shipped = shipped_by_kind().get(kind, [])
    labels = {AUTO: None}
    labels.update({f"{name}: {desc}": name for name, desc in shipped})
    choice = st.radio(
        "Mapping (which column feeds which field)",
        [*labels, UPLOAD_MAPPING, WRITE_MAPPING],
        key=f"mapping_choice_{kind}",
    )
    if choice == UPLOAD_MAPPING:
        file = st.file_uploader(
            "Mapping file", type=[s.lstrip(".") for s in MAPPING_SUFFIXES], key="mapping_file"
        )
        return Upload(file.name, file.getvalue()) if file else Upload("mapping.toml", b"")
    if choice == WRITE_MAPPING:
        starts = {}
        if uploads:
            starts[f"suggested for {uploads[0].name}"] = "suggest"
        starts.update({f"shipped: {name}": name for name, _ in shipped})
        if not starts:
            st.caption("Upload a file first: the editor starts from a mapping suggested for it.")
            return Upload("mapping.toml", b"")
        start = st.selectbox("Start from", list(starts), key=f"mapping_start_{kind}")
        if starts[start] == "suggest":
            suggested = suggestion_for(uploads[0], kind)
            text = suggested if isinstance(suggested, str) else suggested.text
        else:
            text = mapping.shipped()[starts[start]].read_text(encoding="utf-8")
        edited = st.text_area(
            "Mapping (TOML; see docs/mapping.md)", text, height=360, key=f"mapping_text_{start}"
        )
        return Upload("mapping.toml", edited.encode("utf-8"))
    return labels[choice]


def show_upload(db_path: Path) -> None:
    """Choose a kind, upload, pick a mapping, check (dry run), then commit."""
    state = st.session_state
    limit = upload_limit_mb()
    if result := state.pop("nno_import_result", None):
        _show_result(*result)
    kind = st.selectbox(
        "What are you importing?",
        list(KIND_LABELS),
        format_func=KIND_LABELS.get,
        key="import_kind",
    )
    nonce = state.setdefault("nno_upload_nonce", 0)
    files = (
        st.file_uploader(
            f"Files (up to {limit:,} MB each; CSV, TSV, gzip, Parquet, Excel .xlsx, JSON, "
            "GeoJSON, GeoPackage, zipped Shapefile)",
            type=sorted({s.rsplit(".", 1)[-1] for s in DATA_SUFFIXES}),
            accept_multiple_files=True,
            key=f"upload_{nonce}",
        )
        or []
    )
    uploads = [Upload(f.name, f.getvalue()) for f in files]
    for upload in uploads:
        if why := refusal(upload.name, len(upload.data), limit):
            st.error(why)
    chosen = _choose_mapping(kind, uploads)
    signature = _signature(kind, files, chosen)
    checked: Checked | None = state.get("nno_checked")
    if checked is not None and checked.signature != signature:
        _discard()
        checked = None
    if not uploads:
        return
    if st.button("Check the files (dry run: nothing is written)", type="secondary"):
        _discard()
        with st.spinner("Reading and checking…"):
            checked = check_uploads(db_path, kind, uploads, chosen, limit_mb=limit)
        checked.signature = signature
        state["nno_checked"] = checked
    if checked is None:
        return
    _show_check(checked, uploads)
    ready = checked.ready
    if not ready:
        st.warning("Nothing to commit: every file failed its check.")
        return
    names = ", ".join(r.path.name for r in ready)
    left, right = st.columns([3, 1])
    commit = left.button(
        f"Commit {len(ready)} file{'s' if len(ready) > 1 else ''} to the database ({names})",
        type="primary",
    )
    if right.button("Discard"):
        _discard()
        st.rerun()
    if commit:
        state.pop("nno_checked", None)
        try:
            with st.spinner("Writing (one transaction per file)…"):
                report = commit_checked(db_path, checked)
        except StaleCheck as exc:
            st.warning(str(exc))
            return
        state["nno_import_result"] = (report.summary(), [r.as_dict() for r in report.files])
        state["nno_upload_nonce"] = nonce + 1  # an empty uploader for the next import
        st.rerun()


def _show_result(summary: str, files: list[dict]) -> None:
    loaded = [f for f in files if f["status"] == "loaded"]
    failed = [f for f in files if f["status"] == "failed"]
    if loaded:
        counts = ", ".join(
            f"{f['file'].rsplit('/', 1)[-1]}: {f['inserted']:,} new, {f['updated']:,} updated, "
            f"{f['rejected']:,} rejected (import {f['import_id']})"
            for f in loaded
        )
        st.success(f"Imported. {counts}.", icon=":material/check_circle:")
    for f in failed:
        st.error(f["error"])
    with st.expander("Import summary", expanded=bool(failed)):
        st.code(summary, language=None)


def _show_check(checked: Checked, uploads: list[Upload]) -> None:
    st.subheader("Check (dry run)")
    for file_plan in checked.plan.files:
        report = file_plan.report
        name = report.path.name
        if report.failed:
            error = report.error or ""
            stop = "" if error.endswith((".", "?", "!")) else "."
            st.error(f"{error}{stop} Nothing from this file will be written.")
            if "mapping fits" in error or "missing required" in error:
                upload = next((u for u in uploads if safe_name(u.name) == name), None)
                if upload is not None:
                    _show_suggestion(upload, checked.kind)
            continue
        st.markdown(f"**{name}** · mapping `{report.mapping}`")
        cols = st.columns(6)
        for col, (label, value) in zip(
            cols,
            [
                ("Rows read", report.rows_read),
                ("New", report.inserted),
                ("Updated", report.updated),
                ("Unchanged", report.unchanged),
                ("Rejected", report.rejected),
                ("Warnings", report.warned),
            ],
            strict=True,
        ):
            col.metric(label, f"{value:,}")
        if report.reasons:
            st.markdown("Rejected rows by reason (not loaded):")
            st.dataframe(_counts(report.reasons), hide_index=True)
        if report.warnings:
            st.markdown("Warnings (loaded, with something dropped):")
            warnings = {k.removeprefix(WARNING): v for k, v in report.warnings.items()}
            st.dataframe(_counts(warnings), hide_index=True)
        if report.unmapped:
            st.warning(
                f"{len(report.unmapped):,} offence codes ({report.unmapped_rows:,} rows) match "
                "no rule in the mapping and would be filed as 'other': add them to the mapping."
            )
            st.dataframe(
                pd.DataFrame(report.unmapped, columns=["code", "description", "rows"]),
                hide_index=True,
            )
        for area_kind, codes in report.unknown_codes.items():
            shown = ", ".join(f"{c} ({n:,})" for c, n in codes[:10])
            st.warning(f"{area_kind} codes not among the areas: {shown}")
        for note in report.notes:
            st.caption(f"Note: {note}")
        if report.preview is not None and len(report.preview):
            with st.expander(f"The first {len(report.preview)} rows as mapped"):
                st.dataframe(report.preview, hide_index=True)
        issues = file_plan.issues(ISSUE_ROWS)
        if len(issues):
            issues.insert(0, "file", name)
            with st.expander(
                f"Rejected and warned rows: file, row, column, reason ({len(issues):,}"
                f"{' shown' if len(issues) == ISSUE_ROWS else ''})"
            ):
                st.dataframe(issues, hide_index=True)


def _counts(reasons: dict[str, int]) -> pd.DataFrame:
    return pd.DataFrame(sorted(reasons.items(), key=lambda kv: -kv[1]), columns=["reason", "rows"])


def _show_suggestion(upload: Upload, kind: str) -> None:
    suggested = suggestion_for(upload, kind)
    if isinstance(suggested, str):
        return
    with st.expander(f"A starting mapping for {upload.name} (`mapping suggest`)", expanded=True):
        st.caption(
            "Placed: "
            + (", ".join(f"{k} ← {v}" for k, v in suggested.placed.items()) or "nothing")
            + ". Could not place columns: "
            + (", ".join(suggested.unplaced_columns) or "none")
            + (
                ". Fields with no column: " + ", ".join(suggested.unplaced_fields)
                if suggested.unplaced_fields
                else ""
            )
            + ". Choose “Write or edit a mapping here” to start from it."
        )
        st.code(suggested.text, language="toml")


def show_rejects(db_path: Path) -> None:
    rejects = read_fresh(db_path, datasets.recent_rejects)
    if len(rejects):
        st.subheader("Rejected and warned rows of recent imports")
        st.dataframe(rejects, hide_index=True, width="stretch")


def show(db_path: Path) -> None:
    """The administrator part of the Data page: sign-in, or the upload flow."""
    st.subheader("Import data")
    expected = configured_hash()
    if expected is None:
        show_setup_instructions()
        return
    try:
        auth.check_hash(expected)
    except auth.AuthConfigError as exc:
        show_setup_instructions(str(exc))
        return
    if not signed_in():
        show_sign_in(expected)
        return
    left, right = st.columns([4, 1])
    left.caption("Signed in as administrator.")
    if right.button("Sign out"):
        _discard()
        st.session_state["nno_admin"] = False
        st.rerun()
    show_upload(db_path)
    show_rejects(db_path)


# Column headings and number formats for the Data page's tables, in words a reader knows.
COUNT = "localized"
TABLE_COLUMNS = {
    "table": st.column_config.TextColumn("Table"),
    "rows": st.column_config.NumberColumn("Rows", format=COUNT),
}
AREA_KIND_COLUMNS = {
    "kind": st.column_config.TextColumn("Kind of area"),
    "areas": st.column_config.NumberColumn("Areas", format=COUNT),
    "with_population": st.column_config.NumberColumn("With a population", format=COUNT),
    "residents": st.column_config.NumberColumn("Residents", format=COUNT),
}
IMPORT_LOG_COLUMNS = {
    "import_id": st.column_config.NumberColumn("Import", format="%d"),
    "imported_at": st.column_config.DatetimeColumn("When", format="YYYY-MM-DD HH:mm"),
    "kind": st.column_config.TextColumn("What"),
    "source_file": st.column_config.TextColumn("From file"),
    "rows_read": st.column_config.NumberColumn("Rows read", format=COUNT),
    "rows_loaded": st.column_config.NumberColumn("Loaded (new)", format=COUNT),
    "rows_updated": st.column_config.NumberColumn("Updated", format=COUNT),
    "rows_rejected": st.column_config.NumberColumn("Rejected", format=COUNT),
    "notes": st.column_config.TextColumn("Notes"),
}


def show_holdings(tables: pd.DataFrame, areas: pd.DataFrame) -> None:
    """What the database holds: rows per table and areas per kind, side by side."""
    left, right = st.columns(2)
    with left:
        st.subheader("Tables")
        st.dataframe(tables, hide_index=True, width="stretch", column_config=TABLE_COLUMNS)
    with right:
        st.subheader("Areas by kind")
        # a kind with no population loaded has no residents to sum: a dash, not "None"
        st.dataframe(
            theme.labelled(areas, "kind"),
            hide_index=True,
            width="stretch",
            column_config=AREA_KIND_COLUMNS,
            placeholder="–",
        )


def show_import_log(db_path: Path) -> None:
    """The import log, read fresh: an import that changed no record still adds a line."""
    st.dataframe(
        read_fresh(db_path, datasets.import_log),
        hide_index=True,
        width="stretch",
        column_config=IMPORT_LOG_COLUMNS,
    )
