"""Episodes in each child's order, with the neighbouring episode's fields beside each one.

Many DfE rules compare an episode with the one before or after it for the same child (a new
episode must start when the last ended, a reason for change must match what changed). They sort
by child and start date (undated episodes last) and look one row up or down.
"""

from __future__ import annotations

import polars as pl

from carecast.dferules.context import Context


def ordered(ctx: Context, by: tuple[str, ...] = ("CHILD", "DECOM_dt")) -> pl.DataFrame:
    """This year's episodes sorted by ``by`` (nulls last, ties in file order)."""
    key = "ordered:" + ",".join(by)
    return ctx.memo(
        key, lambda: ctx.t("episodes").sort(list(by), nulls_last=True, maintain_order=True)
    )


def with_neighbour(frame: pl.DataFrame, columns: list[str], step: int, suffix: str,
                   fill: str | None = None) -> pl.DataFrame:
    """``frame`` with ``<column><suffix>`` from the row ``step`` rows earlier (1) or later (-1),
    and ``same_child<suffix>`` saying whether that row is the same child's."""
    def shifted(c: str) -> pl.Expr:
        col = pl.col(c) if fill is None or c == "CHILD" else pl.col(c).fill_null(fill)
        return col.shift(step).alias(f"{c}{suffix}")

    return frame.with_columns(
        *[shifted(c) for c in columns if c != "CHILD"],
        (pl.col("CHILD") == pl.col("CHILD").shift(step)).fill_null(False).alias(f"same_child{suffix}"),
    )


def previous(ctx: Context, columns: list[str], fill: str | None = None) -> pl.DataFrame:
    return with_neighbour(ordered(ctx), columns, 1, "_prev", fill)


def following(ctx: Context, columns: list[str]) -> pl.DataFrame:
    return with_neighbour(ordered(ctx), columns, -1, "_next")
