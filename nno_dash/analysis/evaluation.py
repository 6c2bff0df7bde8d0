"""Evaluation: how crime moved around outreach, against similar areas, with honest intervals.

Owns the analytics of the Outreach and crime page (issue 5):

- `event_study`: incidents in the weeks before and after a program's event day (National
  Night Out) in the treated areas, against comparison areas matched on prior crime level and
  trend that had none of that outreach in the window; the difference in differences from a
  Poisson model (`did_poisson`), a placebo a year earlier, and the Weighted Displacement
  Difference for the areas touching the treated ones (`weighted_displacement_difference`).
- `dose_response`: areas' outreach per 1,000 residents against their change in crime rate.
- `trust_change`: survey trust before and after events, by program.
- `simulate_null_panel` / `false_positive_rate`: the check that, with no effect, the 95%
  interval excludes zero about 5% of the time.

Every result is an association with its uncertainty, never a cause. The method, its
assumptions and the measured false-positive rate are in docs/methods.md. statsmodels and
scipy are imported inside functions, so importing this module stays cheap.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta

import duckdb
import numpy as np
import pandas as pd

from nno_dash.analysis.statistics import MIN_COUNT_TO_JUDGE, t_interval
from nno_dash.core.filters import Filters
from nno_dash.core.vocab import program_label
from nno_dash.queries import CATEGORY_SELECTED, _df, area_column

Con = duckdb.DuckDBPyConnection

DEFAULT_PROGRAM = "national_night_out"
DEFAULT_WEEKS = 8
# An area "held" the event when it had one of the program's events this close to the day.
ANCHOR_SLACK_DAYS = 3
MIN_COMPARISONS = 3
BASELINE_WEEKS = 52  # prior crime level and trend for matching come from this year
Z95 = 1.959963984540054


# The estimator ------------------------------------------------------------------------------


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

    The same algorithm, start and stopping rule as statsmodels' `GLM(...).fit()` (start at
    mu = (y + mean y) / 2, stop when the deviance changes by under 1e-8; the covariance from
    the last iteration's weights), without its model and results set-up, which cost 40 of the
    45 ms a fit took on the page's small panels.
    tests/test_evaluation.py checks it against statsmodels to 1e-8.
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
    return _did(
        panel["area_id"].to_numpy(),
        panel["week"].to_numpy(),
        panel["incidents"].to_numpy(float),
        panel["population"].to_numpy(float),
        panel["treated"].to_numpy(bool),
        panel["post"].to_numpy(bool),
    )


def _did(
    area_id: np.ndarray,
    week: np.ndarray,
    y: np.ndarray,
    pop: np.ndarray,
    treated: np.ndarray,
    post: np.ndarray,
) -> DidResult:
    """`did_poisson` on the panel's columns as arrays (the event study builds no frame)."""
    from scipy import special  # scipy.stats would add a second to the page's first visit

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


# Weighted Displacement Difference -----------------------------------------------------------


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


# Geometry: which areas touch --------------------------------------------------------------


def touching(areas: pd.DataFrame) -> dict[str, set[str]]:
    """Area id -> ids of areas sharing a border (or within ~1 m: real boundaries leave slivers).

    `areas` is a GeoDataFrame of one kind, as geo.load_areas returns it.
    """
    import shapely

    geoms = np.asarray(areas.geometry.values, dtype=object)
    ids = areas["area_id"].to_numpy(dtype=object)
    grown = shapely.buffer(geoms, 1e-5)
    tree = shapely.STRtree(geoms)
    left, right = tree.query(grown, predicate="intersects")
    out: dict[str, set[str]] = {str(a): set() for a in ids}
    for i, j in zip(left, right, strict=True):
        if i != j:
            out[str(ids[i])].add(str(ids[j]))
            out[str(ids[j])].add(str(ids[i]))
    return out


# Which areas touch depends only on the boundaries, not on any filter: worked out once per
# data version and kind (200-300 ms on Chicago's full-detail boundaries), like the maps'
# simplified shapes. Bounded; a new data version is a new key.
_NEIGHBOURS: dict[tuple[str, str], dict[str, set[str]]] = {}
_NEIGHBOURS_KEPT = 16


def neighbours(con: Con, kind: str, version: str | None = None) -> dict[str, set[str]]:
    """`touching` for the areas of a kind, remembered per data version (read from the file
    unless the caller has it: the event study's statement brings it along)."""
    from nno_dash.geo import areas as geo
    from nno_dash.store import db

    if version is None:
        version = db.get_meta(con, "data_version", "") or ""
    key = (version, kind)
    found = _NEIGHBOURS.get(key) if version else None
    if found is None:
        found = touching(geo.load_areas(con, kind))
        if version:
            while len(_NEIGHBOURS) >= _NEIGHBOURS_KEPT:
                _NEIGHBOURS.pop(next(iter(_NEIGHBOURS)), None)
            _NEIGHBOURS[key] = found
    return found


# Matching comparison areas ----------------------------------------------------------------


def match_comparisons(
    areas: pd.DataFrame, treated: list[str], pool: list[str], n: int
) -> pd.DataFrame:
    """Pick n pool areas nearest the treated ones on prior crime level and trend.

    `areas` has area_id, prior_level (log incidents per 1,000 in the baseline year) and
    prior_trend (log ratio of its second half to its first). Distances are on standardised
    features; treated areas take turns choosing their nearest unused pool area, so every
    treated area gets look-alikes. Returns the chosen rows with `distance`, nearest first
    (a fresh index).
    """
    if not pool or not treated or n <= 0:
        return areas.iloc[0:0].assign(distance=[])
    position = {a: i for i, a in enumerate(areas["area_id"])}
    features = np.column_stack(
        [areas["prior_level"].to_numpy(float), areas["prior_trend"].to_numpy(float)]
    )
    both = features[[position[a] for a in treated + pool]]
    with np.errstate(invalid="ignore"):
        spread = np.nanstd(both, axis=0)
    spread = np.where(np.isfinite(spread) & (spread > 0), spread, 1.0)
    z = (both - np.nanmean(both, axis=0)) / spread
    t, p = z[: len(treated)], z[len(treated) :]
    dist = np.sqrt(((t[:, None, :] - p[None, :, :]) ** 2).sum(axis=2))  # treated x pool
    chosen: list[int] = []
    distance: list[float] = []
    order = [list(np.argsort(row, kind="stable")) for row in dist]
    while len(chosen) < min(n, len(pool)):
        for i, ranks in enumerate(order):
            while ranks and ranks[0] in chosen:
                ranks.pop(0)
            if ranks and len(chosen) < n:
                j = ranks.pop(0)
                chosen.append(j)
                distance.append(float(dist[i, j]))
    nearest = np.argsort(distance, kind="stable")
    rows = [position[pool[chosen[i]]] for i in nearest]
    picked = areas.iloc[rows].assign(distance=np.asarray(distance, dtype=float)[nearest])
    return picked.reset_index(drop=True)


# The event study ----------------------------------------------------------------------------


@dataclass(frozen=True)
class StudyData:
    """What the event study reads from the database, in one statement (`study_data`).

    `profile`: per area of the kind, by area_id: name, population, prior crime level and
    trend (the baseline year before the window), the program's events in the window and
    near the day. `counts[s, i, k]`: incidents in profile row i in week k - weeks, around
    the day (s = 0) or 52 weeks earlier (s = 1, the placebo), zero-filled; `inside[s, k]`
    says whether that week lies wholly inside the data.
    """

    profile: pd.DataFrame
    counts: np.ndarray
    inside: np.ndarray
    data_version: str = ""

    @property
    def week_numbers(self) -> np.ndarray:
        return np.arange(-(self.counts.shape[2] // 2), self.counts.shape[2] // 2)


PLACEBO_WEEKS = 52  # the placebo: the same comparison this much earlier


def study_data(
    con: Con, kind: str, categories: tuple[str, ...], program: str | None, anchor: date, weeks: int
) -> StudyData:
    """The event study's areas and weekly counts for the day and its placebo, one statement.

    DuckDB's fixed cost per statement made three statements a third of the study's wait. One
    scan counts incidents by area and week from the day, from the baseline year's start to the
    window's end; the baseline halves, the window and the placebo window (52 weeks earlier,
    which starts where the baseline does) are sums of those weeks, zero-filled here.
    """
    first_week = -(weeks + BASELINE_WEEKS)  # the baseline year's first week
    start, end = anchor + timedelta(weeks=-weeks), anchor + timedelta(weeks=weeks, days=-1)
    sql = f"""
    with weekly as (
        select d.area_id,
            floor(date_diff('day', $anchor::date, d.occurred_on) / 7)::integer as week,
            sum(d.incidents)::bigint as incidents
        from incident_daily d
        where d.kind = $kind and d.area_id is not null
          and {CATEGORY_SELECTED.format(col="d.category")}
          and d.occurred_on between $first and $end
        group by all
    ),
    per_area as (
        select area_id, list(week) as weeks, list(incidents) as counts from weekly group by 1
    ),
    ev as (
        select {area_column(kind)} as area_id, count(*) as program_events,
            count(*) filter (where e.starts_at >= $near_start and e.starts_at < $near_end)
                as events_near_day
        from events e
        where e.starts_at >= $start and e.starts_at < $end + interval 1 day
          and ($program::varchar is null or e.program = $program::varchar)
        group by 1
    )
    select a.area_id, a.name, a.population,
        coalesce(ev.program_events, 0)::bigint as program_events,
        coalesce(ev.events_near_day, 0)::bigint as events_near_day,
        per_area.weeks, per_area.counts,
        (select min(occurred_on) from incident_daily) as first_day,
        (select max(occurred_on) from incident_daily) as last_day,
        (select value from meta where key = 'data_version') as data_version
    from areas a left join ev using (area_id) left join per_area using (area_id)
    where a.kind = $kind
    order by a.area_id
    """
    params = {
        "kind": kind,
        "categories": list(categories),
        "program": program,
        "anchor": anchor,
        "first": anchor + timedelta(weeks=first_week),
        "start": start,
        "end": end,
        "near_start": anchor - timedelta(days=ANCHOR_SLACK_DAYS),
        "near_end": anchor + timedelta(days=ANCHOR_SLACK_DAYS + 1),
    }
    out = _df(con, sql, params)
    weekly = np.zeros((len(out), weeks - first_week), dtype=np.int64)  # weeks first_week..weeks-1
    listed = zip(out["weeks"].to_numpy(), out["counts"].to_numpy(), strict=True)
    for row, (week, n) in enumerate(listed):
        if isinstance(week, (list, np.ndarray)) and len(week):
            weekly[row, np.asarray(week) - first_week] = n

    def span(first: int, last: int) -> np.ndarray:
        """Each area's counts in weeks first..last-1 (weeks from the day)."""
        return weekly[:, first - first_week : last - first_week]

    half = first_week + BASELINE_WEEKS // 2
    base_first, base_second = span(first_week, half).sum(axis=1), span(half, -weeks).sum(axis=1)
    placebo = anchor - timedelta(weeks=PLACEBO_WEEKS)
    counts = np.stack([span(-weeks, weeks), span(-weeks - PLACEBO_WEEKS, weeks - PLACEBO_WEEKS)])
    inside = np.zeros((2, 2 * weeks), dtype=bool)
    if len(out) and pd.notna(out["first_day"].iloc[0]):
        first_day = pd.Timestamp(out["first_day"].iloc[0]).date()
        last_day = pd.Timestamp(out["last_day"].iloc[0]).date()
        for s, at in enumerate((anchor, placebo)):
            for k in range(2 * weeks):
                week_start = at + timedelta(weeks=k - weeks)
                inside[s, k] = week_start >= first_day and week_start + timedelta(6) <= last_day
    pop = out["population"].to_numpy(float)
    first, second = base_first.astype(float), base_second.astype(float)
    with np.errstate(divide="ignore", invalid="ignore"):
        derived = {
            "prior_rate": 1000.0 * (first + second) / pop,  # per 1,000 in the baseline year
            "prior_level": np.log((first + second + 0.5) / pop * 1000.0),
            "prior_trend": np.log((second + 0.5) / (first + 0.5)),
            "program_rate": 1000.0 * out["program_events"].to_numpy(float) / pop,
        }
    profile = pd.DataFrame(
        {
            "area_id": out["area_id"],
            "name": out["name"],
            "population": out["population"],
            "base_first": base_first,
            "base_second": base_second,
            "program_events": out["program_events"],
            "events_near_day": out["events_near_day"],
            **derived,
        }
    )
    version = out["data_version"].iloc[0] if len(out) else None
    return StudyData(profile, counts, inside, version if isinstance(version, str) else "")


@dataclass(frozen=True)
class EventStudy:
    """Everything the Outreach and crime page shows about one event day."""

    program: str | None
    anchor: date
    weeks: int
    treated: pd.DataFrame = field(compare=False)
    comparison: pd.DataFrame = field(compare=False)
    buffer: pd.DataFrame = field(compare=False)
    estimate: DidResult | None = None
    placebo: DidResult | None = None
    wdd: Wdd | None = None
    series: pd.DataFrame = field(default_factory=pd.DataFrame, compare=False)
    notes: tuple[str, ...] = ()

    @property
    def program_name(self) -> str:
        return program_label(self.program) if self.program else "any outreach"

    def treated_words(self) -> str:
        names = list(self.treated["name"]) if len(self.treated) else []
        if not names:
            return "the treated areas"
        if len(names) <= 3:
            return " and ".join([", ".join(names[:-1]), names[-1]] if len(names) > 1 else names)
        return f"the {len(names)} treated areas"

    def words(self) -> str:
        if self.estimate is None:
            return " ".join(self.notes) or "No estimate for these choices."
        return self.estimate.words(self.treated_words())


def _member(values: np.ndarray, wanted: list[str]) -> np.ndarray:
    """Which of `values` are in `wanted`, by hashing: np.isin sorts object arrays (slower
    than everything else the event study does with them)."""
    wanted_set = set(wanted)
    return np.fromiter((v in wanted_set for v in values), bool, count=len(values))


def _empty_areas() -> pd.DataFrame:
    return pd.DataFrame(columns=["area_id", "name", "population"])


def event_study(
    con: Con,
    filters: Filters,
    program: str | None = DEFAULT_PROGRAM,
    anchor: date | None = None,
    weeks: int = DEFAULT_WEEKS,
) -> EventStudy:
    """Crime before and after the program's day in the treated areas against matched ones.

    Treated: the areas chosen in the filters, or, with none chosen, every area that held one
    of the program's events within a few days of `anchor`. Comparison: other areas of the
    same kind with none of the program's events in the window and not touching a treated
    area, nearest on prior crime level and trend (relaxed step by step, and said, when too
    few qualify). Offence categories follow the filters; the sidebar period is not used
    (the window is `weeks` either side of `anchor`).
    """

    kind, categories = filters.area_kind, filters.categories
    if anchor is None:
        days = program_days(con, program)
        inside = days[(days["day"] >= filters.start) & (days["day"] <= filters.end)]
        pick = inside if len(inside) else days
        if pick.empty:
            return EventStudy(
                program, filters.end, weeks, _empty_areas(), _empty_areas(), _empty_areas(),
                notes=(f"No {program_label(program) if program else 'outreach'} events found.",),
            )  # fmt: skip
        anchor = pick.sort_values(["events", "day"]).iloc[-1]["day"]
    anchor = pd.Timestamp(anchor).date()
    data = study_data(con, kind, categories, program, anchor, weeks)
    populated = data.profile["population"].fillna(0).to_numpy() > 0
    profile, counts = data.profile[populated], data.counts[:, populated, :]
    # The selections below run on arrays: pandas' per-operation cost was a third of the study.
    ids = profile["area_id"].to_numpy(object)
    populations = profile["population"].to_numpy(float)
    program_events = profile["program_events"].to_numpy()
    program_rate = profile["program_rate"].to_numpy(float)
    notes: list[str] = []

    if filters.area_ids:
        present = set(ids)
        treated_ids = [a for a in filters.area_ids if a in present]
        is_treated = _member(ids, treated_ids)
        without = profile[is_treated & (program_events == 0)]
        if len(without):
            notes.append(
                f"{', '.join(without['name'])} had no {program_label(program) if program else ''} "
                "events in the window; the estimate still treats them as treated (your choice)."
            )
    else:
        is_treated = profile["events_near_day"].to_numpy() > 0
        treated_ids = list(ids[is_treated])
    treated = profile[is_treated]
    if treated.empty:
        return EventStudy(
            program, anchor, weeks, treated, _empty_areas(), _empty_areas(),
            notes=("No treated areas: no area held the program's events near that day.",),
        )  # fmt: skip

    touches = neighbours(con, kind, data.data_version)
    buffer_ids = sorted(set().union(*(touches.get(a, set()) for a in treated_ids)))
    buffer_ids = [a for a in buffer_ids if a not in treated_ids]
    other, away = ~is_treated, ~_member(ids, buffer_ids)
    treated_rate = program_events[is_treated].sum() / populations[is_treated].sum() * 1000
    tiers = [
        other & (program_events == 0) & away,
        other & (program_rate < treated_rate) & away,
        other & (program_events == 0),
        other & (program_rate < treated_rate),
        other & (program_rate >= 0),
    ]
    tier_notes = [
        "",
        "Too few areas had none of this outreach, so comparison areas include some that had "
        "less of it per resident: the estimate compares more outreach with less, not with none.",
        "Too few areas away from the treated ones qualified, so some comparison areas border "
        "them: spill-over would make the estimate smaller.",
        "Comparison areas include some that border the treated areas and some that had less "
        "of this outreach (not none).",
        "Every other area had as much of this outreach per resident; the comparison areas are "
        "simply the most similar others.",
    ]
    # A tier is used when it has enough areas to choose look-alikes from, not just to fill.
    n_wanted = max(4, 2 * len(treated_ids))
    pools = [list(ids[mask]) for mask in tiers]
    usable = [i for i, p in enumerate(pools) if len(p) >= n_wanted] or [
        i for i, p in enumerate(pools) if len(p) >= MIN_COMPARISONS
    ]
    tier = usable[0] if usable else len(pools) - 1
    pool, note = pools[tier], tier_notes[tier]
    if note:
        notes.append(note)
    comparison = match_comparisons(profile, treated_ids, pool, n_wanted)
    comparison_ids = list(comparison["area_id"])
    in_buffer = ~away & ~_member(ids, comparison_ids)
    buffer = profile[in_buffer]

    week_numbers = data.week_numbers
    panel_rows = np.flatnonzero(_member(ids, treated_ids + comparison_ids))  # by area_id
    panel_treated = _member(ids[panel_rows], treated_ids)

    def fit(study: int) -> DidResult:
        """The difference in differences on the zero-filled area x week panel."""
        weeks_inside = np.flatnonzero(data.inside[study])
        n_areas, n_weeks = len(panel_rows), len(weeks_inside)
        return _did(
            area_id=np.repeat(panel_rows, n_weeks),  # rows in area_id order, as ids sort
            week=np.tile(week_numbers[weeks_inside], n_areas),
            y=counts[study][np.ix_(panel_rows, weeks_inside)].ravel().astype(float),
            pop=np.repeat(populations[panel_rows], n_weeks),
            treated=np.repeat(panel_treated, n_weeks),
            post=np.tile(week_numbers[weeks_inside] >= 0, n_areas),
        )

    estimate = fit(0)
    if estimate.weeks_post < weeks:
        notes.append(
            f"Only {estimate.weeks_post} whole weeks of data after the day (of {weeks} asked)."
        )
    placebo = fit(1)
    placebo = placebo if placebo.estimated else None

    # The Weighted Displacement Difference: the same pre/post weeks, buffer included.
    fitted = np.isin(week_numbers, estimate.weekly["week"]) if estimate.estimated else None

    def before_after(rows: np.ndarray) -> tuple[int, int]:
        block = counts[0][rows][:, fitted]
        after = week_numbers[fitted] >= 0
        return int(block[:, ~after].sum()), int(block[:, after].sum())

    wdd = None
    if estimate.estimated and len(buffer) and estimate.weeks_pre == estimate.weeks_post:
        is_comparison = _member(ids, comparison_ids)
        comp_pop = populations[is_comparison].sum()
        wdd = weighted_displacement_difference(
            before_after(is_treated),
            before_after(in_buffer),
            before_after(is_comparison),
            scale_treated=populations[is_treated].sum() / comp_pop,
            scale_buffer=populations[in_buffer].sum() / comp_pop,
        )
    observed = counts[0][:, data.inside[0]]
    series = _series(
        ids, observed, week_numbers[data.inside[0]], populations, treated_ids, comparison_ids,
        estimate, anchor,
    )  # fmt: skip

    return EventStudy(
        program=program,
        anchor=anchor,
        weeks=weeks,
        treated=treated.reset_index(drop=True),
        comparison=comparison.reset_index(drop=True),
        buffer=buffer.reset_index(drop=True),
        estimate=estimate,
        placebo=placebo,
        wdd=wdd,
        series=series,
        notes=tuple(notes),
    )


def _series(
    ids: np.ndarray,
    observed: np.ndarray,
    weeks: np.ndarray,
    populations: np.ndarray,
    treated_ids: list[str],
    comparison_ids: list[str],
    estimate: DidResult,
    anchor: date,
) -> pd.DataFrame:
    """week, week_start, group, incidents, population, rate_per_1000 for the chart and CSV.

    `observed[i, k]`: incidents in area ids[i] in week weeks[k] (weeks inside the data)."""
    parts: list[tuple[str, np.ndarray, np.ndarray, np.ndarray, float]] = []
    for group, members in (("Treated areas", treated_ids), ("Comparison areas", comparison_ids)):
        mask = _member(ids, members)
        shown = weeks if mask.any() else weeks[:0]
        total = observed[mask].sum(axis=0).astype(float) if mask.any() else np.zeros(0)
        parts.append(
            (group, shown, total, np.full(len(shown), np.nan), float(populations[mask].sum()))
        )
    if estimate.estimated:
        expected = estimate.weekly
        parts.append(
            (
                "Treated, had they moved like the comparison",
                expected["week"].to_numpy(),
                np.full(len(expected), np.nan),
                expected["expected"].to_numpy(float),
                float(populations[_member(ids, treated_ids)].sum()),
            )
        )
    week = np.concatenate([p[1] for p in parts]).astype(int)
    # Observed weeks are whole counts; the model's counterfactual is an expectation.
    observed = np.concatenate([p[2] for p in parts])
    expected = np.concatenate([p[3] for p in parts])
    population = np.concatenate([[p[4]] * len(p[1]) for p in parts])
    return pd.DataFrame(
        {
            "week": week,
            "week_start": [anchor + timedelta(weeks=int(w)) for w in week],
            "group": np.concatenate([[p[0]] * len(p[1]) for p in parts]),
            "incidents": pd.array(observed, dtype="Int64"),
            "expected_incidents": expected,
            "population": population,
            "rate_per_1000": 1000.0 * np.where(np.isnan(observed), expected, observed) / population,
        }
    )


def program_days(con: Con, program: str | None = DEFAULT_PROGRAM) -> pd.DataFrame:
    """day, events: every day with the program's events (all programs: None), by day."""
    sql = """
    select e.starts_at::date as day, count(*) as events
    from events e
    where ($program::varchar is null or e.program = $program::varchar)
    group by 1 order by 1
    """
    out = _df(con, sql, {"program": program})
    out["day"] = pd.to_datetime(out["day"]).dt.date
    return out


# Dose and response ----------------------------------------------------------------------------


@dataclass(frozen=True)
class DoseResponse:
    """A straight line through areas' change in crime rate against their outreach rate."""

    n_areas: int
    slope: float | None = None  # change in incidents per 1,000 per extra event per 1,000
    ci_low: float | None = None
    ci_high: float | None = None
    p_value: float | None = None
    points: pd.DataFrame = field(default_factory=pd.DataFrame, compare=False)
    line: pd.DataFrame = field(default_factory=pd.DataFrame, compare=False)

    def words(self) -> str:
        if self.slope is None:
            return f"Too few areas ({self.n_areas}) with residents and outreach to fit a line."
        clear = self.ci_low > 0 or self.ci_high < 0
        reading = (
            f"each extra outreach event per 1,000 residents is associated with "
            f"{abs(self.slope):.1f} {'more' if self.slope > 0 else 'fewer'} incidents per 1,000 "
            f"on a year earlier (95% CI {self.ci_low:+.1f} to {self.ci_high:+.1f})"
        )
        return (
            f"Across {self.n_areas} areas, {reading}: "
            f"{'a clear' if clear else 'no clear'} association. This is not evidence that "
            "outreach caused the change: outreach often goes where crime is already high or "
            "rising, and areas differ in many ways."
        )


def dose_response(summary: pd.DataFrame) -> DoseResponse:
    """OLS of each area's change in incidents per 1,000 (on a year earlier) on its outreach
    events per 1,000, with HC3 robust errors; the line and its 95% band for the mean."""
    import statsmodels.api as sm

    data = summary.dropna(subset=["event_rate", "incident_rate", "incident_rate_prev"])
    data = data[data["population"].fillna(0) > 0].assign(
        rate_change=lambda f: f["incident_rate"] - f["incident_rate_prev"]
    )
    n = len(data)
    if n < 8 or data["event_rate"].nunique() < 2:
        return DoseResponse(n, points=data)
    x = sm.add_constant(data["event_rate"].to_numpy(float))
    fit = sm.OLS(data["rate_change"].to_numpy(float), x).fit(cov_type="HC3")
    low, high = fit.conf_int()[1]
    grid = np.linspace(data["event_rate"].min(), data["event_rate"].max(), 50)
    band = fit.get_prediction(sm.add_constant(grid, has_constant="add")).summary_frame(0.05)
    line = pd.DataFrame(
        {
            "event_rate": grid,
            "fit": band["mean"].to_numpy(),
            "ci_low": band["mean_ci_lower"].to_numpy(),
            "ci_high": band["mean_ci_upper"].to_numpy(),
        }
    )
    return DoseResponse(
        n_areas=n,
        slope=float(fit.params[1]),
        ci_low=float(low),
        ci_high=float(high),
        p_value=float(fit.pvalues[1]),
        points=data,
        line=line,
    )


# Perception --------------------------------------------------------------------------------


def trust_change(events: pd.DataFrame) -> pd.DataFrame:
    """Per program and overall: events surveyed, respondents, mean trust before and after
    (weighted by respondents) and the mean per-event change with its 95% t interval."""
    data = events.dropna(subset=["trust_before", "trust_after"])
    data = data[data["survey_n"].fillna(0) > 0]
    rows = []
    groups = [(p, g) for p, g in data.groupby("program")] + [("all", data)]
    for program, group in groups:
        if group.empty:
            continue
        w = group["survey_n"].astype(float)
        mean, low, high = t_interval(group["trust_after"] - group["trust_before"])
        rows.append(
            {
                "program": program,
                "events": len(group),
                "survey_n": int(w.sum()),
                "trust_before": float((group["trust_before"] * w).sum() / w.sum()),
                "trust_after": float((group["trust_after"] * w).sum() / w.sum()),
                "change": mean,
                "ci_low": low,
                "ci_high": high,
            }
        )
    columns = ["program", "events", "survey_n", "trust_before", "trust_after", "change"]
    return pd.DataFrame(rows, columns=[*columns, "ci_low", "ci_high"])


# Validation: the false-positive rate ----------------------------------------------------------


def simulate_null_panel(
    rng: np.random.Generator,
    n_treated: int = 6,
    n_comparison: int = 12,
    weeks: int = DEFAULT_WEEKS,
    mean_weekly: tuple[float, float] = (3.0, 40.0),
    dispersion: float | None = 10.0,
    shock_sd: float = 0.05,
    shock_ar: float = 0.5,
    effect: float = 0.0,
) -> pd.DataFrame:
    """An area x week panel with no effect (unless `effect`), for checking the estimator.

    Areas differ in level and population; all share a summer-like seasonal swing; each area
    has AR(1) shocks (persistent good and bad weeks) and, with `dispersion`, gamma-Poisson
    (negative binomial) over-dispersion, so the panel is harder than pure Poisson data.
    """
    n = n_treated + n_comparison
    week = np.arange(-weeks, weeks)
    population = rng.uniform(2_000, 40_000, n)
    level = rng.uniform(*mean_weekly, n)
    season = 1 + 0.25 * np.sin((week + rng.uniform(0, 52)) / 52 * 2 * np.pi)
    shocks = np.zeros((n, len(week)))
    state = rng.normal(0, shock_sd / np.sqrt(max(1 - shock_ar**2, 1e-9)), n)
    for t in range(len(week)):
        state = shock_ar * state + rng.normal(0, shock_sd, n)
        shocks[:, t] = state
    mu = level[:, None] * season[None, :] * np.exp(shocks)
    mu[:n_treated, week >= 0] *= 1 + effect
    if dispersion:
        mu = mu * rng.gamma(dispersion, 1 / dispersion, mu.shape)
    counts = rng.poisson(mu)
    area = np.repeat(np.arange(n), len(week))
    return pd.DataFrame(
        {
            "area_id": [f"a{i:03d}" for i in area],
            "week": np.tile(week, n),
            "incidents": counts.ravel(),
            "population": population[area],
            "treated": area < n_treated,
            "post": np.tile(week >= 0, n),
        }
    )


def false_positive_rate(runs: int = 200, seed: int = 0, **simulation: object) -> dict[str, float]:
    """Share of null simulations whose 95% interval excludes zero (should be about 0.05)."""
    rng = np.random.default_rng(seed)
    hits = fitted = 0
    for _ in range(runs):
        result = did_poisson(simulate_null_panel(rng, **simulation))
        if result.estimated:
            fitted += 1
            hits += result.excludes_zero
    rate = hits / fitted if fitted else float("nan")
    # A 95% interval for the rate itself (Wilson), so the figure is read with its own noise.
    half = Z95 * np.sqrt(rate * (1 - rate) / fitted + Z95**2 / (4 * fitted**2)) if fitted else 0
    centre = (rate + Z95**2 / (2 * fitted)) / (1 + Z95**2 / fitted) if fitted else rate
    spread = half / (1 + Z95**2 / fitted) if fitted else 0
    return {
        "runs": float(fitted),
        "false_positives": float(hits),
        "rate": rate,
        "ci_low": float(centre - spread),
        "ci_high": float(centre + spread),
    }


def anchor_choices(days: pd.DataFrame, start: date, end: date) -> tuple[list[date], int]:
    """The program's main days (at least a tenth of its busiest day's events), newest first,
    and the index of the default: the busiest such day inside the period, else the newest."""
    if days.empty:
        return [], 0
    main = days[days["events"] >= max(1, days["events"].max() / 10)]
    choices = sorted(main["day"], reverse=True)
    inside = main[(main["day"] >= start) & (main["day"] <= end)]
    if inside.empty:
        return choices, 0
    best = inside.sort_values(["events", "day"]).iloc[-1]["day"]
    return choices, choices.index(best)


def demo_check(info: dict[str, object]) -> dict[str, object] | None:
    """For the demo city: the planted truth and the filters (URL form) that test it."""
    params = info.get("demo_params") or {}
    if not params or not params.get("treated_area_ids"):
        return None
    start = date.fromisoformat(str(params["effect_start"]))
    query = Filters(
        date(start.year, 1, 1),
        date(start.year, 12, 31),
        "neighbourhood",
        tuple(params["treated_area_ids"]),
        (),
        tuple(params.get("effect_categories") or ()),
    ).to_query_params()
    return {
        "effect_pct": float(params["effect"]) * 100,
        "effect_start": start,
        "areas": list(params.get("treated_area_names") or params["treated_area_ids"]),
        "categories": list(params.get("effect_categories") or ()),
        "query": query,
    }


def default_program(filters: Filters) -> str:
    """The program the event study opens on: the one chosen in the filters, else NNO."""
    return filters.programs[0] if len(filters.programs) == 1 else DEFAULT_PROGRAM
