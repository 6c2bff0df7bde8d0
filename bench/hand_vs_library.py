"""Why two statistics stay hand-written: the library's answers, checked equal, then timed.

    python bench/hand_vs_library.py [--repeats 20]

1. statistics.binomial_test against scipy.stats.binomtest: equal p-values on random
   (k, n, p); the time per call; and what importing scipy.stats adds to a page that has not
   (Home calls the test on its first run, and nothing else there needs scipy.stats).
2. classes.natural_breaks against mapclassify.FisherJenks (the exact optimal breaks):
   equal breaks on random and rate-like data; the time at 40-1,000 areas (the kinds of
   area the maps draw). Without numba, mapclassify runs its dynamic programme in Python.

Prints the medians; the numbers depend on the machine.
"""

from __future__ import annotations

import argparse
import statistics as stat
import subprocess
import sys
import warnings
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from timing import median_ms  # noqa: E402  (beside this script)

from nno_dash.analysis import classes, statistics  # noqa: E402


def import_ms(module: str, repeats: int) -> float:
    """Median time to import `module` in a fresh interpreter that has the package loaded."""
    code = (
        "import time, nno_dash.analysis.statistics, scipy.special\n"
        f"t = time.perf_counter(); import {module}; print(time.perf_counter() - t)"
    )
    runs = [
        float(subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True,
                             text=True, check=True).stdout)
        for _ in range(repeats)
    ]  # fmt: skip
    return stat.median(runs) * 1000


def binomial(repeats: int) -> bool:
    from scipy import stats

    rng = np.random.default_rng(0)
    worst = 0.0
    for _ in range(5000):
        n = int(rng.integers(1, 5000))
        k, p = int(rng.integers(0, n + 1)), float(rng.uniform(0.05, 0.95))
        worst = max(worst, abs(statistics.binomial_test(k, n, p) - stats.binomtest(k, n, p).pvalue))
    hand = median_ms(lambda: statistics.binomial_test(1234, 2500, 0.48), repeats)
    scipy = median_ms(lambda: stats.binomtest(1234, 2500, 0.48).pvalue, repeats)
    print(f"binomial test: largest difference {worst:.1e}; per call {hand:.3f} ms by hand, "
          f"{scipy:.3f} ms scipy.stats.binomtest")  # fmt: skip
    print(f"  import scipy.stats on a page without it: {import_ms('scipy.stats', 5):.0f} ms")
    return worst < 1e-9


def fisher_jenks(values: np.ndarray, k: int) -> list[float]:
    import mapclassify

    k = min(k, len(np.unique(values)))
    if k <= 1:
        return [float(values.max())]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # it warns when there are fewer values than classes
        return sorted({float(b) for b in mapclassify.FisherJenks(values, k=k).bins})


def natural(repeats: int) -> bool:
    rng = np.random.default_rng(0)
    differing = 0
    for i in range(300):
        n = int(rng.integers(1, 300))
        draws = (
            rng.lognormal(1, 1, n),
            np.round(rng.gamma(2, 5, n), 1) + 0.1,
            rng.uniform(0, 9, n),
        )
        x = draws[i % 3]
        k = int(rng.integers(2, 8))
        differing += not np.allclose(classes.natural_breaks(x, k), fisher_jenks(x, k))
    print(f"natural breaks: {differing} of 300 inputs give different breaks")
    for n in (40, 80, 300, 1000):
        x = rng.lognormal(1, 1, n)
        runs = repeats if n < 300 else max(3, repeats // 4)
        hand = median_ms(lambda x=x: classes.natural_breaks(x, 5), runs)
        library = median_ms(lambda x=x: fisher_jenks(x, 5), runs)
        print(f"  {n:>5} areas: {hand:8.1f} ms by hand, {library:8.1f} ms mapclassify.FisherJenks")
    return differing == 0


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=20)
    args = parser.parse_args()
    agree = [binomial(args.repeats), natural(args.repeats)]
    sys.exit(0 if all(agree) else 1)  # a library that answers differently fails the run


if __name__ == "__main__":
    main()
