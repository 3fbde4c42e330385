"""Rules joining episodes to the child's header row: ages at events, mother, UPN, presence."""

from __future__ import annotations

import datetime as dt

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
from carecast.dferules.rules.sequence import first_episodes


def _is(column: str, *values: str) -> pl.Expr:
    return known(pl.col(column).is_in(list(values)))


def _with_header(ctx: Context, how: str = "left") -> pl.DataFrame:
    """Each episode with its child's header fields (``_hrow`` = the header row number)."""

    def build() -> pl.DataFrame:
        header = ctx.t("header").select(
            "CHILD", pl.col(ROW).alias("_hrow"), "DOB_dt", "SEX", "MOTHER", "UPN", "MC_DOB_dt"
        )
        return ctx.t("episodes").join(header, on="CHILD", how=how)  # type: ignore[arg-type]

    return ctx.memo(f"episodes_with_header:{how}", build)


def _both(merged: pl.DataFrame, mask: pl.Expr):
    hit = merged.filter(known(mask))
    return {"episodes": hit[ROW], "header": hit["_hrow"].drop_nulls()}


@rule("210")
def un4_in_care_at_year_end(ctx):
    reference = dt.date(ctx.end.year, 3, 24)
    return _both(_with_header(ctx), (pl.col("UPN") == "UN4") & (date("DECOM") >= reference))


@rule("302")
def first_episode_before_birth(ctx):
    header = ctx.t("header").select("CHILD", pl.col(ROW).alias("_hrow"), "DOB_dt")
    merged = first_episodes(ctx).join(header, on="CHILD", how="left")
    return _both(merged, pl.col("DOB_dt") > date("DECOM"))


@rule("352")
def started_over_18(ctx):
    m = _with_header(ctx)
    return flag(
        "episodes", m, (pl.col("RNE") == "S") & (years_after(pl.col("DOB_dt"), 18) <= date("DECOM"))
    )


@rule("358")
def custody_under_10(ctx):
    m = _with_header(ctx)
    young = years_after(pl.col("DOB_dt"), 10) >= date("DECOM")
    return _both(m, _is("LS", "J1", "J2", "J3") & young)


@rule("359")
def over_18_not_v2_k2(ctx):
    m = _with_header(ctx)
    over_18 = years_after(pl.col("DOB_dt"), 18) < ctx.end
    v2_k2 = (pl.col("LS") == "V2") & (pl.col("PLACE") == "K2")
    return flag("episodes", m, over_18 & blank("DEC") & ~known(v2_k2))


def placed_too_young(place: str, years: int):
    def check(ctx):
        m = _with_header(ctx, "inner").filter(
            given("DECOM_dt") & given("DEC_dt") & given("DOB_dt") & (pl.col("PLACE") == place)
        )
        return flag("episodes", m, date("DECOM") < years_after(pl.col("DOB_dt"), years))

    return check


rule("371", first_year=2025)(placed_too_young("K3", 16))
rule("371", first_year=2024, last_year=2024)(placed_too_young("H5", 16))
rule("371", last_year=2023)(placed_too_young("H5", 14))
rule("372")(placed_too_young("R5", 10))
rule("373")(placed_too_young("S1", 4))
rule("374")(placed_too_young("P3", 14))


def _temporary_too_long(place: str, days: int):
    def check(ctx):
        m = _with_header(ctx, "inner").filter(
            given("DECOM_dt") & given("DEC_dt") & given("DOB_dt") & (pl.col("PLACE") == place)
        )
        return flag("episodes", m, date("DEC") > date("DECOM") + pl.duration(days=days))

    return check


rule("375")(_temporary_too_long("T1", 42))
rule("376")(_temporary_too_long("T3", 21))
rule("379")(_temporary_too_long("T4", 7))


def _ceased_under(reasons: tuple[str, ...], years: int, *, dated_only: bool):
    """Episodes ending for ``reasons`` before the child's birthday ``years`` (an episode whose
    end date or birth date is unknown counts as before, as the DfE tool counts it; with
    ``dated_only`` only episodes with an end date are checked)."""

    def check(ctx):
        m = _with_header(ctx)
        if dated_only:
            m = m.filter(given("DEC_dt"))
        reached = known(years_after(pl.col("DOB_dt"), years) <= date("DEC"))
        return flag("episodes", m, _is("REC", *reasons) & ~reached)

    return check


@rule("386")
def adopted_at_18(ctx):
    m = _with_header(ctx).filter(given("DEC_dt") & given("DOB_dt"))
    return flag(
        "episodes",
        m,
        _is("REC", *codes.ADOPTED) & (years_after(pl.col("DOB_dt"), 18) <= date("DEC")),
    )


rule("387")(_ceased_under(("E5", "E6"), 14, dated_only=True))
rule("389")(_ceased_under(("E7",), 16, dated_only=False))


@rule("393")
def mother_not_completed(ctx):
    header = ctx.t("header")
    looked_after = ctx.t("episodes").filter(~_is("LS", *codes.RESPITE))["CHILD"].implode()
    female = pl.col("SEX") == codes.female(ctx.ruleset_year)
    return flag(
        "header", header, female & known(pl.col("CHILD").is_in(looked_after)) & blank("MOTHER")
    )


@rule("407")
def sgo_over_18(ctx):
    m = _with_header(ctx)
    return _both(
        m,
        _is("REC", "E45", "E46", "E47", "E48") & (years_after(pl.col("DOB_dt"), 18) < date("DEC")),
    )


@rule("442")
def upn_missing(ctx):
    m = _with_header(ctx, "inner")
    hit = m.filter(~_is("LS", *codes.RESPITE) & blank("UPN"))
    return {"header": hit["_hrow"]}


@rule("460")
def stayed_with_carers_under_18(ctx):
    m = _with_header(ctx)
    return flag(
        "episodes", m, (pl.col("REC") == "E17") & (years_after(pl.col("DOB_dt"), 18) > date("DEC"))
    )


@rule("607")
def ceased_mother_missing(ctx):
    m = _with_header(ctx)
    ceased = given("DEC_dt") & given("REC") & (pl.col("REC") != "X1")
    in_year = date("DEC").is_between(ctx.start, ctx.end)
    female = pl.col("SEX") == codes.female(ctx.ruleset_year)
    return _both(m, ceased & ~_is("LS", *codes.RESPITE) & in_year & female & blank("MOTHER"))


@rule("625")
def first_child_born_after(ctx):
    eps = ctx.t("episodes").filter(given("DEC_dt") & given("CHILD"))
    latest = first_per_child(eps, "DEC_dt", latest=True)
    header = ctx.t("header").select("CHILD", pl.col(ROW).alias("_hrow"), "MC_DOB_dt")
    merged = latest.join(header, on="CHILD", how="left")
    late = known(pl.col("MC_DOB_dt") > ctx.end) | known(pl.col("MC_DOB_dt") > date("DEC"))
    return _both(merged, late)


@rule("INT03")
def episode_child_not_in_header(ctx):
    header = ctx.t("header")["CHILD"].implode()
    return flag("episodes", ctx.t("episodes"), ~known(pl.col("CHILD").is_in(header)))
