"""How honest is the outreach evaluation? Recovery and false-positive rates, measured.

    python bench/false_positive.py [--runs 1000] [--demo-seeds 3] [--incidents 100000]

1. Simulated null panels (simulation.simulate_null_panel: over-dispersed counts, persistent
   area shocks, seasons) through did.did_poisson: the share whose 95% interval
   excludes zero, per scenario, with its own 95% interval.
2. Real demo databases (nno_dash.demo) with planted effects of -30%, -15% and 0 for each
   seed: the event study on the planted areas and day, estimate and interval.
3. On each effect-0 demo database, placebo event studies (random sets of 6 neighbourhoods,
   every National Night Out in the data): the share whose interval excludes zero.

docs/methods.md quotes its output.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from nno_dash.analysis.event_study import EventStudy  # noqa: E402
from nno_dash.analysis.simulation import false_positive_rate  # noqa: E402
from nno_dash.core.filters import Filters  # noqa: E402
from nno_dash.demo.build import build_demo  # noqa: E402
from nno_dash.demo.params import DemoParams  # noqa: E402
from nno_dash.queries.evaluation import study_for  # noqa: E402
from nno_dash.store import db  # noqa: E402

SCENARIOS = {
    "6 treated v 12 comparison, over-dispersed, persistent shocks": {},
    "same, pure Poisson": {"dispersion": None, "shock_sd": 0.0},
    "same, stronger shocks (sd 0.1, AR 0.7)": {"shock_sd": 0.1, "shock_ar": 0.7},
    "1 treated v 4 comparison (one council district)": {"n_treated": 1, "n_comparison": 4},
}


def simulated(runs: int) -> None:
    print(f"Simulated null panels ({runs} each, 8 weeks either side):")
    for name, options in SCENARIOS.items():
        started = time.perf_counter()
        m = false_positive_rate(runs=runs, seed=2026, **options)
        print(
            f"  {name}: {m['rate']:.1%} excluded zero (95% CI {m['ci_low']:.1%} to "
            f"{m['ci_high']:.1%}), {time.perf_counter() - started:.0f} s"
        )


def study(con, truth: dict, weeks: int, areas=None, anchor=None) -> EventStudy:
    start = date.fromisoformat(truth["effect_start"])
    filters = Filters(
        date(start.year, 1, 1),
        date(start.year, 12, 31),
        "neighbourhood",
        tuple(areas or truth["treated_area_ids"]),
        (),
        tuple(truth["effect_categories"]),
    )
    return study_for(con, filters, "national_night_out", anchor or start, weeks)


def demos(seeds: int, incidents: int, weeks: int, placebos: int) -> None:
    print(f"\nDemo databases ({incidents:,} incidents, {weeks} weeks either side):")
    covered = total = 0
    placebo_hits = placebo_runs = 0
    rng = np.random.default_rng(1)
    with tempfile.TemporaryDirectory() as tmp:
        for seed in range(11, 11 + seeds):
            for effect in (-0.30, -0.15, 0.0):
                path = Path(tmp) / f"demo_{seed}_{effect}.duckdb"
                build_demo(path, DemoParams(seed=seed, incidents=incidents, effect=effect))
                con = db.open_readonly(path)
                truth = json.loads(db.get_meta(con, "demo_params"))
                est = study(con, truth, weeks).estimate
                total += 1
                covered += est.covers(effect * 100)
                print(
                    f"  seed {seed}, planted {effect:+.0%}: estimated {est.change_pct:+.1f}% "
                    f"(95% CI {est.ci_low_pct:+.1f}% to {est.ci_high_pct:+.1f}%), "
                    f"{'covers' if est.covers(effect * 100) else 'MISSES'} the truth"
                )
                if effect == 0.0:
                    days = [date.fromisoformat(d) for d in truth["nno_dates"]]
                    days = [d for d in days if d.month == 8]
                    hoods = [f"neighbourhood:{i}" for i in range(1, 41)]
                    for _ in range(placebos):
                        areas = list(rng.choice(hoods, 6, replace=False))
                        day = days[int(rng.integers(len(days)))]
                        result = study(con, truth, weeks, areas, day).estimate
                        if result.estimated:
                            placebo_runs += 1
                            placebo_hits += result.excludes_zero
                con.close()
    print(f"  planted effect inside the 95% interval in {covered} of {total} databases")
    if placebo_runs:
        print(
            f"  placebo studies on effect-0 databases: {placebo_hits} of {placebo_runs} "
            f"({placebo_hits / placebo_runs:.1%}) excluded zero"
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=1000)
    parser.add_argument("--demo-seeds", type=int, default=3)
    parser.add_argument("--incidents", type=int, default=100_000)
    parser.add_argument("--weeks", type=int, default=26)
    parser.add_argument("--placebos", type=int, default=40)
    args = parser.parse_args()
    simulated(args.runs)
    demos(args.demo_seeds, args.incidents, args.weeks, args.placebos)


if __name__ == "__main__":
    main()
