"""Rules that exist only in some years' lists: ones withdrawn after 2023-24 (placement codes H5
and P2, legal status D1 being phased out) and ones added from 2025-26 (custody as a reason for
change, regional adoption agencies' URN, providers outside England, duplicate UPNs)."""

from __future__ import annotations

import datetime as dt

import polars as pl

from carecast.dferules.context import ROW
from carecast.dferules.registry import rule
from carecast.dferules.rules.adoption import order_without_decision
from carecast.dferules.rules.child_age import placed_too_young
from carecast.dferules.rules.common import blank, date, flag, given, known, years_after
from carecast.dferules.rules.placement_area import episodes_with_places, placing_council

P4A = "placed_for_adoption"


def _eps(ctx, mask: pl.Expr):
    return flag("episodes", ctx.t("episodes"), mask)


rule("370", last_year=2023)(placed_too_young("P2", 15))
rule("370", first_year=2024, last_year=2024)(placed_too_young("P2", 16))


@rule("217t", first_year=2024, last_year=2024)
def p2_after_october_2023(ctx):
    late = known(date("DEC") > dt.date(2023, 10, 28)) | blank("DEC")
    return _eps(ctx, (pl.col("PLACE") == "P2") & late)


@rule("230", first_year=2024, last_year=2024)
def h5_without_urn(ctx):
    eps = episodes_with_places(ctx)
    late = known(date("DEC") >= dt.date(2023, 10, 29)) | blank("DEC")
    no_urn = blank("URN") | (pl.col("URN") == "XXXXXXX")
    outside = pl.col("PL_LA").fill_null("NAN").str.contains(r"^[NWS]")  # as the DfE tool reads it
    return flag("episodes", eps, (pl.col("PLACE") == "H5") & late & no_urn & ~outside)


@rule("445", last_year=2024)
def d1_after_2005(ctx):
    return _eps(ctx, (pl.col("LS") == "D1") & (date("DECOM") > dt.date(2005, 12, 31)))


@rule("451", last_year=2024)
def d1_still_open(ctx):
    return _eps(ctx, blank("DEC") & blank("REC") & (pl.col("LS") == "D1"))


rule("555", last_year=2024)(order_without_decision("D1"))


@rule("556", last_year=2024)
def decision_after_freeing_order(ctx):
    d1 = ctx.t("episodes").filter(pl.col("LS") == "D1")
    m = d1.join(ctx.t(P4A).select("CHILD", "DATE_PLACED_dt"), on="CHILD", how="left")
    return flag("episodes", m, pl.col("DATE_PLACED_dt") > date("DECOM"))


@rule("233", first_year=2026)
def reason_for_change_while_open(ctx):
    """The DfE tool reads a column no return has (DATE_EPISODE_CEASED); carecast reads DEC."""
    return _eps(ctx, blank("DEC") & given("REASON_PLACE_CHANGE"))


@rule("234", first_year=2026)
def custody_under_10(ctx):
    header = ctx.t("header").select("CHILD", pl.col(ROW).alias("_hrow"), "DOB_dt")
    m = ctx.t("episodes").join(header, on="CHILD", how="left")
    young = years_after(pl.col("DOB_dt"), 10) > date("DECOM")
    hit = m.filter(known(young & (pl.col("REASON_PLACE_CHANGE") == "CUSTOD")))
    return {"episodes": hit[ROW], "header": hit["_hrow"].drop_nulls()}


@rule("241", first_year=2026)
def supported_accommodation_outside_area(ctx):
    eps, council = episodes_with_places(ctx), placing_council(ctx)
    urn = given("URN") & (pl.col("URN") != "XXXXXXX") & (pl.col("PLACE") == "K3")
    return flag("episodes", eps, urn & pl.col("PL_LA").ne_missing(council))


@rule("242", first_year=2026)
def xxxxxxx_only_for_adoption_agencies(ctx):
    agencies = ["A3", "A4", "A5", "A6", "U1", "U2", "U3", "U4", "U5", "U6"]
    return _eps(ctx, (pl.col("URN") == "XXXXXXX") & ~known(pl.col("PLACE").is_in(agencies)))


@rule("243", first_year=2026)
def urn_outside_england(ctx):
    eps = episodes_with_places(ctx)
    outside = known(pl.col("PL_LA").is_in(["CON", "NIR", "SCO", "WAL", "NUK"]))
    return flag("episodes", eps, outside & given("URN"))


@rule("348", first_year=2026)
def leaver_died_before(ctx):
    last = ctx.last("oc3").select("CHILD", pl.col("IN_TOUCH").alias("_last"))
    m = ctx.t("oc3").join(last, on="CHILD", how="left")
    return flag("oc3", m, (pl.col("_last") == "DIED") & pl.col("IN_TOUCH").ne_missing("DIED"))


@rule("444", first_year=2026)
def duplicate_upn(ctx):
    known_upn = given("UPN") & ~known(pl.col("UPN").is_in(["UN1", "UN2", "UN3", "UN4", "UN5"]))
    header = ctx.t("header")
    repeated = header.filter(known_upn).filter(pl.len().over("UPN") > 1)["UPN"].implode()
    return flag("header", header, known(pl.col("UPN").is_in(repeated)))


@rule("454", first_year=2026)
def placed_over_350_miles(ctx):
    miles = pl.col("PL_DISTANCE").cast(pl.Float64, strict=False)
    return flag("episodes", episodes_with_places(ctx), (miles > 350) & (miles != 999.9))
