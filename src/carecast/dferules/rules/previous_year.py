"""Rules comparing this year's episodes with last year's return (the child's open episode at
the end of last year must carry on into the first episode of this year)."""

from __future__ import annotations

import polars as pl

from carecast.dferules.context import Context
from carecast.dferules.registry import rule
from carecast.dferules.rules.common import date, first_per_child, flag, known
from carecast.dferules.rules.sequence import first_episodes


def _last_of_last_year(ctx: Context) -> pl.DataFrame:
    """Each child's latest episode in last year's return."""
    last = ctx.last("episodes")
    return ctx.memo("last_of_last_year", lambda: first_per_child(last, "DECOM_dt", latest=True))


def carried_over(ctx: Context) -> pl.DataFrame:
    """Each child's first episode this year beside last year's latest episode, when that one
    was still open at the end of last year."""

    def build() -> pl.DataFrame:
        last = _last_of_last_year(ctx)
        last = last.select(
            "CHILD", *[pl.col(c).alias(f"{c}_last") for c in last.columns if c != "CHILD"]
        )
        merged = first_episodes(ctx).join(last, on="CHILD", how="inner")
        return merged.filter(pl.col("DEC_last").is_null())

    return ctx.memo("carried_over", build)


_RENAMED_PLACEMENTS = {
    # collection year: (this year's code(s), last year's code) that count as the same placement
    2024: (("K3",), "H5"),
    2025: (("K3",), "H5"),
    2026: (("Z11", "Z12", "Z13", "Z14"), "Z1"),
}


def _field_differs(field: str):
    def check(ctx):
        m = carried_over(ctx)
        differs = pl.col(field).ne_missing(pl.col(f"{field}_last"))
        renamed = _RENAMED_PLACEMENTS.get(ctx.collection_year)
        if field == "PLACE" and renamed is not None:
            now, before = renamed
            differs = differs & ~(
                known(pl.col("PLACE").is_in(list(now))) & (pl.col("PLACE_last") == before)
            )
        return flag("episodes", m, differs)

    return check


rule("503A")(_field_differs("RNE"))
rule("503B")(_field_differs("LS"))
rule("503C")(_field_differs("CIN"))
rule("503D")(_field_differs("PLACE"))
rule("503E")(_field_differs("PLACE_PROVIDER"))
rule("503F")(_field_differs("URN"))


@rule("502")
def open_episode_start_differs(ctx):
    open_last = (
        ctx.last("episodes")
        .filter(pl.col("DEC").is_null())
        .select("CHILD", pl.col("DECOM_dt").alias("_decom_last"))
    )
    merged = first_episodes(ctx).join(open_last, on="CHILD", how="inner")
    return flag("episodes", merged, date("DECOM").ne_missing(pl.col("_decom_last")))


@rule("562")
def missing_continuous_episode(ctx):
    before = ctx.t("episodes").filter(date("DECOM") < ctx.start)
    first = first_per_child(before, "DECOM_dt")
    last = _last_of_last_year(ctx).select("CHILD", "DECOM_dt")
    return flag("episodes", first.join(last, on=["CHILD", "DECOM_dt"], how="anti"), pl.lit(True))


@rule("NoE")
def no_episodes_last_year(ctx):
    last = ctx.last("episodes")["CHILD"].implode()
    eps = ctx.t("episodes")
    return flag("episodes", eps, (date("DECOM") < ctx.start) & ~known(pl.col("CHILD").is_in(last)))


@rule("207")
def mother_status_changed(ctx):
    last = ctx.last("header").select("CHILD", pl.col("MOTHER").alias("MOTHER_last"))
    with_episodes = ctx.t("episodes")["CHILD"].implode()
    merged = ctx.t("header").join(last, on="CHILD", how="inner")
    mask = (
        known(pl.col("CHILD").is_in(with_episodes))
        & pl.col("MOTHER").ne_missing(pl.col("MOTHER_last"))
        & (pl.col("MOTHER_last") == "1")
    )
    return flag("header", merged, mask)
