"""Small-number suppression that cannot be undone by subtraction.

``carecast.privacy.suppress_small`` hides counts 1-4 (primary suppression). A published table also
shows totals, so a lone hidden cell can be recovered: with 38 places, 36 vacant and "c" used, the
"c" is 2. Each table therefore declares its additive relations (:class:`Relation`: a total and
the parts that add up to it, within a row or across the rows of a group). Wherever a relation has
exactly one unknown cell, the smallest other non-zero part is hidden as well (secondary
suppression); a hidden total counts as an unknown too. An incomplete relation (parts that do not cover the total, e.g. boys within all
children) has an unshown remainder, which is itself derivable; when that remainder is small the
smallest part is hidden too. Relations are re-checked until nothing changes.
"""

from __future__ import annotations

from dataclasses import dataclass

import polars as pl

from carecast.privacy import SUPPRESSED, suppress_small


@dataclass(frozen=True)
class Relation:
    """``total`` = sum of ``parts`` (plus an unshown remainder when not ``complete``).

    Row-wise when ``by`` is None: ``parts`` are columns of the same row. Otherwise ``parts`` is one
    column whose rows (those matching ``rows``) within each ``by`` group add up to ``total``.
    """

    total: str
    parts: tuple[str, ...]
    complete: bool = True
    by: tuple[str, ...] | None = None
    rows: pl.Expr | None = None


def _small(col: str, threshold: int) -> pl.Expr:
    return (pl.col(col) > 0) & (pl.col(col) < threshold)


def _hide_name(col: str) -> str:
    return f"__hidden_{col}"


def _total_hidden(frame: pl.DataFrame, rel: Relation) -> pl.Expr:
    """1 where the relation's total is itself a hidden count (one more unknown), else 0."""
    name = _hide_name(rel.total)
    return pl.col(name).cast(pl.Int32) if name in frame.columns else pl.lit(0, dtype=pl.Int32)


def _row_pass(frame: pl.DataFrame, rel: Relation, threshold: int) -> pl.DataFrame:
    hidden = [pl.col(_hide_name(p)) for p in rel.parts]
    n_hidden = pl.sum_horizontal([h.cast(pl.Int32) for h in hidden]) + _total_hidden(frame, rel)
    remainder = pl.col(rel.total) - pl.sum_horizontal([pl.col(p) for p in rel.parts])
    exposed = (n_hidden == 1) if rel.complete else ((n_hidden == 0) & (remainder > 0) & (remainder < threshold))
    eligible = {p: (~pl.col(_hide_name(p))) & (pl.col(p) > 0) for p in rel.parts}
    smallest = pl.min_horizontal([pl.when(eligible[p]).then(pl.col(p)) for p in rel.parts])
    return frame.with_columns(
        (pl.col(_hide_name(p)) | (exposed & eligible[p] & (pl.col(p) == smallest))).alias(_hide_name(p))
        for p in rel.parts
    )


def _group_pass(frame: pl.DataFrame, rel: Relation, threshold: int) -> pl.DataFrame:
    (part,) = rel.parts
    by = list(rel.by or ())
    member = rel.rows if rel.rows is not None else pl.lit(True)
    hidden = pl.col(_hide_name(part)) & member
    n_hidden = hidden.cast(pl.Int32).sum().over(by) + _total_hidden(frame, rel).max().over(by)
    remainder = pl.col(rel.total) - pl.when(member).then(pl.col(part)).otherwise(0).sum().over(by)
    exposed = (n_hidden == 1) if rel.complete else ((n_hidden == 0) & (remainder > 0) & (remainder < threshold))
    eligible = member & ~pl.col(_hide_name(part)) & (pl.col(part) > 0)
    smallest = pl.when(eligible).then(pl.col(part)).min().over(by)
    return frame.with_columns(
        (pl.col(_hide_name(part)) | (exposed & eligible & (pl.col(part) == smallest))).alias(_hide_name(part)))


def suppress_table(frame: pl.DataFrame, counts: list[str], shares: dict[str, str], relations: list[Relation],
                   threshold: int) -> pl.DataFrame:
    """``frame`` with counts 1..threshold-1 and every count they could be derived from shown as "c"."""
    marked = frame.with_columns(_small(c, threshold).fill_null(False).alias(_hide_name(c)) for c in counts)
    for _ in range(len(counts) + 1):
        before = marked.select(pl.sum_horizontal(pl.col(_hide_name(c)) for c in counts).sum()).item()
        for rel in relations:
            marked = _group_pass(marked, rel, threshold) if rel.by is not None else _row_pass(marked, rel, threshold)
        if marked.select(pl.sum_horizontal(pl.col(_hide_name(c)) for c in counts).sum()).item() == before:
            break
    # only columns with a hidden cell become text; the rest stay numbers (for Excel and charts)
    hit = [c for c in counts if marked.get_column(_hide_name(c)).any()]
    hit_shares = {s: c for s, c in shares.items() if c in hit}
    shown = suppress_small(frame, hit, hit_shares, threshold=threshold).with_columns(
        marked.get_column(_hide_name(c)) for c in hit)
    hide = {c: _hide_name(c) for c in hit} | {share: _hide_name(count) for share, count in hit_shares.items()}
    return shown.with_columns(
        pl.when(pl.col(flag)).then(pl.lit(SUPPRESSED)).otherwise(pl.col(col)).alias(col) for col, flag in hide.items()
    ).drop(_hide_name(c) for c in hit)
