"""Reports: what an import did, or would do, to each file, and the summary the command prints.

Also the two ways a step tells the outside how it goes: `report_progress` for the
progress bar and `step`, which logs a step's time at DEBUG level to find where an
import spends it.
"""

from __future__ import annotations

import contextlib
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

log = logging.getLogger(__name__)


Progress = Callable[[str, float | None], None]


WARNING = "warning: "


class ImportFileError(ValueError):
    """A file that cannot be imported as asked; one sentence naming the file and the problem."""


@dataclass
class FileReport:
    """What happened (or would happen) to one file."""

    path: Path
    kind: str
    mapping: str | None = None
    status: str = "pending"  # ready | failed | loaded | dry-run
    error: str | None = None
    rows_read: int = 0
    inserted: int = 0
    updated: int = 0
    unchanged: int = 0
    duplicates: int = 0
    rejected: int = 0
    warned: int = 0
    reasons: dict[str, int] = field(default_factory=dict)
    warnings: dict[str, int] = field(default_factory=dict)
    unmapped: list[tuple[str, str, int]] = field(default_factory=list)
    unmapped_rows: int = 0
    unknown_codes: dict[str, list[tuple[str, int]]] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)
    import_id: int | None = None
    rejects_csv: Path | None = None
    seconds: float = 0.0
    preview: pd.DataFrame | None = None
    source: str | None = None  # what the log names the file by (default: its path)

    @property
    def source_file(self) -> str:
        return self.source or str(self.path)

    @property
    def failed(self) -> bool:
        return self.status == "failed"

    @property
    def loaded(self) -> int:
        """Rows that are in the database after the import: new, changed and unchanged ones."""
        return self.inserted + self.updated + self.unchanged

    def as_dict(self) -> dict:
        """Plain data for JSON and the import_log notes."""
        return {
            "file": str(self.path),
            "kind": self.kind,
            "mapping": self.mapping,
            "status": self.status,
            "error": self.error,
            "rows_read": self.rows_read,
            "inserted": self.inserted,
            "updated": self.updated,
            "unchanged": self.unchanged,
            "duplicates": self.duplicates,
            "rejected": self.rejected,
            "warned": self.warned,
            "reasons": self.reasons,
            "warnings": self.warnings,
            "unmapped": [list(u) for u in self.unmapped],
            "unmapped_rows": self.unmapped_rows,
            "unknown_codes": {k: [list(c) for c in v] for k, v in self.unknown_codes.items()},
            "notes": self.notes,
            "import_id": self.import_id,
            "rejects_csv": str(self.rejects_csv) if self.rejects_csv else None,
            "seconds": round(self.seconds, 3),
        }


@dataclass
class ImportReport:
    """The outcome of an import command: one report per file."""

    kind: str
    files: list[FileReport]
    dry_run: bool = False
    db_path: Path | None = None

    @property
    def ok(self) -> bool:
        return not any(f.failed for f in self.files)

    @property
    def exit_code(self) -> int:
        return 0 if self.ok else 1

    def summary(self) -> str:
        return format_summary(self)


def _n(value: int) -> str:
    return f"{value:,}"


def format_summary(report: ImportReport) -> str:
    """The one-screen text summary the command line prints."""
    head = "DRY RUN (nothing written): " if report.dry_run else ""
    lines = [f"{head}import {report.kind} into {report.db_path}"]
    for f in report.files:
        lines.append("")
        if f.failed:
            lines.append(f"FAILED  {f.error}")
            lines.append("        nothing from this file was written")
            continue
        rate = f.rows_read / f.seconds if f.seconds else 0
        ident = f" (import {f.import_id})" if f.import_id and not report.dry_run else ""
        lines.append(
            f"{f.path.name}{ident}: mapping {f.mapping}, {f.seconds:.1f} s, {rate:,.0f} rows/s"
        )
        rows = [
            ("rows read", f.rows_read, ""),
            ("loaded, new", f.inserted, ""),
            ("updated", f.updated, "existing ids with changed content"),
            ("unchanged", f.unchanged, "already loaded, identical"),
        ]
        if f.duplicates:
            rows.append(("repeated rows", f.duplicates, "identical copies of a row, merged"))
        rows.append(("rejected", f.rejected, "not loaded"))
        for label, value, why in rows:
            lines.append(f"  {label:<14}{_n(value):>10}  {why}".rstrip())
        for reason, count in sorted(f.reasons.items(), key=lambda kv: -kv[1]):
            lines.append(f"    {reason:<52}{_n(count):>8}")
        if f.warned:
            lines.append(f"  {'warnings':<14}{_n(f.warned):>10}  loaded, with something dropped")
            for reason, count in sorted(f.warnings.items(), key=lambda kv: -kv[1]):
                lines.append(f"    {reason.removeprefix(WARNING):<52}{_n(count):>8}")
        if f.unmapped:
            lines.append(
                f"  unmapped offence codes: {len(f.unmapped)} codes, {_n(f.unmapped_rows)} rows "
                "filed as 'other' (add them to the mapping):"
            )
            for code, description, count in f.unmapped[:8]:
                lines.append(f"    {code or '-':<8} {description[:44]:<44}{_n(count):>8}")
            if len(f.unmapped) > 8:
                lines.append(f"    ... and {len(f.unmapped) - 8} more (see the report)")
        for kind, codes in f.unknown_codes.items():
            shown = ", ".join(f"{c} ({_n(n)})" for c, n in codes[:6])
            more = f" and {len(codes) - 6} more" if len(codes) > 6 else ""
            lines.append(f"  {kind} codes not among the areas: {shown}{more}")
        for note in f.notes:
            lines.append(f"  note: {note}")
        if f.rejects_csv:
            lines.append(f"  rejects: {f.rejects_csv}")
    if len(report.files) > 1:
        failed = sum(f.failed for f in report.files)
        lines.append("")
        lines.append(
            f"{len(report.files)} files: {len(report.files) - failed} imported, {failed} failed"
        )
    return "\n".join(lines)


@contextlib.contextmanager
def step(label: str):
    """Log how long a step took (DEBUG), for finding where an import spends its time."""
    started = time.perf_counter()
    yield
    log.debug("%-28s %7.3f s", label, time.perf_counter() - started)


def report_progress(progress: Progress | None, label: str, fraction: float | None) -> None:
    if progress is not None:
        progress(label, fraction)
