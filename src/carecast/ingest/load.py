"""``load_returns``: from a folder of SSDA903 returns to the cleaned episodes and children tables.

discover → gather (read, recognise tables, file checks) → validate (types, codes per year) →
cross-checks (between tables and returns) → clean (drops, duplicates, overlaps, merges, periods,
ages) → classify (category, cost group) → geography (the lookup given, one beside the returns, or
the ONS directory) → privacy (when a key is given, after distances) → conform to :data:`~carecast.schema.tables.EPISODE_COLUMNS` / ``CHILDREN_COLUMNS``.

The raw tables (the contract with the DfE validation rules)
-----------------------------------------------------------
``LoadResult.raw`` is ``dict[str, pl.DataFrame]`` keyed by every table of the return, always all
eleven: ``header``, ``episodes``, ``uasc``, ``reviews``, ``missing``, ``oc2``, ``oc3``, ``ad1``,
``placed_for_adoption``, ``previous_permanence``, ``sw_episodes`` (an absent table is an empty
frame). Each has the DfE's CSV column names (as in the DfE validator's fake return, e.g. PLACE not
PL, CHILD not CHILDID, whatever the file's format), every value a string as read (trimmed only
where the format needs it; blank cells null), and the loader's columns ``uid``, ``council``,
``collection_year`` (Int32, numbered by the year the return ends: 2025 is 2024-25),
``source_file`` and ``source_row``. :meth:`LoadResult.return_tables` gives one return's tables
with only the DfE columns. The raw tables hold child identifiers as read, also when the cleaned
tables are pseudonymised: they are for checks in memory and are never written out.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

import polars as pl

from carecast.ingest.clean import (
    KEY,
    child_key,
    clean_children,
    clean_episodes,
    clean_other_table,
    unverified_changes,
)
from carecast.ingest.crosscheck import leading_zero_ids, place_conflicts, unmatched_children
from carecast.ingest.discover import discover
from carecast.ingest.gather import Progress, gather
from carecast.ingest.geo import add_geography
from carecast.ingest.quality import QualityReport, rule_ids
from carecast.ingest.validate import type_table
from carecast.plumbing.geo import PostcodeDirectory, choose_lookup, open_lookup
from carecast.privacy import dob_to_month, postcode_to_sector, pseudonymise_ids
from carecast.schema.categories import PlacementCategories, load_categories
from carecast.schema.ssda903 import OTHER_TABLES, TABLES, table_spec
from carecast.schema.tables import CHILDREN_COLUMNS, EPISODE_COLUMNS, conform
from carecast.schema.years import collection_year_bounds


@dataclass
class LoadResult:
    """The cleaned tables, what was done to get them, and what they cover.

    ``coverage``: ``councils`` (list), ``collection_years`` (council → sorted years),
    ``data_start`` / ``data_end`` (council → first / last day its returns cover).
    ``tables``: the other 903 tables, cleaned (typed dates, tidied codes, lower-case column names,
    ``child_id``), keyed like ``raw``: reviews, missing, oc2, oc3, ad1, placed_for_adoption,
    previous_permanence, sw_episodes. ``raw``: every table as read (see the module docstring).
    """

    episodes: pl.DataFrame
    children: pl.DataFrame
    quality: QualityReport
    coverage: dict[str, Any] = field(default_factory=dict)
    tables: dict[str, pl.DataFrame] = field(default_factory=dict)
    raw: dict[str, pl.DataFrame] = field(default_factory=dict)

    def return_tables(self, council: str, year: int) -> dict[str, pl.DataFrame]:
        """One return's raw tables (DfE column names, text), for checks that take one return."""
        return {
            t: frame.filter(pl.col("council") == council, pl.col("collection_year") == year).select(
                list(table_spec(t).columns)
            )
            for t, frame in self.raw.items()
        }

    def __repr__(self) -> str:
        return (
            f"LoadResult({len(self.coverage.get('councils', []))} councils, "
            f"{self.children.height} children, {self.episodes.height} episodes)"
        )


def _postcodes(
    root: Path, given: str | Path | PostcodeDirectory | None
) -> tuple[PostcodeDirectory | None, dict[str, Any]]:
    """The lookup to use (see :func:`carecast.plumbing.geo.choose_lookup`) and what to say about it."""
    if isinstance(given, PostcodeDirectory):
        return given, {
            "source": given.source,
            "note": f"Postcodes located with {given.source}",
            "rows_left_out": _left_out(given),
        }
    choice = choose_lookup(root, given)
    directory = open_lookup(choice, need_area=True)
    return directory, {
        "source": directory.source if directory else None,
        "note": choice.note,
        "rows_left_out": _left_out(directory) if directory else {},
    }


def _left_out(directory: PostcodeDirectory) -> dict[str, int]:
    """Rows of the lookup left out, by rule (malformed postcode, outside the UK, bad area code)."""
    counts = directory.issues.group_by("rule").agg(pl.col("count").sum()).sort("rule")
    return dict(counts.iter_rows())


def _coverage(rows: pl.DataFrame) -> dict[str, Any]:
    years = rows.group_by("council").agg(pl.col("collection_year").unique().sort()).sort("council")
    cov: dict[str, Any] = {
        "councils": years["council"].to_list(),
        "collection_years": {},
        "data_start": {},
        "data_end": {},
    }
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
        .group_by("uid")
        .agg(pl.col("bit").sum())
    )
    masks = per_row["bit"].unique().to_list()
    text = pl.DataFrame(
        {"bit": masks, "repairs": [";".join(r for r in soft if m & bit[r]) for m in masks]},
        schema={"bit": pl.Int64, "repairs": pl.Utf8},
    )
    per_row = per_row.join(text, on="bit")
    return episodes.with_columns(  # a lookup, not a join: the other columns are not copied
        pl.col("uid")
        .replace_strict(per_row["uid"], per_row["repairs"], default="", return_dtype=pl.Utf8)
        .alias("repairs")
    )


def _privacy(
    episodes: pl.DataFrame, children: pl.DataFrame, others: dict[str, pl.DataFrame], key: bytes
) -> tuple[pl.DataFrame, pl.DataFrame, dict[str, pl.DataFrame]]:
    """DOMAIN.md §7: keyed pseudonyms, DOB to month, postcodes to sector (after distances).

    Pseudonyms are computed once per child (on the children table) and looked up for episodes
    and the other tables (a child found only in another table gets its own pseudonym there).
    """
    pseudo = pseudonymise_ids(children.select(*KEY, pl.col("child_id").alias("_orig")), key)
    lookup = pseudo.select(child_key(["council", "_orig"]).alias("k"), "child_id")
    pseudonym = (
        child_key(KEY)
        .replace_strict(lookup["k"], lookup["child_id"], default=None, return_dtype=pl.Utf8)
        .alias("child_id")
    )
    episodes = dob_to_month(
        episodes.with_columns(
            pseudonym,
            postcode_to_sector(pl.col("home_post")).alias("home_post"),
            postcode_to_sector(pl.col("pl_post")).alias("pl_post"),
        )
    )
    children = dob_to_month(children.with_columns(pseudonym))
    out = {}
    for name, frame in others.items():
        frame = pseudonymise_ids(frame, key)
        out[name] = dob_to_month(frame) if "dob" in frame.columns else frame
    return episodes, children, out


def load_returns(
    path: str | Path,
    *,
    council: str | None = None,
    year: int | None = None,
    postcodes: str | Path | PostcodeDirectory | Literal[False] | None = None,
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
    year: the collection year of a return folder or single file (else its latest episode start's).
    postcodes: a postcode lookup (ONSPD/NSPL extract); by default ``postcodes.csv`` beside the
        returns (or one level up), else the ONS directory carecast ships with; ``False`` for none.
        Gives home_la, placement_la, distance_miles, in_area; ``coverage["postcodes"]`` says
        which lookup was used and how many of its rows were left out.
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
    cats = (
        categories if isinstance(categories, PlacementCategories) else load_categories(categories)
    )
    files = discover(root, council, year)
    got = gather(files, root, progress)
    raw = dict(got.tables)  # Polars frames share their buffers: typing copies only what it changes
    typed = {}
    all_events = [got.events]
    for table in TABLES:
        typed[table], ev = type_table(got.tables.pop(table), table)
        all_events.append(ev)
    all_events += [
        place_conflicts(typed["episodes"]),
        unmatched_children(typed["header"], typed["episodes"], typed["uasc"]),
        leading_zero_ids({t: typed[t] for t in ("header", "episodes", "uasc")}),
    ]
    others = {}
    for table in OTHER_TABLES:
        others[table], ev = clean_other_table(typed.pop(table), table)
        all_events.append(ev)
    header = typed.pop("header")
    header_keys = header.select(
        "council", pl.col("CHILD").alias("child_id"), "collection_year"
    ).unique()
    children, ev = clean_children(header, typed.pop("uasc"))
    all_events.append(ev)
    del header
    res = clean_episodes(
        typed.pop("episodes"), children, header_keys, merge_legal_changes=merge_legal_changes
    )
    all_events.append(res.events)
    episodes = cats.classify(res.episodes)
    coverage = _coverage(got.rows)
    has_postcodes = episodes.select(
        pl.any_horizontal(pl.col("home_post", "pl_post").is_not_null()).any()
    ).item()
    if postcodes is not False and (has_postcodes or postcodes is not None):
        directory, coverage["postcodes"] = _postcodes(root, postcodes)
        if directory is not None:
            episodes, ev = add_geography(episodes, directory)
            all_events.append(ev)
    episodes = episodes.with_columns(
        pl.col("council")
        .replace_strict(coverage["data_end"], default=None, return_dtype=pl.Date)
        .alias("data_end")
    )

    events = pl.concat(all_events, how="vertical")
    kept_uids = episodes.select("uid")
    episodes = _repairs(episodes, events)
    kept = episodes.group_by("council", "collection_year").agg(
        pl.len().cast(pl.Int64).alias("kept")
    )

    # every child with an episode is a child, header row or not
    only_eps = (
        episodes.select(KEY)
        .unique()
        .join(children, on=KEY, how="anti")
        .with_columns(pl.lit(False).alias("is_uasc"))
    )
    children = pl.concat([children, only_eps], how="diagonal_relaxed").sort(KEY)
    if pseudonymise_key is not None:
        key = pseudonymise_key.encode() if isinstance(pseudonymise_key, str) else pseudonymise_key
        episodes, children, others = _privacy(episodes, children, others, key)

    quality = QualityReport(
        events=events,
        rows=got.rows,
        kept=kept,
        kept_uids=kept_uids,
        unverified_codes=unverified_changes(got.rows["collection_year"].to_list()),
        unread=got.unread,
    )
    episodes = conform(episodes.sort(["council", "child_id", "decom"]), EPISODE_COLUMNS)
    return LoadResult(
        episodes=episodes,
        children=conform(children, CHILDREN_COLUMNS),
        quality=quality,
        coverage=coverage,
        tables=others,
        raw=raw,
    )
