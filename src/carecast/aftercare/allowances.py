"""Special guardianship, adoption and child arrangements allowances: today's cohort, joiners, leavers.

Today's cohort comes from the returns (children who left care on an order, still under the age
payments end; whether each is paid is drawn at the policy's take-up, simulation by simulation)
or from the council's own cohort file (everyone in it is paid, at their own weekly amount when
given). Joiners are the forecast's simulated exits for the order's reason, thinned at the take-up,
aged like the council's past exits for that reason. Everyone is paid to the policy's end age, or
(the education share, drawn per person and simulation) to the education end age. The Lewisham
report's mechanism (§11.2) follows: a young cohort with more joiners than leavers grows each year.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import numpy as np
import polars as pl

from carecast.aftercare.cohort import CohortProjection, Members, project_cohort
from carecast.aftercare.policy import KIND_LABELS, KINDS, AllowancePolicy
from carecast.errors import InputError, InsufficientDataError, Location
from carecast.forecast.ages import birthdays
from carecast.forecast.params import defaults
from carecast.forecast.result import ForecastResult
from carecast.plumbing import tables
from carecast.plumbing.dates import date_expr

EXIT_GROUP = {
    "special_guardianship": "special_guardianship",
    "adoption": "adopted",
    "child_arrangements": "child_arrangements",
}


def past_exits(episodes: pl.DataFrame, kind: str, until: dt.date) -> pl.DataFrame:
    """Children who left care on or before ``until`` for the reason that starts allowance ``kind``:
    ``council``, ``child_id``, ``dob``, ``left`` (the day care ended)."""
    codes = list(defaults().exit_reasons[EXIT_GROUP[kind]])
    eps = episodes
    if "is_short_break" in eps.columns:
        eps = eps.filter(~pl.col("is_short_break").fill_null(False))
    return (
        eps.filter(
            pl.col("rec").is_in(codes)
            & pl.col("dec").is_not_null()
            & (pl.col("dec") <= until)
            & pl.col("dob").is_not_null()
        )
        .select("council", "child_id", "dob", pl.col("dec").alias("left"))
        .unique(["council", "child_id", "left"])
    )


def _end_days(
    dob: np.ndarray, policy: AllowancePolicy, kind: np.ndarray, rng: np.random.Generator
) -> np.ndarray:
    """The day payments end for each person: the end age's birthday, or (at the education share)
    the education end age's."""
    end_age = np.asarray([policy.of(k).end_age for k in KINDS])[kind]
    edu_age = np.asarray([policy.of(k).education_end_age for k in KINDS])[kind]
    share = np.asarray([policy.of(k).education_share for k in KINDS])[kind]
    age = np.where(rng.random(kind.size) < share, edu_age, end_age)
    bdays = birthdays(dob, np.arange(age.max() + 1 if age.size else 1))
    return bdays[np.arange(kind.size), age]


def cohort_from_returns(
    episodes: pl.DataFrame,
    policy: AllowancePolicy,
    as_of: dt.date,
    n_sims: int,
    rng: np.random.Generator,
) -> tuple[Members, pl.DataFrame]:
    """Today's cohort from past exits in the returns, per simulation (take-up and education drawn);
    also the count per allowance of past exits and of those still young enough to be paid."""
    parts, rows = [], []
    day = np.datetime64(as_of, "D")
    for k, kind in enumerate(KINDS):
        past = past_exits(episodes, kind, as_of)
        dob = past.get_column("dob").to_numpy().astype("datetime64[D]")
        left = past.get_column("left").to_numpy().astype("datetime64[D]")
        n = dob.size
        sim = np.repeat(np.arange(n_sims), n)
        dob_s, left_s = np.tile(dob, n_sims), np.tile(left, n_sims)
        kind_s = np.full(sim.size, k)
        paid = rng.random(sim.size) < policy.of(kind).take_up
        end = _end_days(dob_s, policy, kind_s, rng)
        keep = paid & (end > day)
        parts.append(
            Members(
                sim[keep],
                kind_s[keep],
                dob_s[keep],
                left_s[keep],
                end[keep],
                np.full(int(keep.sum()), np.nan),
            )
        )
        rows.append(
            {
                "allowance": KIND_LABELS[kind],
                "past_exits_in_returns": n,
                "under_end_age_today": int(
                    (birthdays(dob, [policy.of(kind).end_age])[:, 0] > day).sum()
                ),
                "paid_today_mean": float(keep.sum() / n_sims),
            }
        )
    return Members.concat(parts), pl.DataFrame(rows)


COHORT_COLUMNS = ("allowance", "dob", "start")  # required; weekly_amount and in_education optional
_KIND_OF = {
    **{k: k for k in KINDS},
    **{v.lower(): k for k, v in KIND_LABELS.items()},
    "sgo": "special_guardianship",
    "special guardianship order": "special_guardianship",
    "cao": "child_arrangements",
    "child arrangements": "child_arrangements",
}
_YES, _NO = ("yes", "y", "true", "1"), ("no", "n", "false", "0", "")


def cohort_from_file(
    path: Path, policy: AllowancePolicy, as_of: dt.date, n_sims: int, rng: np.random.Generator
) -> tuple[Members, pl.DataFrame]:
    """Today's paid cohort from the council's file (CSV/XLSX): one row per child paid.

    Columns ``allowance`` (special guardianship, adoption or child arrangements order), ``dob``,
    ``start`` (first day paid), optional ``weekly_amount`` (else the policy rate for the age) and
    ``in_education`` (yes/no: paid on to the education end age; blank = drawn at the policy's share).
    Every row is checked; a bad one is refused with its row, column and fix.
    """
    frame = tables.read_table(
        path, what="allowance cohort", fix="save it as CSV (UTF-8) or XLSX"
    ).frame
    frame = frame.rename({c: c.strip().lower().replace(" ", "_") for c in frame.columns})
    missing = [c for c in COHORT_COLUMNS if c not in frame.columns]
    if missing:
        raise InputError(
            f"the allowance cohort has no column(s) {missing}",
            where=Location(file=str(path), row=1),
            fix="give columns allowance, dob, start (and optionally weekly_amount, in_education)",
        )
    kinds, amounts, education = [], [], []
    for i, row in enumerate(frame.iter_rows(named=True), start=2):
        where = lambda col, row=i: Location(file=str(path), row=row, column=col)  # noqa: E731
        kind = _KIND_OF.get(str(row["allowance"] or "").strip().lower())
        if kind is None:
            raise InputError(
                f"'{row['allowance']}' is not an allowance carecast knows",
                where=where("allowance"),
                fix="write special guardianship, adoption or child arrangements order",
            )
        kinds.append(KINDS.index(kind))
        amount = str(row.get("weekly_amount") or "").replace("£", "").replace(",", "").strip()
        try:
            value = float(amount) if amount else np.nan
        except ValueError:
            raise InputError(
                f"weekly amount '{row['weekly_amount']}' is not a number",
                where=where("weekly_amount"),
                fix="give pounds a week as a plain number, or leave it blank for the policy rate",
            ) from None
        if value < 0:
            raise InputError(
                f"weekly amount {value:g} is negative",
                where=where("weekly_amount"),
                fix="give the weekly amount paid (0 or more)",
            )
        amounts.append(value)
        edu = str(row.get("in_education") or "").strip().lower()
        if edu not in _YES + _NO:
            raise InputError(
                f"in_education '{row['in_education']}' is not yes or no",
                where=where("in_education"),
                fix="write yes, no, or leave it blank",
            )
        education.append(1 if edu in _YES else (0 if edu in _NO[:-1] else -1))
    dob, start = _dates(frame, "dob", path), _dates(frame, "start", path)
    n = frame.height
    kind_index = np.asarray(kinds, np.int64)
    sim = np.repeat(np.arange(n_sims), n)
    kind_s, dob_s = np.tile(kind_index, n_sims), np.tile(dob, n_sims)
    drawn = _end_days(dob_s, policy, kind_s, rng)
    end_age = np.asarray([policy.of(k).end_age for k in KINDS])[kind_s]
    edu_age = np.asarray([policy.of(k).education_end_age for k in KINDS])[kind_s]
    stated = np.tile(np.asarray(education), n_sims)
    bday = (
        birthdays(dob_s, np.arange(int(max(end_age.max(), edu_age.max())) + 1))
        if n
        else drawn[:, None]
    )
    rows_i = np.arange(sim.size)
    end = np.where(
        stated == 1,
        bday[rows_i, edu_age] if n else drawn,
        np.where(stated == 0, bday[rows_i, end_age] if n else drawn, drawn),
    )
    keep = end > np.datetime64(as_of, "D")
    members = Members(
        sim[keep],
        kind_s[keep],
        dob_s[keep],
        np.tile(start, n_sims)[keep],
        end[keep],
        np.tile(np.asarray(amounts, float), n_sims)[keep],
    )
    summary = pl.DataFrame(
        {
            "allowance": [KIND_LABELS[k] for k in KINDS],
            "rows_in_file": [int((kind_index == k).sum()) for k in range(len(KINDS))],
            "paid_today_mean": [
                float((members.kind == k).sum() / n_sims) for k in range(len(KINDS))
            ],
        }
    )
    return members, summary


def _dates(frame: pl.DataFrame, column: str, path: Path) -> np.ndarray:
    """A column of dates (dd/mm/yyyy, yyyy-mm-dd or Excel day numbers); the first unreadable one is
    refused with its row."""
    days = frame.select(date_expr(column)).to_series()
    bad = days.is_null().arg_true()
    if bad.len():
        i = int(bad[0])
        raise InputError(
            f"'{frame.get_column(column)[i]}' is not a date",
            where=Location(file=str(path), row=i + 2, column=column),
            fix="write dates as DD/MM/YYYY or YYYY-MM-DD",
        )
    return days.to_numpy().astype("datetime64[D]")


def joiners_from_forecast(
    result: ForecastResult,
    episodes: pl.DataFrame,
    policy: AllowancePolicy,
    rng: np.random.Generator,
) -> Members:
    """New allowances from the forecast's simulated exits by reason, thinned at each take-up.

    A joiner's age at the order is drawn from the council's past exits for that reason (all past
    permanence exits when a reason has none), and the day from within the week of the exit.
    """
    if result.sim_exits_ is None:
        raise InsufficientDataError(
            "the forecast carries no exits by reason", fix="re-run the forecast"
        )
    origin = np.datetime64(result.start, "D")
    week = np.asarray(result.dates_, dtype="datetime64[D]")
    ages_all = [_ages_at_exit(episodes, kind, result.start) for kind in KINDS]
    pooled = np.concatenate(ages_all)
    if pooled.size == 0:
        raise InsufficientDataError(
            "the returns hold no child who left care on a special guardianship, adoption or child arrangements "
            "order: joiners' ages cannot be estimated",
            fix="load more years of returns, or give --cohort",
        )
    parts = []
    for k, kind in enumerate(KINDS):
        exits = result.sim_exits_[..., result.exit_reasons.index(EXIT_GROUP[kind])]
        paid = rng.binomial(exits, policy.of(kind).take_up)
        sim, step = np.nonzero(paid)
        reps = paid[sim, step]
        sim, step = np.repeat(sim, reps), np.repeat(step, reps)
        start = week[step] + rng.integers(0, result.step_days, step.size).astype("timedelta64[D]")
        pool = ages_all[k] if ages_all[k].size else pooled
        dob = start - pool[rng.integers(0, pool.size, step.size)].astype("timedelta64[D]")
        kind_s = np.full(step.size, k)
        end = _end_days(dob, policy, kind_s, rng)
        parts.append(
            Members(sim, kind_s, dob, np.maximum(start, origin), end, np.full(step.size, np.nan))
        )
    return Members.concat(parts)


def _ages_at_exit(episodes: pl.DataFrame, kind: str, until: dt.date) -> np.ndarray:
    past = past_exits(episodes, kind, until)
    return (
        (past.get_column("left") - past.get_column("dob"))
        .dt.total_days()
        .to_numpy()
        .astype(np.int64)
    )


def project_allowances(
    members: Members, policy: AllowancePolicy, n_sims: int, week_dates: np.ndarray
) -> CohortProjection:
    """Cohort, joiners, leavers and cost by allowance and financial year on ``week_dates``."""
    share = np.asarray([policy.of(k).rate_share for k in KINDS])
    return project_cohort(members, KINDS, n_sims, week_dates, policy.rates.on(week_dates), share)
