"""Rules on the reviews table and the previous-permanence table."""

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
    not_in,
    years_after,
)

PARTICIPATION = ("PN0", "PN1", "PN2", "PN3", "PN4", "PN5", "PN6", "PN7")
PERMANENCE = ("P1", "P2", "P3", "P4", "Z1")
# DfE local-authority numbers where a previous permanence order can have been arranged, and the
# codes for outside England (from the DfE's 903 guidance code list for LA_PERM).
LA_NUMBERS = frozenset(
    """
800 889 822 301 304 303 330 825 837 302 846 370 350 890 867 380 305 801 351 873 823 895 896 381
909 202 908 331 306 841 830 831 878 371 835 332 840 307 308 811 881 845 390 916 203 876 850 311
204 884 312 205 313 805 919 310 309 420 921 206 207 886 810 382 314 340 888 208 856 383 855 209
925 341 201 821 352 806 887 826 315 929 812 391 926 892 813 802 928 891 392 316 815 353 931 879
836 851 874 807 354 317 870 318 372 857 333 935 343 803 373 342 893 356 355 871 394 334 933 882
936 861 852 319 860 808 393 866 210 357 894 883 880 358 211 937 869 320 359 865 384 335 336 212
868 872 885 344 877 213 938 816 999 WAL SCO NUK NIR
""".split()
)


@rule("166")
def review_date_valid(ctx):
    return flag("reviews", ctx.t("reviews"), date("REVIEW").is_null())


@rule("167")
def participation_valid(ctx):
    ok = (given("REVIEW") & known(pl.col("REVIEW_CODE").is_in(PARTICIPATION))) | (
        blank("REVIEW") & blank("REVIEW_CODE")
    )
    return flag("reviews", ctx.t("reviews"), ~ok)


@rule("440")
def pn0_but_over_4(ctx):
    late = date("REVIEW") > years_after(date("DOB"), 4)
    return flag("reviews", ctx.t("reviews"), (pl.col("REVIEW_CODE") == "PN0") & late)


@rule("441")
def participation_but_under_4(ctx):
    early = date("REVIEW") < years_after(date("DOB"), 4)
    return flag(
        "reviews", ctx.t("reviews"), known(pl.col("REVIEW_CODE").is_in(PARTICIPATION[1:])) & early
    )


@rule("399")
def respite_with_mother_or_reviews(ctx):
    respite_only = known(pl.col("LS").is_in(codes.RESPITE)).all().over("CHILD")
    eps = ctx.t("episodes").filter(respite_only).select(ROW, "CHILD")
    header = ctx.t("header").select("CHILD", pl.col(ROW).alias("_hrow"), "MOTHER")
    reviews = ctx.t("reviews").select("CHILD", pl.col(ROW).alias("_rrow"), "REVIEW", "REVIEW_CODE")
    m = eps.join(header, on="CHILD", how="left").join(reviews, on="CHILD", how="left")
    hit = m.filter(given("MOTHER") | given("REVIEW") | given("REVIEW_CODE"))
    return {
        "episodes": hit[ROW],
        "header": hit["_hrow"].drop_nulls(),
        "reviews": hit["_rrow"].drop_nulls(),
    }


def _perm(ctx: Context) -> pl.DataFrame:
    return ctx.t("previous_permanence")


@rule("631")
def permanence_valid(ctx):
    return flag("previous_permanence", _perm(ctx), not_in("PREV_PERM", PERMANENCE, blank_ok=True))


@rule("633")
def permanence_la_valid(ctx):
    return flag(
        "previous_permanence",
        _perm(ctx),
        given("LA_PERM") & ~pl.col("LA_PERM").is_in(list(LA_NUMBERS)),
    )


@rule("635")
def permanence_details_without_option(ctx):
    return flag(
        "previous_permanence",
        _perm(ctx),
        (given("LA_PERM") | given("DATE_PERM")) & blank("PREV_PERM"),
    )


@rule("630")
def permanence_missing(ctx):
    started = ctx.t("episodes").filter((pl.col("RNE") == "S") & (date("DECOM") >= ctx.start))
    perm = _perm(ctx).select(
        "CHILD", "PREV_PERM", "LA_PERM", "DATE_PERM", pl.lit(True).alias("_in")
    )
    m = started.join(perm, on="CHILD", how="left")
    absent = pl.col("_in").is_null()
    incomplete = pl.col("PREV_PERM").ne_missing("Z1") & (blank("LA_PERM") | blank("DATE_PERM"))
    return flag("episodes", m, absent | incomplete | (~absent & blank("PREV_PERM")))


def partial_date(column: str) -> pl.Expr:
    """A date that may give an unknown day or month as ZZ (and year ZZZZ), as DATE_PERM and
    the social-worker dates may: the latest date it can mean, so a partly known date is never
    taken as too early (None when it is not a date)."""
    parts = pl.col(column).str.split("/")
    day, month, year = (
        parts.list.get(0, null_on_oob=True),
        parts.list.get(1, null_on_oob=True),
        parts.list.get(2, null_on_oob=True),
    )
    well_formed = parts.list.len() == 3
    text = pl.concat_str(
        pl.when(day == "ZZ").then(pl.lit("01")).otherwise(day),
        pl.lit("/"),
        pl.when(month == "ZZ").then(pl.lit("01")).otherwise(month),
        pl.lit("/"),
        pl.when(year == "ZZZZ").then(pl.lit("2000")).otherwise(year),
    )
    parsed = pl.when(well_formed).then(text.str.to_date("%d/%m/%Y", strict=False))
    return (
        pl.when(month == "ZZ")
        .then(parsed.dt.offset_by("1y").dt.offset_by("-1d"))
        .when(day == "ZZ")
        .then(parsed.dt.offset_by("1mo").dt.offset_by("-1d"))
        .otherwise(parsed)
    )


@rule("632")
def permanence_date_valid(ctx):
    eps = ctx.t("episodes").filter(given("DECOM_dt") & given("CHILD"))
    first = first_per_child(eps, "DECOM_dt")
    perm = _perm(ctx).select(
        "CHILD",
        pl.col(ROW).alias("_prow"),
        "DATE_PERM",
        partial_date("DATE_PERM").alias("_perm_dt"),
    )
    m = first.join(perm, on="CHILD", how="left")
    bad = known(pl.col("_perm_dt") >= pl.col("DECOM_dt")) | (
        given("DATE_PERM") & pl.col("_perm_dt").is_null()
    )
    hit = m.filter(bad)
    return {"episodes": hit[ROW], "previous_permanence": hit["_prow"].drop_nulls()}


@rule("634")
def permanence_but_started_before(ctx):
    last = ctx.t("episodes").group_by("CHILD").agg(pl.col("DECOM_dt").max().alias("_last"))
    eps = ctx.t("episodes").select(pl.col(ROW).alias("_erow"), "CHILD")
    m = _perm(ctx).join(last, on="CHILD", how="left").join(eps, on="CHILD", how="left")
    hit = m.filter(
        (given("PREV_PERM") | given("DATE_PERM") | given("LA_PERM"))
        & known(pl.col("_last") < ctx.start)
    )
    return {"episodes": hit["_erow"].drop_nulls(), "previous_permanence": hit[ROW]}
