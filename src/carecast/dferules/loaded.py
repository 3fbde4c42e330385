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
from carecast.dferules.context import ROW, TABLES
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
        out.extend(_split(result, this_year, council, council in with_last) for council in councils)
    return sorted(out, key=lambda r: (r.council or "", r.collection_year))


def _split(result: RulesResult, tables: dict, council: str, has_last: bool) -> RulesResult:
    """One council's share of a result over all councils' returns of a year."""
    needs_last = {r.code for r in rule_list(result.ruleset_year) if r.needs_previous}
    outcomes = []
    for o in result.outcomes:
        if not o.checked:
            outcomes.append(o)
        elif o.code in needs_last and not has_last:
            reason = "needs last year's return, which was not loaded for this council"
            outcomes.append(RuleOutcome(o.code, o.message, False, reason))
        else:
            outcomes.append(_council_outcome(o, tables, council))
    return replace(result, outcomes=tuple(outcomes), council=council)


def _council_outcome(o: RuleOutcome, tables: dict, council: str) -> RuleOutcome:
    rows, examples, flagged, children = {}, {}, {}, []
    for table, found in o.flagged.items():
        frame = tables[table].with_row_index(ROW).filter(pl.col("council") == council)
        hit = frame.filter(pl.col(ROW).is_in(found.implode()))
        rows[table] = hit.height
        flagged[table] = hit["source_row"]
        examples[table] = hit["source_row"].sort().head(EXAMPLES).to_list()
        children.append(hit["CHILD"])
    n_children = pl.concat(children).n_unique() if children else 0
    return RuleOutcome(o.code, o.message, True, None, rows, n_children, examples, flagged)
