"""Command line: `python -m nno_dash {demo,migrate,import,mapping,admin-hash,agency,...}`.

Writing happens here, or through the importer from the admin-only Data page.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable, Sequence
from datetime import date
from pathlib import Path

from nno_dash.core.settings import Settings


def _csv_list(text: str) -> tuple[str, ...]:
    return tuple(item.strip() for item in text.split(",") if item.strip())


def _add_demo(sub: argparse._SubParsersAction, common: argparse.ArgumentParser) -> None:
    from nno_dash.demo.params import DemoParams

    d = DemoParams()
    p = sub.add_parser(
        "demo", parents=[common], help="generate the fictional demo city into a database"
    )
    p.add_argument("--seed", type=int, default=d.seed, help=f"random seed (default {d.seed})")
    p.add_argument(
        "--incidents",
        type=int,
        default=d.incidents,
        help=f"about how many incidents (default {d.incidents:,})",
    )
    p.add_argument(
        "--end-date",
        type=date.fromisoformat,
        default=d.end_date,
        help="last day of data (YYYY-MM-DD)",
    )
    p.add_argument("--years", type=int, default=d.years, help=f"years of data (default {d.years})")
    p.add_argument(
        "--effect",
        type=float,
        default=d.effect,
        help="planted relative change in treated areas' crime after the start "
        f"(default {d.effect})",
    )
    p.add_argument(
        "--effect-categories",
        type=_csv_list,
        default=d.effect_categories,
        help="comma-separated offence categories the effect applies to (default %(default)s)",
    )
    p.add_argument(
        "--effect-start",
        type=date.fromisoformat,
        default=None,
        help="day sustained outreach starts in treated areas "
        "(default: National Night Out two years before the end)",
    )
    p.add_argument(
        "--treated-areas",
        type=_csv_list,
        default=None,
        help="comma-separated neighbourhood codes given sustained outreach (default: by seed)",
    )
    p.add_argument(
        "--treated-count",
        type=int,
        default=d.treated_count,
        help="how many treated areas when not named",
    )
    p.set_defaults(run=_run_demo)


def _run_demo(args: argparse.Namespace) -> int:
    from nno_dash.demo.build import build_demo, describe_summary
    from nno_dash.demo.params import DemoParams

    params = DemoParams(
        seed=args.seed,
        incidents=args.incidents,
        end_date=args.end_date,
        years=args.years,
        effect=args.effect,
        effect_categories=args.effect_categories,
        effect_start=args.effect_start,
        treated_areas=args.treated_areas,
        treated_count=args.treated_count,
    )
    summary = build_demo(args.db, params, progress=lambda msg: print(msg, file=sys.stderr))
    print(describe_summary(summary))
    return 0


def _add_migrate(sub: argparse._SubParsersAction, common: argparse.ArgumentParser) -> None:
    p = sub.add_parser(
        "migrate", parents=[common], help="upgrade an older database file to this version's schema"
    )
    p.set_defaults(run=_run_migrate)


def _run_migrate(args: argparse.Namespace) -> int:
    from nno_dash.store import db

    found = db.migrate(args.db)
    print(f"{args.db}: schema version {found} -> {db.SCHEMA_VERSION}")
    return 0


def _add_export_parquet(sub: argparse._SubParsersAction, common: argparse.ArgumentParser) -> None:
    p = sub.add_parser(
        "export-parquet",
        parents=[common],
        help="write every table as Parquet, incidents partitioned by year (README: past one "
        "machine)",
    )
    p.add_argument("out", type=Path, help="folder to write (appears whole or not at all)")
    p.add_argument("--replace", action="store_true", help="replace the folder if it exists")
    p.set_defaults(run=_run_export_parquet)


def _run_export_parquet(args: argparse.Namespace) -> int:
    from nno_dash.store import lake

    try:
        rows = lake.export(args.db, args.out, replace=args.replace)
    except FileExistsError as err:
        print(err, file=sys.stderr)
        return 2
    written = ", ".join(f"{table} {n:,}" for table, n in rows.items())
    print(f"{args.db} -> {args.out}: {written}")
    return 0


class _ProgressBar:
    """A one-line progress bar on a terminal; silent when output is not a terminal."""

    def __init__(self, stream, *, force: bool = False, width: int = 30) -> None:
        self.stream = stream
        self.enabled = force or (hasattr(stream, "isatty") and stream.isatty())
        self.width = width
        self.label: str | None = None

    def __call__(self, label: str, fraction: float | None) -> None:
        if not self.enabled:
            return
        if fraction is None:
            bar = "." * self.width
            text = f"\r{label[:40]:<40} [{bar}]"
        else:
            done = int(round(max(0.0, min(fraction, 1.0)) * self.width))
            bar = "#" * done + "-" * (self.width - done)
            text = f"\r{label[:40]:<40} [{bar}] {fraction:4.0%}"
        self.stream.write(text)
        self.stream.flush()
        self.label = label

    def close(self) -> None:
        if self.enabled and self.label is not None:
            self.stream.write("\r" + " " * (40 + self.width + 8) + "\r")
            self.stream.flush()


def _add_import(sub: argparse._SubParsersAction, common: argparse.ArgumentParser) -> None:
    p = sub.add_parser(
        "import",
        parents=[common],
        help="import an agency's files: areas, events, attendance or incidents",
        description="Check files against a mapping and load each one in one transaction "
        "(all its accepted rows or none). Exit code 0 when every file loaded, 1 when any "
        "file was rejected as a whole. Rows that cannot be used go to the rejects table and "
        "a CSV beside the database.",
    )
    p.add_argument("kind", choices=("areas", "events", "attendance", "incidents"))
    p.add_argument("files", nargs="+", type=Path, metavar="FILE")
    p.add_argument(
        "--mapping",
        help="mapping file or shipped mapping name (default: the shipped mapping that fits "
        "each file; see `mapping list`)",
    )
    p.add_argument(
        "--dry-run", action="store_true", help="do everything but keep the result: write nothing"
    )
    p.add_argument(
        "--rejects-dir",
        type=Path,
        default=None,
        help="folder for the rejects CSVs (default: rejects/ beside the database)",
    )
    p.add_argument("--json", action="store_true", help="print the report as JSON")
    p.add_argument("--quiet", action="store_true", help="no progress bar")
    p.set_defaults(run=_run_import)


def _run_import(args: argparse.Namespace) -> int:
    import json

    from nno_dash.ingest import pipeline

    bar = _ProgressBar(sys.stderr, force=False) if not args.quiet else None
    try:
        report = pipeline.run(
            args.db,
            args.kind,
            args.files,
            args.mapping,
            dry_run=args.dry_run,
            rejects_dir=args.rejects_dir,
            progress=bar,
        )
    finally:
        if bar is not None:
            bar.close()
    if args.json:
        print(json.dumps([f.as_dict() for f in report.files], indent=2, ensure_ascii=False))
    else:
        print(report.summary())
    return report.exit_code


def _add_mapping(sub: argparse._SubParsersAction, common: argparse.ArgumentParser) -> None:
    p = sub.add_parser("mapping", help="write, list and check mapping files")
    actions = p.add_subparsers(dest="action", required=True)
    s = actions.add_parser(
        "suggest", help="print a starting mapping for a file, and what it could not place"
    )
    s.add_argument("file", type=Path)
    s.add_argument("--kind", choices=("areas", "events", "attendance", "incidents"))
    s.add_argument("--output", type=Path, help="write the mapping here instead of printing it")
    s.set_defaults(run=_run_mapping_suggest)
    ls = actions.add_parser("list", help="the mappings shipped with the package")
    ls.set_defaults(run=_run_mapping_list)
    c = actions.add_parser("check", help="validate a mapping file (and a data file against it)")
    c.add_argument("mapping")
    c.add_argument("file", type=Path, nargs="?")
    c.set_defaults(run=_run_mapping_check)


def _run_mapping_suggest(args: argparse.Namespace) -> int:
    from nno_dash.ingest import formats, suggest

    try:
        suggestion = suggest.suggest(args.file, args.kind)
    except formats.ReadError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    if args.output:
        args.output.write_text(suggestion.text, encoding="utf-8")
        print(f"wrote {args.output}")
    else:
        print(suggestion.text, end="")
    placed = ", ".join(f"{k} <- {v}" for k, v in suggestion.placed.items()) or "nothing"
    print(f"placed: {placed}", file=sys.stderr)
    print(
        "could not place columns: " + (", ".join(suggestion.unplaced_columns) or "none"),
        file=sys.stderr,
    )
    if suggestion.unplaced_fields:
        print("fields with no column: " + ", ".join(suggestion.unplaced_fields), file=sys.stderr)
    return 0


def _run_mapping_list(args: argparse.Namespace) -> int:
    from nno_dash.ingest import mapping

    for name in mapping.shipped():
        m = mapping.load(name)
        print(f"{name:<28} {m.kind:<11} {m.description}")
    return 0


def _run_mapping_check(args: argparse.Namespace) -> int:
    from nno_dash.ingest import formats, mapping, readers

    try:
        m = mapping.load(args.mapping)
        print(f"{m.origin}: valid {m.kind} mapping {m.name!r}")
        if args.file is not None:
            if formats.is_geo(args.file, m.read):
                header = list(readers.read_boundaries(args.file, m.read, rows=1)[0].columns)
            else:
                header = readers.read_header(args.file, m.read)
            used = m.columns_used()
            _, missing = mapping.resolve_columns(used, header)
            required = m.required_columns()
            for column in missing:
                level = "MISSING (required)" if column in required else "missing (optional)"
                print(f"  {level}: {column!r} for {used[column]}")
            if any(c in required for c in missing):
                return 1
            print(f"  {args.file.name}: every required column is present")
    except (mapping.MappingError, formats.ReadError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    return 0


def _add_admin_hash(sub: argparse._SubParsersAction, common: argparse.ArgumentParser) -> None:
    p = sub.add_parser(
        "admin-hash",
        help="make the password hash that turns on the Data page's upload for administrators",
        description="Reads a password (typed twice at a terminal, else the first line of "
        "standard input) and prints its hash. Put the hash in .streamlit/secrets.toml as "
        'NNO_ADMIN_PASSWORD_HASH = "...", or in the environment variable of that name '
        "(in single quotes in a shell: the hash contains $). The password is never stored.",
    )
    p.add_argument(
        "--scheme", choices=("scrypt", "pbkdf2"), default="scrypt", help="default: scrypt"
    )
    p.set_defaults(run=_run_admin_hash)


def _run_admin_hash(args: argparse.Namespace) -> int:
    import getpass

    from nno_dash.core import auth

    if sys.stdin.isatty():
        password = getpass.getpass("Administrator password: ")
        if getpass.getpass("Again: ") != password:
            print("error: the two passwords differ", file=sys.stderr)
            return 1
    else:
        password = sys.stdin.readline().rstrip("\r\n")
    try:
        print(auth.hash_password(password, scheme=args.scheme))
    except ValueError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    return 0


def _add_agency(sub: argparse._SubParsersAction, common: argparse.ArgumentParser) -> None:
    p = sub.add_parser(
        "agency",
        parents=[common],
        help="record the agency's name, which every page and export names as the source",
    )
    p.add_argument(
        "name", nargs="?", help="the name to record; without it, print the one on record"
    )
    p.set_defaults(run=_run_agency)


def _run_agency(args: argparse.Namespace) -> int:
    from nno_dash.store import db

    if args.name is None:
        if not args.db.exists():
            print(f"error: no database at {args.db}", file=sys.stderr)
            return 2
        con = db.open_readonly(args.db)
        try:
            name = db.get_meta(con, "agency_name")
        finally:
            con.close()
        print(name or "no agency name is on record")
        return 0
    try:
        db.set_agency(args.db, args.name)
    except ValueError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    print(f"{args.db}: agency name set to {args.name.strip()!r}")
    return 0


# Each entry adds one subcommand given the shared options (--db) as a parent parser.
Registrar = Callable[[argparse._SubParsersAction, argparse.ArgumentParser], None]
SUBCOMMANDS: list[Registrar] = [
    _add_demo,
    _add_migrate,
    _add_import,
    _add_mapping,
    _add_admin_hash,
    _add_export_parquet,
    _add_agency,
]


def build_parser() -> argparse.ArgumentParser:
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument(
        "--db",
        type=Path,
        default=Settings.from_env().db_path,
        help="database file (default: $NNO_DB or data/nno.duckdb)",
    )
    parser = argparse.ArgumentParser(prog="python -m nno_dash", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)
    for add in SUBCOMMANDS:
        add(sub, common)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    return int(args.run(args))


if __name__ == "__main__":
    raise SystemExit(main())
