"""Which children were looked after continuously for the 12 months to 31 March (the OC2 cohort).

As the DfE's 903 guidance defines it: a child is continuously looked after unless, during the
year, an episode starts a new period of care (RNE S after 1 April), one ends a period (a reason
other than X1 before 31 March) or the child is in short-term respite (V3/V4).
"""

from __future__ import annotations

import polars as pl

from carecast.dferules import codes
from carecast.dferules.context import Context
from carecast.dferules.rules.common import date, known


def continuously_looked_after(ctx: Context) -> pl.Series:
    """CHILD ids of the children looked after for the whole collection year."""

    def build() -> pl.Series:
        start, end = ctx.start, ctx.end
        decom, dec = date("DECOM"), date("DEC")
        during = known(decom <= end) & (known(dec >= start) | dec.is_null())
        enters = (pl.col("RNE") == "S") & (decom > start) & (decom <= end)
        leaves = pl.col("REC").ne_missing("X1") & (dec >= start) & (dec < end)
        respite = known(pl.col("LS").is_in(codes.RESPITE)) & during
        breaks = known(enters) | known(leaves) | respite
        per_child = (
            ctx.t("episodes")
            .group_by("CHILD")
            .agg(during.any().alias("_in"), breaks.any().alias("_break"))
        )
        return per_child.filter(pl.col("_in") & ~pl.col("_break"))["CHILD"]

    return ctx.memo("continuously_looked_after", build)


def cla(ctx: Context) -> pl.Expr:
    """True for rows whose child was looked after continuously for the year."""
    return known(pl.col("CHILD").is_in(continuously_looked_after(ctx).implode()))
