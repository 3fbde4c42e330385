"""``load_returns``: from a folder of SSDA903 returns to the cleaned episodes and children tables.

discover → gather (read, file checks) → validate (types, codes per year) → clean (drops,
duplicates, overlaps, merges, periods, ages) → classify (category, cost group) → geography
(when a postcode lookup is given) → privacy (when a key is given, after distances) → conform to
:data:`~carecast.schema.tables.EPISODE_COLUMNS` / :data:`~carecast.schema.tables.CHILDREN_COLUMNS`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import polars as pl

from carecast.ingest.clean import KEY, child_key, clean_children, clean_episodes, unverified_changes
from carecast.ingest.discover import discover
from carecast.ingest.gather import Progress, gather
from carecast.ingest.geo import add_geography
from carecast.ingest.quality import QualityReport, rule_ids
from carecast.ingest.validate import type_table
from carecast.privacy import dob_to_month, postcode_to_sector, pseudonymise_ids
from carecast.schema.categories import PlacementCategories, load_categories
from carecast.schema.tables import CHILDREN_COLUMNS, EPISODE_COLUMNS, conform
from carecast.schema.years import collection_year_bounds


@dataclass
class LoadResult:
    """The cleaned tables, what was done to get them, and what they cover.

    ``coverage``: ``councils`` (list), ``collection_years`` (council → sorted years),
    ``data_start`` / ``data_end`` (council → first / last day its returns cover).
    """

    episodes: pl.DataFrame
    children: pl.DataFrame
    quality: QualityReport
    coverage: dict[str, Any] = field(default_factory=dict)

    def __repr__(self) -> str:
        return (f"LoadResult({len(self.coverage.get('councils', []))} councils, "
                f"{self.children.height} children, {self.episodes.height} episodes)")


def _coverage(rows: pl.DataFrame) -> dict[str, Any]:
    years = rows.group_by("council").agg(pl.col("collection_year").unique().sort()).sort("council")
    cov: dict[str, Any] = {"councils": years["council"].to_list(), "collection_years": {},
                           "data_start": {}, "data_end": {}}
    for council, ys in years.iter_rows():
        cov["collection_years"][council] = ys
        cov["data_start"][council] = collection_year_bounds(min(ys))[0]
        cov["data_end"][council] = collection_year_bounds(max(ys))[1]
    return cov


def _repairs(episodes: pl.DataFrame, ev: pl.DataFrame) -> pl.DataFrame:
    """The ``repairs`` column: ';'-joined rule ids applied to or flagged on each kept row.

    Each rule is one bit, so a row's rules are one integer sum per row and the text is built
    once per distinct combination (a handful), not once per row.
    """
    soft = sorted(rule_ids("repaired", "flagged"))
    bit = {rule: 1 << i for i, rule in enumerate(soft)}
    per_row = (
        ev.filter(pl.col("uid").is_not_null(), pl.col("rule_id").is_in(soft))
        .select("uid", pl.col("rule_id").replace_strict(bit, return_dtype=pl.Int64).alias("bit"))
        .unique()
        .group_by("uid").agg(pl.col("bit").sum())
    )
    masks = per_row["bit"].unique().to_list()
    text = pl.DataFrame({"bit": masks, "repairs": [";".join(r for r in soft if m & bit[r]) for m in masks]},
                        schema={"bit": pl.Int64, "repairs": pl.Utf8})
    per_row = per_row.join(text, on="bit")
    return episodes.with_columns(  # a lookup, not a join: the other columns are not copied
        pl.col("uid").replace_strict(per_row["uid"], per_row["repairs"], default="", return_dtype=pl.Utf8)
        .alias("repairs"))


def _privacy(episodes: pl.DataFrame, children: pl.DataFrame, key: bytes) -> tuple[pl.DataFrame, pl.DataFrame]:
    """DOMAIN.md §7: keyed pseudonyms, DOB to month, postcodes to sector (after distances).

    Pseudonyms are computed once per child (on the children table) and looked up for episodes.
    """
    pseudo = pseudonymise_ids(children.select(*KEY, pl.col("child_id").alias("_orig")), key)
    lookup = pseudo.select(child_key(["council", "_orig"]).alias("k"), "child_id")
    episodes = dob_to_month(episodes.with_columns(
        child_key(KEY).replace_strict(lookup["k"], lookup["child_id"], return_dtype=pl.Utf8).alias("child_id"),
        postcode_to_sector(pl.col("home_post")).alias("home_post"),
        postcode_to_sector(pl.col("pl_post")).alias("pl_post"),
    ))
    children = dob_to_month(children.with_columns(
        child_key(KEY).replace_strict(lookup["k"], lookup["child_id"], return_dtype=pl.Utf8).alias("child_id")))
    return episodes, children


def load_returns(
    path: str | Path,
    *,
    council: str | None = None,
    postcodes: str | Path | None = None,
    pseudonymise_key: bytes | str | None = None,
    merge_legal_changes: bool = False,
    categories: str | Path | PlacementCategories | None = None,
    progress: Progress | None = None,
) -> LoadResult:
    """Load, validate and clean every SSDA903 return under ``path``.

    Parameters
    ----------
    path: a region folder (``DIR/<council>/<year>/``), a council folder (``DIR/<year>/``) or a manifest.
    council: the council, when the folder layout does not say (or to pick one from a region).
    postcodes: ONS Postcode Directory CSV; gives home_la, placement_la, distance_miles, in_area.
    pseudonymise_key: when given, child ids become keyed HMACs, DOBs months, postcodes sectors.
    merge_legal_changes: merge episodes that only change legal status (RNE L/U) into the one before.
    categories: placement categories YAML, or categories already loaded (default: the shipped ones).
    progress: ``progress(done, total, label)`` called as files are read.

    Raises :class:`~carecast.errors.InputError` when the input cannot be used at all.

    Example
    -------
    >>> res = load_returns("returns/")                      # doctest: +SKIP
    >>> res.quality.summary()                               # doctest: +SKIP
    """
    root = Path(path)
    # validate parameters before reading anything
    cats = categories if isinstance(categories, PlacementCategories) else load_categories(categories)
    files = discover(root, council)
    got = gather(files, root, progress)
    typed = {}
    all_events = [got.events]
    for table in list(got.tables):  # pop as we go: the raw text is not needed once typed
        typed[table], ev = type_table(got.tables.pop(table), table)
        all_events.append(ev)
    header = typed.pop("header")
    header_keys = header.select("council", pl.col("CHILD").alias("child_id"), "collection_year").unique()
    children, ev = clean_children(header, typed.pop("uasc"))
    all_events.append(ev)
    del header
    res = clean_episodes(typed.pop("episodes"), children, header_keys, merge_legal_changes=merge_legal_changes)
    all_events.append(res.events)
    episodes = cats.classify(res.episodes)
    if postcodes is not None:
        episodes, ev = add_geography(episodes, postcodes)
        all_events.append(ev)
    coverage = _coverage(got.rows)
    episodes = episodes.with_columns(pl.col("council").replace_strict(
        coverage["data_end"], default=None, return_dtype=pl.Date).alias("data_end"))

    events = pl.concat(all_events, how="vertical")
    kept_uids = episodes.select("uid")
    episodes = _repairs(episodes, events)
    kept = episodes.group_by("council", "collection_year").agg(pl.len().cast(pl.Int64).alias("kept"))

    # every child with an episode is a child, header row or not
    only_eps = episodes.select(KEY).unique().join(children, on=KEY, how="anti").with_columns(
        pl.lit(False).alias("is_uasc"))
    children = pl.concat([children, only_eps], how="diagonal_relaxed").sort(KEY)
    if pseudonymise_key is not None:
        key = pseudonymise_key.encode() if isinstance(pseudonymise_key, str) else pseudonymise_key
        episodes, children = _privacy(episodes, children, key)

    quality = QualityReport(events=events, rows=got.rows, kept=kept, kept_uids=kept_uids,
                            unverified_codes=unverified_changes(got.rows["collection_year"].to_list()))
    episodes = conform(episodes.sort(["council", "child_id", "decom"]), EPISODE_COLUMNS)
    return LoadResult(episodes=episodes, children=conform(children, CHILDREN_COLUMNS),
                      quality=quality, coverage=coverage)
