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


@rule("SW02STG1", first_year=2024)
def id_prefix(ctx):
    """From 2025-26 an id must also be at least 4 characters long."""
    bad = ~known(pl.col("SW_ID").str.slice(0, 2).is_in(["SW", "XX"]))
    if ctx.ruleset_year >= 2026:
        bad = bad | known(pl.col("SW_ID").str.len_chars() < 4)
    return _sw(ctx, bad)


def _sw_date_valid(ctx, column: str):
    """Until 2024-25 an unknown day or month may be given as ZZ; from 2025-26 the date must be
    a full dd/mm/yyyy date."""
    parsed = date(column) if ctx.ruleset_year >= 2026 else partial_date(column)
    return _sw(ctx, given(column) & parsed.is_null())


@rule("SW04STG1", first_year=2024)
def start_valid(ctx):
    return _sw_date_valid(ctx, "SW_DECOM")


@rule("SW05STG1", first_year=2024)
def end_valid(ctx):
    return _sw_date_valid(ctx, "SW_DEC")


@rule("SW06STG2", first_year=2024)
def start_after_year(ctx):
    return _sw(ctx, given("SW_DECOM_dt") & ~known(date("SW_DECOM") <= ctx.end))


@rule("SW07STG2", first_year=2024)
def end_outside_period(ctx):
    """From 2024-25 the reporting period starts a year before the collection year."""
    earliest = ctx.start if ctx.ruleset_year < 2025 else ctx.start - YEAR
    inside = (date("SW_DEC") >= pl.lit(earliest)) & (date("SW_DEC") <= ctx.end)
    return _sw(ctx, given("SW_DEC_dt") & ~known(inside))


@rule("SW08STG2", first_year=2024)
def previous_not_ended(ctx):
    sw = ctx.t(SW).sort("SW_DECOM_dt", nulls_last=True, maintain_order=True)
    last = pl.col(ROW) == pl.col(ROW).last().over("CHILD")
    return flag(SW, sw, ~last & date("SW_DEC").is_null() & given("CHILD") & given("SW_DECOM_dt"))


@rule("SW09STG2", first_year=2024)
def under_24_hours(ctx):
    """From 2025-26: an episode shorter than three days."""
    if ctx.ruleset_year >= 2026:
        some_date = given("SW_DEC") | given("SW_DECOM")
        short = (date("SW_DEC") - date("SW_DECOM")) < pl.duration(days=3)
        return _sw(ctx, some_date & short)
    return _sw(ctx, pl.col("SW_DEC") == pl.col("SW_DECOM"))


def _after_previous(ctx) -> pl.DataFrame:
    """Social-worker episodes in each child's order, with the previous one's end date."""
    sw = ctx.t(SW).sort(["CHILD", "SW_DECOM_dt", "SW_DEC_dt"], nulls_last=True, maintain_order=True)
    return sw.with_columns(
        date("SW_DEC").shift(1).alias("_prev_end"),
        known(pl.col("CHILD") == pl.col("CHILD").shift(1)).alias("_same"),
    )


@rule("SW10STG2", first_year=2024)
@rule("SW10aSTG2", first_year=2026)
def gap_or_overlap(ctx):
    """A new episode must start within a week of the last one ending (from 2024-25, unless it
    is a first contact)."""
    sw = _after_previous(ctx)
    week = pl.duration(days=7)
    start, prev_end = date("SW_DECOM"), pl.col("_prev_end")
    near = known(start >= prev_end - week) & known(start <= prev_end + week)
    mask = pl.col("_same") & ~near
    if ctx.ruleset_year >= 2025:
        mask = mask & pl.col("SW_REASON").ne_missing("FCONTA")
    return flag(SW, sw, mask)


@rule("SW10bSTG2", first_year=2026)
def first_contact_overlaps(ctx):
    sw = _after_previous(ctx)
    overlap = known(date("SW_DECOM") <= pl.col("_prev_end"))
    return flag(SW, sw, pl.col("_same") & (pl.col("SW_REASON") == "FCONTA") & overlap)


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


@rule("SW12STG2", first_year=2024)
def social_workers_for_whole_year(ctx):
    """From 2024-25 only episodes ending in the reporting period (or open) are checked."""
    eps = ctx.t("episodes")
    dec = date("DEC")
    recent = known((dec >= pl.lit(ctx.start - YEAR)) & (dec <= ctx.end)) | dec.is_null()
    if ctx.ruleset_year < 2025:
        recent = pl.lit(True)
    eps = eps.filter(recent & ~known(pl.col("LS").is_in(codes.RESPITE))).filter(
        known((pl.col("RNE") == "S") | pl.col("REC").ne_missing("X1"))
    )
    m = eps.join(ctx.t(SW).select("CHILD", "SW_DECOM_dt"), on="CHILD", how="left")
    before_end = known(pl.col("SW_DECOM_dt") <= dec) & pl.col("REC").ne_missing("X1")
    after_start = known(pl.col("SW_DECOM_dt") >= date("DECOM")) & (pl.col("RNE") == "S")
    return flag("episodes", m, ~before_end & ~after_start)


@rule("SW13STG1", first_year=2024)
def reason_valid(ctx):
    """From 2024-25 a blank reason is accepted for episodes before 1 April 2023."""
    if ctx.ruleset_year < 2025:
        return _sw(ctx, ~known(pl.col("SW_REASON").is_in(list(REASONS))))
    invalid = given("SW_REASON") & ~pl.col("SW_REASON").is_in(list(REASONS))
    unexplained = blank("SW_REASON") & known(date("SW_DECOM") >= SW_STARTS)
    return _sw(ctx, invalid | unexplained)


@rule("SW01STG1", first_year=2024, last_year=2024)
def no_social_worker_at_year_end(ctx):
    """Reported on the episodes open at 31 March (the DfE tool labels those rows as the
    social-worker table's)."""
    open_eps = ctx.t("episodes").filter(blank("DEC") & ~known(pl.col("LS").is_in(codes.RESPITE)))
    sw = ctx.t(SW).select("CHILD", "SW_ID", "SW_DECOM", "SW_REASON")
    m = open_eps.join(sw, on="CHILD", how="left")
    return flag("episodes", m, blank("SW_ID") | blank("SW_DECOM") | blank("SW_REASON"))


@rule("SW03STG1", first_year=2024, last_year=2024)
def incomplete(ctx):
    return _sw(ctx, blank("SW_ID") | blank("SW_DECOM") | blank("SW_REASON"))


@rule("SW11aSTG2", first_year=2024, last_year=2024)
def ended_without_next(ctx):
    sw = ctx.t(SW).sort(["CHILD", "SW_DECOM_dt"], nulls_last=True, maintain_order=True)
    prev_end = date("SW_DEC").shift(1)
    five = pl.duration(days=5)
    sw = sw.filter(
        known(prev_end <= pl.lit(ctx.end) - five)
        & known(pl.col("CHILD") == pl.col("CHILD").shift(1))
    )
    within = known(date("SW_DECOM") >= prev_end - five) & known(date("SW_DECOM") <= prev_end + five)
    return flag(SW, sw, date("SW_DECOM").is_null() | ~within)


@rule("SW14STG2", first_year=2024, last_year=2024)
def end_blank_not_latest(ctx):
    sw = ctx.t(SW).sort(["CHILD", "SW_DECOM_dt"], nulls_last=True, maintain_order=True)
    latest = sw.unique("CHILD", keep="last")[ROW].implode()
    return _sw(ctx, date("SW_DEC").is_null() & ~pl.col(ROW).is_in(latest))


@rule("SW17STG2", first_year=2026)
def none_open_at_year_end(ctx):
    sw = ctx.t(SW).sort("SW_DECOM_dt", descending=True, nulls_last=True, maintain_order=True)
    latest = sw.unique("CHILD", keep="first")
    return flag(SW, latest, given("SW_DEC"))


@rule("SW18STG2", first_year=2026)
def ends_before_start(ctx):
    both = given("SW_DEC_dt") & given("SW_DECOM_dt")
    return _sw(ctx, both & ~known(date("SW_DEC") > date("SW_DECOM")))


@rule("SW19STG2", first_year=2026)
def two_starting_same_day(ctx):
    return _sw(
        ctx,
        pl.struct("CHILD", "SW_DECOM").is_duplicated()
        & ~pl.struct("CHILD", "SW_DECOM").is_first_distinct(),
    )
