"""Cleaning typed 903 rows into one episode table keyed on (council, child), vectorised in Polars.

The order matters and is this:

1. drop rows that cannot be placed in time or are impossible (no CHILD, no/unreadable DECOM,
   DEC before DECOM, DECOM before birth, 18 or over at the start);
2. merge open episodes whose start a later return corrected; de-duplicate on (council, child,
   DECOM) keeping the copy from the latest return (so open episodes are closed by the later
   return that closes them);
3. close open episodes followed by another episode and trim overlaps, so a child's episodes never
   overlap;
4. optionally merge episodes that only change legal status (RNE L/U) into the one before;
5. derive periods of care, ages, short-break and UASC flags.

Every row leaves as kept, dropped or merged; each drop, merge, repair and flag is an event with
its rule id (:mod:`carecast.ingest.quality`).
"""

from __future__ import annotations

from dataclasses import dataclass

import polars as pl

from carecast.ingest.quality import empty_events, events, rule_parameter
from carecast.plumbing.constants import DAYS_PER_YEAR, leaving_age
from carecast.schema.ssda903 import code_values, spec_for_year
from carecast.schema.years import collection_year_end_expr

KEY = ["council", "child_id"]
SHORT_BREAK_LS = ("V3", "V4")
LEGAL_ONLY_RNE = ("L", "U")
CARE_CONTINUES = "X1"


@dataclass
class Cleaned:
    episodes: pl.DataFrame
    events: pl.DataFrame


def _age(later: str, dob: str = "dob") -> pl.Expr:
    return (pl.col(later) - pl.col(dob)).dt.total_days() / DAYS_PER_YEAR


def child_key(columns: list[str]) -> pl.Expr:
    """A 64-bit hash of ``columns`` (council, child id, ...), used as a join and sort key.

    Fields are renamed by position, so the same values under other column names hash the same."""
    return pl.struct([pl.col(c).alias(f"f{i}") for i, c in enumerate(columns)]).hash(seed=903)


def _lookup(children: pl.DataFrame, column: str) -> pl.Expr:
    """``children[column]`` for each row's ``_child``: one new column, no join copying the rest."""
    keys = children.select(child_key(KEY))[:, 0]
    default = False if column == "is_uasc" else None
    return (
        pl.col("_child")
        .replace_strict(
            keys, children[column], default=default, return_dtype=children.schema[column]
        )
        .alias(column)
    )


def _mark_children(frame: pl.DataFrame) -> pl.DataFrame:
    """Add ``_same``: this row is the same child as the row before. The frame must be sorted by
    ``_child`` first; neighbours then replace per-child windows, which would hash the string keys
    again for every expression."""
    return frame.with_columns(
        (pl.col("_child") == pl.col("_child").shift(1)).fill_null(False).alias("_same")
    )


def _prev(column: str) -> pl.Expr:
    """The value on the same child's previous episode (null on a child's first)."""
    return pl.when(pl.col("_same")).then(pl.col(column).shift(1))


def _next(column: str) -> pl.Expr:
    """The value on the same child's next episode (null on a child's last)."""
    return pl.when(pl.col("_same").shift(-1).fill_null(False)).then(pl.col(column).shift(-1))


def _split(
    frame: pl.DataFrame,
    bad: pl.Expr,
    rule: str,
    table: str,
    column: str | None,
    out: list[pl.DataFrame],
) -> pl.DataFrame:
    """Remove rows where ``bad`` holds, recording one ``rule`` event for each."""
    bad = bad.fill_null(False)
    dropped = frame.filter(bad)
    if dropped.height:
        out.append(events(dropped, rule, table, column))
    return frame.filter(~bad)


def clean_children(header: pl.DataFrame, uasc: pl.DataFrame) -> tuple[pl.DataFrame, pl.DataFrame]:
    """One row per (council, child) from the header rows, latest return first; plus events."""
    out = [empty_events()]
    header = header.rename({"CHILD": "child_id", "SEX": "sex", "DOB": "dob", "ETHNIC": "ethnic"})
    header = _split(header, pl.col("child_id").is_null(), "MISSING_CHILD", "header", "CHILD", out)
    ordered = header.sort([*KEY, "collection_year", "source_row"])
    conflict = (
        ordered.group_by(KEY)
        .agg(
            (pl.col("dob").drop_nulls().n_unique() > 1)
            | (pl.col("sex").drop_nulls().n_unique() > 1)
        )
        .rename({"dob": "_conflict"})
    )
    latest = ordered.unique(KEY, keep="last", maintain_order=True)
    clash = latest.join(conflict.filter(pl.col("_conflict")), on=KEY, how="semi")
    if clash.height:
        out.append(events(clash, "HEADER_CONFLICT", "header", "DOB/SEX"))
    uasc_ids = uasc.rename({"CHILD": "child_id"}).select(KEY).drop_nulls().unique()
    children = (
        latest.select(*KEY, typed_sex("sex"), "dob", "ethnic")
        .join(uasc_ids.with_columns(pl.lit(True).alias("is_uasc")), on=KEY, how="left")
        .with_columns(pl.col("is_uasc").fill_null(False))
    )
    return children, pl.concat(out)


def typed_sex(column: str) -> pl.Expr:
    """SEX as the children table's value: 1/M male, 2/F female (the code changed in 2024-25,
    the meaning did not); U and unknown codes are null here (the raw table keeps the value)."""
    values = code_values("sex") or {}
    return (
        pl.col(column)
        .replace_strict(list(values), list(values.values()), default=None, return_dtype=pl.Int8)
        .alias(column)
    )


def clean_other_table(frame: pl.DataFrame, table: str) -> tuple[pl.DataFrame, pl.DataFrame]:
    """A table other than header/episodes/UASC, typed: lower-case names, ``child_id``; rows
    without a CHILD dropped (MISSING_CHILD), the rest kept as they are."""
    out = [empty_events()]
    frame = frame.rename({c: c.lower() for c in frame.columns if c.isupper()}).rename(
        {"child": "child_id"}
    )
    frame = _split(frame, pl.col("child_id").is_null(), "MISSING_CHILD", table, "CHILD", out)
    return frame, pl.concat(out)


def _superseded(ep: pl.DataFrame, out: list[pl.DataFrame]) -> pl.DataFrame:
    """Open episodes of return N that return N+1 does not repeat, though the council sent N+1.

    Return N+1 must repeat every episode still open on 31 March N. If it holds an episode for
    the child starting within the correction window instead, the start date was corrected: the
    older row is merged into it (CORRECTED_START). If the child is not in N+1 at all, the
    episode is kept and flagged (OPEN_NOT_REPEATED).
    """
    window = rule_parameter("correction_window_days")
    later = ep.select(*KEY, pl.col("collection_year").alias("_ny"), pl.col("decom").alias("_d2"))
    cand = (
        ep.filter(pl.col("dec").is_null())
        .with_columns((pl.col("collection_year") + 1).alias("_ny"))
        .join(later.select("council", "_ny").unique(), on=["council", "_ny"], how="semi")
        .join(later, left_on=[*KEY, "decom", "_ny"], right_on=[*KEY, "_d2", "_ny"], how="anti")
    )
    if cand.is_empty():
        return ep
    near = (
        cand.join(later, on=[*KEY, "_ny"], how="inner")
        .filter((pl.col("_d2") - pl.col("decom")).dt.total_days().abs() <= window)
        .unique("uid")
    )
    if near.height:
        out.append(events(near, "CORRECTED_START", "episodes", "DECOM"))
    absent = cand.join(later.select(*KEY, "_ny").unique(), on=[*KEY, "_ny"], how="anti")
    if absent.height:
        out.append(events(absent, "OPEN_NOT_REPEATED", "episodes", "DEC"))
    return ep.filter(~pl.col("uid").is_in(near["uid"].implode()))


def clean_episodes(
    episodes: pl.DataFrame,
    children: pl.DataFrame,
    header_keys: pl.DataFrame,
    *,
    merge_legal_changes: bool = False,
) -> Cleaned:
    """Apply the rules above to typed episode rows (columns as :mod:`validate` leaves them).

    ``header_keys``: (council, child_id, collection_year) of every header row, so an episode whose
    own return has no header row for the child is flagged even when another return has one.
    """
    out = [empty_events()]
    t = "episodes"
    ep = episodes.rename({c: c.lower() for c in episodes.columns if c.isupper()}).rename(
        {"child": "child_id"}
    )

    # 1. rows that cannot be used
    ep = _split(ep, pl.col("child_id").is_null(), "MISSING_CHILD", t, "CHILD", out)
    ep = _split(ep, pl.col("decom").is_null(), "BAD_DECOM", t, "DECOM", out)
    ep = _split(ep, pl.col("dec") < pl.col("decom"), "DEC_BEFORE_DECOM", t, "DEC", out)
    # one 64-bit key per (council, child): looking up, sorting and comparing it is far cheaper than
    # two strings (a collision between two children has probability ~n^2/2^65: negligible)
    ep = ep.with_columns(child_key(KEY).alias("_child"))
    ep = ep.with_columns(_lookup(children, col) for col in ("sex", "dob", "is_uasc"))
    ep = _split(ep, pl.col("dob") > pl.col("decom"), "DOB_AFTER_DECOM", t, "DECOM", out)
    ep = _split(
        ep,
        pl.col("decom") >= pl.col("dob").dt.offset_by(f"{leaving_age()}y"),
        "AGE_18_AT_START",
        t,
        "DECOM",
        out,
    )
    year_end = collection_year_end_expr("collection_year")
    late = ep.filter(pl.col("decom") > year_end)
    if late.height:
        out.append(events(late, "DATE_AFTER_RETURN", t, "DECOM"))

    in_return = header_keys.select(child_key([*KEY, "collection_year"]))[:, 0].implode()
    no_header = ep.filter(~child_key([*KEY, "collection_year"]).is_in(in_return))
    if no_header.height:
        out.append(events(no_header, "NO_HEADER", t, "CHILD"))
    ep = _superseded(ep, out)

    # 2. duplicates across and within returns: keep the copy from the latest return
    ep = _mark_children(ep.sort(["_child", "decom", "collection_year", "source_row"]))
    same_key = pl.col("_same") & (pl.col("decom") == pl.col("decom").shift(1))
    ep = ep.with_columns((~same_key).cum_sum().alias("_key"))
    ep = ep.with_columns(
        (pl.col("_key") != pl.col("_key").shift(-1)).fill_null(True).alias("_last"),
        # the latest return that still showed the episode open
        pl.when(pl.col("dec").is_null())
        .then(pl.col("collection_year"))
        .max()
        .over("_key")
        .alias("_open_year"),
    )
    # an open episode repeated by a later return is how the 903 works; anything else is a duplicate
    repeat = pl.col("dec").is_null() & (
        pl.col("collection_year").shift(-1) > pl.col("collection_year")
    )
    for cond, rule in ((repeat, "REPEATED_IN_LATER_RETURN"), (~repeat, "DUPLICATE")):
        copies = ep.filter(~pl.col("_last") & cond)
        if copies.height:
            out.append(events(copies, rule, t, "DECOM"))
    ep = ep.filter(pl.col("_last"))
    # shown open in a return although it had ended within that return's year
    closed_later = ep.filter(pl.col("dec") <= collection_year_end_expr("_open_year"))
    if closed_later.height:
        out.append(events(closed_later, "CLOSED_BY_LATER_RETURN", t, "DEC"))
    ep = _mark_children(ep.drop("_last", "_open_year", "_key"))

    # 3. open episodes followed by another, and overlaps: end at the next episode's start
    ep = ep.with_columns(_next("decom").alias("_next"), _next("rne").alias("_next_rne"))
    opened = pl.col("_next").is_not_null() & pl.col("dec").is_null()
    overlap = pl.col("_next").is_not_null() & (pl.col("dec") > pl.col("_next"))
    for cond, rule in ((opened, "OPEN_CLOSED_BY_NEXT"), (overlap, "OVERLAP_TRIMMED")):
        hit = ep.filter(cond)
        if hit.height:
            out.append(events(hit, rule, t, "DEC"))
    fix = opened | overlap
    ep = ep.with_columns(
        pl.when(fix).then(pl.col("_next")).otherwise(pl.col("dec")).alias("dec"),
        # care continued into the next episode unless that one starts a new period (RNE S)
        pl.when(fix & pl.col("rec").is_null() & (pl.col("_next_rne") != "S"))
        .then(pl.lit(CARE_CONTINUES))
        .otherwise(pl.col("rec"))
        .alias("rec"),
    ).drop("_next", "_next_rne")

    # 4. legal-status-only changes merged into the previous episode, on request
    if merge_legal_changes:
        joins = (
            pl.col("rne").is_in(LEGAL_ONLY_RNE)
            & (_prev("dec") == pl.col("decom"))
            & (_prev("rec") == CARE_CONTINUES)
        ).fill_null(False)
        ep = ep.with_columns(joins.alias("_joins")).with_columns(
            (~pl.col("_joins")).cum_sum().alias("_grp")
        )
        merged = ep.filter(pl.col("_joins"))
        if merged.height:
            out.append(events(merged, "LEGAL_CHANGE_MERGED", t, "RNE", pl.col("rne")))
        ep = (
            ep.with_columns(pl.col("dec").last().over("_grp"), pl.col("rec").last().over("_grp"))
            .filter(~pl.col("_joins"))
            .drop("_joins", "_grp")
        )
        ep = _mark_children(ep)

    # 5. flags and derived fields
    ep = ep.with_columns(
        pl.col("ls").is_in(SHORT_BREAK_LS).fill_null(False).alias("is_short_break"),
        pl.col("is_uasc").fill_null(False),
    )
    for flag, rule, col in (("is_short_break", "SHORT_BREAK", "LS"), ("is_uasc", "UASC", None)):
        hit = ep.filter(pl.col(flag))
        if hit.height:
            out.append(events(hit, rule, t, col))

    new_period = (
        ~pl.col("_same")
        | (pl.col("rne") == "S")
        | (_prev("dec") != pl.col("decom"))
        | (_prev("rec").fill_null("") != CARE_CONTINUES)
        | (_prev("is_short_break") != pl.col("is_short_break"))
    ).fill_null(True)
    ep = ep.with_columns(new_period.cum_sum().alias("_period"))  # global, so one integer key
    first_of_child = pl.when(~pl.col("_same")).then(pl.col("_period")).forward_fill()
    ep = ep.with_columns(
        (pl.col("_period") - first_of_child + 1).cast(pl.Int32).alias("period_id"),
        pl.col("decom").first().over("_period").alias("period_start"),
        pl.col("dec").last().over("_period").alias("period_end"),
        _age("decom").alias("age_at_start"),
        _age("dec").alias("age_at_end"),
    ).drop("_period", "_same", "_child")
    return Cleaned(ep, pl.concat(out))


def unverified_changes(years: list[int]) -> list[str]:
    """Code-list changes marked for checking that affect the years read."""
    seen: list[str] = []
    for y in sorted(set(years)):
        for item in spec_for_year(y).unverified:
            if item not in seen:
                seen.append(item)
    return seen
