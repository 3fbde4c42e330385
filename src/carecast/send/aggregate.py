"""The published form of EHCP data: plans by age and setting at each January census.

Produced from child-level records (:func:`census_counts`) or read from a CSV with columns
``year, age, setting, plans`` (and optionally ``council``) when only the published counts exist
(:func:`load_aggregate`). Age is age on the census day.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import numpy as np
import polars as pl

from carecast.errors import InputError, InsufficientDataError, Location
from carecast.forecast.ages import birthday_expr
from carecast.plumbing.tables import read_table
from carecast.send.params import send_params

AGGREGATE_COLUMNS = {
    "council": pl.Utf8,
    "year": pl.Int32,
    "age": pl.Int32,
    "setting": pl.Utf8,
    "plans": pl.Int64,
}


def census_counts(records: pl.DataFrame, years: list[int] | None = None) -> pl.DataFrame:
    """Plans open on each year's census day, by council, age (0-25) and setting; complete grid, zeros kept."""
    p = send_params()
    if years is None:
        lo = records.get_column("plan_start").min()
        hi = records.get_column("data_end").max()
        years = [y for y in range(lo.year, hi.year + 1) if lo <= p.census_day(y) <= hi]
    days = pl.DataFrame(
        {"year": years, "day": [p.census_day(y) for y in years]},
        schema={"year": pl.Int32, "day": pl.Date},
    )
    open_on = (
        records.with_columns(
            pl.coalesce("setting_end", pl.lit(dt.date(9999, 1, 1))).alias("_until")
        )
        .join_where(
            days, pl.col("setting_start") <= pl.col("day"), pl.col("_until") > pl.col("day")
        )
        .with_columns(
            pl.sum_horizontal(
                [
                    (birthday_expr("dob", a) <= pl.col("day")).cast(pl.Int32)
                    for a in range(1, p.leaving_age)
                ]
            ).alias("age")
        )
        .group_by("council", "year", "age", "setting")
        .agg(pl.len().cast(pl.Int64).alias("plans"))
    )
    grid = (
        pl.DataFrame({"council": records.get_column("council").unique().sort()})
        .join(days.select("year"), how="cross")
        .join(
            pl.DataFrame({"age": list(range(p.leaving_age))}, schema={"age": pl.Int32}), how="cross"
        )
        .join(pl.DataFrame({"setting": list(p.settings)}), how="cross")
    )
    return (
        grid.join(open_on, on=["council", "year", "age", "setting"], how="left")
        .with_columns(pl.col("plans").fill_null(0))
        .cast(AGGREGATE_COLUMNS)
        .sort("council", "year", "age", "setting")
    )


def load_aggregate(path: str | Path, council: str | None = None) -> pl.DataFrame:
    """Read published counts (year, age, setting, plans[, council]); refuse bad rows naming file and row."""
    p = Path(path)
    if not p.is_file():
        raise InputError(
            f"{p} does not exist", where=Location(file=str(p)), fix="give the published counts CSV"
        )
    frame = read_table(p, what="published counts").frame.rename(lambda c: c.strip().lower())
    missing = [c for c in ("year", "age", "setting", "plans") if c not in frame.columns]
    if missing:
        raise InputError(
            f"{p.name} has no column(s) {missing}",
            where=Location(file=str(p)),
            fix="give columns year, age, setting, plans (and optionally council)",
        )
    if "council" not in frame.columns:
        frame = frame.with_columns(pl.lit(council or "(unnamed council)").alias("council"))
    params = send_params()
    typed = frame.with_row_index("row", offset=2).with_columns(
        pl.col("year").cast(pl.Int32, strict=False),
        pl.col("age").cast(pl.Int32, strict=False),
        pl.col("plans").cast(pl.Int64, strict=False),
        pl.col("setting")
        .str.strip_chars()
        .str.to_lowercase()
        .replace_strict(params.setting_codes, default=None)
        .alias("_setting"),
    )
    checks = [
        (
            pl.col("year").is_null(),
            "year",
            "is not a whole number",
            "write the census year, e.g. 2024",
        ),
        (
            pl.col("age").is_null() | ~pl.col("age").is_between(0, params.max_age),
            "age",
            f"is not an age from 0 to {params.max_age}",
            f"EHC plans cover ages 0-{params.max_age}; correct the age",
        ),
        (
            pl.col("_setting").is_null(),
            "setting",
            "is not a known setting",
            f"use one of {', '.join(params.settings)}",
        ),
        (
            pl.col("plans").is_null() | (pl.col("plans") < 0),
            "plans",
            "is not a count of 0 or more",
            "write the number of plans",
        ),
    ]
    for mask, column, what, fix in checks:
        bad = typed.filter(mask)
        if bad.height:
            first = bad.row(0, named=True)
            raise InputError(
                f"{bad.height} row(s): {column} '{first[column]}' {what}",
                where=Location(file=str(p), row=int(first["row"]), column=column),
                fix=fix,
            )
    out = (
        typed.with_columns(pl.col("_setting").alias("setting"))
        .group_by("council", "year", "age", "setting")
        .agg(pl.col("plans").sum())
    )
    return out.cast(AGGREGATE_COLUMNS).sort("council", "year", "age", "setting")


def project_counts(
    counts: pl.DataFrame,
    *,
    years_ahead: int = 5,
    base_years: int = 3,
    n_sims: int = 500,
    seed: int | None = None,
) -> tuple[list[int], tuple[str, ...], np.ndarray]:
    """Project published counts (one council) when no child-level records exist: a cohort-ratio model.

    Plans at age a+1 next census = plans at age a this census × the age's ratio (ageing, new plans and
    ceasing net of each other, as the published form cannot separate them); plans at age 0 are the
    average of the base years. Settings follow each age's setting shares at the latest census, moved
    along by their average yearly change over the base years (the drift towards specialist settings).
    Bands: each simulation draws, per projected year, one of the base years' ratios (a bootstrap of
    the observed year-to-year variation), and splits plans between settings multinomially.

    Returns the projected census years, the settings, and plans (n_sims, years, 26 ages, settings).
    """
    params = send_params()
    if counts.get_column("council").n_unique() != 1:
        raise InputError(
            "project the counts of one council at a time", fix="filter to one council (--council)"
        )
    years = sorted(counts.get_column("year").unique().to_list())
    if len(years) < 2:
        raise InsufficientDataError(
            "the counts cover one census; a projection needs at least two",
            where=Location(field="year"),
            fix="give at least two years of counts",
        )
    base = years[-(base_years + 1) :]
    n_age, settings = params.leaving_age, params.settings
    cube = np.zeros((len(base), n_age, len(settings)))
    frame = counts.filter(pl.col("year").is_in(base))
    cube[
        np.searchsorted(base, frame["year"].to_numpy()),
        frame["age"].to_numpy(),
        [settings.index(s) for s in frame["setting"].to_list()],
    ] = frame["plans"].to_numpy()
    by_age = cube.sum(axis=2)
    with np.errstate(invalid="ignore", divide="ignore"):
        ratios = np.where(
            by_age[:-1, :-1] > 0, by_age[1:, 1:] / by_age[:-1, :-1], 1.0
        )  # (base-1, ages 1..25)
        shares = np.where(by_age[..., None] > 0, cube / by_age[..., None], 1.0 / len(settings))
    drift = (shares[-1] - shares[0]) / max(len(base) - 1, 1)
    rng = np.random.default_rng(seed)
    out = np.zeros((n_sims, years_ahead, n_age, len(settings)))
    current = np.broadcast_to(by_age[-1], (n_sims, n_age)).copy()
    new0 = by_age[:, 0].mean()
    for k in range(years_ahead):
        pick = rng.integers(0, ratios.shape[0], size=n_sims)
        nxt = np.empty_like(current)
        nxt[:, 1:] = current[:, :-1] * ratios[pick]
        nxt[:, 0] = new0
        share = np.clip(shares[-1] + drift * (k + 1), 0, None)
        share /= share.sum(axis=1, keepdims=True)
        whole = rng.poisson(nxt)
        for a in range(n_age):
            out[:, k, a, :] = rng.multinomial(whole[:, a], share[a])
        current = nxt
    return [years[-1] + k + 1 for k in range(years_ahead)], settings, out
