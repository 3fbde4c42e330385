"""Rules on OC3 (care leavers: in touch, activity, accommodation) and the mother field."""

from __future__ import annotations

import polars as pl

from carecast.dferules import codes
from carecast.dferules.context import ROW, Context
from carecast.dferules.registry import rule
from carecast.dferules.rules.common import (
    blank,
    date,
    first_per_child,
    flag,
    given,
    known,
    years_after,
)
from carecast.dferules.rules.oc2 import AD1_ITEMS, OC3_ITEMS, any_given

IN_TOUCH = ("YES", "NO", "DIED", "REFU", "NREQ", "RHOM")
ACTIVITY = ("F1", "P1", "F2", "P2", "F4", "P4", "F5", "P5", "G4", "G5", "G6", "0")
ACCOMMODATION = (
    "B1",
    "B2",
    "C1",
    "C2",
    "D1",
    "D2",
    "E1",
    "E2",
    "G1",
    "G2",
    "H1",
    "H2",
    "K1",
    "K2",
    "R1",
    "R2",
    "S2",
    "T1",
    "T2",
    "U1",
    "U2",
    "V1",
    "V2",
    "W1",
    "W2",
    "X2",
    "Y1",
    "Y2",
    "Z1",
    "Z2",
    "0",
)
YEAR_DAYS = 365.2425  # the DfE tool measures ages in years of this many days for 347 and 1016


def _oc3(ctx, mask: pl.Expr):
    return flag("oc3", ctx.t("oc3"), mask)


def _in(column: str, codes_: tuple[str, ...]) -> pl.Expr:
    return known(pl.col(column).is_in(list(codes_)))


def _children_with(frame: pl.DataFrame, mask: pl.Expr) -> pl.Series:
    return frame.filter(known(mask))["CHILD"].implode()


@rule("131")
def in_touch_valid(ctx):
    return _oc3(ctx, ~_in("IN_TOUCH", IN_TOUCH))


@rule("132")
def activity_valid(ctx):
    return _oc3(ctx, ~_in("ACTIV", ACTIVITY))


@rule("133")
def accommodation_valid(ctx):
    return _oc3(ctx, ~_in("ACCOM", ACCOMMODATION))


@rule("134")
def adoption_data_for_leaver(ctx):
    oc3 = ctx.t("oc3").select("CHILD", *OC3_ITEMS)
    m = ctx.t("ad1").join(oc3, on="CHILD", how="left")
    return flag("ad1", m, any_given(OC3_ITEMS) & any_given(AD1_ITEMS))


@rule("153")
def leaver_items_partial(ctx):
    all_given = pl.all_horizontal(given(c) for c in OC3_ITEMS)
    return _oc3(ctx, ~all_given & any_given(OC3_ITEMS))


@rule("1000")
def died_in_care_with_leaver_data(ctx):
    died = _children_with(ctx.t("episodes"), pl.col("REC") == "E2")
    mask = known(pl.col("CHILD").is_in(died))
    if ctx.previous is not None and "episodes" in ctx.previous:
        died_last = _children_with(ctx.last("episodes"), pl.col("REC") == "E2")
        mask = mask | known(pl.col("CHILD").is_in(died_last))
    return _oc3(ctx, mask)


@rule("1002")
def leaver_without_any_episodes(ctx):
    now = ctx.t("episodes")["CHILD"].implode()
    last = ctx.last("episodes")["CHILD"].implode()
    return _oc3(ctx, ~known(pl.col("CHILD").is_in(now)) & ~known(pl.col("CHILD").is_in(last)))


@rule("1010")
def open_last_year_no_episodes_now(ctx):
    last = (
        ctx.last("episodes")
        .filter(given("DECOM_dt"))
        .sort(["CHILD", "DECOM_dt"], maintain_order=True)
    )
    latest_open = last.filter(
        (pl.col("CHILD").shift(-1).ne_missing(pl.col("CHILD"))) & blank("DEC")
    )["CHILD"].implode()
    now = ctx.t("episodes")["CHILD"].implode()
    mask = ~known(pl.col("CHILD").is_in(now)) & known(pl.col("CHILD").is_in(latest_open))
    return _oc3(ctx, mask)


def _birthday_this_year(ctx: Context) -> pl.Expr:
    """The child's birthday in the year of 31 March (29 February -> 28th), or a year earlier
    when that falls after 31 March."""
    dob = date("DOB")
    day = pl.when((dob.dt.month() == 2) & (dob.dt.day() == 29)).then(28).otherwise(dob.dt.day())
    bday = pl.date(ctx.end.year, dob.dt.month(), day)
    return pl.when(bday > ctx.end).then(bday.dt.offset_by("-1y")).otherwise(bday)


@rule("1007")
def leaver_data_still_looked_after(ctx):
    oc3 = ctx.t("oc3").with_columns(_birthday_this_year(ctx).alias("_bday"))
    eps = ctx.t("episodes").select("CHILD", "DECOM_dt", "DEC_dt")
    m = oc3.join(eps, on="CHILD", how="inner")
    of_age = (years_after(date("DOB"), 17) <= ctx.end) & (years_after(date("DOB"), 19) > ctx.end)
    on_birthday = (pl.col("DECOM_dt") <= pl.col("_bday")) & (pl.col("DEC_dt") > pl.col("_bday"))
    return flag("oc3", m, of_age & on_birthday & any_given(OC3_ITEMS))


@rule("1011")
def transferred_with_leaver_data(ctx):
    eps = ctx.t("episodes").filter(given("DECOM_dt"))
    last = first_per_child(eps, "DECOM_dt", latest=True)
    transferred = _children_with(last, pl.col("REC") == "E3")
    return _oc3(ctx, known(pl.col("CHILD").is_in(transferred)) & any_given(OC3_ITEMS))


@rule("1014")
def uasc_data_for_leaver(ctx):
    decom, dec = date("DECOM"), date("DEC")
    in_year = known((dec >= ctx.start) & (decom <= ctx.end)) | (
        known(decom <= ctx.end) & dec.is_null()
    )
    counts = ctx.t("episodes").group_by("CHILD").agg(in_year.sum().alias("_n"))
    uasc = ctx.t("uasc").select("CHILD", pl.col(ROW).alias("_urow"))
    oc3 = ctx.t("oc3").select("CHILD", pl.col(ROW).alias("_orow"), *OC3_ITEMS)
    m = counts.join(uasc, on="CHILD", how="inner").join(oc3, on="CHILD", how="left")
    hit = m.filter((pl.col("_n") == 0) & any_given(OC3_ITEMS))
    return {"uasc": hit["_urow"], "oc3": hit["_orow"].drop_nulls()}


@rule("1016")
def leaver_data_ceased_after_birthday(ctx):
    eps = ctx.t("episodes").select("CHILD", "DEC_dt")
    m = ctx.t("oc3").join(eps, on="CHILD", how="inner")
    age = (pl.lit(ctx.end) - date("DOB")).dt.total_days() / YEAR_DAYS
    after_17 = pl.col("DEC_dt") >= years_after(date("DOB"), 17)
    after_18 = pl.col("DEC_dt") >= years_after(date("DOB"), 18)
    mask = (age.is_between(17, 18, closed="left") & after_17) | (
        age.is_between(18, 19, closed="left") & after_18
    )
    return flag("oc3", m, known(mask) & any_given(OC3_ITEMS))


@rule("165")
def mother_status_invalid(ctx):
    eps = ctx.t("episodes").filter(~known(pl.col("LS").is_in(codes.RESPITE)))
    dec = date("DEC").fill_null(ctx.end)
    counts = eps.group_by("CHILD").agg(
        known((dec >= ctx.start) & (date("DECOM") <= ctx.end)).sum().alias("_n")
    )
    header = ctx.t("header").select("CHILD", pl.col(ROW).alias("_hrow"), "MOTHER", "SEX")
    oc3 = ctx.t("oc3").select("CHILD", pl.col(ROW).alias("_orow"), *OC3_ITEMS)
    m = (
        eps.select("CHILD")
        .join(counts, on="CHILD", how="left")
        .join(header, on="CHILD", how="left")
    )
    m = m.join(oc3, on="CHILD", how="left")
    mother = given("MOTHER")
    female = known(pl.col("SEX").is_in(codes.FEMALE_ANY))
    in_year = pl.col("_n") > 0
    mask = (
        (mother & ~known(pl.col("MOTHER").is_in(["0", "1"])))
        | (mother & known(pl.col("SEX").is_in(codes.MALE_ANY)))
        | (~mother & female & in_year)
        | (mother & female & ~in_year & any_given(OC3_ITEMS))
    )
    hit = m.filter(known(mask))
    return {"header": hit["_hrow"].drop_nulls(), "oc3": hit["_orow"].drop_nulls()}


@rule("3001")
def former_foster_carers_at_17(ctx):
    header = ctx.t("header").select("CHILD", years_after(date("DOB"), 17).alias("_dob17"))
    m = ctx.t("oc3").join(header, on="CHILD", how="left")
    return flag(
        "oc3", m, _in("ACCOM", ("Z1", "Z2")) & pl.col("_dob17").is_between(ctx.start, ctx.end)
    )


@rule("344")
def died_or_home_with_activity(ctx):
    moved_on = _in("IN_TOUCH", ("DIED", "RHOM"))
    return _oc3(ctx, moved_on & (pl.col("ACTIV").ne_missing("0") | pl.col("ACCOM").ne_missing("0")))


@rule("345")
def in_touch_zero_activity(ctx):
    return _oc3(
        ctx, (pl.col("IN_TOUCH") == "YES") & ((pl.col("ACTIV") == "0") | (pl.col("ACCOM") == "0"))
    )


@rule("347")
def foyer_under_18(ctx):
    age = (pl.lit(ctx.start) - date("DOB")).dt.total_days() / YEAR_DAYS
    return _oc3(ctx, (pl.col("ACCOM") == "T") & (age < 18))


@rule("391")
def leaver_not_17_to_21(ctx):
    return _oc3(ctx, (years_after(date("DOB"), 17) > ctx.end) & any_given(OC3_ITEMS))


@rule("628")
def mother_for_leaver_not_looked_after(ctx):
    with_episodes = ctx.t("episodes")["CHILD"].implode()
    leavers = _children_with(ctx.t("oc3"), any_given(OC3_ITEMS))
    header = ctx.t("header")
    mask = ~known(pl.col("CHILD").is_in(with_episodes)) & known(pl.col("CHILD").is_in(leavers))
    return flag("header", header, mask & given("MOTHER"))


@rule("1001")
def not_a_relevant_child(ctx):
    """A care leaver must have been looked after for at least 13 weeks (91 days) after turning 14
    and for some time after turning 16, counted over this year's and last year's episodes (so
    children looked after earlier may be flagged, as the DfE warns), and not have been adopted."""
    columns = ["CHILD", "DECOM_dt", "DEC_dt", "LS", "REC"]
    eps = pl.concat([ctx.t("episodes").select(columns), ctx.last("episodes").select(columns)])
    eps = eps.sort("DEC_dt", nulls_last=True, maintain_order=True).unique(
        ["CHILD", "DECOM_dt"], keep="first", maintain_order=True
    )
    latest = pl.col("DECOM_dt") == pl.col("DECOM_dt").max().over("CHILD")
    eps = eps.with_columns(
        pl.when(latest & pl.col("DEC_dt").is_null())
        .then(pl.lit(ctx.end))
        .otherwise(pl.col("DEC_dt"))
        .alias("DEC_dt")
    )
    dob = date("DOB")
    header = ctx.t("header").filter(dob.is_not_null() & (years_after(dob, 20) > ctx.end))
    header = header.select(
        "CHILD", years_after(dob, 14).alias("_d14"), years_after(dob, 16).alias("_d16")
    )
    care = eps.join(header, on="CHILD", how="inner").filter(
        ~known(pl.col("LS").is_in(codes.RESPITE))
    )

    def days_after(birthday: str) -> pl.Expr:
        start = pl.max_horizontal("DECOM_dt", birthday)
        return (pl.col("DEC_dt") - start).dt.total_days().clip(lower_bound=0).sum()

    totals = care.group_by("CHILD").agg(
        days_after("_d14").alias("_after14"), days_after("_d16").alias("_after16")
    )
    last = first_per_child(eps.with_row_index(ROW), "DECOM_dt", latest=True)
    adopted = last.filter(known(pl.col("REC").is_in(list(codes.ADOPTED))))["CHILD"].implode()
    oc3 = ctx.t("oc3").join(totals, on="CHILD", how="left")
    relevant = known((pl.col("_after14") >= 91) & (pl.col("_after16") >= 1))
    return flag("oc3", oc3, known(pl.col("CHILD").is_in(adopted)) | ~relevant)
