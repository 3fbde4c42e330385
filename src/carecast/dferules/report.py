"""The DfE rules in carecast's reports: the ``dfe_rules`` JSON entries and a report section.

``add_dfe_rules`` is the one hook ingest's ``validate`` calls: it adds a section listing every
failed rule with example rows (HTML and Excel show it like any section) and puts ``dfe_rules``
(one entry per rule of each checked return's ruleset) into the JSON document, so a council can
use the report as its pre-submission check.
"""

from __future__ import annotations

from collections.abc import Sequence

import polars as pl

from carecast.dferules.catalogue import year_label
from carecast.dferules.context import table_label
from carecast.dferules.result import RulesResult
from carecast.outputs.json_out import to_document
from carecast.outputs.report import Report, Section

FAILURE_SCHEMA = {
    "Council": pl.String,
    "Year": pl.String,
    "Rule": pl.String,
    "Table": pl.String,
    "Rows flagged": pl.Int64,
    "Children flagged": pl.Int64,
    "Example rows": pl.String,
    "DfE message": pl.String,
}


def dfe_rules_entries(result: RulesResult) -> list[dict]:
    """One entry per rule: code, checked (and why not), rows flagged per table, children; with
    the council and collection year when known."""
    where = {"collection_year": result.collection_year}
    if result.council is not None:
        where = {"council": result.council, **where}
    return [{**o.summary(), **where} for o in result.outcomes]


def failures_table(results: Sequence[RulesResult]) -> pl.DataFrame:
    """Each failed rule and table of each return: rows and children flagged, example rows."""
    rows = [
        {
            "Council": r.council or "",
            "Year": year_label(r.collection_year),
            "Rule": o.code,
            "Table": table_label(table),
            "Rows flagged": n,
            "Children flagged": o.children,
            "Example rows": ", ".join(map(str, o.examples.get(table, []))),
            "DfE message": o.message,
        }
        for r in results
        for o in r.failures
        for table, n in o.rows.items()
        if n
    ]
    frame = pl.DataFrame(rows, schema=FAILURE_SCHEMA)
    return frame if any(r.council for r in results) else frame.drop("Council")


def rules_table(result: RulesResult) -> pl.DataFrame:
    """Every rule of the ruleset: checked or why not, and what it flagged."""
    frame = result.to_frame()
    checked = frame["checked"].replace_strict({True: "yes", False: "no"}, return_dtype=pl.String)
    return pl.DataFrame(
        {
            "Rule": frame["code"],
            "Checked": checked,
            "Why not checked": frame["reason"].fill_null(""),
            "Rows flagged": frame["rows"],
            "Children flagged": frame["children"],
            "DfE message": frame["message"],
        }
    )


def returns_table(results: Sequence[RulesResult]) -> pl.DataFrame:
    """One line per return checked: its ruleset, rules checked and rules failed."""
    return pl.DataFrame(
        {
            "Council": [r.council or "" for r in results],
            "Year": [year_label(r.collection_year) for r in results],
            "Rule list": [year_label(r.ruleset_year) for r in results],
            "Rules checked": [r.checked for r in results],
            "Rules failed": [len(r.failures) for r in results],
        }
    )


def rules_section(results: Sequence[RulesResult]) -> Section:
    labels = sorted({year_label(r.ruleset_year) for r in results})
    failed = sum(len(r.failures) for r in results)
    text = (
        f"The DfE's validation rules ({', '.join(labels)}) on {len(results)} return(s): "
        f"{failed} rule(s) found rows to correct before submission."
    )
    notes = [
        "Example rows are rows of each table's file (row 1 is the column names, as in Excel); "
        "child ids are never shown.",
        "A rule is not checked when it needs last year's return, a table the return does not "
        "have, or a reference list (Ofsted providers, postcodes) carecast was not given.",
    ]
    stale = sorted(
        {year_label(r.collection_year) for r in results if r.ruleset_year != r.collection_year}
    )
    if stale:
        notes.append(f"No rule list is held for {', '.join(stale)}; the nearest year's was used.")
    tables = {"dfe_rule_failures": failures_table(results)}
    if len(results) == 1:
        tables["dfe_rules"] = rules_table(results[0])
    else:
        tables["dfe_rule_returns"] = returns_table(results)
    return Section("DfE validation rules", text=text, tables=tables, notes=notes)


def add_dfe_rules(report: Report, results: RulesResult | Sequence[RulesResult]) -> Report:
    """``report`` with the rules' section added and ``dfe_rules`` in its JSON document."""
    results = [results] if isinstance(results, RulesResult) else list(results)
    if not results:
        return report
    report.sections.append(rules_section(results))
    document = dict(report.payload) if report.payload is not None else to_document(report)
    document["dfe_rules"] = [e for r in results for e in dfe_rules_entries(r)]
    document["dfe_ruleset"] = [
        {
            "council": r.council,
            "collection_year": r.collection_year,
            "ruleset": year_label(r.ruleset_year),
            "rules": len(r.outcomes),
            "checked": r.checked,
            "failed": len(r.failures),
        }
        for r in results
    ]
    report.payload = document
    return report
