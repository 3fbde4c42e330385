"""Run one collection year's DfE ruleset on a return: ``run_rules``."""

from __future__ import annotations

from collections.abc import Collection, Mapping

import polars as pl

from carecast.dferules.catalogue import RuleSpec, parse_year, rule_list, ruleset_year
from carecast.dferules.context import (
    ROW,
    Context,
    NeedsLookup,
    TableMissing,
    number_children,
    prepare_return,
)
from carecast.dferules.places import add_placement_geography
from carecast.dferules.registry import implementation
from carecast.dferules.result import EXAMPLES, FIRST_DATA_ROW, RuleOutcome, RulesResult


def run_rules(
    tables: Mapping[str, pl.DataFrame],
    collection_year: int | str,
    previous: Mapping[str, pl.DataFrame] | None = None,
    *,
    ruleset: int | None = None,
    only: Collection[str] | None = None,
    postcodes: pl.DataFrame | None = None,
    council_code: str | None = None,
) -> RulesResult:
    """Check a return (raw 903 tables, DfE column names, values as text) against the DfE rules.

    ``tables`` is keyed 'header', 'episodes', 'uasc', 'reviews', ... as ingest exposes them;
    ``previous`` is last year's return in the same form. ``ruleset`` picks a year's rule list
    (default: the collection year's own, else the nearest held); ``only`` runs just those
    codes (as a council re-checking the rules it has just corrected would). ``postcodes`` (see
    ``places.LOOKUP_COLUMNS``) and the council's upper-tier ``council_code`` let the rules that
    read the placement council and distance run. A rule carecast has no
    implementation for, or whose tables are missing, is reported ``checked=False`` with why.
    """
    collection_year = parse_year(collection_year)
    year = ruleset if ruleset is not None else ruleset_year(collection_year)
    if postcodes is not None:
        tables = _with_geography(tables, postcodes, council_code)
        previous = None if previous is None else _with_geography(previous, postcodes, council_code)
    this_year = prepare_return(tables)
    last_year = None if previous is None else prepare_return(previous)
    number_children(this_year, last_year)
    ctx = Context(
        tables=this_year,
        collection_year=collection_year,
        ruleset_year=year,
        previous=last_year,
        council_code=council_code,
        header_has_uasc="header" in tables and "UASC" in tables["header"].columns,
    )
    specs = [s for s in rule_list(year) if only is None or s.code in only]
    outcomes = tuple(_run_one(spec, year, ctx) for spec in specs)
    return RulesResult(collection_year=collection_year, ruleset_year=year, outcomes=outcomes)


def _with_geography(tables, postcodes: pl.DataFrame, council_code: str | None) -> dict:
    out = dict(tables)
    if out.get("episodes") is not None:
        out["episodes"] = add_placement_geography(out["episodes"], postcodes, council_code)
    return out


def _run_one(spec: RuleSpec, year: int, ctx: Context) -> RuleOutcome:
    impl = implementation(spec.code, year)
    if impl is None:
        return RuleOutcome(spec.code, spec.message, False, "not implemented in carecast yet")
    try:
        flags = impl.func(ctx)
    except TableMissing as missing:
        return RuleOutcome(spec.code, spec.message, False, missing.reason)
    except NeedsLookup as lookup:
        return RuleOutcome(spec.code, spec.message, False, f"needs {lookup.what}")
    except pl.exceptions.ColumnNotFoundError as missing:
        column = str(missing).split('"')[1] if '"' in str(missing) else "a column"
        return RuleOutcome(
            spec.code, spec.message, False, f"a table it reads has no {column} column"
        )
    return _outcome(spec, flags, ctx)


def _outcome(spec: RuleSpec, flags: dict[str, pl.Series], ctx: Context) -> RuleOutcome:
    rows: dict[str, int] = {}
    examples: dict[str, list[int]] = {}
    flagged: dict[str, pl.Series] = {}
    children: list[pl.Series] = []
    for table, found in flags.items():
        found = found.unique().sort()
        rows[table] = found.len()
        flagged[table] = found
        examples[table] = (found.head(EXAMPLES) + FIRST_DATA_ROW).to_list()
        frame = ctx.t(table)
        if found.len():
            children.append(frame["CHILD"].gather(found).drop_nulls())
    n_children = pl.concat(children).n_unique() if children else 0
    return RuleOutcome(spec.code, spec.message, True, None, rows, n_children, examples, flagged)


__all__ = ["run_rules", "ROW"]
