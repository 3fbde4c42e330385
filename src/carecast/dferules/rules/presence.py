"""The DfE's internal checks: every table's child is in the header, with the header's date of
birth and sex, and appears once where a table has one row per child."""

from __future__ import annotations

import polars as pl

from carecast.dferules.context import ROW, Context
from carecast.dferules.registry import rule
from carecast.dferules.rules.common import flag, known


def header_match(ctx: Context, table: str, column: str | None):
    """Rows of ``table`` whose child is not in the header (column None), or whose ``column``
    differs from the header's (both given)."""
    frame = ctx.t(table)
    header = ctx.t("header")
    if column is None:
        return flag(table, frame, ~known(pl.col("CHILD").is_in(header["CHILD"].implode())))
    merged = frame.select(ROW, "CHILD", pl.col(column).alias("_v")).join(
        header.select("CHILD", pl.col(column).alias("_h")), on="CHILD", how="inner"
    )
    return flag(table, merged, pl.col("_v") != pl.col("_h"))


def repeated_child(ctx: Context, table: str):
    return flag(table, ctx.t(table), pl.len().over("CHILD") > 1)


def _register(code: str, table: str, column: str | None) -> None:
    rule(code)(lambda ctx: header_match(ctx, table, column))


for _code, _table in (
    ("INT01", "ad1"),
    ("INT02", "placed_for_adoption"),
    ("INT04", "missing"),
    ("INT05", "oc2"),
    ("INT06", "oc3"),
    ("INT07", "previous_permanence"),
    ("INT08", "reviews"),
):
    _register(_code, _table, None)
for _code, _table in (
    ("INT11", "ad1"),
    ("INT12", "placed_for_adoption"),
    ("INT13", "missing"),
    ("INT14", "oc2"),
    ("INT15", "oc3"),
    ("INT16", "previous_permanence"),
    ("INT17", "reviews"),
):
    _register(_code, _table, "DOB_dt")
for _code, _table in (
    ("INT31", "ad1"),
    ("INT33", "oc2"),
    ("INT34", "oc3"),
    ("INT35", "previous_permanence"),
):
    rule(_code)(lambda ctx, table=_table: repeated_child(ctx, table))
