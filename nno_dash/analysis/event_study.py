"""The event study: crime in the weeks before and after a program's event day (National
Night Out) in the treated areas, against comparison areas matched on prior crime level and
trend that had none of that outreach in the window.

The difference in differences comes from a Poisson model (did.did_arrays), with a placebo a
year earlier and the Weighted Displacement Difference for the areas touching the treated
ones. It takes what queries.evaluation fetched (`StudyData`) and the areas' adjacency
(matching.touching), never a connection. Every result is an association, never a cause.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, timedelta

import numpy as np
import pandas as pd

from nno_dash.analysis.did import DidResult, Wdd, did_arrays, weighted_displacement_difference
from nno_dash.analysis.matching import match_comparisons
from nno_dash.core.filters import Filters
from nno_dash.core.vocab import program_label

DEFAULT_PROGRAM = "national_night_out"
DEFAULT_WEEKS = 8
# An area "held" the event when it had one of the program's events this close to the day.
ANCHOR_SLACK_DAYS = 3
MIN_COMPARISONS = 3
BASELINE_WEEKS = 52  # prior crime level and trend for matching come from this year
PLACEBO_WEEKS = 52  # the placebo: the same comparison this much earlier


@dataclass(frozen=True)
class StudyData:
    """What the event study reads from the database (queries.evaluation.study_data).

    `profile`: per area of the kind, by area_id: name, population, prior crime level and
    trend (the baseline year before the window), the program's events in the window and
    near the day. `counts[s, i, k]`: incidents in profile row i in week k - weeks, around
    the day (s = 0) or 52 weeks earlier (s = 1, the placebo), zero-filled; `inside[s, k]`
    says whether that week lies wholly inside the data.
    """

    anchor: date
    profile: pd.DataFrame
    counts: np.ndarray
    inside: np.ndarray

    @property
    def weeks(self) -> int:
        return self.counts.shape[2] // 2

    @property
    def week_numbers(self) -> np.ndarray:
        return np.arange(-self.weeks, self.weeks)


def study_weeks(anchor: date, weeks: int) -> dict[str, object]:
    """The days the study's statement reads: the baseline year's start, the window, and the
    few days around the anchor that make an area treated."""
    return {
        "anchor": anchor,
        "first": anchor + timedelta(weeks=-(weeks + BASELINE_WEEKS)),
        "start": anchor + timedelta(weeks=-weeks),
        "end": anchor + timedelta(weeks=weeks, days=-1),
        "near_start": anchor - timedelta(days=ANCHOR_SLACK_DAYS),
        "near_end": anchor + timedelta(days=ANCHOR_SLACK_DAYS + 1),
    }


def study_from_rows(out: pd.DataFrame, anchor: date, weeks: int) -> StudyData:
    """StudyData from the statement's rows: one per area, its weeks and counts as lists.

    One scan counted incidents by area and week from the day, from the baseline year's start
    to the window's end; the baseline halves, the window and the placebo window (52 weeks
    earlier, which starts where the baseline does) are sums of those weeks, zero-filled here.
    """
    first_week = -(weeks + BASELINE_WEEKS)  # the baseline year's first week
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
    return StudyData(anchor, profile, counts, inside)


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
    """No areas, with every column the treated, comparison and buffer frames carry."""
    return pd.DataFrame(
        columns=["area_id", "name", "population", "prior_rate", "program_events", "distance"]
    )


def event_study(
    data: StudyData,
    touches: Mapping[str, set[str]],
    program: str | None,
    area_ids: tuple[str, ...] = (),
) -> EventStudy:
    """Crime before and after the program's day in the treated areas against matched ones.

    Treated: the areas chosen (`area_ids`), or, with none chosen, every area that held one
    of the program's events within a few days of `anchor`. Comparison: other areas of the
    same kind with none of the program's events in the window and not touching a treated
    area, nearest on prior crime level and trend (relaxed step by step, and said, when too
    few qualify). `touches`: which areas border which (matching.touching).
    """
    anchor, weeks = data.anchor, data.weeks
    populated = data.profile["population"].fillna(0).to_numpy() > 0
    profile, counts = data.profile[populated], data.counts[:, populated, :]
    # The selections below run on arrays: pandas' per-operation cost dominated the study.
    ids = profile["area_id"].to_numpy(object)
    populations = profile["population"].to_numpy(float)
    program_events = profile["program_events"].to_numpy()
    program_rate = profile["program_rate"].to_numpy(float)
    notes: list[str] = []

    if area_ids:
        present = set(ids)
        treated_ids = [a for a in area_ids if a in present]
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
        return did_arrays(
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


def default_anchor(days: pd.DataFrame, start: date, end: date) -> date | None:
    """The day a study opens on: the program's busiest day in the period, else its busiest
    day ever; None when it has no days (`days` from queries.evaluation.program_days)."""
    inside = days[(days["day"] >= start) & (days["day"] <= end)]
    pick = inside if len(inside) else days
    if pick.empty:
        return None
    return pd.Timestamp(pick.sort_values(["events", "day"]).iloc[-1]["day"]).date()


def no_events(program: str | None, day: date, weeks: int) -> EventStudy:
    """The study when the program has no events at all."""
    return EventStudy(
        program, day, weeks, _empty_areas(), _empty_areas(), _empty_areas(),
        notes=(f"No {program_label(program) if program else 'outreach'} events found.",),
    )  # fmt: skip


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
