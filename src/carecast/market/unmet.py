"""The unmet-need report: referrals that found no home, by need profile and month.

A referral's need is unmet when no home passed the hard filters (``no_match``), every home on
its shortlist refused (``refused_everywhere``), or it was closed with ``no_placement_found``.
This is the evidence commissioners need for new provision (DOMAIN.md §5.1, §5.5: the ~500-place
shortfall for complex adolescents; LIIA 2022 hard-to-place profiles).
"""

from __future__ import annotations

import polars as pl

from carecast.privacy import suppress_small

UNMET_STATUSES = ("no_match", "refused_everywhere", "no_placement_found")


def unmet_need(referrals: pl.DataFrame, *, suppress: bool = True) -> dict[str, pl.DataFrame]:
    """Tables from :func:`~carecast.market.store.referrals_frame`: ``by_profile_month``, ``by_need``,
    ``by_council``, ``refusal_reasons`` and ``closing_filter`` (for referrals no home matched, the hard filter after
    which none was left: the kind of provision that is missing)."""
    df = referrals.with_columns(
        pl.col("referred_on").dt.truncate("1mo").dt.strftime("%Y-%m").alias("month"),
        pl.col("status").is_in(UNMET_STATUSES).alias("unmet"),
    )
    counts = [
        pl.len().alias("referrals"),
        pl.col("unmet").sum().cast(pl.Int64).alias("unmet"),
        *[(pl.col("status") == s).sum().cast(pl.Int64).alias(s) for s in UNMET_STATUSES],
        (pl.col("status") == "placed").sum().cast(pl.Int64).alias("placed"),
    ]
    share = (pl.col("unmet") / pl.col("referrals")).alias("unmet_share")
    by_profile = df.group_by("need_profile", "month").agg(counts).with_columns(share).sort("month", "unmet", descending=[False, True])
    by_need = (df.with_columns(pl.col("need_profile").str.split("+").alias("need")).explode("need")
               .group_by("need").agg(counts).with_columns(share).sort("unmet", descending=True))
    by_council = df.group_by("council").agg(counts).with_columns(share).sort("unmet", descending=True)
    reasons = (df.filter(pl.col("refusal_reasons") != "").with_columns(pl.col("refusal_reasons").str.split(";").alias("reason"))
               .explode("reason").group_by("reason").agg(pl.len().alias("referrals"),
                                                          pl.col("unmet").sum().cast(pl.Int64).alias("unmet"))
               .sort("referrals", descending=True))
    closing = (df.filter(pl.col("status") == "no_match").group_by(pl.col("closing_filter").fill_null("(not recorded)"))
               .agg(pl.len().alias("referrals")).sort("referrals", descending=True))
    if suppress:
        cols = ["referrals", "unmet", *UNMET_STATUSES, "placed"]
        by_profile = suppress_small(by_profile, cols, {"unmet_share": "unmet"})
        by_need = suppress_small(by_need, cols, {"unmet_share": "unmet"})
        by_council = suppress_small(by_council, cols, {"unmet_share": "unmet"})
        reasons = suppress_small(reasons, ["referrals", "unmet"])
        closing = suppress_small(closing, ["referrals"])
    return {"by_profile_month": by_profile, "by_need": by_need, "by_council": by_council, "refusal_reasons": reasons,
            "closing_filter": closing}
