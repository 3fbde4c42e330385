"""Rules on the missing / away-from-placement table, alone and against the episodes."""

from __future__ import annotations

import datetime as dt

import polars as pl

from carecast.dferules.context import ROW
from carecast.dferules.registry import rule
from carecast.dferules.rules.common import (
    bad_date,
    blank,
    date,
    first_per_child,
    flag,
    given,
    known,
    not_in,
    years_after,
)
from carecast.dferules.rules.sequence import periods_of_care


def _mis(ctx, mask: pl.Expr):
    return flag("missing", ctx.t("missing"), mask)


@rule("1004")
def start_valid(ctx):
    return _mis(ctx, date("MIS_START").is_null())


@rule("1005")
def end_valid(ctx):
    return _mis(ctx, bad_date("MIS_END"))


@rule("1006")
def type_valid(ctx):
    return _mis(ctx, not_in("MISSING", ("M", "A"), blank_ok=True))


@rule("564")
def start_blank(ctx):
    return _mis(ctx, known(pl.col("MISSING").is_in(["M", "A"])) & blank("MIS_START"))


@rule("565")
def start_without_type(ctx):
    return _mis(ctx, given("MIS_START") & blank("MISSING"))


@rule("566")
def end_without_type(ctx):
    return _mis(ctx, blank("MISSING") & given("MIS_END"))


@rule("567")
def end_before_start(ctx):
    return _mis(ctx, date("MIS_START") > date("MIS_END"))


@rule("570")
def start_after_year(ctx):
    return _mis(ctx, date("MIS_START") > ctx.end)


@rule("571")
def end_outside_year(ctx):
    return _mis(ctx, (date("MIS_END") < ctx.start) | (date("MIS_END") > ctx.end))


@rule("574")
def overlapping_periods(ctx):
    mis = ctx.t("missing").with_columns(date("MIS_END").fill_null(date("MIS_START")).alias("_end"))
    mis = mis.sort(["CHILD", "_end", "MIS_START_dt"], nulls_last=True, maintain_order=True)
    same = pl.col("CHILD") == pl.col("CHILD").shift(1)
    prev_end = date("MIS_END").shift(1)
    return flag(
        "missing", mis, known(same) & (prev_end.is_null() | known(date("MIS_START") < prev_end))
    )


def _missing_with_episodes(ctx) -> pl.DataFrame:
    eps = ctx.t("episodes").select("CHILD", "DECOM_dt", "DEC_dt", "DEC", "REC")
    return ctx.t("missing").join(eps, on="CHILD", how="inner")


@rule("575")
def placement_ended_missing_open(ctx):
    m = _missing_with_episodes(ctx)
    inside = (date("MIS_START") >= pl.col("DECOM_dt")) & (date("MIS_START") <= pl.col("DEC_dt"))
    return flag("missing", m, inside & blank("MIS_END") & given("DEC"))


@rule("576")
def open_last_year_not_carried(ctx):
    mis = ctx.t("missing").with_columns(
        date("MIS_START").fill_null(dt.date(2099, 1, 1)).alias("_start")
    )
    first = first_per_child(mis, "_start")
    open_last = (
        ctx.last("missing")
        .filter(blank("MIS_END"))
        .select("CHILD", pl.col("MIS_START_dt").alias("_start_last"))
    )
    m = first.join(open_last, on="CHILD", how="inner")
    return flag("missing", m, given("_start_last") & (pl.col("_start") != pl.col("_start_last")))


def _outside_every_period(ctx, outside: pl.Expr, frame: pl.DataFrame) -> dict:
    """Missing rows (of ``frame``) outside every period of care of their child."""
    m = frame.join(periods_of_care(ctx), on="CHILD", how="inner")
    every = known(outside).all().over(ROW)
    return flag("missing", m, every)


@rule("577")
def open_missing_after_care_ended(ctx):
    frame = ctx.t("missing").filter(given("MIS_START_dt"))
    start, end = date("MIS_START"), date("MIS_END")
    outside = (
        (end.is_null() & pl.col("poc_DEC").is_not_null())
        | (end.is_null() & known(start < pl.col("poc_DECOM")))
        | known(end > pl.col("poc_DEC"))
        | known(end < pl.col("poc_DECOM"))
    )
    return _outside_every_period(ctx, outside, frame)


@rule("578")
def missing_after_care_ended(ctx):
    start = date("MIS_START")
    outside = known(start < pl.col("poc_DECOM")) | known(start > pl.col("poc_DEC"))
    return _outside_every_period(ctx, outside, ctx.t("missing"))


@rule("580")
def missing_at_18_not_e8(ctx):
    mis = ctx.t("missing").select(
        "CHILD", "MIS_END_dt", years_after(date("DOB"), 18).alias("_bd18")
    )
    m = ctx.t("episodes").join(mis, on="CHILD", how="inner")
    same_day = (pl.col("_bd18") == pl.col("MIS_END_dt")) & (pl.col("MIS_END_dt") == date("DEC"))
    return flag("episodes", m, same_day & pl.col("REC").ne_missing("E8"))


@rule("581")
def missing_before_care(ctx):
    eps = ctx.t("episodes").select("CHILD", "DECOM_dt", "DEC_dt")
    m = ctx.t("missing").join(eps, on="CHILD", how="inner")
    start = date("MIS_START")
    inside = known(start >= pl.col("DECOM_dt")) & (
        known(start <= pl.col("DEC_dt")) | pl.col("DEC_dt").is_null()
    )
    return flag("missing", m, ~inside.any().over(ROW))


@rule("586")
def missing_before_birth(ctx):
    return _mis(ctx, given("MIS_START_dt") & (date("MIS_START") <= date("DOB")))
