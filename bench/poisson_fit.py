"""Is the hand-written Poisson fit (analysis.did.fit_poisson) still worth keeping?

    python bench/poisson_fit.py [--db demo.duckdb] [--repeats 20]

Runs the Outreach and crime page's event studies (neighbourhoods, a council district, beats;
8 and 26 weeks either side) on a demo database (built from the tests' seed into a temporary
file unless --db is given), keeps every panel the estimator fitted, and fits each again with
statsmodels' GLM (Poisson, log(population) offset, errors clustered by area). Prints, per
panel, the largest difference in the estimate, the quasi-Poisson and cluster-robust standard
errors, and the median time of our whole estimator (did_arrays) against statsmodels' fit
alone. Exits non-zero when any difference exceeds 1e-6.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from datetime import date
from pathlib import Path

import numpy as np
import statsmodels.api as sm

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from timing import median_ms  # noqa: E402  (beside this script)

from nno_dash.analysis import did, event_study  # noqa: E402
from nno_dash.core.filters import Filters  # noqa: E402
from nno_dash.demo.build import build_demo  # noqa: E402
from nno_dash.demo.params import DemoParams  # noqa: E402
from nno_dash.queries.evaluation import study_for  # noqa: E402
from nno_dash.store import db  # noqa: E402

STUDIES = [  # (kind, areas chosen): what the page's tests and README open
    ("neighbourhood", ()),
    ("council_district", ("council_district:3",)),
    ("beat", ()),
]
TOLERANCE = 1e-6


def panels(path: Path) -> list[tuple[dict, did.DidResult, np.ndarray, np.ndarray, np.ndarray]]:
    """Every (did_arrays arguments, its result, y, x, offset) the page's studies fitted."""
    fitted: list[tuple[np.ndarray, np.ndarray, np.ndarray]] = []
    calls: list[tuple[dict, did.DidResult]] = []
    fit, arrays = did.fit_poisson, event_study.did_arrays

    def recording_fit(y, x, offset):
        fitted.append((y, x, offset))
        return fit(y, x, offset)

    def recording_arrays(**kwargs):
        result = arrays(**kwargs)
        calls.append((kwargs, result))
        return result

    did.fit_poisson, event_study.did_arrays = recording_fit, recording_arrays
    try:
        with db.open_readonly(path) as con:
            last = con.execute("select max(occurred_on) from incident_daily").fetchone()[0]
            for kind, areas in STUDIES:
                for weeks in (8, 26):
                    filters = Filters(date(last.year, 1, 1), last, kind, areas)
                    study_for(con, filters, event_study.DEFAULT_PROGRAM, None, weeks)
    finally:
        did.fit_poisson, event_study.did_arrays = fit, arrays
    estimated = [(kwargs, result) for kwargs, result in calls if result.estimated]
    assert len(estimated) == len(fitted)
    return [(*call, *fit) for call, fit in zip(estimated, fitted, strict=True)]


def area_groups(x: np.ndarray) -> np.ndarray:
    """Each row's area, from the design: the area dummies follow the effect's column."""
    for n_areas in range(1, x.shape[1]):
        if np.all(x[:, 1 : 1 + n_areas].sum(axis=1) == 1):
            return x[:, 1 : 1 + n_areas].argmax(axis=1)
    raise ValueError("no area dummies found")


def compare(path: Path, repeats: int) -> bool:
    agree = True
    print(f"{'panel (rows x columns)':>24} {'d estimate':>11} {'d se quasi':>11} "
          f"{'d se cluster':>13} {'ours ms':>8} {'statsmodels ms':>15}")  # fmt: skip
    for kwargs, ours, y, x, offset in panels(path):
        groups = area_groups(x)
        model = sm.GLM(y, x, family=sm.families.Poisson(), offset=offset)
        ref = model.fit(cov_type="cluster", cov_kwds={"groups": groups})
        dispersion = max(1.0, ref.pearson_chi2 / ref.df_resid) if ref.df_resid > 0 else 1.0
        se_quasi = float(np.sqrt(ref.normalized_cov_params[0, 0] * dispersion))
        diffs = (
            abs(ours.log_ratio - ref.params[0]),
            abs(ours.se_quasi - se_quasi),
            abs(ours.se_cluster - ref.bse[0]),
        )
        agree &= max(diffs) <= TOLERANCE
        ours_ms = median_ms(lambda kwargs=kwargs: event_study.did_arrays(**kwargs), repeats)
        sm_ms = median_ms(
            lambda model=model, groups=groups: model.fit(
                cov_type="cluster", cov_kwds={"groups": groups}
            ),
            repeats,
        )
        shape = f"{x.shape[0]} x {x.shape[1]}"
        print(f"{shape:>24} {diffs[0]:11.1e} {diffs[1]:11.1e} {diffs[2]:13.1e} "
              f"{ours_ms:8.2f} {sm_ms:15.2f}")  # fmt: skip
    return agree


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--db", type=Path, help="a database to read (default: a new demo)")
    parser.add_argument("--repeats", type=int, default=20)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        path = args.db
        if path is None:
            path = Path(tmp) / "demo.duckdb"
            build_demo(path, DemoParams(seed=11, incidents=40_000))
        agree = compare(path, args.repeats)
    print("agree to 1e-6" if agree else "DISAGREE beyond 1e-6")
    sys.exit(0 if agree else 1)


if __name__ == "__main__":
    main()
