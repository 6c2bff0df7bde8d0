"""Uploads: the Data page's import flow without Streamlit: save, check (dry run), commit.

Checking an upload is `pipeline.prepare` on the uploaded bytes saved in a temporary
folder: it reads the live database but never writes it. Committing goes through
`pipeline.commit` (one transaction on a copy, swapped in atomically) while a process-wide
lock keeps two commits from overlapping, and is refused when the database file changed
since the check. A check's temporary folders go on commit, on discard, and when the
session holding it is collected. `ui.admin` draws this flow.
"""

from __future__ import annotations

import shutil
import tempfile
import threading
import weakref
from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

from nno_dash.ingest import pipeline
from nno_dash.ingest.fields import KINDS
from nno_dash.ingest.formats import ReadError
from nno_dash.ingest.mapping import MappingError, load, shipped
from nno_dash.ingest.pipeline import FilePlan, Plan
from nno_dash.ingest.report import FileReport, ImportReport
from nno_dash.ingest.suggest import Suggestion, suggest
from nno_dash.store import db

# What the uploader accepts, by the end of the file's name (a shapefile comes zipped).
DATA_SUFFIXES = (
    ".csv",
    ".tsv",
    ".txt",
    ".csv.gz",
    ".tsv.gz",
    ".txt.gz",
    ".parquet",
    ".xlsx",
    ".json",
    ".geojson",
    ".gpkg",
    ".zip",
)
MAPPING_SUFFIXES = (".toml", ".yaml", ".yml")


# One commit at a time in this process: db.write_session's staging copy is per process.
_COMMIT_LOCK = threading.Lock()


@dataclass(frozen=True)
class Upload:
    """An uploaded file: its name as the user's computer gave it, and its bytes."""

    name: str
    data: bytes


@dataclass
class Checked:
    """Uploads checked against the database, waiting for a commit or a discard."""

    kind: str
    plan: Plan
    folder: Path
    db_stamp: str
    signature: str = ""
    _cleanup: weakref.finalize | None = field(default=None, repr=False)

    def __post_init__(self) -> None:
        # an abandoned session's temporary files go when its state is collected
        self._cleanup = weakref.finalize(self, _remove, self.folder, self.plan.workdir)

    @property
    def reports(self) -> list[FileReport]:
        return self.plan.reports

    @property
    def ready(self) -> list[FileReport]:
        return [r for r in self.reports if not r.failed]

    def close(self) -> None:
        if self._cleanup is not None:
            self._cleanup()


def _remove(*folders: Path) -> None:
    for folder in folders:
        shutil.rmtree(folder, ignore_errors=True)


def refusal(name: str, size: int, limit_mb: int, suffixes: Sequence[str] = DATA_SUFFIXES) -> str:
    """Why an upload is refused ('' when it is accepted), by its name's ending and its size."""
    lower = name.lower()
    if not lower.endswith(tuple(suffixes)):
        allowed = ", ".join(suffixes)
        return f"{name}: files of this type are not accepted (accepted: {allowed})"
    if size > limit_mb * 1024 * 1024:
        return (
            f"{name}: {size / 1024 / 1024:,.1f} MB is over the {limit_mb:,} MB upload limit "
            "(server.maxUploadSize in .streamlit/config.toml); import it with the command line"
        )
    if size == 0:
        return f"{name}: is empty (0 bytes)"
    return ""


def safe_name(name: str) -> str:
    """The file's own name without any folder, in characters safe for a file name."""
    base = name.replace("\\", "/").rsplit("/", 1)[-1]
    cleaned = "".join(ch if ch.isalnum() or ch in "-_. " else "_" for ch in base).strip(" .")
    return cleaned or "upload"


def save_uploads(uploads: Sequence[Upload], folder: Path) -> list[Path]:
    """Write uploads into `folder` under their own names (made unique), in order."""
    paths: list[Path] = []
    for upload in uploads:
        name = safe_name(upload.name)
        path = folder / name
        n = 1
        while path.exists():
            n += 1
            path = folder / f"{n}-{name}"
        path.write_bytes(upload.data)
        paths.append(path)
    return paths


def check_uploads(
    db_path: Path,
    kind: str,
    uploads: Sequence[Upload],
    chosen: str | Upload | None,
    *,
    limit_mb: int,
) -> Checked:
    """The dry run: save the uploads, `pipeline.prepare` them; the database is only read.

    `chosen` is a shipped mapping's name, an uploaded mapping file (an Upload with a .toml
    or .yaml name, also how a mapping written on the page arrives), or None for the shipped
    mapping that fits each file. Refused uploads (type, size) fail with their reason.
    """
    folder = Path(tempfile.mkdtemp(prefix="nno-upload-"))
    stamp = db.file_stamp(db_path) if db_path.exists() else ""
    try:
        accepted = [u for u in uploads if not refusal(u.name, len(u.data), limit_mb)]
        paths = save_uploads(accepted, folder)
        mapping_arg: str | Path | None = chosen if isinstance(chosen, str) else None
        if isinstance(chosen, Upload):
            if not chosen.data:
                raise MappingError(
                    "no mapping given: upload or write one, or choose a shipped mapping"
                )
            why = refusal(chosen.name, len(chosen.data), limit_mb, MAPPING_SUFFIXES)
            if why:
                raise MappingError(why)
            mapping_folder = folder / "mapping"
            mapping_folder.mkdir()
            mapping_arg = save_uploads([chosen], mapping_folder)[0]
        plan = pipeline.prepare(
            kind,
            paths,
            mapping_arg,
            db_path=db_path if db_path.exists() else None,
            sources=[f"{u.name} (uploaded)" for u in accepted],
        )
    except MappingError as exc:
        plan = Plan(kind, [], Path(tempfile.mkdtemp(prefix="nno-import-")))
        accepted = [u for u in uploads if not refusal(u.name, len(u.data), limit_mb)]
        for u in accepted:
            report = FileReport(Path(u.name), kind, status="failed", error=str(exc))
            plan.files.append(FilePlan(report))
    except BaseException:
        shutil.rmtree(folder, ignore_errors=True)
        raise
    for upload in uploads:
        why = refusal(upload.name, len(upload.data), limit_mb)
        if why:
            plan.files.append(
                FilePlan(FileReport(Path(upload.name), kind, status="failed", error=why))
            )
    return Checked(kind, plan, folder, stamp)


class StaleCheck(RuntimeError):
    """The database changed between the check and the commit: check again."""


def commit_checked(db_path: Path, checked: Checked) -> ImportReport:
    """Write the checked files that are ready, each all or nothing; then drop the uploads.

    Refuses (StaleCheck) when the database file changed since the check, since the check's
    counts and area placements were made against the old one.
    """
    with _COMMIT_LOCK:
        now = db.file_stamp(db_path) if db_path.exists() else ""
        if now != checked.db_stamp:
            checked.close()
            raise StaleCheck(
                "The database changed since these files were checked (another import?): "
                "check them again before committing."
            )
        try:
            return pipeline.commit(db_path, checked.plan)
        finally:
            checked.close()


def suggestion_for(upload: Upload, kind: str) -> Suggestion | str:
    """`mapping suggest` for an uploaded file, or the sentence saying why it cannot be read."""
    folder = Path(tempfile.mkdtemp(prefix="nno-suggest-"))
    try:
        (path,) = save_uploads([upload], folder)
        return suggest(path, kind)
    except (ReadError, MappingError) as exc:
        return str(exc)
    finally:
        shutil.rmtree(folder, ignore_errors=True)


@lru_cache(maxsize=1)
def shipped_by_kind() -> dict[str, list[tuple[str, str]]]:
    """Shipped mappings' (name, description) for each kind."""
    out: dict[str, list[tuple[str, str]]] = {kind: [] for kind in KINDS}
    for name in shipped():
        m = load(name)
        out.setdefault(m.kind, []).append((name, m.description))
    return out
