"""Rules on OC2 (outcomes for children looked after for 12 months: SDQ, health, convictions)."""

from __future__ import annotations

import polars as pl

from carecast.dferules.context import ROW
from carecast.dferules.registry import rule
from carecast.dferules.rules.common import (
    blank,
    date,
    flag,
    given,
    known,
    not_in,
    years_after,
)
from carecast.dferules.rules.looked_after import cla
from carecast.dferules.rules.sequence import first_episodes

HEALTH = ["IMMUNISATIONS", "TEETH_CHECK", "HEALTH_ASSESSMENT", "SUBSTANCE_MISUSE"]
TWELVE_MONTH_ITEMS = [
    "CONVICTED",
    "HEALTH_CHECK",
    *HEALTH,
    "INTERVENTION_RECEIVED",
    "INTERVENTION_OFFERED",
]
OC3_ITEMS = ["IN_TOUCH", "ACTIV", "ACCOM"]
AD1_ITEMS = ["DATE_INT", "DATE_MATCH", "FOSTER_CARE", "NB_ADOPTR", "SEX_ADOPTR", "LS_ADOPTR"]


def any_given(columns: list[str]) -> pl.Expr:
    return pl.any_horizontal(given(c) for c in columns)


def any_blank(columns: list[str]) -> pl.Expr:
    return pl.any_horizontal(blank(c) for c in columns)


def _oc2(ctx, mask: pl.Expr):
    return flag("oc2", ctx.t("oc2"), mask)


def _birthday(years: int) -> pl.Expr:
    return years_after(date("DOB"), years)


@rule("157")
def sdq1_but_of_age(ctx):
    of_age = (_birthday(4) <= ctx.start) & (_birthday(16) >= ctx.end)
    return _oc2(ctx, cla(ctx) & of_age & blank("SDQ_SCORE") & (pl.col("SDQ_REASON") == "SDQ1"))


@rule("158")
def offered_not_needed(ctx):
    return _oc2(ctx, (pl.col("INTERVENTION_RECEIVED") == "1") & given("INTERVENTION_OFFERED"))


@rule("159")
def offered_needed(ctx):
    mask = (pl.col("SUBSTANCE_MISUSE") == "1") & (pl.col("INTERVENTION_RECEIVED") == "0")
    return _oc2(ctx, mask & blank("INTERVENTION_OFFERED"))


@rule("180")
def sdq_score_valid(ctx):
    score = pl.col("SDQ_SCORE").cast(pl.Float64, strict=False)
    valid = (score == score.round()) & score.is_between(0, 40)
    return _oc2(ctx, given("SDQ_SCORE") & ~known(valid))


@rule("181")
def twelve_month_items_valid(ctx):
    bad = pl.any_horizontal(
        given(c) & ~known(pl.col(c).is_in(["0", "1"])) for c in TWELVE_MONTH_ITEMS
    )
    return _oc2(ctx, bad)


@rule("182")
def health_items_incomplete(ctx):
    others = ["CONVICTED", "HEALTH_CHECK", "INTERVENTION_RECEIVED", "INTERVENTION_OFFERED"]
    return _oc2(ctx, any_blank(HEALTH) & any_given(others))


@rule("185")
def sdq_score_not_cla(ctx):
    return _oc2(ctx, given("SDQ_SCORE") & ~cla(ctx))


@rule("186")
def sdq_missing(ctx):
    of_age = (_birthday(4) <= ctx.start) & (_birthday(17) > ctx.end)
    return _oc2(ctx, of_age & cla(ctx) & blank("SDQ_SCORE") & blank("SDQ_REASON"))


@rule("187")
def cla_with_adoption_or_leaver_data(ctx):
    ad1, oc3 = ctx.t("ad1"), ctx.t("oc3")
    return {
        "ad1": flag("ad1", ad1, cla(ctx) & any_given(AD1_ITEMS))["ad1"],
        "oc3": flag("oc3", oc3, cla(ctx) & any_given(OC3_ITEMS))["oc3"],
    }


@rule("188")
def sdq_under_4(ctx):
    return _oc2(ctx, (_birthday(4) > ctx.end) & any_given(["SDQ_SCORE", "SDQ_REASON"]))


@rule("189")
def sdq_over_17(ctx):
    return _oc2(ctx, (_birthday(17) < ctx.start) & any_given(["SDQ_REASON", "SDQ_SCORE"]))


@rule("190")
def items_but_not_cla(ctx):
    return _oc2(ctx, ~cla(ctx) & any_given(TWELVE_MONTH_ITEMS))


@rule("191")
def items_missing_for_cla(ctx):
    oc2 = ctx.t("oc2")
    first = first_episodes(ctx)
    no_oc2 = ~known(pl.col("CHILD").is_in(oc2["CHILD"].implode()))
    return {
        "oc2": flag("oc2", oc2, cla(ctx) & any_blank(HEALTH))["oc2"],
        "episodes": flag("episodes", first, cla(ctx) & no_oc2)["episodes"],
    }


@rule("192")
def intervention_received_blank(ctx):
    return _oc2(ctx, (pl.col("SUBSTANCE_MISUSE") == "1") & blank("INTERVENTION_RECEIVED"))


@rule("193")
def intervention_without_misuse(ctx):
    no_misuse = pl.col("SUBSTANCE_MISUSE").fill_null("0") == "0"
    return _oc2(ctx, no_misuse & any_given(["INTERVENTION_RECEIVED", "INTERVENTION_OFFERED"]))


@rule("196")
def sdq_reason_valid(ctx):
    return _oc2(ctx, not_in("SDQ_REASON", ("SDQ1", "SDQ2", "SDQ3", "SDQ4", "SDQ5"), blank_ok=True))


@rule("197B")
def sdq_for_4_or_17(ctx):
    turns = _birthday(4).is_between(ctx.start, ctx.end) | _birthday(17).is_between(
        ctx.start, ctx.end
    )
    return _oc2(ctx, known(turns) & cla(ctx) & blank("SDQ_SCORE") & blank("SDQ_REASON"))


@rule("197a")
def sdq_reason_with_score(ctx):
    return _oc2(ctx, given("SDQ_SCORE") & given("SDQ_REASON"))


@rule("198")
def sdq_reason_not_cla(ctx):
    return _oc2(ctx, given("SDQ_REASON") & ~cla(ctx))


@rule("215")
def leaver_with_twelve_month_items(ctx):
    oc2 = ctx.t("oc2").select("CHILD", pl.col(ROW).alias("_row2"), *TWELVE_MONTH_ITEMS)
    m = ctx.t("oc3").join(oc2, on="CHILD", how="left")
    hit = m.filter(any_given(OC3_ITEMS) & any_given(TWELVE_MONTH_ITEMS))
    return {"oc3": hit[ROW], "oc2": hit["_row2"].drop_nulls()}


@rule("542")
def convictions_under_10(ctx):
    return _oc2(ctx, (_birthday(10) > ctx.end) & given("CONVICTED"))


@rule("543")
def convictions_missing(ctx):
    return _oc2(ctx, (pl.lit(ctx.end) > _birthday(10)) & cla(ctx) & blank("CONVICTED"))


@rule("544")
def convicted_health_incomplete(ctx):
    return _oc2(ctx, (pl.col("CONVICTED") == "1") & any_blank(HEALTH))


@rule("545")
def health_check_missing_under_5(ctx):
    return _oc2(ctx, (pl.lit(ctx.end) < _birthday(5)) & cla(ctx) & blank("HEALTH_CHECK"))


@rule("546")
def health_check_over_5(ctx):
    return _oc2(ctx, (pl.lit(ctx.end) >= _birthday(5)) & cla(ctx) & given("HEALTH_CHECK"))


@rule("547")
def health_check_incomplete(ctx):
    return _oc2(ctx, (pl.col("HEALTH_CHECK") == "1") & any_blank(HEALTH))
