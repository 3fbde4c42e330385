"""Checks across tables and returns that no single row shows, each recorded as flagged events.

* **PLACE_DIFFERS_BETWEEN_RETURNS**: the same episode (council, child, start) has a different
  placement code in two returns. The cleaner keeps the latest return's copy; the analyst should know
  the placement was rewritten, because the older figures used the other code.
* **UASC_NOT_IN_HEADER**: a UASC row for a child the same return's header does not list.
* **HEADER_WITHOUT_EPISODES**: a header child with no episode in the same return (the DfE's own
  validator flags these too).
* **LEADING_ZERO_ID**: two ids of one council that differ only by leading zeros ("007" and "7"),
  usually a spreadsheet dropping zeros on one export. They are kept as two children, as given, and
  flagged on every row that carries one of them, so the analyst decides.

Every check is a join or group-by over the whole table (no per-row Python).
"""

from __future__ import annotations

import polars as pl

from carecast.ingest.quality import empty_events, events

RETURN = ["council", "CHILD", "collection_year"]


def place_conflicts(episodes: pl.DataFrame) -> pl.DataFrame:
    """Episode rows whose PLACE differs from the same episode's PLACE in an earlier return."""
    ep = episodes.filter(pl.col("CHILD").is_not_null(), pl.col("DECOM").is_not_null())
    firsts = (
        ep.sort("collection_year", "source_row")
        .group_by("council", "CHILD", "DECOM")
        .agg(
            pl.col("PLACE").drop_nulls().first().alias("_first"),
            pl.col("PLACE").drop_nulls().n_unique().alias("_n"),
            pl.col("collection_year").min().alias("_y0"),
        )
    )
    hit = ep.join(firsts.filter(pl.col("_n") > 1), on=["council", "CHILD", "DECOM"]).filter(
        pl.col("collection_year") > pl.col("_y0"), pl.col("PLACE") != pl.col("_first")
    )
    if hit.is_empty():
        return empty_events()
    change = (
        pl.col("_first")
        + pl.lit(" in ")
        + pl.col("_y0").cast(pl.Utf8)
        + pl.lit(", now ")
        + pl.col("PLACE")
    )
    return events(hit, "PLACE_DIFFERS_BETWEEN_RETURNS", "episodes", "PLACE", change)


def _missing_from(rows: pl.DataFrame, other: pl.DataFrame) -> pl.DataFrame:
    """Rows of ``rows`` whose child is not in ``other`` in the same return."""
    keys = other.select(RETURN).drop_nulls().unique()
    return rows.filter(pl.col("CHILD").is_not_null()).join(keys, on=RETURN, how="anti")


def unmatched_children(
    header: pl.DataFrame, episodes: pl.DataFrame, uasc: pl.DataFrame
) -> pl.DataFrame:
    """UASC rows with no header row, and header rows with no episode, in the same return."""
    out = [empty_events()]
    for rows, other, rule, table in (
        (uasc, header, "UASC_NOT_IN_HEADER", "uasc"),
        (header, episodes, "HEADER_WITHOUT_EPISODES", "header"),
    ):
        hit = _missing_from(rows, other)
        if hit.height:
            out.append(events(hit, rule, table, "CHILD"))
    return pl.concat(out)


def leading_zero_ids(tables: dict[str, pl.DataFrame]) -> pl.DataFrame:
    """Rows (of header, episodes, UASC) whose id clashes with another id of the council once
    leading zeros are removed."""
    stripped = pl.col("CHILD").str.strip_chars_start("0")
    ids = pl.concat([t.select("council", "CHILD") for t in tables.values()]).drop_nulls().unique()
    clash = (
        ids.with_columns(stripped.alias("_bare"))
        .filter(pl.col("CHILD").n_unique().over("council", "_bare") > 1)
        .select("council", "CHILD")
    )
    out = [empty_events()]
    if clash.is_empty():
        return out[0]
    for name, frame in tables.items():
        hit = frame.join(clash, on=["council", "CHILD"], how="semi")
        if hit.height:
            out.append(events(hit, "LEADING_ZERO_ID", name, "CHILD"))
    return pl.concat(out)
