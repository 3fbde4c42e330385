"""The DfE rules in carecast's reports: the ``dfe_rules`` JSON entries and a report section.

``add_dfe_rules`` is the one hook ingest's ``validate`` calls once it has the raw tables: it adds
a section listing every failed rule with example rows (HTML and Excel show it like any section)
and puts ``dfe_rules`` (one entry per rule of the year's ruleset) into the JSON document, so a
council can use the report as its pre-submission check.
"""

from __future__ import annotations

import polars as pl

from carecast.dferules.catalogue import year_label
from carecast.dferules.context import table_label
from carecast.dferules.result import RulesResult
from carecast.outputs.json_out import to_document
from carecast.outputs.report import Report, Section


def dfe_rules_entries(result: RulesResult) -> list[dict]:
    """One entry per rule: code, checked (and why not), rows flagged per table, children."""
    return [o.summary() for o in result.outcomes]


def failures_table(result: RulesResult) -> pl.DataFrame:
    """Each failed rule and table: the DfE message, rows and children flagged, example rows."""
    rows = [
        {
            "Rule": o.code,
            "Table": table_label(table),
            "Rows flagged": n,
            "Children flagged": o.children,
            "Example rows": ", ".join(map(str, o.examples.get(table, []))),
            "DfE message": o.message,
        }
        for o in result.failures
        for table, n in o.rows.items()
        if n
    ]
    schema = {
        "Rule": pl.String,
        "Table": pl.String,
        "Rows flagged": pl.Int64,
        "Children flagged": pl.Int64,
        "Example rows": pl.String,
        "DfE message": pl.String,
    }
    return pl.DataFrame(rows, schema=schema)


def rules_table(result: RulesResult) -> pl.DataFrame:
    """Every rule of the ruleset: checked or why not, and what it flagged."""
    frame = result.to_frame()
    return pl.DataFrame(
        {
            "Rule": frame["code"],
            "Checked": frame["checked"].replace_strict(
                {True: "yes", False: "no"}, return_dtype=pl.String
            ),
            "Why not checked": frame["reason"].fill_null(""),
            "Rows flagged": frame["rows"],
            "Children flagged": frame["children"],
            "DfE message": frame["message"],
        }
    )


def rules_section(result: RulesResult) -> Section:
    label = year_label(result.ruleset_year)
    failed = len(result.failures)
    text = (
        f"The DfE's {label} validation rules ({len(result.outcomes)} rules): carecast checked "
        f"{result.checked}, and {failed} found rows to correct before submission."
    )
    notes = [
        "Example rows are data rows in each table's file (row 1 is the first row under the "
        "column names); child ids are never shown.",
        "A rule is not checked when it needs last year's return, a table the return does not "
        "have, or a reference list (Ofsted providers, postcodes) carecast was not given.",
    ]
    if result.ruleset_year != result.collection_year:
        notes.append(
            f"No rule list is held for {year_label(result.collection_year)}; the {label} "
            "list was used."
        )
    return Section(
        f"DfE validation rules {label}",
        text=text,
        tables={"dfe_rule_failures": failures_table(result), "dfe_rules": rules_table(result)},
        notes=notes,
    )


def add_dfe_rules(report: Report, result: RulesResult) -> Report:
    """``report`` with the rules' section added and ``dfe_rules`` in its JSON document."""
    report.sections.append(rules_section(result))
    document = dict(report.payload) if report.payload is not None else to_document(report)
    document["dfe_rules"] = dfe_rules_entries(result)
    document["dfe_ruleset"] = {
        "year": year_label(result.ruleset_year),
        "rules": len(result.outcomes),
        "checked": result.checked,
        "failed": len(result.failures),
    }
    report.payload = document
    return report
