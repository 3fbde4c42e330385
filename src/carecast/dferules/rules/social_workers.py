"""Rules on the social-worker episodes table (returned from 2023-24)."""

from __future__ import annotations

import datetime as dt

import polars as pl

from carecast.dferules import codes
from carecast.dferules.context import ROW
from carecast.dferules.registry import rule
from carecast.dferules.rules.common import blank, date, flag, given, known
from carecast.dferules.rules.reviews_permanence import partial_date

SW = "sw_episodes"
SW_STARTS = dt.date(2023, 4, 1)  # social-worker details are required from 1 April 2023
REASONS = (
    "MANAGE",
    "FCONTA",
    "LEFTRL",
    "ORGRST",
    "TSPROC",
    "ABSENC",
    "CHCHAN",
    "PCCHAN",
    "SWDIED",
    "OTHERS",
)
YEAR = dt.timedelta(days=365.2425)  # the DfE tool's "one year" for SW07


def _sw(ctx, mask: pl.Expr):
    return flag(SW, ctx.t(SW), mask)


@rule("SW01aSTG1", first_year=2025, last_year=2025)
def incomplete_before_april_2023(ctx):
    start = date("SW_DECOM")
    return _sw(ctx, known((start < SW_STARTS) & blank("SW_ID")) | start.is_null())


@rule("SW01bSTG1", first_year=2025, last_year=2025)
def incomplete_after_april_2023(ctx):
    start = date("SW_DECOM")
    missing = blank("SW_ID") | blank("SW_REASON")
    return _sw(ctx, known((start >= SW_STARTS) & missing) | start.is_null())


@rule("SW02STG1", first_year=2024, last_year=2025)
def id_prefix(ctx):
    return _sw(ctx, ~known(pl.col("SW_ID").str.slice(0, 2).is_in(["SW", "XX"])))


@rule("SW04STG1", first_year=2024, last_year=2025)
def start_valid(ctx):
    return _sw(ctx, given("SW_DECOM") & partial_date("SW_DECOM").is_null())


@rule("SW05STG1", first_year=2024, last_year=2025)
def end_valid(ctx):
    return _sw(ctx, given("SW_DEC") & partial_date("SW_DEC").is_null())


@rule("SW06STG2", first_year=2024)
def start_after_year(ctx):
    return _sw(ctx, given("SW_DECOM_dt") & ~known(date("SW_DECOM") <= ctx.end))


@rule("SW07STG2", first_year=2025)
def end_outside_period(ctx):
    earliest = ctx.start - YEAR
    inside = (date("SW_DEC") >= pl.lit(earliest)) & (date("SW_DEC") <= ctx.end)
    return _sw(ctx, given("SW_DEC_dt") & ~known(inside))


@rule("SW08STG2", first_year=2024)
def previous_not_ended(ctx):
    sw = ctx.t(SW).sort("SW_DECOM_dt", nulls_last=True, maintain_order=True)
    last = pl.col(ROW) == pl.col(ROW).last().over("CHILD")
    return flag(SW, sw, ~last & date("SW_DEC").is_null() & given("CHILD") & given("SW_DECOM_dt"))


@rule("SW09STG2", first_year=2024, last_year=2025)
def under_24_hours(ctx):
    return _sw(ctx, pl.col("SW_DEC") == pl.col("SW_DECOM"))


@rule("SW10STG2", first_year=2025)
def gap_or_overlap(ctx):
    sw = ctx.t(SW).sort(["CHILD", "SW_DECOM_dt", "SW_DEC_dt"], nulls_last=True, maintain_order=True)
    prev_end = date("SW_DEC").shift(1)
    same = pl.col("CHILD") == pl.col("CHILD").shift(1)
    week = pl.duration(days=7)
    near = known(date("SW_DECOM") >= prev_end - week) & known(date("SW_DECOM") <= prev_end + week)
    return flag(SW, sw, known(same) & pl.col("SW_REASON").ne_missing("FCONTA") & ~near)


@rule("SW11bSTG2", first_year=2024)
def ended_near_year_end_no_next(ctx):
    sw = ctx.t(SW).sort(["CHILD", "SW_DECOM_dt"], nulls_last=True, maintain_order=True)
    window = (pl.lit(ctx.end) - pl.duration(days=5), pl.lit(ctx.end))
    in_window = lambda e: known((e >= window[0]) & (e <= window[1]))  # noqa: E731
    same_prev = known(pl.col("CHILD") == pl.col("CHILD").shift(1))
    no_start = same_prev & in_window(date("SW_DEC").shift(1)) & date("SW_DECOM").is_null()
    alone = (pl.len().over("CHILD") == 1) & in_window(date("SW_DEC"))
    later_start = date("SW_DECOM").shift(-1)
    same_next = known(pl.col("CHILD") == pl.col("CHILD").shift(-1))
    overtaken = same_next & known(later_start < date("SW_DEC")) & in_window(date("SW_DEC"))
    return flag(SW, sw, no_start | alone | overtaken)


@rule("SW12STG2", first_year=2025)
def social_workers_for_whole_year(ctx):
    eps = ctx.t("episodes")
    dec = date("DEC")
    recent = known((dec >= pl.lit(ctx.start - YEAR)) & (dec <= ctx.end)) | dec.is_null()
    eps = eps.filter(recent & ~known(pl.col("LS").is_in(codes.RESPITE))).filter(
        known((pl.col("RNE") == "S") | pl.col("REC").ne_missing("X1"))
    )
    m = eps.join(ctx.t(SW).select("CHILD", "SW_DECOM_dt"), on="CHILD", how="left")
    before_end = known(pl.col("SW_DECOM_dt") <= dec) & pl.col("REC").ne_missing("X1")
    after_start = known(pl.col("SW_DECOM_dt") >= date("DECOM")) & (pl.col("RNE") == "S")
    return flag("episodes", m, ~before_end & ~after_start)


@rule("SW13STG1", first_year=2025)
def reason_valid(ctx):
    invalid = given("SW_REASON") & ~pl.col("SW_REASON").is_in(list(REASONS))
    unexplained = blank("SW_REASON") & known(date("SW_DECOM") >= SW_STARTS)
    return _sw(ctx, invalid | unexplained)
