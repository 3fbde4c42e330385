"""The DfE rules on every return ingest has loaded (``LoadResult.raw``), one result per return.

Calling ``run_rules`` once per council and year costs its fixed overhead (some 300 rules) each
time, which for England's 150 councils x 10 years is minutes. So each collection year's returns
of all councils are checked together, children told apart by council, and the outcomes split
back by council. A council whose previous year's return was not loaded gets the rules that need
it reported unchecked, as a lone return would.
"""

from __future__ import annotations

from dataclasses import replace

import polars as pl

from carecast.dferules.catalogue import rule_list
from carecast.dferules.context import TABLES
from carecast.dferules.engine import run_rules
from carecast.dferules.result import EXAMPLES, RuleOutcome, RulesResult

SEPARATOR = "\x1f"  # between council and child id, never in either


def _year_tables(raw: dict[str, pl.DataFrame], year: int) -> dict[str, pl.DataFrame]:
    tagged = pl.col("council") + pl.lit(SEPARATOR) + pl.col("CHILD")
    return {
        t: raw[t].filter(pl.col("collection_year") == year).with_columns(tagged.alias("CHILD"))
        for t in TABLES
        if t in raw
    }


def check_loaded_returns(raw: dict[str, pl.DataFrame]) -> list[RulesResult]:
    """One RulesResult per (council, collection year) in ``raw`` (ingest's raw tables with their
    ``council``, ``collection_year`` and ``source_row`` columns), in council and year order."""
    header = raw.get("header")
    if header is None or header.is_empty():
        return []
    present = header.select("council", "collection_year").unique()
    out: list[RulesResult] = []
    for year in sorted(present["collection_year"].unique().to_list()):
        this_year = _year_tables(raw, year)
        with_last = set(present.filter(pl.col("collection_year") == year - 1)["council"])
        previous = _year_tables(raw, year - 1) if with_last else None
        result = run_rules(this_year, year, previous)
        councils = sorted(present.filter(pl.col("collection_year") == year)["council"])
        out.extend(_split(result, this_year, councils, with_last))
    return sorted(out, key=lambda r: (r.council or "", r.collection_year))


def _split(
    result: RulesResult, tables: dict, councils: list[str], with_last: set[str]
) -> list[RulesResult]:
    """Each council's share of a result over all councils' returns of a year."""
    needs_last = {r.code for r in rule_list(result.ruleset_year) if r.needs_previous}
    no_last = "needs last year's return, which was not loaded for this council"
    shares: dict[str, list[RuleOutcome]] = {c: [] for c in councils}
    for o in result.outcomes:
        split = _by_council(o, tables) if o.checked else {}
        for council in councils:
            if not o.checked:
                shares[council].append(o)
            elif o.code in needs_last and council not in with_last:
                shares[council].append(RuleOutcome(o.code, o.message, False, no_last))
            else:
                shares[council].append(split.get(council) or _clean(o, o.flagged))
    return [replace(result, outcomes=tuple(shares[c]), council=c) for c in councils]


def _clean(o: RuleOutcome, tables: dict) -> RuleOutcome:
    """The outcome of a council with nothing flagged by this rule."""
    empty = {t: 0 for t in tables}
    return RuleOutcome(o.code, o.message, True, None, empty, 0, {t: [] for t in tables}, {})


def _by_council(o: RuleOutcome, tables: dict) -> dict[str, RuleOutcome]:
    """The flagged rows of one rule grouped by council: one group-by per table, not a filter per
    council (England has 150)."""
    hits = [
        tables[table]
        .select("council", "CHILD", "source_row")[found]
        .with_columns(pl.lit(table).alias("_table"))
        for table, found in o.flagged.items()
        if found.len()
    ]
    if not hits:
        return {}
    hit = pl.concat(hits)
    per_table = hit.group_by("council", "_table").agg(
        pl.len().alias("_n"), pl.col("source_row").sort().alias("_rows")
    )
    children = dict(hit.group_by("council").agg(pl.col("CHILD").n_unique()).iter_rows())
    out: dict[str, RuleOutcome] = {}
    for council, table, n, source_rows in per_table.iter_rows():
        share = out.get(council) or _clean(o, o.flagged)
        share.rows[table] = n
        share.examples[table] = source_rows[:EXAMPLES]
        share.flagged[table] = pl.Series("source_row", source_rows)
        out[council] = share
    for council, share in out.items():
        out[council] = replace(share, children=children[council])
    return out
