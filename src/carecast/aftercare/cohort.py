"""Cohorts paid by age after leaving care, counted and costed by week and financial year.

A member is one young person in one simulation, paid from ``start`` until the day before ``end``
at the weekly rate for their age in whole years (or their own weekly amount from a council's
cohort file). Each member's time is cut at birthdays into one piece per age; a piece is paid on
the week dates it covers, at that week's rate, so the cost of a financial year is a difference of
cumulative weekly rates: no loop over members, weeks or days.

Conventions (stated in every report): someone paid on a week date is paid that whole week; a
week's payment is split between financial years by its days in each.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import numpy as np

from carecast.aftercare.policy import MAX_AGE
from carecast.forecast.ages import birthdays
from carecast.schema.years import financial_year_array


@dataclass(frozen=True)
class Members:
    """Young people paid (or supported), one row per person per simulation."""

    sim: np.ndarray  # int64
    kind: np.ndarray  # int64: index of the allowance (or support) kind
    dob: np.ndarray  # datetime64[D]
    start: np.ndarray  # datetime64[D]: first day paid
    end: np.ndarray  # datetime64[D]: first day no longer paid
    weekly: np.ndarray  # float: own weekly amount, nan = the rate for their age

    @classmethod
    def concat(cls, parts: list[Members]) -> Members:
        return cls(
            *(
                np.concatenate([getattr(p, f) for p in parts])
                for f in ("sim", "kind", "dob", "start", "end", "weekly")
            )
        )

    @property
    def size(self) -> int:
        return int(self.sim.size)


@dataclass(frozen=True)
class CohortProjection:
    """Per simulation, kind and financial year: the cohort on the year's last week date, joiners,
    leavers and cost; and the cohort on every week date."""

    kinds: tuple[str, ...]
    financial_years: tuple[int, ...]
    complete: tuple[bool, ...]  # the year's every week lies inside the projection
    week_dates: np.ndarray  # datetime64[D]
    weekly_counts: np.ndarray  # (S, K, W) int32
    cohort_at_year_end: np.ndarray  # (S, K, F) int32
    joiners: np.ndarray  # (S, K, F) int32
    leavers: np.ndarray  # (S, K, F) int32
    cost: np.ndarray  # (S, K, F) float, pounds


def _pieces(m: Members) -> tuple[np.ndarray, ...]:
    """One piece per member and age year they are paid in: (member, age, first day, end day)."""
    bday = birthdays(m.dob, np.arange(MAX_AGE + 1))
    member, age, lo, hi = [], [], [], []
    for a in range(MAX_AGE):
        first = np.maximum(m.start, bday[:, a])
        last = np.minimum(m.end, bday[:, a + 1])
        keep = np.flatnonzero(first < last)
        member.append(keep)
        age.append(np.full(keep.size, a))
        lo.append(first[keep])
        hi.append(last[keep])
    return tuple(np.concatenate(x) for x in (member, age, lo, hi))


def project_cohort(
    members: Members,
    kinds: tuple[str, ...],
    n_sims: int,
    week_dates: np.ndarray,
    rates_by_week: np.ndarray,
    rate_share: np.ndarray,
) -> CohortProjection:
    """Count and cost ``members`` on ``week_dates`` (weekly, datetime64[D]).

    ``rates_by_week[w, a]`` is the weekly rate for age a in week w; ``rate_share[k]`` the share of
    it kind k pays. Members with their own ``weekly`` amount are paid that instead.
    """
    n_k, n_w = len(kinds), week_dates.size
    member, age, lo, hi = _pieces(members)
    a_idx = np.searchsorted(week_dates, lo, side="left")  # first week date paid
    b_idx = np.searchsorted(week_dates, hi, side="left")  # first week date not paid
    sim, kind = members.sim[member], members.kind[member]
    cell = (sim * n_k + kind) * (n_w + 1)
    size = n_sims * n_k * (n_w + 1)
    diff = np.bincount(cell + a_idx, minlength=size) - np.bincount(cell + b_idx, minlength=size)
    weekly_counts = np.cumsum(diff.reshape(n_sims, n_k, n_w + 1), axis=2)[:, :, :n_w].astype(
        np.int32
    )

    fy_of_week = financial_year_array(week_dates)
    years = tuple(int(y) for y in np.unique(fy_of_week))
    bounds = [
        (int(np.searchsorted(fy_of_week, y, "left")), int(np.searchsorted(fy_of_week, y, "right")))
        for y in years
    ]
    # a week's payment is split between financial years by its days in each, so a year costs its
    # 365 (or 366) days whatever weekday it starts on
    day0 = week_dates[:, None] + np.arange(7)[None, :]
    fy_of_day = financial_year_array(day0)
    own = members.weekly[member]
    uses_rate = np.isnan(own)
    cost = np.zeros((n_sims, n_k, len(years)))
    year_end = np.zeros((n_sims, n_k, len(years)), np.int32)
    for f, (_, w1) in enumerate(bounds):
        weight = (fy_of_day == years[f]).sum(axis=1) / 7.0  # (W,) share of each week in year f
        cum_rate = np.vstack(
            [np.zeros((1, MAX_AGE)), np.cumsum(rates_by_week * weight[:, None], axis=0)]
        )
        cum_week = np.concatenate([[0.0], np.cumsum(weight)])
        paid = np.where(
            uses_rate,
            (cum_rate[b_idx, age] - cum_rate[a_idx, age]) * rate_share[kind],
            np.nan_to_num(own) * (cum_week[b_idx] - cum_week[a_idx]),
        )
        cost[:, :, f] = np.bincount(sim * n_k + kind, weights=paid, minlength=n_sims * n_k).reshape(
            n_sims, n_k
        )
        year_end[:, :, f] = weekly_counts[:, :, w1 - 1]

    def by_year(days: np.ndarray) -> np.ndarray:
        inside = (days >= week_dates[0]) & (days <= week_dates[-1])
        fy = financial_year_array(days[inside])
        col = np.searchsorted(np.asarray(years), fy)
        cells = (members.sim[inside] * n_k + members.kind[inside]) * len(years) + col
        return (
            np.bincount(cells, minlength=n_sims * n_k * len(years))
            .reshape(n_sims, n_k, len(years))
            .astype(np.int32)
        )

    first, last = week_dates[0].astype(dt.date), week_dates[-1].astype(dt.date)
    complete = tuple(
        bool(first <= dt.date(y, 4, 1 + 6) and last >= dt.date(y + 1, 3, 31 - 6)) for y in years
    )
    return CohortProjection(
        kinds,
        years,
        complete,
        week_dates,
        weekly_counts,
        year_end,
        by_year(members.start),
        by_year(members.end),
        cost,
    )
