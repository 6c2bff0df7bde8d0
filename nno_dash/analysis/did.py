"""Difference in differences for an area x week panel of counts, and the Weighted
Displacement Difference for the areas around the treated ones.

Every result is an association with its uncertainty, never a cause; docs/methods.md has the
method, its assumptions and the measured false-positive rate. scipy is imported inside the
functions that need it, so importing this module stays cheap for the page's first visit.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from nno_dash.analysis.statistics import MIN_COUNT_TO_JUDGE

Z95 = 1.959963984540054


@dataclass(frozen=True)
class DidResult:
    """A difference in differences on the rate ratio scale, in percent."""

    treated_pre: int
    treated_post: int
    comparison_pre: int
    comparison_post: int
    n_treated: int
    n_comparison: int
    weeks_pre: int
    weeks_post: int
    change_pct: float | None = None  # (rate ratio - 1) * 100: treated relative to comparison
    ci_low_pct: float | None = None
    ci_high_pct: float | None = None
    p_value: float | None = None
    log_ratio: float | None = None
    se: float | None = None  # of the log rate ratio, the one the interval uses
    se_quasi: float | None = None
    se_cluster: float | None = None
    interval_from: str = ""  # "quasi-Poisson" or "cluster-robust"
    too_few: bool = True
    weekly: pd.DataFrame = field(default_factory=pd.DataFrame, compare=False)

    @property
    def estimated(self) -> bool:
        return self.change_pct is not None

    @property
    def excludes_zero(self) -> bool:
        return self.estimated and (self.ci_high_pct < 0 or self.ci_low_pct > 0)

    def covers(self, effect_pct: float) -> bool:
        return self.estimated and self.ci_low_pct <= effect_pct <= self.ci_high_pct

    def basis(self) -> str:
        """What the estimate rests on: the counts either side and how the interval was made."""
        return (
            f"Incidents {self.weeks_pre} weeks before and {self.weeks_post} after: treated "
            f"areas {self.treated_pre:,} and {self.treated_post:,}, comparison areas "
            f"{self.comparison_pre:,} and {self.comparison_post:,}. The 95% interval uses "
            f"{self.interval_from} standard errors."
        )

    def words(self, treated: str = "the treated areas") -> str:
        """A plain reading: relative change, interval, verdict; never 'caused'."""
        if not self.estimated:
            return (
                f"Too few incidents to estimate ({self.treated_pre} before and "
                f"{self.treated_post} after in {treated})."
            )
        size = round(abs(self.change_pct))
        direction = "lower" if self.change_pct < 0 else "higher"
        # "0% lower" reads as a slip; a change that rounds to nothing is said in words
        compared = "about what" if size == 0 else f"{size}% {direction} than"
        verdict = (
            "more than chance alone would explain"
            if self.excludes_zero
            else "within what chance alone could explain"
        )
        text = (
            f"After the event, incidents in {treated} were {compared} "
            f"the comparison areas' trend predicts (95% CI {self.ci_low_pct:+.0f}% to "
            f"{self.ci_high_pct:+.0f}%): {verdict}."
        )
        if self.too_few:
            text += f" Fewer than {MIN_COUNT_TO_JUDGE} incidents in a period: too few to judge."
        return text


def _codes(values: np.ndarray) -> tuple[np.ndarray, int]:
    codes, uniques = pd.factorize(values, sort=True)
    return codes, len(uniques)


@dataclass(frozen=True)
class PoissonFit:
    """A Poisson GLM's maximum-likelihood fit: what did_poisson reads from it."""

    params: np.ndarray
    mu: np.ndarray
    cov: np.ndarray  # inverse Fisher information (the model-based covariance)
    df_resid: int
    pearson_chi2: float


def fit_poisson(y: np.ndarray, x: np.ndarray, offset: np.ndarray) -> PoissonFit:
    """Poisson regression with log link by iteratively reweighted least squares.

    Hand-written because statsmodels' GLM is about ten times slower on the page's panels
    (bench/poisson_fit.py measures both and checks they agree). The same algorithm, start and
    stopping rule as `GLM(...).fit()`: start at mu = (y + mean y) / 2, stop when the deviance
    changes by under 1e-8, the covariance from the last iteration's weights;
    tests/analysis/test_did.py checks it against statsmodels to 1e-8.
    """
    mu = (y + y.mean()) / 2.0
    eta = np.log(mu)

    def deviance(mu: np.ndarray) -> float:
        ratio = np.where(y > 0, y / mu, 1.0)
        return float(2.0 * np.sum(np.where(y > 0, y * np.log(ratio), 0.0) - (y - mu)))

    dev = deviance(mu)
    for _ in range(100):
        z = eta - offset + (y - mu) / mu  # working response, offset removed
        xtw = x.T * mu  # X'W, with the Poisson weights W = mu
        information = xtw @ x
        try:
            params = np.linalg.solve(information, xtw @ z)
        except np.linalg.LinAlgError:  # not of full rank: the minimum-norm solution
            params = np.linalg.lstsq(information, xtw @ z, rcond=None)[0]
        eta = x @ params + offset
        mu = np.exp(eta)
        new = deviance(mu)
        converged = abs(new - dev) <= 1e-8
        dev = new
        if converged:
            break
    # The inverse information, as a pseudo-inverse so a rank-deficient design still gives one.
    values, vectors = np.linalg.eigh(information)
    kept = values > values.max() * len(values) * np.finfo(float).eps
    rank = int(kept.sum())
    return PoissonFit(
        params=params,
        mu=mu,
        cov=(vectors[:, kept] / values[kept]) @ vectors[:, kept].T,
        df_resid=int(len(y) - rank),
        pearson_chi2=float(np.sum((y - mu) ** 2 / mu)),
    )


def did_poisson(panel: pd.DataFrame) -> DidResult:
    """Poisson difference in differences on an area x week panel.

    `panel`: area_id, week, incidents, population, treated (bool), post (bool). The model is
    log E[incidents] = log(population) + area + week + b * treated * post, fitted by maximum
    likelihood (`fit_poisson`); exp(b) is the change in the treated areas' rate relative to
    what the comparison areas' weeks predict. The interval is the wider of a quasi-Poisson
    one (Pearson dispersion, never below 1) and a cluster-robust one by area (CR1 with
    t on G - 1 degrees of freedom), so neither over-dispersion nor correlated weeks within an
    area make it too narrow; docs/methods.md has the measured false-positive rate.
    """
    return did_arrays(
        panel["area_id"].to_numpy(),
        panel["week"].to_numpy(),
        panel["incidents"].to_numpy(float),
        panel["population"].to_numpy(float),
        panel["treated"].to_numpy(bool),
        panel["post"].to_numpy(bool),
    )


def did_arrays(
    area_id: np.ndarray,
    week: np.ndarray,
    y: np.ndarray,
    pop: np.ndarray,
    treated: np.ndarray,
    post: np.ndarray,
) -> DidResult:
    """`did_poisson` on the panel's columns as arrays (the event study builds no frame)."""
    from scipy import special  # not scipy.stats: its import slows the page's first visit

    area_codes, area_ids = pd.factorize(area_id)
    week_codes, week_ids = pd.factorize(week)
    keep = np.nan_to_num(pop) > 0
    # Areas, then weeks, with no incidents at all carry no information and cannot be fitted.
    for codes, n in ((area_codes, len(area_ids)), (week_codes, len(week_ids))):
        totals = np.bincount(codes[keep], weights=y[keep], minlength=n)
        keep &= totals[codes] > 0
    treated, post, y, pop = treated[keep], post[keep], y[keep], pop[keep]
    area_names = np.asarray(area_ids, dtype=object)[area_codes[keep]]
    weeks = np.asarray(week_ids)[week_codes[keep]]
    cells = [int(y[treated & ~post].sum()), int(y[treated & post].sum())]
    cells += [int(y[~treated & ~post].sum()), int(y[~treated & post].sum())]
    base = {
        "treated_pre": cells[0],
        "treated_post": cells[1],
        "comparison_pre": cells[2],
        "comparison_post": cells[3],
        "n_treated": len(set(area_names[treated])),
        "n_comparison": len(set(area_names[~treated])),
        "weeks_pre": len(set(weeks[~post])),
        "weeks_post": len(set(weeks[post])),
    }
    if min(cells) == 0 or base["n_comparison"] == 0 or base["n_treated"] == 0:
        return DidResult(**base)

    area, n_areas = _codes(area_names)
    week, n_weeks = _codes(weeks)
    n = len(y)
    x = np.zeros((n, 1 + n_areas + n_weeks - 1))
    x[:, 0] = treated & post
    x[np.arange(n), 1 + area] = 1.0
    later = week > 0
    x[np.flatnonzero(later), n_areas + week[later]] = 1.0
    offset = np.log(pop)
    # A saturated model (one area each side, two weeks) fits exactly, with zero residual df;
    # the estimate is still the MLE.
    with np.errstate(divide="ignore", invalid="ignore"):
        fit = fit_poisson(y, x, offset)
    b = float(fit.params[0])

    # Quasi-Poisson: model-based SE scaled by the Pearson dispersion (at least 1).
    dispersion = fit.pearson_chi2 / fit.df_resid if fit.df_resid > 0 else 1.0
    se_quasi = float(np.sqrt(fit.cov[0, 0] * max(1.0, dispersion)))
    # Cluster-robust by area (CR1, statsmodels' small-sample correction), from the one fit.
    bread = fit.cov[:, 0]
    influence = (x @ bread) * (y - fit.mu)
    per_area = np.bincount(area, weights=influence, minlength=n_areas)
    k = n - fit.df_resid
    correction = n_areas / (n_areas - 1) * (n - 1) / max(n - k, 1)
    se_cluster = float(np.sqrt(correction * np.sum(per_area**2)))

    half_quasi = Z95 * se_quasi
    df = n_areas - 1
    half_cluster = float(special.stdtrit(df, 0.975)) * se_cluster  # Student t quantile
    if half_cluster > half_quasi:
        half, se, label = half_cluster, se_cluster, "cluster-robust"
        p_value = float(2 * special.stdtr(df, -abs(b) / se))
    else:
        half, se, label = half_quasi, se_quasi, "quasi-Poisson"
        p_value = float(2 * special.ndtr(-abs(b) / se))

    # The model's counterfactual for the treated areas: their fit with the effect removed.
    treated_weeks, at = np.unique(weeks[treated], return_inverse=True)
    weekly = pd.DataFrame(
        {
            "week": treated_weeks,
            "observed": np.bincount(at, weights=y[treated]),
            "expected": np.bincount(at, weights=(fit.mu * np.exp(-b * x[:, 0]))[treated]),
        }
    )

    def pct(v: float) -> float:
        return float((np.exp(v) - 1) * 100)

    return DidResult(
        **base,
        change_pct=pct(b),
        ci_low_pct=pct(b - half),
        ci_high_pct=pct(b + half),
        p_value=p_value,
        log_ratio=b,
        se=se,
        se_quasi=se_quasi,
        se_cluster=se_cluster,
        interval_from=label,
        too_few=min(cells[0], cells[1]) < MIN_COUNT_TO_JUDGE,
        weekly=weekly,
    )


@dataclass(frozen=True)
class Wdd:
    """Wheeler & Ratcliffe's (2018) Weighted Displacement Difference, in incidents."""

    wdd: float  # net change in incidents (treated + buffer) beyond the comparison's change
    ci_low: float
    ci_high: float
    z: float
    p_value: float
    treated_change: float  # treated change beyond the comparison's
    buffer_change: float  # buffer change beyond the comparison's (displacement if > 0)
    counts: pd.DataFrame = field(compare=False)

    def words(self) -> str:
        net = "fewer" if self.wdd < 0 else "more"
        verdict = (
            "more than chance alone would explain"
            if self.ci_high < 0 or self.ci_low > 0
            else "within what chance alone could explain"
        )
        spill = (
            "rose, relative to the comparison (possible displacement)"
            if self.buffer_change > 0
            else "fell too, relative to the comparison (possible diffusion of benefits)"
        )
        return (
            f"Counting the surrounding areas too, about {abs(self.wdd):,.0f} {net} incidents than "
            f"the comparison areas' change predicts (95% CI {self.ci_low:+,.0f} to "
            f"{self.ci_high:+,.0f}), {verdict}. Incidents in the surrounding areas {spill}: "
            f"{self.buffer_change:+,.0f}."
        )


def weighted_displacement_difference(
    treated: tuple[int, int],
    buffer: tuple[int, int],
    comparison: tuple[int, int],
    scale_treated: float = 1.0,
    scale_buffer: float = 1.0,
) -> Wdd:
    """WDD = dT - dCt + dD - dCd on (before, after) counts over equal periods.

    One comparison group serves as control for both the treated areas (scaled by
    `scale_treated`, e.g. their population ratio) and the buffer (`scale_buffer`), so its
    change enters once with weight (scale_treated + scale_buffer). Counts are treated as
    Poisson (variance = count), as in Wheeler & Ratcliffe (2018).
    """
    from scipy import stats

    t0, t1 = treated
    d0, d1 = buffer
    c0, c1 = comparison
    dc = c1 - c0
    treated_change = (t1 - t0) - scale_treated * dc
    buffer_change = (d1 - d0) - scale_buffer * dc
    wdd = treated_change + buffer_change
    variance = t0 + t1 + d0 + d1 + (scale_treated + scale_buffer) ** 2 * (c0 + c1)
    se = float(np.sqrt(variance)) if variance > 0 else float("nan")
    z = wdd / se if se > 0 else float("nan")
    counts = pd.DataFrame(
        {
            "group": ["Treated areas", "Surrounding areas (buffer)", "Comparison areas"],
            "before": [t0, d0, c0],
            "after": [t1, d1, c1],
            "weight": [1.0, 1.0, scale_treated + scale_buffer],
        }
    )
    return Wdd(
        wdd=float(wdd),
        ci_low=float(wdd - Z95 * se),
        ci_high=float(wdd + Z95 * se),
        z=float(z),
        p_value=float(2 * stats.norm.sf(abs(z))),
        treated_change=float(treated_change),
        buffer_change=float(buffer_change),
        counts=counts,
    )
