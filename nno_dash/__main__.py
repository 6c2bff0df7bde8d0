"""Command line: `python -m nno_dash {demo,migrate,...}`. Writing happens here, never in pages."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable, Sequence
from datetime import date
from pathlib import Path

from nno_dash.settings import Settings

Command = Callable[[argparse.Namespace], int]


def _csv_list(text: str) -> tuple[str, ...]:
    return tuple(item.strip() for item in text.split(",") if item.strip())


def _add_demo(sub: argparse._SubParsersAction, common: argparse.ArgumentParser) -> None:
    from nno_dash import demo

    d = demo.DemoParams()
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
    from nno_dash import demo

    params = demo.DemoParams(
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
    summary = demo.build_demo(args.db, params, progress=lambda msg: print(msg, file=sys.stderr))
    print(demo.describe_summary(summary))
    return 0


def _add_migrate(sub: argparse._SubParsersAction, common: argparse.ArgumentParser) -> None:
    p = sub.add_parser(
        "migrate", parents=[common], help="upgrade an older database file to this version's schema"
    )
    p.set_defaults(run=_run_migrate)


def _run_migrate(args: argparse.Namespace) -> int:
    from nno_dash import db

    found = db.migrate(args.db)
    print(f"{args.db}: schema version {found} -> {db.SCHEMA_VERSION}")
    return 0


# Each entry adds one subcommand given the shared options (--db) as a parent parser.
Registrar = Callable[[argparse._SubParsersAction, argparse.ArgumentParser], None]
SUBCOMMANDS: list[Registrar] = [_add_demo, _add_migrate]


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
