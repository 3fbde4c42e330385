"""The allowance policy, read from a cited, dated parameter file and checked before any projection.

``allowances.yaml`` (shipped; ``carecast allowances template`` writes an editable copy) holds
weekly rates by the child's age in whole years, dated by when each set takes effect, a yearly
uprating after the last set, and per allowance (special guardianship, adoption, child
arrangements) the share of orders paid, the share of the rate paid (the means test), the end age,
and the share who stay in full-time education and are paid on to a later age.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from carecast.errors import Location, ParameterError
from carecast.parameters import ALWAYS, ParameterTree, load, shipped

KINDS = ("special_guardianship", "adoption", "child_arrangements")
KIND_LABELS = {
    "special_guardianship": "Special guardianship",
    "adoption": "Adoption",
    "child_arrangements": "Child arrangements order",
}
MAX_AGE = 26  # ages 0-25: the oldest anyone is supported (care leavers to 25)


def parse_age_band(text: str, source: str, field: str) -> range:
    """ "5-10" -> ages 5..10, "18+" -> 18..25, "7" -> 7; anything else is refused with the fix."""
    t = str(text).strip()
    try:
        if t.endswith("+"):
            return range(int(t[:-1]), MAX_AGE)
        if "-" in t:
            lo, hi = (int(x) for x in t.split("-", 1))
            if hi < lo:
                raise ValueError
            return range(lo, hi + 1)
        return range(int(t), int(t) + 1)
    except ValueError:
        raise ParameterError(
            f"'{text}' is not an age band",
            where=Location(file=source, field=field),
            fix='write age bands in whole years as "5-10", "16-17" or "18+"',
        ) from None


@dataclass(frozen=True)
class RateTable:
    """Weekly rates by age (years 0-25) from each effective date, uprated yearly after the last."""

    effective: tuple[dt.date, ...]
    by_age: np.ndarray  # (len(effective), MAX_AGE), nan where the policy gives no rate
    uprating: float
    source: str

    @classmethod
    def from_tree(
        cls, tree: ParameterTree, path: str = "weekly_rates", uprating: str = "uprating"
    ) -> RateTable:
        p = tree[path]
        rows, dates = [], []
        for v in p.values:
            if not isinstance(v.value, dict):
                raise ParameterError(
                    f"the weekly rates from {v.effective} are not a mapping of age band to rate",
                    where=Location(file=tree.source, field=f"{path}.{v.effective}"),
                    fix='give e.g. {"0-4": 150, "5-10": 168}',
                )
            row = np.full(MAX_AGE, np.nan)
            for band, amount in v.value.items():
                field = f"{path}.{v.effective}.{band}"
                if isinstance(amount, bool) or not isinstance(amount, int | float) or amount < 0:
                    raise ParameterError(
                        f"the weekly rate for ages {band} is '{amount}', not an amount in pounds",
                        where=Location(file=tree.source, field=field),
                        fix="give a plain non-negative number of pounds a week",
                    )
                for age in parse_age_band(band, tree.source, field):
                    row[age] = float(amount)
            rows.append(row)
            dates.append(v.effective)
        rate = float(tree.value(uprating)) if uprating in tree else 0.0
        return cls(tuple(dates), np.vstack(rows), rate, tree.source)

    def require(self, ages: range, who: str) -> None:
        """Refuse a table with no rate for an age someone can be paid at, naming the first gap."""
        for d, row in zip(self.effective, self.by_age, strict=True):
            missing = [a for a in ages if np.isnan(row[a])]
            if missing:
                dated = "" if d == ALWAYS else f" from {d}"
                raise ParameterError(
                    f"the weekly rates{dated} give no rate for age {missing[0]}, but {who} can be paid at ages "
                    f"{ages.start}-{ages.stop - 1}",
                    where=Location(
                        file=self.source, field="weekly_rates" + ("" if d == ALWAYS else f".{d}")
                    ),
                    fix=f'add a band covering age {missing[0]} (e.g. "{missing[0]}-{ages.stop - 1}": 222)',
                )

    def on(self, days: np.ndarray) -> np.ndarray:
        """Rates by age on each of ``days`` (datetime64[D]): (len(days), MAX_AGE), uprated after the last set."""
        eff = np.asarray(self.effective, dtype="datetime64[D]")
        idx = np.clip(np.searchsorted(eff, days, side="right") - 1, 0, len(eff) - 1)
        last = self.effective[-1]
        years = np.asarray([_aprils_after(last, d) for d in days.astype(dt.date)], float)
        return self.by_age[idx] * ((1.0 + self.uprating) ** years)[:, None]


def _aprils_after(last: dt.date, day: dt.date) -> int:
    """How many 1 Aprils fall after ``last`` and on or before ``day`` (uprating steps)."""
    if day <= last:
        return 0
    first = dt.date(last.year if (last.month, last.day) < (4, 1) else last.year + 1, 4, 1)
    if day < first:
        return 0
    return day.year - first.year + (1 if (day.month, day.day) >= (4, 1) else 0)


@dataclass(frozen=True)
class Allowance:
    """One kind of allowance: who is paid, how much of the rate, and until when."""

    kind: str
    take_up: float
    rate_share: float
    end_age: int
    education_share: float
    education_end_age: int

    @property
    def label(self) -> str:
        return KIND_LABELS[self.kind]


@dataclass(frozen=True)
class AllowancePolicy:
    allowances: tuple[Allowance, ...]
    rates: RateTable
    source: str
    tree: ParameterTree

    def of(self, kind: str) -> Allowance:
        return next(a for a in self.allowances if a.kind == kind)


def _checked(
    tree: ParameterTree, path: str, ok: Callable[[float], bool], what: str, fix: str
) -> float:
    """The number at ``path``, refused with its file, field and ``fix`` unless ``ok``."""
    v = tree.value(path)
    if isinstance(v, bool) or not isinstance(v, int | float) or not ok(v):
        raise ParameterError(
            f"{tree[path].label or path} is '{v}', not {what}",
            where=Location(file=tree.source, field=path),
            fix=fix,
        )
    return v


def fraction(tree: ParameterTree, path: str) -> float:
    return float(
        _checked(
            tree,
            path,
            lambda v: 0 <= v <= 1,
            "a share between 0 and 1",
            "give a share such as 0.5 (not 50%)",
        )
    )


def whole_age(tree: ParameterTree, path: str) -> int:
    return int(
        _checked(
            tree,
            path,
            lambda v: isinstance(v, int) and 0 < v < MAX_AGE,
            "an age in whole years",
            f"give a whole number of years below {MAX_AGE}",
        )
    )


def positive(tree: ParameterTree, path: str) -> float:
    return float(
        _checked(tree, path, lambda v: v > 0, "a positive number", "give a plain positive number")
    )


def policy_from_tree(tree: ParameterTree) -> AllowancePolicy:
    """The policy in ``tree``, checked whole: shares, ages, and a rate for every age anyone is paid at."""
    rates = RateTable.from_tree(tree)
    out = []
    for kind in KINDS:
        if f"{kind}.take_up" not in tree:
            raise ParameterError(
                f"the policy has no '{kind}' allowance",
                where=Location(file=tree.source, field=kind),
                fix="copy the section from `carecast allowances template`",
            )
        a = Allowance(
            kind,
            fraction(tree, f"{kind}.take_up"),
            fraction(tree, f"{kind}.rate_share"),
            whole_age(tree, f"{kind}.end_age"),
            fraction(tree, f"{kind}.education_share"),
            whole_age(tree, f"{kind}.education_end_age"),
        )
        if a.education_end_age < a.end_age:
            raise ParameterError(
                f"{a.label}: payments in education end at {a.education_end_age}, before the end age "
                f"{a.end_age}",
                where=Location(file=tree.source, field=f"{kind}.education_end_age"),
                fix="give an education end age at or after the end age",
            )
        last = a.education_end_age if a.education_share > 0 else a.end_age
        rates.require(range(0, last), f"{a.label.lower()} allowances")
        out.append(a)
    return AllowancePolicy(tuple(out), rates, tree.source, tree)


def load_policy(path: str | Path | None = None) -> AllowancePolicy:
    """The council's policy file, or the shipped cited defaults."""
    tree = (
        shipped("carecast.aftercare", "allowances.yaml")
        if path is None
        else load(path, "allowance policy")
    )
    return policy_from_tree(tree)
