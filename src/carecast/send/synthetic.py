"""Synthetic EHCP records and published counts, with the trends of the Under pressure report.

Each council starts with a stock of plans and is simulated month by month (all plans of a council
advance together, one vectorised step per month): new plans arrive at a rate per 10,000 children
by age that grows fastest post-16 and 19-25; plans change setting now and then and often in the
September of a phase-transfer age; destination settings drift from mainstream to special and
INMSS year by year; ASD and SEMH shares of new plans rise; plans cease (more often post-16) and
always by the 26th birthday. When children's social care synthetic truth is given, a quarter of
its children (``ehcp_share_of_csc_children``) are given plans under their own ids and dates of
birth, so the overlap analysis has children who are both looked after and on a plan.

Parameters: ``send/data/synthetic.yaml``. Same arguments and seed, same records.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any

import numpy as np
import polars as pl
import yaml

from carecast.errors import Location, ParameterError
from carecast.plumbing.constants import DAYS_PER_YEAR
from carecast.send.aggregate import census_counts
from carecast.send.params import send_params
from carecast.send.records import PLAN_COLUMNS

GROUPS = (("0-4", 0, 4), ("5-10", 5, 10), ("11-15", 11, 15), ("16-18", 16, 18), ("19-25", 19, 25))
EPOCH = np.datetime64("1970-01-01", "D")


def _params() -> dict[str, Any]:
    return yaml.safe_load(
        resources.files("carecast.send").joinpath("data/synthetic.yaml").read_text("utf-8")
    )


def _by_age(values: dict[str, Any], key: str | None = None) -> np.ndarray:
    out = np.zeros(26)
    for name, lo, hi in GROUPS:
        v = values[name]
        out[lo : hi + 1] = v[key] if key else v
    return out


@dataclass
class SendSynth:
    """Synthetic EHCP records (``PLAN_COLUMNS``), their census counts, the 0-25 population and what was planted."""

    records: pl.DataFrame
    aggregate: pl.DataFrame
    population: pl.DataFrame  # council, year, age, population
    data_start: dt.date
    data_end: dt.date
    seed: int
    defects: list[dict[str, Any]] = field(default_factory=list)

    def write(self, out_dir: str | Path, *, defects: bool = False) -> dict[str, Path]:
        """Write ``ehcp_records.csv`` (dd/mm/yyyy dates), ``ehcp_counts.csv`` and ``population_0_25.csv``.

        ``defects`` plants one plan ending before it starts, one unknown setting and one plan running
        past age 25 in the records file (listed in ``self.defects``), for demonstrating the loader.
        """
        out = Path(out_dir)
        out.mkdir(parents=True, exist_ok=True)
        fmt = {
            c: pl.col(c).dt.strftime("%d/%m/%Y")
            for c in ("dob", "plan_start", "plan_end", "setting_start", "setting_end")
        }
        text = self.records.select(
            "council", "child_id", *fmt.values(), "primary_need", "setting", "annual_cost"
        ).select(
            "council",
            "child_id",
            "dob",
            "primary_need",
            "plan_start",
            "plan_end",
            "setting",
            "setting_start",
            "setting_end",
            "annual_cost",
        )
        text = text.with_columns(pl.col("annual_cost").cast(pl.Utf8))
        if defects:
            text = self._plant(text)
        paths = {
            "records": out / "ehcp_records.csv",
            "counts": out / "ehcp_counts.csv",
            "population": out / "population_0_25.csv",
        }
        text.write_csv(paths["records"])
        self.aggregate.write_csv(paths["counts"])
        self.population.write_csv(paths["population"])
        return paths

    def _plant(self, text: pl.DataFrame) -> pl.DataFrame:
        ended = text.with_row_index("i").filter(pl.col("plan_end").is_not_null()).get_column("i")
        picks = (
            [int(ended[0]), int(ended[len(ended) // 2]), int(ended[-1])] if len(ended) >= 3 else []
        )
        if not picks:
            return text
        rows = text.to_dicts()
        a, b, c = picks
        rows[a]["plan_end"] = "01/01/1990"
        rows[b]["setting"] = "hospital school"
        rows[c]["dob"] = "01/01/1980"
        for i, kind, col in (
            (a, "plan ends before it starts", "plan_end"),
            (b, "unknown setting", "setting"),
            (c, "age over 25", "dob"),
        ):
            self.defects.append(
                {"kind": kind, "file": "ehcp_records.csv", "row": i + 2, "column": col}
            )
        return pl.DataFrame(rows, schema=text.schema)


def _choose(rng: np.random.Generator, weights: np.ndarray) -> np.ndarray:
    """One category per row of ``weights`` (rows need not sum to 1)."""
    cum = np.cumsum(weights, axis=1)
    u = rng.random(len(weights)) * cum[:, -1]
    return (u[:, None] >= cum).sum(axis=1)


def _setting_weights(prm: dict[str, Any], ages: np.ndarray, years_in: float) -> np.ndarray:
    w = np.zeros((26, 7))
    for name, lo, hi in GROUPS:
        w[lo : hi + 1] = prm["setting_weights"][name]
    w = w[np.clip(ages, 0, 25)].copy()
    shift = np.minimum(w[:, 0], prm["drift_per_year"] * years_in * np.maximum(w[:, 0], 0.05))
    w[:, 0] -= shift
    w[:, 2] += shift * 2 / 3
    w[:, 3] += shift / 3
    return w


def synthetic(
    councils: list[str] | int = 1,
    years: tuple[int, int] = (2015, 2024),
    *,
    seed: int = 0,
    csc: Any = None,
) -> SendSynth:
    """Simulate EHCP records for ``councils`` (names, or a number of synthetic ones) over census ``years``.

    ``csc``: a :class:`carecast.synth.SynthResult` (or any object with a ``children`` frame holding
    ``council, child_id, dob``); a share of its children of the same councils are given plans.
    """
    if isinstance(seed, bool) or not isinstance(seed, int) or seed < 0:
        raise ParameterError(
            f"seed {seed!r} is not a whole number >= 0",
            where=Location(field="seed"),
            fix="give a seed such as 0",
        )
    first, last = years
    if last < first + 1:
        raise ParameterError(
            "give at least two census years", where=Location(field="years"), fix="e.g. 2015-2024"
        )
    names = (
        [f"Synthetic SEND {i + 1}" for i in range(councils)]
        if isinstance(councils, int)
        else list(councils)
    )
    rng = np.random.default_rng(seed)
    prm = _params()
    start, end = dt.date(first, 1, 1), dt.date(last, 3, 31)
    frames, pops = [], []
    for name in names:
        csc_kids = None
        if csc is not None:
            csc_kids = csc.children.filter(pl.col("council") == name).select("child_id", "dob")
        frames.append(_council(rng, prm, name, start, end, csc_kids))
        ages = np.arange(26)
        for y in range(first, last + 1):
            pop = prm["population_per_age"] * (1 + prm["population_growth"]) ** (y - first)
            pops.append(
                pl.DataFrame(
                    {
                        "council": name,
                        "year": y,
                        "age": ages,
                        "population": np.round(np.full(26, pop)).astype(np.int64),
                    }
                )
            )
    records = pl.concat(frames).with_columns(
        pl.lit(end).alias("data_end"),
        pl.lit("synthetic").alias("source_file"),
        pl.lit(None, pl.Int64).alias("source_row"),
        pl.lit("").alias("repairs"),
    )
    records = (
        records.select(list(PLAN_COLUMNS))
        .cast(PLAN_COLUMNS)
        .sort("council", "child_id", "setting_start")
    )
    return SendSynth(
        records,
        census_counts(records, list(range(first, last + 1))),
        pl.concat(pops).cast({"year": pl.Int32, "age": pl.Int32}),
        start,
        end,
        seed,
    )


def _council(
    rng: np.random.Generator,
    prm: dict[str, Any],
    council: str,
    start: dt.date,
    end: dt.date,
    csc_kids: pl.DataFrame | None,
) -> pl.DataFrame:
    p = send_params()
    needs = np.asarray(prm["primary_needs"])
    need_w0, need_g = np.asarray(prm["need_weights_start"]), np.asarray(prm["need_growth"])
    t0 = (np.datetime64(start, "D") - EPOCH).astype(np.int64)
    t_end = (np.datetime64(end, "D") - EPOCH).astype(np.int64)
    months = np.arange(np.datetime64(start, "M"), np.datetime64(end, "M") + 1)
    month_days = (months.astype("datetime64[D]") - EPOCH).astype(np.int64)

    # the stock on the first day: ages by weight, plan started 0-5 years before (not before age 2)
    n0 = int(prm["initial_plans"])
    w_age = np.asarray(prm["initial_age_weights"], float)
    age0 = rng.choice(26, size=n0, p=w_age / w_age.sum())
    dob = t0 - (age0 * DAYS_PER_YEAR + rng.random(n0) * 365).astype(np.int64)
    plan_start = np.maximum(dob + 2 * 365, t0 - (rng.random(n0) * 5 * 365).astype(np.int64))
    plan_start = np.minimum(plan_start, t0)
    setting = _choose(rng, _setting_weights(prm, age0, 0.0))
    need = _choose(rng, np.tile(need_w0, (n0, 1)))
    ids = [f"{council[:3].upper()}{k:06d}" for k in range(n0)]
    live = {
        "id": np.arange(n0),
        "dob": dob,
        "plan_start": plan_start,
        "spell_start": plan_start.copy(),
        "setting": setting,
        "need": need,
    }
    next_id = n0
    id_list = list(ids)
    # looked-after / in-need children given plans: their own id and dob, a plan start in the window
    inject_day = np.zeros(0, np.int64)
    inject = None
    if csc_kids is not None and csc_kids.height:
        kids = csc_kids.filter(pl.col("dob").is_not_null()).unique("child_id").sort("child_id")
        take = rng.random(kids.height) < prm["ehcp_share_of_csc_children"]
        kids = kids.filter(pl.Series(take))
        k_dob = (kids.get_column("dob").to_numpy().astype("datetime64[D]") - EPOCH).astype(np.int64)
        lo = np.maximum(t0, k_dob + 3 * 365)
        hi = np.minimum(t_end, k_dob + 25 * 365)
        ok = hi > lo
        inject_day = (lo + rng.random(k_dob.size) * (hi - lo)).astype(np.int64)[ok]
        inject = (kids.get_column("child_id").to_numpy()[ok], k_dob[ok])
    rate = _by_age(prm["new_plan_rate"], "per_10000") / 10_000 / 12
    growth = _by_age(prm["new_plan_rate"], "growth")
    cease = _by_age(prm["monthly_cease"])
    transfer = np.zeros(26, bool)
    transfer[list(p.phase_transfer_ages)] = True
    spells: list[tuple[np.ndarray, ...]] = []
    for m, day in enumerate(month_days):
        yrs = (day - t0) / DAYS_PER_YEAR
        # new plans
        lam = (
            rate
            * prm["population_per_age"]
            * (1 + prm["population_growth"]) ** yrs
            * (1 + growth) ** yrs
        )
        n_new = rng.poisson(lam)
        ages = np.repeat(np.arange(26), n_new)
        start_day = day + (rng.random(ages.size) * 28).astype(np.int64)
        new_dob = start_day - (ages * DAYS_PER_YEAR + rng.random(ages.size) * 364).astype(np.int64)
        new_ids = np.arange(next_id, next_id + ages.size)
        id_list.extend(f"{council[:3].upper()}{k:06d}" for k in new_ids)
        next_id += ages.size
        if inject is not None:
            hit = (inject_day >= day) & (inject_day < day + 28)
            if hit.any():
                k_ages = ((inject_day[hit] - inject[1][hit]) / DAYS_PER_YEAR).astype(np.int64)
                ages = np.concatenate([ages, k_ages])
                start_day = np.concatenate([start_day, inject_day[hit]])
                new_dob = np.concatenate([new_dob, inject[1][hit]])
                k_ids = np.arange(next_id, next_id + int(hit.sum()))
                id_list.extend(inject[0][hit].tolist())
                next_id += int(hit.sum())
                new_ids = np.concatenate([new_ids, k_ids])
        w_need = need_w0 * (1 + need_g) ** yrs
        new = {
            "id": new_ids,
            "dob": new_dob,
            "plan_start": start_day,
            "spell_start": start_day,
            "setting": _choose(rng, _setting_weights(prm, ages, yrs)),
            "need": _choose(rng, np.tile(w_need, (ages.size, 1))),
        }
        live = {k: np.concatenate([live[k], new[k]]) for k in live}
        # ceasing (by chance, or on the 26th birthday) and moves
        age = ((day - live["dob"]) / DAYS_PER_YEAR).astype(np.int64)
        bday26 = live["dob"] + int(26 * DAYS_PER_YEAR)
        u = rng.random(age.size)
        ceases = (u < cease[np.clip(age, 0, 25)]) | (bday26 < day + 31)
        cease_day = np.where(
            bday26 < day + 31, bday26, day + (rng.random(age.size) * 28).astype(np.int64)
        )
        cease_day = np.maximum(cease_day, live["spell_start"] + 1)
        is_sept = months[m].astype(int) % 12 == 8
        p_move = np.where(
            transfer[np.clip(age, 0, 25)] & is_sept, prm["transfer_move"], prm["monthly_move"]
        )
        moves = ~ceases & (rng.random(age.size) < p_move) & (live["spell_start"] < day)
        w_dest = _setting_weights(prm, np.clip(age + is_sept, 0, 25), yrs)
        specialist = np.isin(
            live["setting"], [2, 3]
        )  # special and INMSS rarely return to mainstream
        w_dest[specialist, :2] *= prm["return_to_mainstream"]
        dest = _choose(rng, w_dest)
        moves &= dest != live["setting"]
        move_day = np.maximum(
            day + (rng.random(age.size) * 14).astype(np.int64), live["spell_start"] + 1
        )
        done = ceases | moves
        end_day = np.where(ceases, cease_day, move_day)
        keep_end = done & (end_day <= t_end)
        spells.append(
            tuple(
                live[k][keep_end]
                for k in ("id", "dob", "plan_start", "spell_start", "setting", "need")
            )
            + (end_day[keep_end], np.where(ceases, end_day, -1)[keep_end])
        )
        # movers open a new spell; those ceasing leave
        live["spell_start"] = np.where(moves & keep_end, end_day, live["spell_start"])
        live["setting"] = np.where(moves & keep_end, dest, live["setting"])
        stay = ~(ceases & keep_end)
        live = {k: v[stay] for k, v in live.items()}
    spells.append(
        tuple(live[k] for k in ("id", "dob", "plan_start", "spell_start", "setting", "need"))
        + (np.full(live["id"].size, -1), np.full(live["id"].size, -1))
    )
    cols = [np.concatenate(c) for c in zip(*spells, strict=True)]
    sid, sdob, pstart, sstart, sset, sneed, send_, pend = cols
    # a plan's end is known on every spell of it
    plan_end = pl.DataFrame({"id": sid, "pend": pend}).group_by("id").agg(pl.col("pend").max())
    ids_arr = np.asarray(id_list)
    day = lambda a: a.astype("datetime64[D]") + 0  # noqa: E731  (days since 1970 -> dates)
    frame = (
        pl.DataFrame(
            {
                "id": sid,
                "child_id": ids_arr[sid],
                "dob": day(sdob),
                "primary_need": needs[sneed],
                "plan_start": day(pstart),
                "setting": np.asarray(p.settings)[sset],
                "setting_start": day(sstart),
                "setting_end": np.where(send_ >= 0, send_, np.iinfo(np.int64).min).astype(
                    "datetime64[D]"
                ),
            }
        )
        .join(plan_end, on="id")
        .with_columns(
            pl.when(pl.col("setting_end").dt.year() > 1900)
            .then(pl.col("setting_end"))
            .alias("setting_end"),
            pl.when(pl.col("pend") >= 0)
            .then(pl.col("pend").cast(pl.Int32).cast(pl.Date))
            .alias("plan_end"),
            pl.lit(council).alias("council"),
        )
    )
    frame = frame.filter(
        pl.col("setting_end").is_null() | (pl.col("setting_end") > pl.col("setting_start"))
    )
    vhc = (pl.col("setting") == "inmss") & pl.Series(
        rng.random(frame.height) < prm["very_high_cost_share_inmss"]
    )
    lo, hi = prm["very_high_cost_range"]
    cost = pl.Series(np.round(lo + rng.random(frame.height) * (hi - lo), -2))
    return frame.with_columns(pl.when(vhc).then(cost).alias("annual_cost")).drop("id", "pend")
