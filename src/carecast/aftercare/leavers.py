"""Care leavers 18-25: who they are, how many there will be, and what staying put, supported
accommodation and personal advisers cost.

A care leaver is a young person who reached 18 in care, or left care at 16-17 (not to an order or
home) after at least 13 weeks (``leavers.yaml``). Today's care leavers come from the returns (and
from OC3, the return's table of care leavers 17-21, for those whose care ended before the
episodes begin); new ones from the forecast: every simulated 18th birthday in care, and the
simulated exits at 16-17 at the share the returns show. Each is supported to 21, or (at the
extended share) to 25. Those who reached 18 in care stay put to 21 at the staying-put share (the
returns' share of REC E17 at 18 when they hold enough young people); of the rest, the supported
accommodation share live in accommodation the council pays for, to 21. Personal advisers follow
the caseload: each care leaver costs 1/caseload of an adviser's year.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import polars as pl

from carecast.aftercare.cohort import CohortProjection, Members, project_cohort
from carecast.aftercare.policy import MAX_AGE, fraction, positive, whole_age
from carecast.errors import Location, ParameterError
from carecast.forecast.ages import birthday_expr, birthdays
from carecast.forecast.params import defaults
from carecast.forecast.result import ForecastResult
from carecast.parameters import ParameterTree, load, shipped
from carecast.plumbing.constants import DAYS_PER_YEAR

KINDS = ("care_leaver", "staying_put", "supported_accommodation")
LABELS = {
    "care_leaver": "Care leavers (personal advisers)",
    "staying_put": "Staying put",
    "supported_accommodation": "Supported accommodation",
}
REACHED_18, LEFT_16_17 = "reached 18 in care", "left care at 16-17"
NOT_LEAVER_REASONS = ("adopted", "special_guardianship", "child_arrangements", "returned_home")
LEAVER_REASONS = ("independent_living", "other")  # simulated exits at 16-17 that make care leavers
STAYING_PUT_REC = "E17"
MIN_REACHED_18 = (
    10  # fewer young people who reached 18 in the returns: the policy's staying-put share
)
AT_18_TOLERANCE_DAYS = (
    7  # an episode ending within a week of the 18th birthday counts as reaching 18 in care
)


@dataclass(frozen=True)
class LeaverPolicy:
    leaving_ages: tuple[int, ...]
    min_weeks_in_care: float
    end_age: int
    extended_share: float
    extended_end_age: int
    staying_put_share: float
    staying_put_end_age: int
    staying_put_weekly: float
    supported_share: float
    supported_end_age: int
    supported_weekly: float
    pa_caseload: float
    pa_annual_cost: float
    source: str
    tree: ParameterTree

    @property
    def pa_weekly_per_leaver(self) -> float:
        """An adviser's year spread over their caseload, per week: the cost each care leaver adds."""
        return self.pa_annual_cost / self.pa_caseload / (DAYS_PER_YEAR / 7)


def leaver_policy(path: str | Path | None = None) -> LeaverPolicy:
    """The council's care-leavers file, or the shipped cited defaults, checked whole."""
    tree = (
        shipped("carecast.aftercare", "leavers.yaml")
        if path is None
        else load(path, "care leavers policy")
    )
    ages = tree.value("eligibility.leaving_ages")
    if not isinstance(ages, list) or not all(isinstance(a, int) and 0 < a < 18 for a in ages):
        raise ParameterError(
            f"ages at leaving {ages} are not whole ages under 18",
            where=Location(file=tree.source, field="eligibility.leaving_ages"),
            fix="give e.g. [16, 17]",
        )
    return LeaverPolicy(
        tuple(ages),
        positive(tree, "eligibility.min_weeks_in_care"),
        whole_age(tree, "support.end_age"),
        fraction(tree, "support.extended_share"),
        whole_age(tree, "support.extended_end_age"),
        fraction(tree, "staying_put.share"),
        whole_age(tree, "staying_put.end_age"),
        positive(tree, "staying_put.weekly_cost"),
        fraction(tree, "supported_accommodation.share"),
        whole_age(tree, "supported_accommodation.end_age"),
        positive(tree, "supported_accommodation.weekly_cost"),
        positive(tree, "personal_advisers.caseload"),
        positive(tree, "personal_advisers.annual_cost"),
        tree.source,
        tree,
    )


def past_care_leavers(episodes: pl.DataFrame, policy: LeaverPolicy, as_of: dt.date) -> pl.DataFrame:
    """Young people in the returns who became care leavers on or before ``as_of``: ``council``,
    ``child_id``, ``dob``, ``route`` (reached 18 in care / left care at 16-17), ``rec``."""
    eps = episodes.filter(
        ~pl.col("is_short_break").fill_null(False)
        & pl.col("dob").is_not_null()
        & (pl.col("decom") <= as_of)
    )
    eps = eps.with_columns(birthday_expr("dob", defaults().leaving_age).alias("_b18"))
    reached = eps.filter(
        (pl.col("decom") < pl.col("_b18"))
        & (pl.col("_b18") <= as_of)
        & (
            pl.col("dec").is_null()
            | (pl.col("dec") >= pl.col("_b18") - pl.duration(days=AT_18_TOLERANCE_DAYS))
        )
    )
    reasons = defaults().exit_reasons
    excluded = [c for r in NOT_LEAVER_REASONS for c in reasons.get(r, ())]
    weeks = (pl.col("dec") - pl.col("period_start")).dt.total_days() / 7
    left = eps.filter(
        pl.col("dec").is_not_null()
        & (pl.col("dec") == pl.col("period_end"))
        & ~pl.col("rec").is_in(excluded + ["X1"])
        & pl.col("age_at_end").floor().cast(pl.Int64).is_in(list(policy.leaving_ages))
        & (pl.col("dec") < pl.col("_b18") - pl.duration(days=AT_18_TOLERANCE_DAYS))
        & (weeks >= policy.min_weeks_in_care)
    )
    cols = ["council", "child_id", "dob", "rec"]
    both = pl.concat(
        [
            reached.select(*cols, pl.lit(REACHED_18).alias("route")),
            left.select(*cols, pl.lit(LEFT_16_17).alias("route")),
        ]
    )
    return both.sort("route", descending=True).unique(
        ["council", "child_id"], keep="first", maintain_order=True
    )


def staying_put_share(past: pl.DataFrame, policy: LeaverPolicy) -> tuple[float, str]:
    """The share of those who reached 18 in care whose episode ended E17 (staying put), when the
    returns hold enough of them; else the policy's share. Returns the share and where it came from."""
    reached = past.filter(pl.col("route") == REACHED_18)
    ended = reached.filter(pl.col("rec").is_not_null())
    if ended.height < MIN_REACHED_18:
        return (
            policy.staying_put_share,
            f"policy ({policy.source}): too few young people reached 18 in the returns",
        )
    share = ended.filter(pl.col("rec") == STAYING_PUT_REC).height / ended.height
    return (
        share,
        f"returns: {share:.1%} of the {ended.height} who reached 18 in care stayed put (REC E17)",
    )


def oc3_only(oc3: pl.DataFrame | None, past: pl.DataFrame) -> pl.DataFrame:
    """OC3 rows (care leavers 17-21 tracked by the return) for young people the episodes do not show
    as care leavers (their care ended before the returns' episodes begin)."""
    if oc3 is None or oc3.height == 0:
        return pl.DataFrame(schema={"council": pl.Utf8, "child_id": pl.Utf8, "dob": pl.Date})
    rows = (
        oc3.filter(pl.col("dob").is_not_null())
        .select("council", "child_id", "dob")
        .unique(["council", "child_id"])
    )
    return rows.join(past.select("council", "child_id"), on=["council", "child_id"], how="anti")


def _members(
    dob: np.ndarray,
    start: np.ndarray,
    reached_18: np.ndarray,
    sim: np.ndarray,
    policy: LeaverPolicy,
    staying: float,
    rng: np.random.Generator,
) -> Members:
    """Each young person's care-leaver, staying-put and supported-accommodation spells."""
    n = dob.size
    bday = birthdays(dob, np.arange(MAX_AGE))
    rows = np.arange(n)
    end = np.where(
        rng.random(n) < policy.extended_share,
        bday[rows, policy.extended_end_age],
        bday[rows, policy.end_age],
    )
    stays = reached_18 & (rng.random(n) < staying)
    supported = ~stays & (rng.random(n) < policy.supported_share)
    nan = np.full(n, np.nan)
    parts = [Members(sim, np.zeros(n, np.int64), dob, start, end, nan)]
    for k, pick, age in (
        (1, stays, policy.staying_put_end_age),
        (2, supported, policy.supported_end_age),
    ):
        i = np.flatnonzero(pick)
        parts.append(Members(sim[i], np.full(i.size, k), dob[i], start[i], bday[i, age], nan[i]))
    return Members.concat(parts)


def today_members(
    past: pl.DataFrame,
    extra: pl.DataFrame,
    policy: LeaverPolicy,
    staying: float,
    n_sims: int,
    rng: np.random.Generator,
) -> Members:
    """Today's care leavers (and those 16-17 who left and will turn 18), in every simulation."""
    dob = np.concatenate(
        [past.get_column("dob").to_numpy(), extra.get_column("dob").to_numpy()]
    ).astype("datetime64[D]")
    reached = np.concatenate(
        [(past.get_column("route") == REACHED_18).to_numpy(), np.ones(extra.height, bool)]
    )
    start = birthdays(dob, [defaults().leaving_age])[:, 0]
    n = dob.size
    return _members(
        np.tile(dob, n_sims),
        np.tile(start, n_sims),
        np.tile(reached, n_sims),
        np.repeat(np.arange(n_sims), n),
        policy,
        staying,
        rng,
    )


def exit_shares_16_17(
    episodes: pl.DataFrame, policy: LeaverPolicy, until: dt.date
) -> dict[str, float]:
    """Per reason, the share of past exits that were at 16-17 after enough weeks (care leavers)."""
    reasons = defaults().exit_reasons
    out = {}
    done = episodes.filter(
        pl.col("dec").is_not_null()
        & (pl.col("dec") == pl.col("period_end"))
        & (pl.col("dec") <= until)
    )
    weeks = (pl.col("dec") - pl.col("period_start")).dt.total_days() / 7
    for r in LEAVER_REASONS:
        codes = list(reasons.get(r, ()))
        if r == "other":
            known = [c for g in reasons.values() for c in g]
            mine = done.filter(pl.col("rec").is_in(codes) | ~pl.col("rec").is_in(known + ["X1"]))
        else:
            mine = done.filter(pl.col("rec").is_in(codes))
        at = mine.filter(
            pl.col("age_at_end").floor().cast(pl.Int64).is_in(list(policy.leaving_ages))
            & (weeks >= policy.min_weeks_in_care)
        )
        out[r] = at.height / mine.height if mine.height else 0.0
    return out


def joiner_members(
    result: ForecastResult,
    shares_16_17: dict[str, float],
    policy: LeaverPolicy,
    staying: float,
    rng: np.random.Generator,
) -> Members:
    """New care leavers from the forecast: every simulated 18th birthday in care, and the simulated
    exits at 16-17 (at each reason's share) whose support starts on their 18th birthday."""
    if result.sim_exits_ is None:
        raise ParameterError("the forecast carries no exits by reason", fix="re-run the forecast")
    week = np.asarray(result.dates_, dtype="datetime64[D]")
    parts = []
    aged = result.sim_exits_[..., result.exit_reasons.index("aged_out")]
    sim, step = np.nonzero(aged)
    sim, step = np.repeat(sim, aged[sim, step]), np.repeat(step, aged[sim, step])
    day = week[step] + rng.integers(0, result.step_days, step.size).astype("timedelta64[D]")
    dob = (day.astype("datetime64[M]") - 12 * defaults().leaving_age).astype("datetime64[D]") + (
        day - day.astype("datetime64[M]").astype("datetime64[D]")
    )
    parts.append(_members(dob, day, np.ones(day.size, bool), sim, policy, staying, rng))
    for r, share in shares_16_17.items():
        exits = rng.binomial(result.sim_exits_[..., result.exit_reasons.index(r)], share)
        s, k = np.nonzero(exits)
        s, k = np.repeat(s, exits[s, k]), np.repeat(k, exits[s, k])
        left = week[k] + rng.integers(0, result.step_days, k.size).astype("timedelta64[D]")
        age_days = (
            rng.uniform(min(policy.leaving_ages), max(policy.leaving_ages) + 1, k.size)
            * DAYS_PER_YEAR
        ).astype("timedelta64[D]")
        d = left - age_days
        parts.append(
            _members(
                d,
                birthdays(d, [defaults().leaving_age])[:, 0],
                np.zeros(k.size, bool),
                s,
                policy,
                staying,
                rng,
            )
        )
    return Members.concat(parts)


def project_leavers(
    members: Members, policy: LeaverPolicy, n_sims: int, week_dates: np.ndarray
) -> CohortProjection:
    """Care leavers, staying put and supported accommodation by week and financial year, with costs."""
    weekly = np.asarray(
        [policy.pa_weekly_per_leaver, policy.staying_put_weekly, policy.supported_weekly]
    )
    return project_cohort(
        members, KINDS, n_sims, week_dates, np.ones((week_dates.size, MAX_AGE)), weekly
    )


def by_age_today(members: Members, as_of: dt.date, n_sims: int) -> pl.DataFrame:
    """Care leavers supported on ``as_of`` by age 18-25 (mean over simulations)."""
    day = np.datetime64(as_of, "D")
    on = np.flatnonzero((members.kind == 0) & (members.start <= day) & (members.end > day))
    bday = birthdays(members.dob[on], np.arange(MAX_AGE))
    age = (bday <= day).sum(axis=1) - 1
    counts = np.bincount(age, minlength=MAX_AGE) / n_sims
    return pl.DataFrame(
        {"age": [str(a) for a in range(18, MAX_AGE)], "care_leavers": counts[18:MAX_AGE]}
    )
