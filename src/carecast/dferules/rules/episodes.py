"""Rules on single episodes: valid codes and dates, and codes that cannot go together."""

from __future__ import annotations

import datetime as dt

import polars as pl

from carecast.dferules import codes
from carecast.dferules.context import Context
from carecast.dferules.registry import rule
from carecast.dferules.rules.common import bad_date, blank, date, flag, given, known, not_in


def _eps(ctx: Context, mask: pl.Expr):
    return flag("episodes", ctx.t("episodes"), mask)


def _is(column: str, *values: str) -> pl.Expr:
    return known(pl.col(column).is_in(list(values)))


@rule("1009")
def reason_change_valid(ctx):
    return _eps(ctx, not_in("REASON_PLACE_CHANGE", codes.REASON_PLACE_CHANGE, blank_ok=True))


@rule("141")
def decom_valid(ctx):
    return _eps(ctx, bad_date("DECOM"))


@rule("147")
def dec_valid(ctx):
    return _eps(ctx, bad_date("DEC"))


@rule("143")
def rne_valid(ctx):
    return _eps(ctx, not_in("RNE", codes.RNE, blank_ok=True))


@rule("144")
def ls_valid(ctx):
    return _eps(ctx, not_in("LS", codes.LEGAL_STATUS, blank_ok=True))


@rule("145")
def cin_valid(ctx):
    return _eps(ctx, not_in("CIN", codes.CIN, blank_ok=True))


@rule("146")
def place_valid(ctx):
    return _eps(ctx, not_in("PLACE", codes.placements(ctx.ruleset_year), blank_ok=True))


@rule("148")
def dec_and_rec_together(ctx):
    return _eps(ctx, blank("DEC") != blank("REC"))


@rule("149")
def rec_valid(ctx):
    return _eps(ctx, not_in("REC", codes.REC, blank_ok=True))


@rule("178")
def provider_valid(ctx):
    no_provider = codes.no_provider_placements(ctx.ruleset_year)
    if ctx.ruleset_year >= 2026:  # the 2025-26 rule text leaves T4 out of this list
        no_provider = tuple(c for c in no_provider if c != "T4")
    bad = ~_is("PLACE_PROVIDER", *codes.PROVIDERS) | _is("PLACE", *no_provider)
    return _eps(ctx, given("PLACE_PROVIDER") & bad)


@rule("213")
def provider_not_required(ctx):
    places = codes.TEMPORARY
    if ctx.ruleset_year >= 2026:
        places = (*places, *codes.OTHER_PLACEMENTS_FROM_2026)
    return _eps(ctx, _is("PLACE", *places) & given("PLACE_PROVIDER"))


@rule("214")
def location_not_required(ctx):
    return _eps(ctx, _is("LS", *codes.RESPITE) & (given("PL_POST") | given("URN")))


@rule("217")
def adoption_with_carers_rne(ctx):
    placed = _is("PLACE", "A3", "A5") & (date("DECOM") >= dt.date(2015, 4, 1))
    return _eps(ctx, placed & ~_is("RNE", "S", "T", "U"))


@rule("222")
def urn_not_for_placement(ctx):
    exempt = _is("PLACE", *codes.urn_not_expected(ctx.ruleset_year))
    return _eps(ctx, exempt & given("URN") & (pl.col("URN") != "XXXXXXX"))


@rule("353")
def decom_before_1991(ctx):
    return _eps(ctx, date("DECOM") < dt.date(1991, 10, 14))


@rule("354")
def decom_after_year(ctx):
    return _eps(ctx, date("DECOM") > ctx.end)


@rule("385")
def dec_after_year(ctx):
    return _eps(ctx, date("DEC") > ctx.end)


@rule("355")
def under_24_hours(ctx):
    return _eps(ctx, pl.col("DECOM").eq_missing(pl.col("DEC")))


@rule("356")
def dec_before_decom(ctx):
    return _eps(ctx, date("DEC") < date("DECOM"))


def _dec_or_year_end(ctx: Context) -> pl.Expr:
    return date("DEC").fill_null(ctx.end)


@rule("365")
def respite_over_17_days(ctx):
    long = _dec_or_year_end(ctx) > date("DECOM") + pl.duration(days=17)
    return _eps(ctx, (pl.col("LS") == "V3") & long)


@rule("366")
def respite_changes_placement(ctx):
    return _eps(ctx, (pl.col("LS") == "V3") & pl.col("RNE").ne_missing("S"))


@rule("377")
def more_than_two_holiday_placements(ctx):
    t3 = pl.col("PLACE") == "T3"
    return _eps(ctx, t3 & (t3.cast(pl.Int32).sum().over("CHILD") > 2))


@rule("378")
def parents_under_section_20(ctx):
    return _eps(ctx, (pl.col("PLACE") == "P1") & (pl.col("LS") == "V2"))


@rule("380")
def starts_with_temporary(ctx):
    return _eps(ctx, _is("PLACE", *codes.TEMPORARY) & ~_is("RNE", "P", "B"))


@rule("381")
def ends_with_temporary(ctx):
    ended = given("REC") & (pl.col("REC") != "X1")
    return _eps(ctx, _is("PLACE", *codes.TEMPORARY) & ended)


@rule("382")
def respite_temporary(ctx):
    return _eps(ctx, _is("LS", *codes.RESPITE) & _is("PLACE", *codes.TEMPORARY))


@rule("384")
def respite_long_term_foster(ctx):
    return _eps(ctx, _is("LS", *codes.RESPITE) & _is("PLACE", "U1", "U4"))


@rule("390")
def adopted_not_placed(ctx):
    return _eps(ctx, _is("REC", *codes.ADOPTED) & ~_is("PLACE", *codes.ADOPTION_PLACEMENTS))


@rule("392d")
def same_postcodes(ctx):
    return _eps(ctx, pl.col("PLACE").ne_missing("P1") & (pl.col("HOME_POST") == pl.col("PL_POST")))


@rule("398")
def respite_with_postcodes(ctx):
    return _eps(ctx, _is("LS", *codes.RESPITE) & (given("HOME_POST") | given("PL_POST")))


@rule("408")
def placed_for_adoption_no_order(ctx):
    return _eps(ctx, _is("PLACE", "A5", "A6") & pl.col("LS").ne_missing("E1"))


@rule("426")
def respite_v3_and_v4(ctx):
    v3 = (pl.col("LS") == "V3").any().over("CHILD")
    v4 = (pl.col("LS") == "V4").any().over("CHILD")
    return _eps(ctx, _is("LS", *codes.RESPITE) & v3 & v4)


@rule("446")
def e1_before_2005(ctx):
    return _eps(ctx, (pl.col("LS") == "E1") & (date("DECOM") < dt.date(2005, 12, 1)))


@rule("516")
def former_carers_reason(ctx):
    return _eps(ctx, _is("REC", "E45", "E46") & ~_is("PLACE", *codes.FOSTERING_FORMER_CARERS))


@rule("526")
def provider_missing(ctx):
    no_provider = codes.no_provider_placements(ctx.ruleset_year)
    return _eps(ctx, ~_is("PLACE", *no_provider) & blank("PLACE_PROVIDER"))


def _provider_with(provider: str, *places: str):
    def check(ctx):
        return _eps(ctx, _is("PLACE", *places) & (pl.col("PLACE_PROVIDER") == provider))

    return check


rule("527")(_provider_with("PR1", "P1", "R2", "R5"))
rule("528")(_provider_with("PR2", "P1", "R2", "R5"))
rule("529")(
    _provider_with(
        "PR3", *codes.ADOPTION_PLACEMENTS, "K1", "K2", "P1", *codes.FOSTERING_FORMER_CARERS
    )
)
rule("530")(_provider_with("PR4", "P1"))
rule("531")(_provider_with("PR5", "P1"))


@rule("550")
def pr0_only_with_parents(ctx):
    return _eps(ctx, pl.col("PLACE").ne_missing("P1") & (pl.col("PLACE_PROVIDER") == "PR0"))
