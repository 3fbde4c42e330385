"""The unmet-need report: referrals that found no home, by need profile and month.

A referral's need is unmet when no home passed the hard filters (``no_match``), every home on
its shortlist refused (``refused_everywhere``), or it was closed with ``no_placement_found``.
This is the evidence commissioners need for new provision (DOMAIN.md §5.1, §5.5: the ~500-place
shortfall for complex adolescents; LIIA 2022 hard-to-place profiles).
"""

from __future__ import annotations

import polars as pl

from carecast.outputs.disclosure import Protect, Sum, protect

UNMET_STATUSES = ("no_match", "refused_everywhere", "no_placement_found")


def should_suppress(referrals: pl.DataFrame, suppress: bool | None) -> bool:
    """Disclosure control applies when the referrals are more than one council's (or when asked):
    one council's own figures shown to its own staff are not hidden."""
    return suppress if suppress is not None else referrals.get_column("council").n_unique() > 1


def unmet_need(referrals: pl.DataFrame, *, suppress: bool | None = None) -> dict[str, pl.DataFrame]:
    """Tables from :func:`~carecast.market.store.referrals_frame`: ``by_profile_month``, ``by_need``,
    ``by_council``, ``refusal_reasons`` and ``closing_filter`` (for referrals no home matched, the hard filter after
    which none was left: the kind of provision that is missing), through disclosure control when
    :func:`should_suppress` says so."""
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
    by_profile = (
        df.group_by("need_profile", "month")
        .agg(counts)
        .with_columns(share)
        .sort("month", "unmet", descending=[False, True])
    )
    by_need = (
        df.with_columns(pl.col("need_profile").str.split("+").alias("need"))
        .explode("need")
        .group_by("need")
        .agg(counts)
        .with_columns(share)
        .sort("unmet", descending=True)
    )
    by_council = (
        df.group_by("council").agg(counts).with_columns(share).sort("unmet", descending=True)
    )
    reasons = (
        df.filter(pl.col("refusal_reasons") != "")
        .with_columns(pl.col("refusal_reasons").str.split(";").alias("reason"))
        .explode("reason")
        .group_by("reason")
        .agg(pl.len().alias("referrals"), pl.col("unmet").sum().cast(pl.Int64).alias("unmet"))
        .sort("referrals", descending=True)
    )
    closing = (
        df.filter(pl.col("status") == "no_match")
        .group_by(pl.col("closing_filter").fill_null("(not recorded)"))
        .agg(pl.len().alias("referrals"))
        .sort("referrals", descending=True)
    )
    tables = {
        "by_profile_month": by_profile,
        "by_need": by_need,
        "by_council": by_council,
        "refusal_reasons": reasons,
        "closing_filter": closing,
    }
    if not should_suppress(referrals, suppress):
        return tables
    return protect(tables, _PROTECT).tables


_COUNTS = ["referrals", "unmet", *UNMET_STATUSES, "placed"]
_ROWS = [Sum("unmet", UNMET_STATUSES), Sum("referrals", ("unmet", "placed"), complete=False)]
_SHARE = {"unmet_share": ("unmet", "referrals")}
# how the tables relate: each row's statuses add up; the referrals of all councils (and of all
# profile-months) add up to the number of referrals the output states; a need counts a referral
# once per need, so by_need has no column total
_PROTECT = {
    "by_profile_month": Protect(
        _COUNTS, [*_ROWS, *[Sum(None, (c,), by=()) for c in _COUNTS]], _SHARE
    ),
    "by_need": Protect(_COUNTS, _ROWS, _SHARE),
    "by_council": Protect(_COUNTS, [*_ROWS, *[Sum(None, (c,), by=()) for c in _COUNTS]], _SHARE),
    "refusal_reasons": Protect(
        ["referrals", "unmet"], [Sum("referrals", ("unmet",), complete=False)]
    ),
    "closing_filter": Protect(["referrals"], [Sum(None, ("referrals",), by=())]),
}
