"""The shared filter set: one frozen dataclass, its URL form and its form in words.

Frozen, so it is a cache key. `params()` is what every query binds; filters never become
SQL text. An empty tuple means "all" (all areas, all programs, all categories). The words
come from one algorithm (`describe`) fed a `Wording`: English here, others from
nno_dash.publish.i18n.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import date, timedelta

from nno_dash.core.vocab import (
    AREA_KINDS,
    CATEGORIES,
    CITYWIDE_KIND,
    PROGRAMS,
    area_kind_label,
    category_label,
    day_label,
    program_label,
)

DEFAULT_KIND = "neighbourhood"
# The URL keys links made before the keys were the field names used; still read.
LEGACY_URL_KEYS = {
    "start": "from",
    "end": "to",
    "area_kind": "kind",
    "area_ids": "area",
    "programs": "program",
    "categories": "category",
}


def shift_year(day: date, years: int) -> date:
    """The same day `years` later (earlier if negative); 29 February becomes the 28th."""
    try:
        return day.replace(year=day.year + years)
    except ValueError:  # 29 February
        return day.replace(year=day.year + years, day=28)


@dataclass(frozen=True)
class Filters:
    start: date
    end: date
    area_kind: str = DEFAULT_KIND
    area_ids: tuple[str, ...] = field(default=())
    programs: tuple[str, ...] = field(default=())
    categories: tuple[str, ...] = field(default=())

    def __post_init__(self) -> None:
        if self.end < self.start:
            raise ValueError(f"the period ends ({self.end}) before it starts ({self.start})")
        if self.area_kind not in AREA_KINDS:
            raise ValueError(f"unknown area kind {self.area_kind!r}")

    @property
    def days(self) -> int:
        return (self.end - self.start).days + 1

    def previous_year(self) -> Filters:
        """The same period a year earlier: the seasonal baseline for any comparison."""
        return replace(self, start=shift_year(self.start, -1), end=shift_year(self.end, -1))

    def with_period(self, start: date, end: date) -> Filters:
        return replace(self, start=start, end=end)

    @property
    def counts_kind(self) -> str:
        """The daily counts' rows a question not split by area reads: the city's, unless
        areas are chosen (the same sums from a fraction of the rows)."""
        return self.area_kind if self.area_ids else CITYWIDE_KIND

    def params(self) -> dict[str, object]:
        """Named SQL parameters; list parameters are empty when nothing is chosen."""
        return {
            "start": self.start,
            "end": self.end,
            "area_kind": self.area_kind,
            "counts_kind": self.counts_kind,
            "area_ids": list(self.area_ids),
            "programs": list(self.programs),
            "categories": list(self.categories),
        }

    # URL form: the keys are the field names -----------------------------------------
    def to_query_params(self) -> dict[str, str | list[str]]:
        out: dict[str, str | list[str]] = {
            "start": self.start.isoformat(),
            "end": self.end.isoformat(),
        }
        if self.area_kind != DEFAULT_KIND:
            out["area_kind"] = self.area_kind
        for name in ("area_ids", "programs", "categories"):
            if values := getattr(self, name):
                out[name] = list(values)
        return out

    @classmethod
    def from_query_params(
        cls, query: Mapping[str, str | Sequence[str]], default_start: date, default_end: date
    ) -> Filters:
        """Read a URL's filters, dropping what is unknown or malformed instead of failing.

        A shared link must open even if it was edited by hand or made by an older version,
        whose keys (`LEGACY_URL_KEYS`) are still read.
        """

        def all_values(name: str) -> list[str]:
            for key in (name, LEGACY_URL_KEYS[name]):
                value = query.get(key)
                if value:
                    return [value] if isinstance(value, str) else list(value)
            return []

        def one_date(name: str, default: date) -> date:
            values = all_values(name)
            try:
                return date.fromisoformat(values[0]) if values else default
            except ValueError:
                return default

        start, end = one_date("start", default_start), one_date("end", default_end)
        if end < start:
            start, end = default_start, default_end
        kind = (all_values("area_kind") or [DEFAULT_KIND])[0]
        if kind not in AREA_KINDS:
            kind = DEFAULT_KIND
        areas = tuple(dict.fromkeys(a for a in all_values("area_ids") if a.startswith(f"{kind}:")))
        programs = tuple(dict.fromkeys(p for p in all_values("programs") if p in PROGRAMS))
        categories = tuple(dict.fromkeys(c for c in all_values("categories") if c in CATEGORIES))
        return cls(start, end, kind, areas, programs, categories)

    # words ----------------------------------------------------------------------------
    def describe(self, area_names: Mapping[str, str] | None = None) -> str:
        """The filters in words, for chart subtitles and exports."""
        return describe(self, area_names, ENGLISH)


@dataclass(frozen=True)
class Wording:
    """The words for filters in one language: phrases (str.format templates, the keys of
    PHRASES) and a label for each kind of code."""

    phrases: Mapping[str, str]
    day: Callable[[date], str]
    area_kind: Callable[[str], str]  # as in running text: "police district"
    category: Callable[[str], str]
    program: Callable[[str], str]

    def text(self, key: str, **values: object) -> str:
        return self.phrases[key].format(**values)


PHRASES: dict[str, str] = {
    "period": "{start} to {end}",
    "all_areas": "all areas",
    "all_offences": "all offences",
    "all_programs": "all outreach programs",
    "n_areas": "{n} {kind}s",
    "n_categories": "{n} offence categories",
    "n_programs": "{n} programs",
    "and": "and",
}

ENGLISH = Wording(
    phrases=PHRASES,
    day=day_label,
    area_kind=lambda kind: area_kind_label(kind).lower(),
    category=category_label,
    program=program_label,
)


def describe(
    filters: Filters, area_names: Mapping[str, str] | None = None, wording: Wording = ENGLISH
) -> str:
    """The period, areas, offences and programs in words, joined by " · "."""
    period = wording.text("period", start=wording.day(filters.start), end=wording.day(filters.end))
    return " · ".join([period, *describe_scope(filters, area_names, wording)])


def describe_scope(
    filters: Filters, area_names: Mapping[str, str] | None = None, wording: Wording = ENGLISH
) -> list[str]:
    """Areas, offences and programs in words (no period): for templates with their own."""
    area_names = area_names or {}

    def chosen(codes: Sequence[str], names: list[str], summary: str, everything: str) -> str:
        """Up to three names joined, more summed up, none: everything."""
        if not codes:
            return wording.text(everything)
        if len(names) > 3:
            return summary
        if len(names) <= 1:
            return "".join(names)
        return ", ".join(names[:-1]) + f" {wording.text('and')} " + names[-1]

    areas = [area_names.get(a, a.split(":", 1)[-1]) for a in filters.area_ids]
    kind = wording.area_kind(filters.area_kind)
    return [
        chosen(
            filters.area_ids,
            areas,
            wording.text("n_areas", n=len(areas), kind=kind),
            "all_areas",
        ),
        chosen(
            filters.categories,
            [wording.category(c) for c in filters.categories],
            wording.text("n_categories", n=len(filters.categories)),
            "all_offences",
        ),
        chosen(
            filters.programs,
            [wording.program(p) for p in filters.programs],
            wording.text("n_programs", n=len(filters.programs)),
            "all_programs",
        ),
    ]


def default_period(latest: date, days: int = 365) -> tuple[date, date]:
    """The last twelve months of data: what a page shows before anyone touches a filter."""
    return latest - timedelta(days=days - 1), latest
