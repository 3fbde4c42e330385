"""Rules on how a child's episodes follow one another (periods of care, reasons for change)."""

from __future__ import annotations

import polars as pl

from carecast.dferules import codes
from carecast.dferules.context import ROW, Context
from carecast.dferules.registry import rule
from carecast.dferules.rules.common import blank, date, flag, given, known
from carecast.dferules.rules.sequence import first_episodes, following, ordered, previous


def _eps(frame: pl.DataFrame, mask: pl.Expr):
    return flag("episodes", frame, mask)


def _is(column: str, *values: str) -> pl.Expr:
    return known(pl.col(column).is_in(list(values)))


def _differs(a: str, b: str) -> pl.Expr:
    """pandas' ``!=``: true when either side is missing."""
    return (pl.col(a) != pl.col(b)).fill_null(True)


@rule("142")
def previous_not_ended(ctx):
    eps = ctx.t("episodes").sort("DECOM_dt", nulls_last=True, maintain_order=True)
    last = pl.col(ROW) == pl.col(ROW).last().over("CHILD")
    unended = blank("DEC") | blank("REC")
    return _eps(eps, ~last & unended & given("CHILD") & given("DECOM_dt"))


@rule("199")
def adopted_before(ctx):
    eps = (
        ctx.t("episodes")
        .select(ROW, "CHILD", "REC", "DECOM_dt")
        .with_columns(pl.lit(True).alias("_this_year"))
    )
    if ctx.previous is not None and "episodes" in ctx.previous:
        last = ctx.last("episodes").select(ROW, "CHILD", "REC", "DECOM_dt")
        eps = pl.concat([eps, last.with_columns(pl.lit(False).alias("_this_year"))])
        # an episode in both returns (open at last year's end) is one episode, counted once
        eps = eps.unique(["CHILD", "DECOM_dt"], keep="first", maintain_order=True)
    adopted = _is("REC", *codes.ADOPTED)
    ever_adopted = eps.filter(adopted)["CHILD"].unique().implode()  # the few children concerned
    eps = eps.filter(given("DECOM_dt") & pl.col("CHILD").is_in(ever_adopted))
    eps = eps.sort("DECOM_dt", maintain_order=True)
    so_far = adopted.cast(pl.Int32).cum_sum().over("CHILD")
    mask = pl.col("_this_year") & (so_far > 0) & ~((so_far == 1) & adopted)
    return _eps(eps, mask)


@rule("225")
def reason_change_needed(ctx):
    eps = following(ctx, ["RNE", "PLACE"])
    mask = (
        pl.col("same_child_next")
        & (pl.col("REC") == "X1")
        & blank("REASON_PLACE_CHANGE")
        & ~_is("PLACE", *codes.TEMPORARY)
        & _is("RNE_next", "P", "B", "T", "U")
        & ~_is("PLACE_next", *codes.TEMPORARY)
    )
    return _eps(eps, mask)


@rule("226")
def reason_change_not_needed(ctx):
    eps = previous(ctx, ["REASON_PLACE_CHANGE"])
    earlier = pl.col("same_child_prev") & given("REASON_PLACE_CHANGE_prev")
    return _eps(eps, _is("PLACE", *codes.TEMPORARY) & (given("REASON_PLACE_CHANGE") | earlier))


@rule("336")
def adoption_without_foster_before(ctx):
    eps = previous(ctx, ["PLACE"])
    before = (*codes.ADOPTION_PLACEMENTS, *codes.FOSTERING_FORMER_CARERS)
    fostered = pl.col("same_child_prev") & _is("PLACE_prev", *before)
    return _eps(eps, pl.col("same_child_prev") & _is("PLACE", "A3", "A4") & ~fostered)


@rule("357")
def first_episode_not_s(ctx):
    first = first_episodes(ctx)
    return _eps(first, (date("DECOM") >= ctx.start) & pl.col("RNE").ne_missing("S"))


def _flowing_spell(ctx: Context, legal_status: str, days: int):
    """Episodes of a legal status in spells (each flowing into the next) longer than ``days``."""
    eps = ordered(ctx).with_columns(date("DEC").fill_null(ctx.end).alias("_dec"))
    flows = (pl.col("_dec") == date("DECOM").shift(-1)) & (
        pl.col("CHILD") == pl.col("CHILD").shift(-1)
    )
    eps = eps.with_columns(known(flows).alias("_flows")).filter(pl.col("LS") == legal_status)
    spell = (~pl.col("_flows").shift(1).fill_null(False)).cast(pl.Int32).cum_sum()
    eps = eps.with_columns(spell.alias("_spell"))
    length = (pl.col("_dec").max() - date("DECOM").min()).over("CHILD", "_spell").dt.total_days()
    return _eps(eps, length > days)


@rule("361")
def police_protection_too_long(ctx):
    return _flowing_spell(ctx, "L1", 3)


@rule("362")
def epo_too_long(ctx):
    return _flowing_spell(ctx, "L2", 21)


def _adjacent_spell(ctx: Context, legal_status: str, days: int):
    """Episodes of a legal status, in file order, summed over runs whose dates touch."""
    eps = ctx.t("episodes").filter((pl.col("LS") == legal_status) & given("DECOM_dt"))
    eps = eps.with_columns(date("DEC").fill_null(ctx.end).alias("_dec"))
    new = known(date("DECOM") > pl.col("_dec").shift(1)) | pl.col("CHILD").ne_missing(
        pl.col("CHILD").shift(1)
    )
    eps = eps.with_columns(new.cast(pl.Int32).cum_sum().alias("_spell"))
    total = (pl.col("_dec") - date("DECOM")).dt.total_days().sum().over("_spell")
    return _eps(eps, total > days)


@rule("363")
def cao_too_long(ctx):
    return _adjacent_spell(ctx, "L3", 7)


@rule("364")
def pace_too_long(ctx):
    return _adjacent_spell(ctx, "J2", 21)


@rule("367")
def respite_over_75_days(ctx):
    eps = ctx.t("episodes").filter((pl.col("LS") == "V3") & given("DECOM"))
    end = (
        pl.when(blank("DEC") | known(date("DEC") > ctx.end))
        .then(pl.lit(ctx.end))
        .otherwise(date("DEC"))
    )
    start = (
        pl.when(known(date("DECOM") < ctx.start)).then(pl.lit(ctx.start)).otherwise(date("DECOM"))
    )
    eps = eps.with_columns((end - start).dt.total_days().alias("_days")).filter(pl.col("_days") > 0)
    return _eps(eps, pl.col("_days").sum().over("CHILD") > 75)


@rule("383")
def temporary_not_returning(ctx):
    """From 2025-26 the child must also return to the same placement postcode."""
    eps = ordered(ctx).with_columns(
        pl.col("PLACE").shift(1).alias("_p1"),
        pl.col("PLACE").shift(2).alias("_p2"),
        pl.col("PL_POST").shift(2).alias("_post2"),
        (
            (pl.col("CHILD") == pl.col("CHILD").shift(1))
            & (pl.col("CHILD") == pl.col("CHILD").shift(2))
        ).alias("_same"),
    )
    back = pl.col("RNE").ne_missing("P") | _differs("PLACE", "_p2")
    if ctx.ruleset_year >= 2026:
        back = back | _differs("PL_POST", "_post2")
    return _eps(eps, known(pl.col("_same")) & _is("_p1", *codes.TEMPORARY) & back)


@rule("388")
def x1_without_continuation(ctx):
    eps = following(ctx, ["DECOM_dt"])
    nxt = pl.col("DECOM_dt_next")
    has_next = pl.col("same_child_next") & nxt.is_not_null()
    ended = given("DEC_dt")
    case1 = has_next & (pl.col("REC") == "X1") & ended & (date("DEC") != nxt)
    case2 = has_next & given("REC") & (pl.col("REC") != "X1") & ended & (date("DEC") == nxt)
    case3 = ~has_next & given("CHILD") & given("DEC") & (pl.col("REC") == "X1")
    return _eps(eps, known(case1) | known(case2) | known(case3))


@rule("392b")
def postcodes_missing(ctx):
    uasc = ctx.t("header").filter(pl.col("UASC") == "1")["CHILD"]
    if (
        ctx.previous is not None
        and "header" in ctx.previous
        and "UASC" in ctx.previous["header"].columns
    ):
        uasc = pl.concat([uasc, ctx.previous["header"].filter(pl.col("UASC") == "1")["CHILD"]])
    eps = ctx.t("episodes")
    mask = ~known(pl.col("CHILD").is_in(uasc.implode())) & ~_is("LS", *codes.RESPITE)
    return _eps(eps, mask & (blank("HOME_POST") | blank("PL_POST")))


@rule("431")
def started_same_day_previous_ended(ctx):
    eps = previous(ctx, ["DEC_dt"])
    mask = (
        pl.col("same_child_prev")
        & (pl.col("RNE") == "S")
        & (date("DECOM") <= pl.col("DEC_dt_prev"))
    )
    return _eps(eps, mask)


@rule("432")
def left_care_but_not_s(ctx):
    eps = previous(ctx, ["REC"])
    mask = (
        pl.col("same_child_prev")
        & _is("REC_prev", *codes.LEFT_CARE)
        & pl.col("RNE").ne_missing("S")
    )
    return _eps(eps, mask)


@rule("433")
def continuation_not_same_day(ctx):
    eps = ordered(ctx, ("CHILD", "DECOM_dt", "DEC_dt")).with_columns(
        pl.col("DEC").shift(1).alias("_dec_prev"),
        (pl.col("CHILD") == pl.col("CHILD").shift(1)).alias("_same"),
    )
    gap = (pl.col("_dec_prev") != pl.col("DECOM")).fill_null(True)
    return _eps(eps, _is("RNE", "P", "L", "T", "U", "B") & gap & known(pl.col("_same")))


_PLACEMENT = ["PLACE", "PL_POST", "URN", "PLACE_PROVIDER"]


@rule("434")
def legal_change_not_reflected(ctx):
    eps = previous(ctx, ["LS", *_PLACEMENT], fill="")
    moved = pl.any_horizontal(pl.col(c).fill_null("") != pl.col(f"{c}_prev") for c in _PLACEMENT)
    same_ls = known(pl.col("LS") == pl.col("LS_prev"))
    return _eps(eps, pl.col("same_child_prev") & (pl.col("RNE") == "L") & (same_ls | moved))


@rule("435")
def placement_change_not_reflected(ctx):
    eps = previous(ctx, ["LS", *_PLACEMENT])
    stayed = pl.all_horizontal(known(pl.col(c) == pl.col(f"{c}_prev")) for c in _PLACEMENT)
    mask = pl.col("same_child_prev") & _is("RNE", "P", "T") & (_differs("LS", "LS_prev") | stayed)
    return _eps(eps, mask)


@rule("436")
def both_change_not_reflected(ctx):
    cols = ["LS", *_PLACEMENT]
    eps = previous(ctx, cols, fill="*").with_columns(pl.col(c).fill_null("*") for c in cols)
    stayed = pl.all_horizontal(pl.col(c) == pl.col(f"{c}_prev") for c in _PLACEMENT)
    mask = (
        pl.col("same_child_prev")
        & _is("RNE", "U", "B")
        & ((pl.col("LS") == pl.col("LS_prev")) | stayed)
    )
    return _eps(eps, mask)


@rule("437")
def episodes_after_death_or_18(ctx):
    eps = following(ctx, [])
    return _eps(eps, given("DECOM_dt") & _is("REC", "E2", "E15") & pl.col("same_child_next"))


@rule("501")
def started_before_previous_ended(ctx):
    eps = previous(ctx, ["DEC_dt"])
    return _eps(eps, pl.col("same_child_prev") & (date("DECOM") < pl.col("DEC_dt_prev")))


@rule("504")
def cin_changed_within_period(ctx):
    eps = previous(ctx, ["REC", "DEC_dt", "CIN"])
    continued = (
        pl.col("same_child_prev")
        & (pl.col("REC_prev") == "X1")
        & (pl.col("DEC_dt_prev") == date("DECOM"))
    )
    return _eps(eps, known(continued) & _differs("CIN", "CIN_prev"))


@rule("1012")
def data_without_episodes(ctx):
    children = ctx.t("episodes")["CHILD"].unique().implode()
    out = {}
    for table in ("placed_for_adoption", "missing", "reviews", "ad1", "previous_permanence", "oc2"):
        frame = ctx.tables.get(table)
        if frame is not None:
            out.update(flag(table, frame, ~known(pl.col("CHILD").is_in(children))))
    return out
