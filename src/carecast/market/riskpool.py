"""Pooled risk for very-high-cost placements (DOMAIN.md §5.5, the Pan-London Vehicle).

For a group of councils, each council's very-high-cost (VHC) placements in a year are
simulated as a Poisson number of placement-years (mean from data or a forecast), each with an
annual cost resampled from the observed VHC placement-years (the council's own when it has
enough, the group's otherwise) or, from a forecast, drawn lognormal around its mean.

Without a pool a council pays its own VHC costs. With a pool the covered part of every VHC
placement (its whole cost, or only the part above the weekly threshold) goes into one pot that
councils fund by fixed shares — by child population, by past use, or a mix — and each council
keeps any uncovered part. Each simulated year therefore conserves the group's total cost
exactly; the pool only moves who pays and how much that bill swings:

    without_c = retained_c + covered_c
    with_c    = retained_c + share_c * sum_k covered_k

Reported per council: expected cost, 95th-percentile cost, standard deviation, with and without
the pool, and the volatility removed (1 - sd_with / sd_without). Seeded and vectorised: the
per-year loop is over councils only, never over simulated years or placements.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

import numpy as np
import polars as pl

from carecast.errors import InputError, InsufficientDataError, Location, ParameterError
from carecast.parameters import shipped
from carecast.plumbing.tables import read_table
from carecast.schema import councils as all_councils
from carecast.schema import find_council
from carecast.schema.years import (
    financial_year_bounds,
    financial_year_bounds_expr,
    financial_year_expr,
)

RULES = ("population", "use", "mixed")
COVERS = ("whole", "excess")
_WEEKLY_ALIASES = (
    "weekly_cost",
    "cost_weekly",
    "weekly_price",
    "unit_cost_weekly",
    "weekly_unit_cost",
)


@cache
def riskpool_defaults() -> dict:
    return shipped("carecast.market", "riskpool.yaml").values()


@dataclass
class PoolData:
    """What the simulation needs, per council (in ``councils`` order).

    ``rate``: expected VHC placement-years a year. ``weekly``/``weeks``: observed VHC
    placement-years (council index in ``owner``), resampled; or, from a forecast, ``mean_weekly``.
    ``past_use``: mean annual VHC cost in the data (or expected cost from the forecast).
    """

    councils: list[str]
    rate: np.ndarray
    past_use: np.ndarray
    owner: np.ndarray | None = None
    weekly: np.ndarray | None = None
    weeks: np.ndarray | None = None
    mean_weekly: np.ndarray | None = None
    mean_weeks: np.ndarray | None = None
    source: str = ""
    years_observed: int = 0
    notes: list[str] = field(default_factory=list)


def group_councils(group: str | None = None, names: list[str] | None = None) -> list[str]:
    """Councils named one by one, or a partnership/region from the councils reference (e.g. SLCP, London)."""
    if names:
        return [find_council(n).name for n in names]
    if group:
        key = group.strip().lower()
        hit = [
            c.name
            for c in all_councils()
            if (c.partnership or "").lower() == key or c.region.lower() == key
        ]
        if not hit:
            parts = sorted(
                {c.partnership for c in all_councils() if c.partnership and c.partnership != "None"}
            )
            raise ParameterError(
                f"'{group}' is not a partnership or region carecast knows",
                fix=f"use one of {', '.join(parts)}, a region such as London, or --councils A,B,C",
            )
        return hit
    return []


def _read(path: Path) -> pl.DataFrame:
    if not path.is_file():
        raise InputError(
            f"{path} does not exist",
            where=Location(file=str(path)),
            fix="give the placements, episodes or forecast file",
        )
    if path.suffix.lower() in (".parquet", ".csv"):
        return read_table(path, what="placements", text=False).frame
    raise InputError(
        f"cannot read '{path.name}'",
        where=Location(file=str(path)),
        fix="give a .csv or .parquet file",
    )


def _need(df: pl.DataFrame, cols: list[str], file: str, kind: str) -> None:
    missing = [c for c in cols if c not in df.columns]
    if missing:
        raise InputError(
            f"the {kind} file has no {', '.join(missing)} column",
            where=Location(file=file),
            fix=f"a {kind} file needs columns {', '.join(cols)}",
        )


def _canon_councils(df: pl.DataFrame, file: str) -> pl.DataFrame:
    names = {}
    for v in df.get_column("council").cast(pl.Utf8).unique().to_list():
        c = find_council(v, required=False) if v else None
        if c is None:
            raise InputError(
                f"'{v}' is not a council carecast knows",
                where=Location(file=file, column="council"),
                fix="use council names, ONS codes or DfE numbers",
            )
        names[v] = c.name
    return df.with_columns(pl.col("council").cast(pl.Utf8).replace_strict(names))


def load_pool_data(
    path: str | Path,
    councils: list[str],
    *,
    threshold: float,
    charge_councils_without_data: bool = False,
) -> PoolData:
    """Read placements, cleaned episodes with a weekly cost, or a forecast (detected by columns).

    A council of the group with no rows in the file would be charged a share of the pool (by
    population) on no evidence of its use: refused unless ``charge_councils_without_data``.

    * placements: council, weekly_cost, optional weeks (default 52) and year (financial year);
    * episodes: council, child_id, decom, dec, data_end and a weekly cost column;
    * forecast: council, expected_placements, mean_weekly_cost, optional weeks (default 52).
    """
    p = Path(path)
    df = _read(p)
    _need(df, ["council"], str(p), "placements")
    df = _canon_councils(df, str(p))
    group = councils or sorted(df.get_column("council").unique().to_list())
    idx = {c: i for i, c in enumerate(group)}
    outside = sorted(set(df.get_column("council").to_list()) - set(group))
    notes = (
        [f"left out {len(outside)} council(s) not in the group: {', '.join(outside)}"]
        if outside
        else []
    )
    without = [c for c in group if c not in set(df.get_column("council").to_list())]
    if without and not charge_councils_without_data:
        raise InputError(
            f"{len(without)} of the group's {len(group)} councils have no rows in {p.name}: "
            f"{', '.join(without)}; they would be charged a share of the pool with no data on their use",
            where=Location(file=str(p)),
            fix="add their placements, name only the councils with data (--councils A,B,C), or pass "
            "--charge-councils-without-data to charge them anyway",
        )
    if without:
        notes.append(f"charged with no data in the file (as asked): {', '.join(without)}")
    df = df.filter(pl.col("council").is_in(group))
    if "expected_placements" in df.columns:
        _need(df, ["council", "expected_placements", "mean_weekly_cost"], str(p), "forecast")
        f = df.group_by("council").agg(
            pl.col("expected_placements").sum(),
            pl.col("mean_weekly_cost").mean(),
            (pl.col("weeks").mean() if "weeks" in df.columns else pl.lit(52.0)).alias("weeks"),
        )
        rate, mean_w, mean_wk = (
            np.zeros(len(group)),
            np.zeros(len(group)),
            np.full(len(group), 52.0),
        )
        for r in f.iter_rows(named=True):
            rate[idx[r["council"]]], mean_w[idx[r["council"]]], mean_wk[idx[r["council"]]] = (
                r["expected_placements"],
                r["mean_weekly_cost"],
                r["weeks"],
            )
        if (rate < 0).any() or (mean_w[rate > 0] <= 0).any():
            raise InputError(
                "expected_placements must be 0 or more and mean_weekly_cost above 0",
                where=Location(file=str(p)),
            )
        return PoolData(
            group,
            rate,
            rate * mean_w * mean_wk,
            mean_weekly=mean_w,
            mean_weeks=mean_wk,
            source=str(p),
            years_observed=1,
            notes=notes + ["costs drawn from the forecast's means (lognormal)"],
        )
    weekly_col = next((c for c in _WEEKLY_ALIASES if c in df.columns), None)
    if weekly_col is None:
        raise InputError(
            "the file has no weekly cost column",
            where=Location(file=str(p)),
            fix=f"name it one of {', '.join(_WEEKLY_ALIASES)} (or give a forecast with expected_placements, mean_weekly_cost)",
        )
    if "decom" in df.columns:
        years = _episode_years(df, weekly_col, str(p))
    else:
        years = df.select(
            "council",
            pl.col(weekly_col).cast(pl.Float64, strict=False).alias("weekly"),
            (
                pl.col("weeks").cast(pl.Float64, strict=False)
                if "weeks" in df.columns
                else pl.lit(52.0)
            ).alias("weeks"),
            (
                pl.col("year").cast(pl.Int64, strict=False)
                if "year" in df.columns
                else pl.lit(0, pl.Int64)
            ).alias("fy"),
        )
        bad = years.filter(
            pl.col("weekly").is_null()
            | (pl.col("weekly") <= 0)
            | pl.col("weeks").is_null()
            | (pl.col("weeks") <= 0)
            | (pl.col("weeks") > 53)
        )
        if bad.height:
            raise InputError(
                f"{bad.height} placement row(s) have a weekly cost that is not a positive number or weeks outside 1-53",
                where=Location(file=str(p), column=weekly_col),
                fix="correct or remove those rows",
            )
    n_years = max(years.get_column("fy").n_unique(), 1)
    vhc = years.filter(pl.col("weekly") >= threshold)
    if vhc.height == 0:
        raise InsufficientDataError(
            f"no placements cost £{threshold:,.0f} a week or more in {p.name}",
            where=Location(file=str(p)),
            fix="lower --threshold or give more data",
        )
    per = vhc.group_by("council").agg(
        pl.len().alias("n"), (pl.col("weekly") * pl.col("weeks")).sum().alias("cost")
    )
    rate, use = np.zeros(len(group)), np.zeros(len(group))
    for r in per.iter_rows(named=True):
        rate[idx[r["council"]]] = r["n"] / n_years
        use[idx[r["council"]]] = r["cost"] / n_years
    notes.append(
        f"{vhc.height} very-high-cost placement-years over {n_years} year(s); threshold £{threshold:,.0f} a week"
    )
    return PoolData(
        group,
        rate,
        use,
        owner=vhc.get_column("council").replace_strict(idx, return_dtype=pl.Int64).to_numpy(),
        weekly=vhc.get_column("weekly").to_numpy(),
        weeks=vhc.get_column("weeks").to_numpy(),
        source=str(p),
        years_observed=n_years,
        notes=notes,
    )


def _episode_years(df: pl.DataFrame, weekly_col: str, file: str) -> pl.DataFrame:
    """Cleaned episodes → placement-years: weeks and weekly cost of each child in each of the latest
    three complete financial years of the data."""
    _need(df, ["council", "child_id", "decom", weekly_col], file, "episodes")
    end = (
        pl.coalesce(pl.col("dec"), pl.col("data_end"))
        if "data_end" in df.columns
        else pl.col("dec")
    )
    e = df.select(
        "council",
        "child_id",
        pl.col("decom").cast(pl.Date),
        end.cast(pl.Date).alias("end"),
        pl.col(weekly_col).cast(pl.Float64, strict=False).alias("weekly"),
    ).filter(
        pl.col("end").is_not_null()
        & pl.col("weekly").is_not_null()
        & (pl.col("end") >= pl.col("decom"))
    )
    if e.height == 0:
        raise InsufficientDataError(
            "no episode has both an end (or data end) date and a weekly cost",
            where=Location(file=file),
        )
    first = e.select(financial_year_expr(pl.col("decom").min())).item()
    last_end = e.get_column("end").max()
    last = e.select(financial_year_expr(pl.lit(last_end))).item()
    complete = [fy for fy in range(first, last + 1) if financial_year_bounds(fy)[1] <= last_end]
    years = complete[-3:] or [
        last
    ]  # the latest three complete financial years (or the one there is)
    x = (
        e.with_columns(pl.lit(years).alias("fy"))
        .explode("fy")
        .with_columns(
            *(
                e.alias(n)
                for e, n in zip(financial_year_bounds_expr("fy"), ("fs", "fe"), strict=True)
            )
        )
        .with_columns(
            (
                (pl.min_horizontal("end", "fe") - pl.max_horizontal("decom", "fs")).dt.total_days()
                + 1
            ).alias("days")
        )
        .filter(pl.col("days") > 0)
    )
    return (
        x.group_by("council", "child_id", "fy")
        .agg(
            (pl.col("days").sum() / 7).alias("weeks"),
            (pl.col("weekly") * pl.col("days") / 7).sum().alias("cost"),
        )
        .with_columns((pl.col("cost") / pl.col("weeks")).alias("weekly"))
        .select("council", "weekly", "weeks", "fy")
    )


def contribution_shares(
    rule: str, data: PoolData, population: dict[str, float] | None, population_share: float
) -> np.ndarray:
    """Each council's share of the pooled cost (sums to 1)."""
    if rule not in RULES:
        raise ParameterError(
            f"'{rule}' is not a contribution rule", fix=f"use one of {', '.join(RULES)}"
        )
    if not 0 <= population_share <= 1:
        raise ParameterError("the population share of the mixed rule must be between 0 and 1")
    use = data.past_use / data.past_use.sum() if data.past_use.sum() > 0 else None
    pop = None
    if rule in ("population", "mixed"):
        if not population:
            raise ParameterError(
                f"the '{rule}' rule needs each council's child population",
                fix="give --population FILE (CSV with council and population columns)",
            )
        missing = [c for c in data.councils if c not in population]
        if missing:
            raise ParameterError(
                f"no child population for {', '.join(missing)}",
                fix="add them to the population file",
            )
        v = np.array([population[c] for c in data.councils], dtype=float)
        pop = v / v.sum()
    if rule == "population":
        return pop
    if use is None:
        raise InsufficientDataError(
            "no council has any past very-high-cost use to share by", fix="use --rule population"
        )
    return use if rule == "use" else population_share * pop + (1 - population_share) * use


def load_population(path: str | Path) -> dict[str, float]:
    """CSV with ``council`` and ``population`` (or ``children_0_17``) columns → {council name: children}."""
    p = Path(path)
    df = _read(p)
    col = next(
        (
            c
            for c in ("population", "children_0_17", "child_population", "population_0_17")
            if c in df.columns
        ),
        None,
    )
    if "council" not in df.columns or col is None:
        raise InputError(
            "the population file needs council and population columns", where=Location(file=str(p))
        )
    df = _canon_councils(df, str(p))
    bad = df.filter(pl.col(col).cast(pl.Float64, strict=False).fill_null(-1) <= 0)
    if bad.height:
        raise InputError(
            f"population must be above 0 (council {bad['council'][0]})",
            where=Location(file=str(p), column=col),
        )
    return dict(df.select("council", pl.col(col).cast(pl.Float64)).iter_rows())


@dataclass
class PoolResult:
    councils: list[str]
    shares: np.ndarray
    without: np.ndarray  # (simulations, councils) annual cost
    with_pool: np.ndarray
    rule: str
    cover: str
    threshold: float
    seed: int

    def summary(self) -> pl.DataFrame:
        def stats(x):
            return x.mean(axis=0), np.percentile(x, 95, axis=0), x.std(axis=0)

        m0, p0, s0 = stats(self.without)
        m1, p1, s1 = stats(self.with_pool)
        t0, t1 = self.without.sum(axis=1), self.with_pool.sum(axis=1)
        with np.errstate(divide="ignore", invalid="ignore"):
            removed = np.where(
                s0 > 0, 1 - s1 / s0, np.nan
            )  # a council with no VHC risk of its own has none removed
        rows = pl.DataFrame(
            {
                "council": self.councils,
                "contribution_share": self.shares,
                "expected_cost_without_pool": m0,
                "p95_cost_without_pool": p0,
                "sd_cost_without_pool": s0,
                "expected_cost_with_pool": m1,
                "p95_cost_with_pool": p1,
                "sd_cost_with_pool": s1,
                "expected_transfer_cost": m1 - m0,
                "p95_saving": p0 - p1,
                "volatility_removed_pct": removed,
            }
        )
        total = pl.DataFrame(
            {
                "council": ["All councils"],
                "contribution_share": [float(self.shares.sum())],
                "expected_cost_without_pool": [t0.mean()],
                "p95_cost_without_pool": [np.percentile(t0, 95)],
                "sd_cost_without_pool": [t0.std()],
                "expected_cost_with_pool": [t1.mean()],
                "p95_cost_with_pool": [np.percentile(t1, 95)],
                "sd_cost_with_pool": [t1.std()],
                "expected_transfer_cost": [t1.mean() - t0.mean()],
                "p95_saving": [np.percentile(t0, 95) - np.percentile(t1, 95)],
                "volatility_removed_pct": [
                    float(1 - t1.std() / t0.std()) if t0.std() > 0 else np.nan
                ],
            }
        )
        return pl.concat([rows, total])


def simulate_pool(
    data: PoolData,
    *,
    rule: str = "mixed",
    cover: str = "whole",
    threshold: float | None = None,
    population: dict[str, float] | None = None,
    simulations: int | None = None,
    seed: int = 0,
    population_share: float | None = None,
) -> PoolResult:
    """Simulate ``simulations`` years of each council's VHC cost with and without the pool."""
    d = riskpool_defaults()
    threshold = float(d["weekly_threshold"] if threshold is None else threshold)
    sims = int(d["simulations"] if simulations is None else simulations)
    if cover not in COVERS:
        raise ParameterError(
            f"'{cover}' is not something a pool can cover", fix=f"use one of {', '.join(COVERS)}"
        )
    if sims < 100:
        raise ParameterError("simulate at least 100 years", fix="raise --simulations")
    shares = contribution_shares(
        rule,
        data,
        population,
        d["mixed_population_share"] if population_share is None else population_share,
    )
    rng = np.random.default_rng(seed)
    n_c = len(data.councils)
    counts = rng.poisson(data.rate, size=(sims, n_c))
    retained, covered = np.zeros((sims, n_c)), np.zeros((sims, n_c))
    min_own = int(d["min_own_observations"])
    for c in range(n_c):
        k = int(counts[:, c].sum())
        if k == 0:
            continue
        if data.mean_weekly is not None:
            cv = float(d["forecast_cost_cv"])
            sigma = np.sqrt(np.log1p(cv**2))
            weekly = data.mean_weekly[c] * rng.lognormal(-(sigma**2) / 2, sigma, size=k)
            weeks = np.full(k, data.mean_weeks[c])
        else:
            own = np.flatnonzero(data.owner == c)
            pool_idx = own if own.size >= min_own else np.arange(data.weekly.size)
            pick = rng.choice(pool_idx, size=k)
            weekly, weeks = data.weekly[pick], data.weeks[pick]
        year = np.repeat(np.arange(sims), counts[:, c])
        keep = (
            np.zeros(k) if cover == "whole" else np.minimum(weekly, threshold) * weeks
        )  # the council's own layer
        retained[:, c] = np.bincount(year, weights=keep, minlength=sims)
        covered[:, c] = np.bincount(year, weights=weekly * weeks - keep, minlength=sims)
    without = retained + covered
    with_pool = retained + covered.sum(axis=1, keepdims=True) * shares[None, :]
    return PoolResult(data.councils, shares, without, with_pool, rule, cover, threshold, seed)
