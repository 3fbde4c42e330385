"""Rules on the header (one row per child) and the UASC table, this year and against last year."""

from __future__ import annotations

import datetime as dt

import polars as pl

from carecast.dferules import codes
from carecast.dferules.context import Context, NeedsLookup
from carecast.dferules.registry import rule
from carecast.dferules.rules.common import (
    ROW,
    bad_date,
    blank,
    date,
    flag,
    given,
    known,
    not_in,
    years_after,
)
from carecast.dferules.rules.presence import header_match, repeated_child


@rule("101")
def sex_valid(ctx: Context):
    return flag("header", ctx.t("header"), not_in("SEX", codes.sexes(ctx.ruleset_year)))


@rule("102")
def dob_valid(ctx: Context):
    return flag("header", ctx.t("header"), date("DOB").is_null())


@rule("103")
def ethnic_valid(ctx: Context):
    return flag("header", ctx.t("header"), not_in("ETHNIC", codes.ETHNIC))


@rule("104")
def duc_valid(ctx: Context):
    bad = bad_date("DUC") | (date("DUC") < ctx.start)
    return flag("uasc", ctx.t("uasc"), bad)


@rule("105")
def uasc_flag_valid(ctx: Context):
    """Only an XML header carries its own UASC flag; in a CSV return it is derived from the UASC
    table, so there is nothing to check."""
    header = ctx.t("header")
    if not ctx.header_has_uasc:
        raise NeedsLookup("the header's own UASC flag, which only an XML return carries")
    return flag("header", header, not_in("UASC", ("0", "1")))


@rule("168")
def upn_valid(ctx: Context):
    ok = pl.col("UPN").str.contains(codes.UPN_PATTERN)
    return flag("header", ctx.t("header"), given("UPN") & ~known(ok))


@rule("171")
def mc_dob_valid(ctx: Context):
    return flag("header", ctx.t("header"), bad_date("MC_DOB"))


@rule("174")
def male_with_child(ctx: Context):
    male = pl.col("SEX") == codes.male(ctx.ruleset_year)
    return flag("header", ctx.t("header"), male & given("MC_DOB"))


def _with_last(ctx: Context, columns: list[str]) -> pl.DataFrame:
    """This year's header rows joined to last year's row for the same child (in both years)."""
    last = ctx.last("header").select("CHILD", *[pl.col(c).alias(f"{c}_last") for c in columns])
    return ctx.t("header").join(last, on="CHILD", how="inner")


def _differs(column: str) -> pl.Expr:
    """Different this year and last (both blank = same; one blank = different)."""
    return pl.col(column).ne_missing(pl.col(f"{column}_last"))


@rule("202")
def sex_changed(ctx: Context):
    return flag("header", _with_last(ctx, ["SEX"]), _differs("SEX"))


@rule("203")
def dob_changed(ctx: Context):
    merged = _with_last(ctx, ["DOB_dt"])
    return flag("header", merged, _differs("DOB_dt"))


@rule("204")
def ethnic_changed(ctx: Context):
    return flag("header", _with_last(ctx, ["ETHNIC"]), _differs("ETHNIC"))


def _uasc_years(ctx: Context) -> pl.DataFrame:
    """UASC rows this year with the header's flag, and last year's DUC, DOB and flag."""
    header = ctx.t("header").select("CHILD", pl.col(ROW).alias("_hrow"), "UASC")
    last_header = ctx.last("header").select("CHILD", pl.col("UASC").alias("UASC_last"))
    last = (
        ctx.last("uasc")
        .select(
            "CHILD", pl.col("DUC_dt").alias("DUC_last"), years_after(date("DOB"), 18).alias("DOB18")
        )
        .join(last_header, on="CHILD", how="left")
    )
    return (
        ctx.t("uasc")
        .select(ROW, "CHILD", "DUC_dt")
        .join(header, on="CHILD", how="left")
        .join(last, on="CHILD", how="left")
    )


def _uasc_and_header(merged: pl.DataFrame, mask: pl.Expr):
    hit = merged.filter(known(mask))
    return {"uasc": hit[ROW], "header": hit["_hrow"].drop_nulls()}


def _last_year(ctx: Context) -> tuple:
    return dt.date(ctx.collection_year - 2, 4, 1), dt.date(ctx.collection_year - 1, 3, 31)


@rule("205A")
def uasc_ceased_unsupported(ctx: Context):
    merged = _uasc_years(ctx)
    start_last, end_last = _last_year(ctx)
    left = pl.col("UASC").ne_missing("1") & (pl.col("UASC_last") == "1")
    in_last = known(pl.col("DUC_last").is_between(start_last, end_last))
    return _uasc_and_header(merged, left & (given("DUC_dt") | ~in_last))


@rule("205B")
def uasc_both_years_unsupported(ctx: Context):
    merged = _uasc_years(ctx)
    both = (pl.col("UASC") == "1") & (pl.col("UASC_last") == "1")
    duc_now = known(pl.col("DUC_dt").is_between(ctx.start, ctx.end))
    same = known(pl.col("DUC_dt") == pl.col("DUC_last"))
    at_18 = known(pl.col("DUC_last") == pl.col("DOB18"))
    return _uasc_and_header(merged, both & ((~duc_now & ~same) | ~at_18))


@rule("205C")
def never_uasc_with_duc(ctx: Context):
    merged = _uasc_years(ctx)
    never = pl.col("UASC").fill_null("0").eq("0") & pl.col("UASC_last").fill_null("0").eq("0")
    return _uasc_and_header(merged, never & (given("DUC_dt") | given("DUC_last")))


@rule("205D")
def uasc_new_this_year(ctx: Context):
    merged = _with_last(ctx, ["UASC"])
    return flag("header", merged, (pl.col("UASC") == "1") & pl.col("UASC_last").ne_missing("1"))


@rule("208")
def upn_changed(ctx: Context):
    m = _with_last(ctx, ["UPN"])
    now, before = pl.col("UPN"), pl.col("UPN_last")
    differs = now.ne_missing(before)
    from_unknown = before.eq("UN1").fill_null(False) | before.is_null()
    valid_unknown_change = (from_unknown & known(now.is_in(codes.UPN_UNKNOWN[1:]))) | (
        before.is_null() & before.eq("UN1").fill_null(False)
    )
    unknown_to_known = (known(before.is_in(codes.UPN_UNKNOWN)) | before.is_null()) & ~(
        known(now.is_in(codes.UPN_UNKNOWN)) | now.is_null()
    )
    return flag("header", m, differs & ~valid_unknown_change & ~unknown_to_known)


@rule("209")
def school_age_un1(ctx: Context):
    reference = dt.date(ctx.collection_year - 2, 8, 31)
    school_age = years_after(date("DOB"), 4) <= reference
    return flag("header", ctx.t("header"), school_age & (pl.col("UPN") == "UN1"))


@rule("231")
def young_uasc(ctx: Context):
    """The DfE tool reads a UASC_STATUS column no return has, so it cannot run this rule."""
    under_11 = date("DOB") > years_after(pl.lit(ctx.end), -11)
    return flag("header", ctx.t("header"), under_11 & (pl.col("UASC") == "1"))


@rule("232")
def sex_unknown(ctx: Context):
    return flag("header", ctx.t("header"), pl.col("SEX") == "U")


@rule("301")
def born_after_year(ctx: Context):
    return flag("header", ctx.t("header"), date("DOB") > ctx.end)


@rule("303")
def duc_without_uasc(ctx: Context):
    header = ctx.t("header").select(pl.col(ROW).alias("_hrow"), "CHILD", "UASC")
    merged = header.join(ctx.t("uasc").select(ROW, "CHILD", "DUC"), on="CHILD", how="inner")
    hit = merged.filter(given("DUC") & pl.col("UASC").ne_missing("1"))
    return {"uasc": hit[ROW], "header": hit["_hrow"]}


@rule("304")
def duc_after_18(ctx: Context):
    return flag("uasc", ctx.t("uasc"), date("DUC") > years_after(date("DOB"), 18))


@rule("351")
def over_25(ctx: Context):
    return flag("header", ctx.t("header"), pl.lit(ctx.start) > years_after(date("DOB"), 25))


@rule("611")
def mother_without_child_dob(ctx: Context):
    return flag("header", ctx.t("header"), (pl.col("MOTHER") == "1") & blank("MC_DOB"))


@rule("612")
def child_dob_not_mother(ctx: Context):
    not_mother = pl.col("MOTHER").fill_null("0").eq("0")
    female = pl.col("SEX") == codes.female(ctx.ruleset_year)
    return flag("header", ctx.t("header"), not_mother & female & given("MC_DOB"))


@rule("620")
def mother_under_11(ctx: Context):
    young = years_after(date("DOB"), 11) > ctx.start
    return flag("header", ctx.t("header"), (pl.col("MOTHER") == "1") & young)


@rule("621")
def mother_younger_than_child(ctx: Context):
    older = known(date("MC_DOB") > date("DOB")) | date("MC_DOB").is_null()
    return flag("header", ctx.t("header"), ~older)


@rule("624")
def first_child_dob_changed(ctx: Context):
    m = _with_last(ctx, ["MC_DOB"])
    return flag(
        "header", m, given("MC_DOB_last") & pl.col("MC_DOB").ne_missing(pl.col("MC_DOB_last"))
    )


@rule("626")
def mother_status_contradicts_last(ctx: Context):
    m = _with_last(ctx, ["MOTHER"])
    mask = (
        given("MC_DOB_dt")
        & (pl.col("MOTHER").cast(pl.Int64, strict=False) == 1)
        & (pl.col("MOTHER_last").cast(pl.Int64, strict=False) == 0)
        & (date("MC_DOB") < ctx.start)
    )
    return flag("header", m, mask)


@rule("EPI")
def no_episodes(ctx: Context):
    header = ctx.t("header")
    elsewhere = pl.concat([ctx.t("episodes")["CHILD"], _children(ctx, "oc3")]).unique().implode()
    return flag("header", header, ~known(pl.col("CHILD").is_in(elsewhere)))


def _children(ctx: Context, table: str) -> pl.Series:
    frame = ctx.tables.get(table)
    return ctx.t("header")["CHILD"].clear() if frame is None else frame["CHILD"]


@rule("INT09")
def uasc_child_not_in_header(ctx: Context):
    return header_match(ctx, "uasc", None)


@rule("INT18")
def uasc_dob_differs(ctx: Context):
    return header_match(ctx, "uasc", "DOB_dt")


@rule("INT21")
def uasc_sex_differs(ctx: Context):
    return header_match(ctx, "uasc", "SEX")


@rule("INT32")
def header_child_once(ctx: Context):
    return repeated_child(ctx, "header")


@rule("INT36")
def uasc_child_once(ctx: Context):
    return repeated_child(ctx, "uasc")
