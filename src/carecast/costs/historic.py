"""Historic placement cost from cleaned episodes: days in each placement × weekly cost / 7.

This is the "actual" the projection is compared with when the council has no ledger extract: each
episode's days (DECOM up to but not including DEC; open episodes to the end of the data) are split
at every 1 April and priced per day at the unit cost of its cost group in effect that day.
Short-break episodes (LS V3/V4) are not placements a budget pays for as care and are left out,
counted in ``excluded`` with the reason; so are episodes without a cost group.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import numpy as np
import polars as pl

from carecast.costs.unit_costs import UnitCosts, default_unit_costs
from carecast.errors import InputError
from carecast.schema.years import financial_year_expr, financial_year_label_expr, financial_year_of

_NEEDED = ("child_id", "decom", "dec", "cost_group", "data_end")


@dataclass
class ActualCosts:
    """Cost of placements actually made, by financial year and cost group."""

    by_financial_year_cost_group: pl.DataFrame
    by_financial_year: (
        pl.DataFrame
    )  # is_complete: the returns cover the whole year (else undercounted)
    excluded: pl.DataFrame  # reason, episodes

    def __repr__(self) -> str:
        return f"<ActualCosts {self.by_financial_year.height} financial years, £{self.by_financial_year['cost'].sum():,.0f}>"


def episode_days(
    episodes: pl.DataFrame, *, start: dt.date | None = None, end: dt.date | None = None
) -> pl.DataFrame:
    """Episodes with ``_s`` (first day) and ``_e`` (day after the last) clipped to [start, end]."""
    missing = [c for c in _NEEDED if c not in episodes.columns]
    if missing:
        raise InputError(
            f"the episodes table lacks column(s) {missing}",
            fix="pass cleaned episodes from `carecast ingest`",
        )
    out = episodes.with_columns(
        pl.col("decom").alias("_s"),
        pl.coalesce(pl.col("dec"), pl.col("data_end") + pl.duration(days=1)).alias("_e"),
    )
    if start is not None:
        out = out.with_columns(pl.max_horizontal("_s", pl.lit(start)).alias("_s"))
    if end is not None:
        out = out.with_columns(
            pl.min_horizontal("_e", pl.lit(end + dt.timedelta(days=1))).alias("_e")
        )
    return out.filter(pl.col("_e") > pl.col("_s"))


def price_days(
    frame: pl.DataFrame,
    unit_costs: UnitCosts,
    *,
    start_col: str = "_s",
    end_col: str = "_e",
    group_col: str = "cost_group",
) -> np.ndarray:
    """Cost of one child over [start, end) per row, at its group's daily prices (vectorised)."""
    if frame.height == 0:
        return np.zeros(0)
    s = frame.get_column(start_col).to_numpy().astype("datetime64[D]")
    e = frame.get_column(end_col).to_numpy().astype("datetime64[D]")
    origin = s.min()
    n_days = int((e.max() - origin).astype(int))
    groups = unit_costs.groups
    cum = np.vstack(
        [
            np.zeros(len(groups)),
            np.cumsum(unit_costs.daily_price(origin.astype(dt.date), n_days), axis=0),
        ]
    )
    gidx = (
        frame.get_column(group_col)
        .replace_strict({g: i for i, g in enumerate(groups)}, default=-1)
        .to_numpy()
    )
    if np.any(gidx < 0):
        bad = frame.filter(pl.Series(gidx < 0)).get_column(group_col).unique().to_list()
        raise InputError(f"unknown cost group(s) {bad}", fix=f"use one of {groups}")
    i0 = (s - origin).astype(int)
    i1 = (e - origin).astype(int)
    return cum[i1, gidx] - cum[i0, gidx]


def _first_return_year(episodes: pl.DataFrame) -> int | None:
    """The financial year of the earliest collection year in the data (collection year 2016 covers
    2015-16), or None when the returns' collection years are not known."""
    if (
        "collection_year" not in episodes.columns
        or episodes.get_column("collection_year").null_count() == episodes.height
    ):
        return None
    return int(episodes.get_column("collection_year").min()) - 1


def _covered_years(episodes: pl.DataFrame) -> tuple[int | None, int | None]:
    """First and last financial year every council's returns cover in full.

    The first is the year of the latest council's earliest collection year (episodes from before
    it are only those still open then, so earlier years are undercounted); the last is the last
    year ending by the earliest ``data_end``. The first is unknown without ``collection_year``.
    """
    end = episodes.get_column("data_end").min()
    last = financial_year_of(end + dt.timedelta(days=1)) - 1 if end is not None else None
    if (
        "collection_year" not in episodes.columns
        or episodes.get_column("collection_year").null_count() == episodes.height
    ):
        return None, last
    by = "council" if "council" in episodes.columns else None
    firsts = (
        episodes.group_by(by).agg(pl.col("collection_year").min())
        if by
        else episodes.select(pl.col("collection_year").min())
    )
    return int(firsts.get_column("collection_year").max()) - 1, last


def actual_costs(
    episodes: pl.DataFrame,
    unit_costs: UnitCosts | None = None,
    *,
    start: dt.date | None = None,
    end: dt.date | None = None,
) -> ActualCosts:
    """Placement cost by financial year and cost group from cleaned episodes."""
    uc = unit_costs or default_unit_costs()
    excluded = []
    eps = episodes
    if "is_short_break" in eps.columns:
        sb = eps.filter(pl.col("is_short_break").fill_null(False))
        excluded.append(
            {"reason": "short break (LS V3/V4): not a care placement", "episodes": sb.height}
        )
        eps = eps.filter(~pl.col("is_short_break").fill_null(False))
    no_group = eps.filter(pl.col("cost_group").is_null())
    excluded.append({"reason": "no cost group", "episodes": no_group.height})
    eps = episode_days(eps.filter(pl.col("cost_group").is_not_null()), start=start, end=end)
    pieces = (
        eps.with_columns(
            pl.int_ranges(
                financial_year_expr("_s"),
                financial_year_expr(pl.col("_e") - pl.duration(days=1)) + 1,
            ).alias("fy")
        )
        .explode("fy")
        .with_columns(
            pl.max_horizontal("_s", pl.date(pl.col("fy"), 4, 1)).alias("_s"),
            pl.min_horizontal("_e", pl.date(pl.col("fy") + 1, 4, 1)).alias("_e"),
        )
        .with_columns(pl.col("fy").cast(pl.Int32))
    )
    pieces = pieces.with_columns(
        (pl.col("_e") - pl.col("_s")).dt.total_days().alias("days"),
        pl.Series("cost", price_days(pieces, uc)),
    )
    keys = [k for k in ("council",) if k in pieces.columns]
    by_group = (
        pieces.group_by(["fy", "cost_group"])
        .agg(
            pl.col("days").sum(),
            pl.struct([*keys, "child_id"]).n_unique().alias("children"),
            pl.col("cost").sum(),
        )
        .sort("fy", "cost_group")
    )
    by_fy = (
        pieces.group_by("fy")
        .agg(
            pl.col("days").sum(),
            pl.struct([*keys, "child_id"]).n_unique().alias("children"),
            pl.col("cost").sum(),
        )
        .sort("fy")
    )
    label = financial_year_label_expr("fy").alias("financial_year")
    first, last = _covered_years(episodes)
    start = _first_return_year(episodes)
    if (
        start is not None
    ):  # years before any return: only the few episodes still open later are seen
        before = pieces.filter(pl.col("fy") < start)
        excluded.append(
            {
                "reason": f"episode days before {start}-{(start + 1) % 100:02d}, the first year any return "
                "covers (such years would show only children still in care later)",
                "episodes": before.select(pl.struct([*keys, "child_id", "decom"]).n_unique()).item()
                if before.height
                else 0,
            }
        )
        by_group, by_fy = (
            by_group.filter(pl.col("fy") >= start),
            by_fy.filter(pl.col("fy") >= start),
        )
    complete = ((pl.col("fy") >= first) if first is not None else pl.lit(False)) & (
        (pl.col("fy") <= last) if last is not None else pl.lit(False)
    )
    return ActualCosts(
        by_financial_year_cost_group=by_group.with_columns(
            label, complete.alias("is_complete")
        ).select("financial_year", "fy", "cost_group", "children", "days", "cost", "is_complete"),
        by_financial_year=by_fy.with_columns(label, complete.alias("is_complete")).select(
            "financial_year", "fy", "children", "days", "cost", "is_complete"
        ),
        excluded=pl.DataFrame(excluded, schema={"reason": pl.Utf8, "episodes": pl.Int64}),
    )


def actual_and_projected(actual: ActualCosts, projection) -> pl.DataFrame:
    """Historic cost and projected cost (with bands) by financial year in one table, for comparison.

    ``projection`` is a :class:`carecast.costs.CostProjection`. A year present in both (the year the
    forecast starts in) shows both figures; ``is_complete`` says whether the projection covers it whole.
    """
    hist = actual.by_financial_year.select("financial_year", pl.col("cost").alias("actual_cost"))
    proj = projection.by_financial_year.select(
        "financial_year",
        "cost_mean",
        "cost_p5",
        "cost_p50",
        "cost_p95",
        pl.col("is_complete").alias("projection_is_complete"),
    )
    return hist.join(proj, on="financial_year", how="full", coalesce=True).sort("financial_year")
