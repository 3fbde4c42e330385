"""Episodes in each child's order, with the neighbouring episode's fields beside each one.

Many DfE rules compare an episode with the one before or after it for the same child (a new
episode must start when the last ended, a reason for change must match what changed). They sort
by child and start date (undated episodes last) and look one row up or down.
"""

from __future__ import annotations

import polars as pl

from carecast.dferules.context import Context
from carecast.dferules.rules.common import first_per_child


def ordered(ctx: Context, by: tuple[str, ...] = ("CHILD", "DECOM_dt")) -> pl.DataFrame:
    """This year's episodes sorted by ``by`` (nulls last, ties in file order)."""
    key = "ordered:" + ",".join(by)
    return ctx.memo(
        key, lambda: ctx.t("episodes").sort(list(by), nulls_last=True, maintain_order=True)
    )


def with_neighbour(
    frame: pl.DataFrame, columns: list[str], step: int, suffix: str, fill: str | None = None
) -> pl.DataFrame:
    """``frame`` with ``<column><suffix>`` from the row ``step`` rows earlier (1) or later (-1),
    and ``same_child<suffix>`` saying whether that row is the same child's."""

    def shifted(c: str) -> pl.Expr:
        col = pl.col(c) if fill is None or c == "CHILD" else pl.col(c).fill_null(fill)
        return col.shift(step).alias(f"{c}{suffix}")

    return frame.with_columns(
        *[shifted(c) for c in columns if c != "CHILD"],
        (pl.col("CHILD") == pl.col("CHILD").shift(step))
        .fill_null(False)
        .alias(f"same_child{suffix}"),
    )


def previous(ctx: Context, columns: list[str], fill: str | None = None) -> pl.DataFrame:
    return with_neighbour(ordered(ctx), columns, 1, "_prev", fill)


def following(ctx: Context, columns: list[str]) -> pl.DataFrame:
    return with_neighbour(ordered(ctx), columns, -1, "_next")


def periods_of_care(ctx: Context) -> pl.DataFrame:
    """One row per period of care (episodes that start on or before the last one ended, for one
    child): CHILD, its first start ``poc_DECOM`` and the last episode's end ``poc_DEC``."""

    def build() -> pl.DataFrame:
        eps = ordered(ctx).filter(pl.col("DECOM_dt").is_not_null())
        new = (pl.col("DECOM_dt") > pl.col("DEC_dt").shift(1)).fill_null(False) | pl.col(
            "CHILD"
        ).ne_missing(pl.col("CHILD").shift(1))
        eps = eps.with_columns(new.cast(pl.Int32).cum_sum().alias("_period"))
        return eps.group_by("_period", maintain_order=True).agg(
            pl.col("CHILD").first(),
            pl.col("DECOM_dt").first().alias("poc_DECOM"),
            pl.col("DEC_dt").last().alias("poc_DEC"),
        )

    return ctx.memo("periods_of_care", build)


def first_episodes(ctx: Context) -> pl.DataFrame:
    """Each child's first episode this year (earliest start; undated episodes left out)."""
    return ctx.memo("first_episodes", lambda: first_per_child(ctx.t("episodes"), "DECOM_dt"))
