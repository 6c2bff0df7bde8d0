"""Statistics: honest comparisons of counts, with their uncertainty.

Crime counts are Poisson-like. A change between two periods is judged by the exact
conditional test: given n1 + n2 events, n1 is binomial with p = t1 / (t1 + t2) under "no
change in rate". Its Clopper-Pearson interval for p converts to an interval for the rate
ratio. Small counts are flagged rather than shown as dramatic percentage swings.

scipy is imported inside the functions that need it: every page imports this module before
it draws anything, and most never need `scipy.stats`, whose import is slow.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import pandas as pd

# Below this many events in either period a percentage change is not worth reading.
MIN_COUNT_TO_JUDGE = 10


@dataclass(frozen=True)
class Change:
    current: int
    previous: int
    change_pct: float | None  # None when there is no baseline
    ci_low_pct: float | None  # 95% interval for the change in rate, in percent
    ci_high_pct: float | None
    p_value: float | None
    too_few: bool

    @property
    def significant(self) -> bool:
        return self.p_value is not None and self.p_value < 0.05 and not self.too_few

    def words(self) -> str:
        """One plain sentence for a caption: never says why it changed."""
        if self.change_pct is None:
            return "no baseline to compare with"
        if self.too_few:
            return f"too few incidents to judge ({self.previous} → {self.current})"
        direction = "up" if self.change_pct > 0 else "down"
        verdict = (
            "more than chance alone would explain"
            if self.significant
            else "within what chance alone could explain"
        )
        return (
            f"{direction} {abs(self.change_pct):.0f}% (95% CI {self.ci_low_pct:+.0f}% to "
            f"{self.ci_high_pct:+.0f}%), {verdict}"
        )


def compare_counts(
    current: int, previous: int, exposure_current: float = 1.0, exposure_previous: float = 1.0
) -> Change:
    """Change in rate between two periods (exposures: days × residents, or just days)."""
    current, previous = int(current), int(previous)
    too_few = min(current, previous) < MIN_COUNT_TO_JUDGE
    if previous == 0 or exposure_current <= 0 or exposure_previous <= 0:
        return Change(current, previous, None, None, None, None, too_few)
    scale = exposure_previous / exposure_current
    ratio = current / previous * scale
    total = current + previous
    p_null = exposure_current / (exposure_current + exposure_previous)
    low, high = clopper_pearson(current, total)

    def to_pct(p: float) -> float:
        if p >= 1.0:
            return float("inf")
        return (p / (1 - p) * scale - 1) * 100

    return Change(
        current=current,
        previous=previous,
        change_pct=(ratio - 1) * 100,
        ci_low_pct=to_pct(low),
        ci_high_pct=to_pct(high),
        p_value=binomial_test(current, total, p_null),
        too_few=too_few,
    )


# The exact binomial test and interval from scipy.special, not scipy.stats: the same numbers
# as stats.binomtest (tests/analysis/test_statistics.py checks), and Home, the first page a
# visitor opens, needs nothing else from scipy.stats.


def clopper_pearson(k: int, n: int, level: float = 0.95) -> tuple[float, float]:
    """The exact (Clopper-Pearson) interval for a binomial proportion k / n."""
    from scipy import special

    alpha = 1 - level
    low = 0.0 if k == 0 else float(special.betaincinv(k, n - k + 1, alpha / 2))
    high = 1.0 if k == n else float(special.betaincinv(k + 1, n - k, 1 - alpha / 2))
    return low, high


def binomial_test(k: int, n: int, p: float) -> float:
    """Two-sided exact binomial p-value, summing outcomes no likelier than k (as scipy does).

    Kept by hand: scipy.stats.binomtest's import slows Home's first run (bench/hand_vs_library.py).
    """
    from scipy import special

    def log_pmf(i: int) -> float:
        return float(
            special.gammaln(n + 1)
            - special.gammaln(i + 1)
            - special.gammaln(n - i + 1)
            + special.xlogy(i, p)
            + special.xlog1py(n - i, -p)
        )

    threshold = log_pmf(k) + math.log1p(1e-7)  # scipy's relative tolerance
    mean = p * n
    if k == mean:
        return 1.0
    if k < mean:  # the first outcome above the mean no likelier than k
        lo, hi = math.ceil(mean), n
        if log_pmf(hi) > threshold:
            return min(1.0, float(special.bdtr(k, n, p)))
        while lo < hi:
            mid = (lo + hi) // 2
            if log_pmf(mid) <= threshold:
                hi = mid
            else:
                lo = mid + 1
        upper_tail = float(special.bdtrc(lo - 1, n, p))
        return min(1.0, float(special.bdtr(k, n, p)) + upper_tail)
    lo, hi = 0, math.floor(mean)  # the last outcome below the mean no likelier than k
    if log_pmf(lo) > threshold:
        return min(1.0, float(special.bdtrc(k - 1, n, p)))
    while lo < hi:
        mid = (lo + hi + 1) // 2
        if log_pmf(mid) <= threshold:
            lo = mid
        else:
            hi = mid - 1
    return min(1.0, float(special.bdtr(lo, n, p)) + float(special.bdtrc(k - 1, n, p)))


def percent_change(current: float, previous: float) -> float | None:
    """Plain percentage change, None where there is no baseline."""
    if not previous:
        return None
    return (current - previous) / previous * 100


def per_1000(count: float, residents: float | None) -> float | None:
    """Count per 1,000 residents; None where no population is on record (never NaN or inf)."""
    if residents is None or pd.isna(residents) or residents <= 0:
        return None
    return 1000 * count / residents


def compare_frame(
    frame: pd.DataFrame, current: str = "incidents", previous: str = "incidents_prev"
) -> pd.DataFrame:
    """Add change_pct, its 95% interval, p_value and too_few to each row of a count table."""
    changes = [compare_counts(c, p) for c, p in zip(frame[current], frame[previous], strict=True)]
    out = frame.copy()
    out["change_pct"] = [c.change_pct for c in changes]
    out["ci_low_pct"] = [c.ci_low_pct for c in changes]
    out["ci_high_pct"] = [c.ci_high_pct for c in changes]
    out["p_value"] = [c.p_value for c in changes]
    out["too_few"] = [c.too_few for c in changes]
    out["reading"] = [c.words() for c in changes]
    return out


@dataclass(frozen=True)
class Association:
    n_areas: int
    rho: float | None  # Spearman rank correlation
    ci_low: float | None
    ci_high: float | None
    p_value: float | None

    def words(self, x: str, y: str) -> str:
        """A plain reading that says 'associated with', never 'caused'."""
        if self.rho is None:
            return f"Too few areas ({self.n_areas}) to judge an association."
        strength = (
            "no clear"
            if self.ci_low <= 0 <= self.ci_high
            else ("a positive" if self.rho > 0 else "a negative")
        )
        return (
            f"Across {self.n_areas} areas, {x} shows {strength} association with {y} "
            f"(Spearman ρ = {_signed(self.rho)}, 95% CI {_signed(self.ci_low)} to "
            f"{_signed(self.ci_high)}). "
            "An association is not evidence that outreach caused the change: areas differ in "
            "many ways, and outreach often goes where crime already is."
        )


def _signed(value: float) -> str:
    """Two decimals with a sign, but a plain 0.00 where it rounds to zero: "-0.00" reads as
    a finding to someone who does not know about signed zeros."""
    text = f"{value:+.2f}"
    return "0.00" if text in ("+0.00", "-0.00") else text


def rank_association(x: pd.Series, y: pd.Series) -> Association:
    """Spearman correlation with a Fisher-z 95% interval; needs at least 8 areas."""
    pair = pd.DataFrame({"x": x, "y": y}).dropna()
    n = len(pair)
    if n < 8 or pair["x"].nunique() < 2 or pair["y"].nunique() < 2:
        return Association(n, None, None, None, None)
    from scipy import stats

    result = stats.spearmanr(pair["x"], pair["y"])
    rho = float(result.statistic)
    z = np.arctanh(np.clip(rho, -0.999999, 0.999999))
    half = 1.96 * np.sqrt(1.06 / (n - 3))  # Fieller et al. variance for Spearman's rho
    return Association(
        n, rho, float(np.tanh(z - half)), float(np.tanh(z + half)), float(result.pvalue)
    )


def t_interval(values: pd.Series | np.ndarray, level: float = 0.95) -> tuple[float, float, float]:
    """Mean and its t interval (the one-sample t test's interval); NaN with fewer than 2 values."""
    from scipy import stats

    x = np.asarray(values, dtype=float)
    x = x[np.isfinite(x)]
    if len(x) < 2:
        mean = float(x.mean()) if len(x) else float("nan")
        return mean, float("nan"), float("nan")
    mean = float(x.mean())
    half = float(stats.t.ppf(0.5 + level / 2, len(x) - 1) * x.std(ddof=1) / np.sqrt(len(x)))
    return mean, mean - half, mean + half
