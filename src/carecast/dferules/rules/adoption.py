"""Rules on AD1 (adoptions) and placed-for-adoption decisions, alone and against episodes."""

from __future__ import annotations

import polars as pl

from carecast.dferules import codes
from carecast.dferules.context import ROW, Context
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
)
from carecast.dferules.rules.oc2 import AD1_ITEMS, any_given

P4A = "placed_for_adoption"


def _ad1(ctx, mask: pl.Expr):
    return flag("ad1", ctx.t("ad1"), mask)


def _p4a(ctx, mask: pl.Expr):
    return flag(P4A, ctx.t(P4A), mask)


def _in(column: str, *values: str) -> pl.Expr:
    return known(pl.col(column).is_in(list(values)))


def _other(ctx: Context, table: str, *columns: str) -> pl.DataFrame:
    """``table``'s rows keyed by CHILD with their row number as ``_orow``, for joining."""
    return ctx.t(table).select("CHILD", pl.col(ROW).alias("_orow"), *columns)


def _pair(hit: pl.DataFrame, table: str, other: str) -> dict:
    """Flag both sides of joined rows: ``table`` by ``_row``, ``other`` by ``_orow``."""
    return {table: hit[ROW], other: hit["_orow"].drop_nulls()}


def _latest(frame: pl.DataFrame, by: str, descending: bool) -> pl.DataFrame:
    """Each child's row with the earliest (or latest) ``by`` among rows that have one."""
    return first_per_child(frame, by, latest=descending)


rule("112")(lambda ctx: _ad1(ctx, bad_date("DATE_INT")))
rule("113")(lambda ctx: _ad1(ctx, bad_date("DATE_MATCH")))
rule("114")(lambda ctx: _ad1(ctx, not_in("FOSTER_CARE", ("0", "1"), blank_ok=True)))
rule("115")(lambda ctx: _p4a(ctx, bad_date("DATE_PLACED")))
rule("116")(lambda ctx: _p4a(ctx, bad_date("DATE_PLACED_CEASED")))
rule("119")(lambda ctx: _p4a(ctx, blank("DATE_PLACED_CEASED") != blank("REASON_PLACED_CEASED")))
rule("120")(
    lambda ctx: _p4a(
        ctx, not_in("REASON_PLACED_CEASED", ("RD1", "RD2", "RD3", "RD4"), blank_ok=True)
    )
)
rule("175")(lambda ctx: _ad1(ctx, not_in("NB_ADOPTR", ("1", "2"), blank_ok=True)))
rule("176")(
    lambda ctx: _ad1(ctx, not_in("SEX_ADOPTR", ("M1", "F1", "MM", "FF", "MF"), blank_ok=True))
)
rule("177")(
    lambda ctx: _ad1(
        ctx, not_in("LS_ADOPTR", ("L0", "L11", "L12", "L2", "L3", "L4"), blank_ok=True)
    )
)
rule("511")(lambda ctx: _ad1(ctx, (pl.col("NB_ADOPTR") == "2") & _in("SEX_ADOPTR", "M1", "F1")))
rule("514")(lambda ctx: _ad1(ctx, (pl.col("LS_ADOPTR") == "L0") & ~_in("SEX_ADOPTR", "M1", "F1")))
rule("517")(lambda ctx: _ad1(ctx, (pl.col("LS_ADOPTR") == "L3") & ~_in("SEX_ADOPTR", "MF")))
rule("518")(lambda ctx: _ad1(ctx, (pl.col("LS_ADOPTR") == "L4") & ~_in("SEX_ADOPTR", "MM", "FF")))
rule("519")(
    lambda ctx: _ad1(ctx, (pl.col("LS_ADOPTR") == "L2") & ~_in("SEX_ADOPTR", "MM", "FF", "MF"))
)
rule("520")(lambda ctx: _ad1(ctx, (pl.col("LS_ADOPTR") == "L11") & ~_in("SEX_ADOPTR", "MF")))
rule("524")(lambda ctx: _ad1(ctx, (pl.col("LS_ADOPTR") == "L12") & ~_in("SEX_ADOPTR", "MM", "FF")))
rule("522")(lambda ctx: _p4a(ctx, date("DATE_PLACED_CEASED") < date("DATE_PLACED")))
rule("563")(
    lambda ctx: _p4a(
        ctx, given("REASON_PLACED_CEASED") & given("DATE_PLACED_CEASED") & blank("DATE_PLACED")
    )
)


@rule("151")
def adoption_items_partial(ctx):
    all_given = pl.all_horizontal(given(c) for c in AD1_ITEMS)
    return _ad1(ctx, any_given(AD1_ITEMS) & ~all_given)


@rule("333")
def date_int_after_match(ctx):
    match, intent = date("DATE_MATCH"), date("DATE_INT")
    return _ad1(ctx, match.is_not_null() & (intent.is_null() | known(intent > match)))


@rule("117")
def decision_after_year_or_care(ctx):
    eps = ctx.t("episodes").filter(pl.col("REC").ne_missing("X1"))
    last = _latest(eps, "DECOM_dt", descending=True)
    m = last.join(
        _other(ctx, P4A, "DATE_PLACED_dt", "DATE_PLACED_CEASED_dt"), on="CHILD", how="left"
    )
    placed, ceased, dec = pl.col("DATE_PLACED_dt"), pl.col("DATE_PLACED_CEASED_dt"), date("DEC")
    late = (
        known(placed > ctx.end)
        | known(placed > dec)
        | known(ceased > ctx.end)
        | known(ceased > dec)
    )
    return _pair(m.filter(late), "episodes", P4A)


@rule("118")
def ceased_before_year_or_care(ctx):
    eps = ctx.t("episodes").filter(~_in("LS", *codes.RESPITE))
    first = _latest(eps, "DECOM_dt", descending=False)
    m = first.join(_other(ctx, P4A, "DATE_PLACED_CEASED_dt"), on="CHILD", how="inner")
    ceased = pl.col("DATE_PLACED_CEASED_dt")
    return _pair(
        m.filter(known(ceased < date("DECOM")) | known(ceased < ctx.start)), "episodes", P4A
    )


@rule("1003")
def decision_before_care(ctx):
    eps = ctx.t("episodes").filter(pl.col("RNE") == "S")
    first = _latest(eps, "DECOM_dt", descending=False)
    m = first.join(_other(ctx, P4A, "DATE_PLACED_dt"), on="CHILD", how="left")
    return _pair(m.filter(known(pl.col("DATE_PLACED_dt") < date("DECOM"))), "episodes", P4A)


@rule("184")
def decision_before_birth(ctx):
    header = ctx.t("header").select("CHILD", pl.col("DOB_dt").alias("_dob"))
    m = ctx.t(P4A).join(header, on="CHILD", how="left")
    ok = known(date("DATE_PLACED") >= pl.col("_dob")) | date("DATE_PLACED").is_null()
    return flag(P4A, m, ~ok)


def _with_episodes(ctx: Context, table: str, episodes: pl.DataFrame, how: str, *columns: str):
    other = _other(ctx, table, *columns)
    return episodes.join(other, on="CHILD", how=how)  # type: ignore[arg-type]


@rule("331")
def matched_after_placed(ctx):
    adopted = ctx.t("episodes").filter(_in("REC", *codes.ADOPTED))
    m = _with_episodes(ctx, "ad1", adopted, "inner", "DATE_MATCH_dt")
    return _pair(m.filter(known(pl.col("DATE_MATCH_dt") > date("DECOM"))), "episodes", "ad1")


@rule("334")
def care_start_after_date_int(ctx):
    started = _latest(ctx.t("episodes").filter(pl.col("RNE") == "S"), "DECOM_dt", descending=True)
    m = _with_episodes(ctx, "ad1", started, "left", "DATE_INT_dt")
    return _pair(m.filter(known(pl.col("DATE_INT_dt") < date("DECOM"))), "episodes", "ad1")


@rule("335")
def foster_care_contradicts_placement(ctx):
    m = _with_episodes(ctx, "ad1", ctx.t("episodes"), "left", "FOSTER_CARE")
    carers = _in("PLACE", "A2", "A3", "A5") & (pl.col("FOSTER_CARE") == "0")
    strangers = _in("PLACE", "A1", "A4", "A6") & (pl.col("FOSTER_CARE") == "1")
    return _pair(
        m.filter(_in("REC", "E1", "E11", "E12") & known(carers | strangers)), "episodes", "ad1"
    )


@rule("521")
def date_int_after_placement(ctx):
    m = _with_episodes(ctx, "ad1", ctx.t("episodes"), "left", "DATE_INT_dt")
    late = _in("PLACE", *codes.ADOPTION_PLACEMENTS) & known(pl.col("DATE_INT_dt") > date("DECOM"))
    return _pair(m.filter(late), "episodes", "ad1")


@rule("523")
def decision_dates_differ(ctx):
    p4a = ctx.t(P4A).filter(given("DATE_PLACED_dt"))
    m = p4a.join(
        _other(ctx, "ad1", "DATE_INT_dt").filter(given("DATE_INT_dt")), on="CHILD", how="inner"
    )
    return _pair(m.filter(pl.col("DATE_INT_dt") != date("DATE_PLACED")), P4A, "ad1")


@rule("525")
def reversed_but_adopted(ctx):
    m = ctx.t(P4A).join(_other(ctx, "ad1", *AD1_ITEMS), on="CHILD", how="left")
    return _pair(m.filter(given("DATE_PLACED_CEASED") & any_given(AD1_ITEMS)), P4A, "ad1")


@rule("551")
def placed_without_decision(ctx):
    placed = ctx.t("episodes").filter(_in("PLACE", *codes.ADOPTION_PLACEMENTS))
    m = placed.join(ctx.t(P4A).select("CHILD", "DATE_PLACED"), on="CHILD", how="left")
    return flag("episodes", m, blank("DATE_PLACED"))


@rule("552")
def decision_after_placement(ctx):
    placed = ctx.t("episodes").filter(_in("PLACE", *codes.ADOPTION_PLACEMENTS))
    first = _latest(placed, "DECOM_dt", descending=False)
    decision = _latest(ctx.t(P4A), "DATE_PLACED_dt", descending=True).select(
        "CHILD", pl.col(ROW).alias("_orow"), "DATE_PLACED_dt"
    )
    m = first.join(decision, on="CHILD", how="left")
    return _pair(m.filter(known(date("DECOM") < pl.col("DATE_PLACED_dt"))), "episodes", P4A)


def order_without_decision(legal_status: str):
    """Episodes under a placement (E1) or freeing (D1) order for a child with no decision to
    place for adoption, and decisions reversed while such an order is still open."""

    def check(ctx):
        ordered = ctx.t("episodes").filter(pl.col("LS") == legal_status)
        decided = ctx.t(P4A)["CHILD"].implode()
        episodes = flag("episodes", ordered, ~known(pl.col("CHILD").is_in(decided)))["episodes"]
        still_open = ordered.filter(blank("DEC")).select("CHILD")
        m = ctx.t(P4A).join(still_open, on="CHILD", how="inner")
        reversed_ = given("DATE_PLACED_CEASED") | given("REASON_PLACED_CEASED")
        return {"episodes": episodes, P4A: flag(P4A, m, reversed_)[P4A]}

    return check


rule("553")(order_without_decision("E1"))


@rule("554")
def decision_after_order(ctx):
    first = _latest(ctx.t("episodes").filter(pl.col("LS") == "E1"), "DECOM_dt", descending=False)
    m = _with_episodes(ctx, P4A, first, "left", "DATE_PLACED_dt")
    return _pair(m.filter(known(pl.col("DATE_PLACED_dt") > date("DECOM"))), "episodes", P4A)


@rule("557")
def left_care_decision_open(ctx):
    eps = ctx.t("episodes")
    orders = ("D1", "E1") if ctx.ruleset_year <= 2024 else ("E1",)  # D1 went after 2023-24
    placed = _in("PLACE", *codes.ADOPTION_PLACEMENTS) | _in("LS", *orders)
    not_adopted = ~_in("REC", *codes.ADOPTED) & given("REC") & (pl.col("REC") != "X1")
    p4a = ctx.t(P4A).select(
        "CHILD",
        pl.col(ROW).alias("_orow"),
        (blank("DATE_PLACED_CEASED") | blank("REASON_PLACED_CEASED")).alias("_incomplete"),
    )
    m = eps.filter(known(placed & not_adopted)).join(p4a, on="CHILD", how="left")
    return _pair(
        m.filter(pl.col("_orow").is_null() | known(pl.col("_incomplete"))), "episodes", P4A
    )


@rule("558")
def adopted_with_reversed_decisions(ctx):
    adopted = ctx.t("episodes").filter(_in("REC", *codes.ADOPTED))
    m = adopted.join(ctx.t(P4A).select("CHILD", "DATE_PLACED_CEASED"), on="CHILD", how="left")
    open_somewhere = blank("DATE_PLACED_CEASED").any().over("CHILD")
    reversals = given("DATE_PLACED_CEASED").sum().over("CHILD")
    return flag("episodes", m, ~open_somewhere & (reversals > 1))


@rule("579")
def overlapping_decisions(ctx):
    p4a = ctx.t(P4A).sort(["CHILD", "DATE_PLACED_dt"], nulls_last=True, maintain_order=True)
    same = pl.col("CHILD") == pl.col("CHILD").shift(1)
    prev_ceased = date("DATE_PLACED_CEASED").shift(1)
    mask = known(same) & (prev_ceased.is_null() | known(date("DATE_PLACED") < prev_ceased))
    return flag(P4A, p4a, mask)


@rule("582")
def adopted_on_match_day(ctx):
    adopted = ctx.t("episodes").filter(_in("REC", *codes.ADOPTED))
    m = adopted.join(ctx.t("ad1").select("CHILD", "DATE_MATCH"), on="CHILD", how="left")
    return flag("episodes", m, pl.col("DEC") == pl.col("DATE_MATCH"))


@rule("583")
def earlier_decision_not_revoked(ctx):
    """The DfE tool takes a child's most recent decision by the date's text (dd/mm/yyyy sorted
    as text), so carecast does the same to flag the same rows."""
    p4a = ctx.t(P4A)
    latest = p4a.sort("DATE_PLACED", descending=True, nulls_last=True, maintain_order=True)
    latest = latest.unique("CHILD", keep="first", maintain_order=True)[ROW].implode()
    return _p4a(ctx, ~known(pl.col(ROW).is_in(latest)) & blank("DATE_PLACED_CEASED"))


def _adopted_in_year(ctx: Context) -> pl.DataFrame:
    return ctx.t("episodes").filter(
        _in("REC", *codes.ADOPTED) & date("DEC").is_between(ctx.start, ctx.end)
    )


@rule("601")
def adoption_items_missing(ctx):
    m = _adopted_in_year(ctx).join(_other(ctx, "ad1", *AD1_ITEMS), on="CHILD", how="inner")
    some_blank = pl.any_horizontal(blank(c) for c in AD1_ITEMS)
    return _pair(m.filter(some_blank), "episodes", "ad1")


@rule("602")
def adoption_items_not_adopted(ctx):
    adopted = _adopted_in_year(ctx)["CHILD"].implode()
    return _ad1(ctx, ~known(pl.col("CHILD").is_in(adopted)) & any_given(AD1_ITEMS))


def _with_last_p4a(ctx: Context, how: str) -> pl.DataFrame:
    last = ctx.last(P4A).select(
        "CHILD",
        *[
            pl.col(c).alias(f"{c}_last")
            for c in (
                "DATE_PLACED",
                "DATE_PLACED_dt",
                "DATE_PLACED_CEASED",
                "DATE_PLACED_CEASED_dt",
                "REASON_PLACED_CEASED",
            )
        ],
    )
    return ctx.t(P4A).join(last, on="CHILD", how=how)  # type: ignore[arg-type]


@rule("559")
def earlier_decision_not_in_last_return(ctx):
    m = _with_last_p4a(ctx, "left")
    return flag(
        P4A, m, known(date("DATE_PLACED") < ctx.start) & pl.col("DATE_PLACED_dt_last").is_null()
    )


@rule("560")
def decision_date_changed(ctx):
    m = _with_last_p4a(ctx, "inner")
    mask = (
        given("DATE_PLACED_last")
        & blank("DATE_PLACED_CEASED_last")
        & pl.col("DATE_PLACED").ne_missing(pl.col("DATE_PLACED_last"))
    )
    return flag(P4A, m, mask)


@rule("561")
def same_decision_after_reversal(ctx):
    m = _with_last_p4a(ctx, "inner")
    reversed_last = given("REASON_PLACED_CEASED_last") | given("DATE_PLACED_CEASED_last")
    return flag(P4A, m, (pl.col("DATE_PLACED") == pl.col("DATE_PLACED_last")) & reversed_last)


@rule("584")
def decision_not_after_reversal(ctx):
    """Compares the decision dates as dates (the DfE tool compares their text)."""
    m = _with_last_p4a(ctx, "inner").filter(
        given("DATE_PLACED_CEASED_last") | given("REASON_PLACED_CEASED_last")
    )
    return flag(
        P4A, m, known(date("DATE_PLACED") <= pl.col("DATE_PLACED_dt_last")) | blank("DATE_PLACED")
    )
