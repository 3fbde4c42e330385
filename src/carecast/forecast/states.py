"""The model's states: age band × placement category × time-in-care band, plus "not in care".

A state's index is ``(age * n_categories + category) * n_durations + duration``. Destinations of
a move are the placement categories followed by the exit-reason groups.
"""

from __future__ import annotations

from dataclasses import dataclass

import polars as pl

from carecast.forecast.params import defaults
from carecast.schema import PlacementCategories


@dataclass(frozen=True)
class StateSpace:
    categories: tuple[str, ...]
    age_labels: tuple[str, ...]
    age_lowers: tuple[int, ...]  # years; the first is 0
    duration_labels: tuple[str, ...]
    duration_lowers: tuple[int, ...]  # days in care; the first is 0
    exit_groups: tuple[str, ...]
    leaving_age: int

    @classmethod
    def build(cls, categories: PlacementCategories, *, by_duration: bool = True) -> StateSpace:
        d = defaults()
        bands = categories.age_bands
        return cls(
            categories=tuple(categories.category_ids),
            age_labels=tuple(b.label for b in bands),
            age_lowers=tuple(b.lower for b in bands),
            duration_labels=d.duration_labels if by_duration else ("any",),
            duration_lowers=d.duration_lowers if by_duration else (0,),
            exit_groups=tuple(d.exit_reasons),
            leaving_age=d.leaving_age,
        )

    @property
    def n_cat(self) -> int:
        return len(self.categories)

    @property
    def n_age(self) -> int:
        return len(self.age_labels)

    @property
    def n_dur(self) -> int:
        return len(self.duration_labels)

    @property
    def n_states(self) -> int:
        return self.n_age * self.n_cat * self.n_dur

    @property
    def destinations(self) -> tuple[str, ...]:
        return self.categories + tuple(f"exit:{g}" for g in self.exit_groups)

    @property
    def age_boundaries(self) -> tuple[int, ...]:
        """Ages (years) at which a child changes band, ending with the leaving age."""
        return (*self.age_lowers[1:], self.leaving_age)

    def index(self, age, cat, dur):
        return (age * self.n_cat + cat) * self.n_dur + dur

    def frame(self) -> pl.DataFrame:
        """One row per state with its labels, in index order."""
        rows = [
            (a, c, d)
            for a in self.age_labels
            for c in self.categories
            for d in self.duration_labels
        ]
        return pl.DataFrame(rows, schema=["age_band", "category", "time_in_care"], orient="row")
