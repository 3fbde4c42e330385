"""Reports (tables, figures, metadata) for the commissioning commands, ready for write_report."""

from __future__ import annotations

import json

import plotly.graph_objects as go
import polars as pl

from carecast.market.directory import Directory, column_docs, export_frame
from carecast.market.matching import FILTERS, MatchResult
from carecast.market.riskpool import PoolData, PoolResult
from carecast.market.settings import PARTS
from carecast.outputs import Report, Section, run_metadata
from carecast.plumbing.quality import report_table
from carecast.privacy import SUPPRESSION_NOTE


def directory_report(directory: Directory, *, command: str, inputs: list) -> Report:
    """The directory in carecast's format (homes, feedback), its import issues and the column guide."""
    s = directory.summary()
    text = (
        f"{s['rows_read']} rows read, {s['homes_kept']} homes kept, {s['rows_rejected']} rows rejected, "
        f"{s['rows_repaired']} rows repaired ({s['issues']} issues listed with file, row, column and problem)."
    )
    return Report(
        title="Directory of provision",
        metadata=run_metadata(
            command=command,
            inputs=inputs,
            coverage={"homes": s["homes_kept"], "sources": s["sources"]},
        ),
        sections=[
            Section(
                "Homes",
                text,
                tables={"homes": export_frame(directory), "feedback": directory.feedback},
            ),
            Section(
                "Import issues",
                "Every row rejected or repaired, and why.",
                tables={
                    "issues": report_table(directory.issues),
                    "issue_counts": report_table(directory.issue_counts()),
                },
            ),
            Section(
                "Column guide",
                "The directory format's columns and the other names accepted for them.",
                tables={"columns": column_docs()},
            ),
        ],
        primary_table="homes",
        for_import=True,  # `directory import` reads the export back as it is
    )


def _payload(result: MatchResult) -> dict:
    r = result.referral
    return {
        "reference": r.reference,
        "council": r.council,
        "needed_by": r.needed_by.isoformat(),
        "urgency": r.urgency,
        "needs": r.needs,
        "homes_considered": result.homes_considered,
        "weights": result.weights,
        "weights_source": list(result.settings.sources),
        "filters": result.filters.to_dicts(),
        "shortlist": result.shortlist.to_dicts(),
        "excluded": [
            {**row, "excluded_by": row["excluded_by"].split(";")}
            for row in result.excluded.to_dicts()
        ],
        "questions_before_sending": result.questions,
        "notes": result.notes,
    }


def match_report(result: MatchResult, *, command: str, inputs: list) -> Report:
    """Shortlist (with each part's points), exclusions (named filters), funnel, weights, gaps in the referral."""
    r = result.referral
    weights = pl.DataFrame(
        {
            "part": list(PARTS),
            "weight": [result.weights[p] for p in PARTS],
            "configured_weight": [result.settings.weights[p] for p in PARTS],
        }
    )
    top = result.shortlist.head(15)
    fig = go.Figure()
    for p in PARTS:
        fig.add_bar(
            name=p.replace("_", " "),
            y=top["name"].fill_null(top["urn"]).to_list(),
            x=top[f"pts_{p}"].to_list(),
            orientation="h",
        )
    fig.update_layout(
        barmode="stack",
        title="Score of the best homes, by part (points out of 100)",
        yaxis={"autorange": "reversed"},
        height=200 + 25 * max(top.height, 1),
    )
    questions = pl.DataFrame(result.questions, schema={"field": pl.Utf8, "question": pl.Utf8})
    text = (
        f"{result.shortlist.height} of {result.homes_considered} homes pass every hard filter for referral "
        f"{r.reference or '(unrecorded)'} ({r.council}; needs: {', '.join(r.needs) or 'none'}; needed by {r.needed_by})."
    )
    return Report(
        title=f"Matching shortlist {r.reference or ''}".strip(),
        metadata=run_metadata(
            command=command,
            inputs=inputs,
            parameters={
                "weights": result.weights,
                "settings_sources": list(result.settings.sources),
                "filters": list(FILTERS),
            },
            coverage={"homes_considered": result.homes_considered},
        ),
        sections=[
            Section(
                "Shortlist",
                text,
                tables={"shortlist": result.shortlist},
                figures=[fig] if top.height else [],
                notes=[
                    *result.notes,
                    "score = sum of pts_<part>; pts = weight x part score (0-1) x 100.",
                ],
            ),
            Section(
                "Excluded homes",
                "Each home that failed a hard filter, the filters it failed, and why.",
                tables={"excluded": result.excluded, "filters": result.filters},
            ),
            Section(
                "Weights",
                "The weight each part of the score carried (configured in market/data/matching.yaml).",
                tables={"weights": weights},
            ),
            Section(
                "Before sending",
                "What a provider would still ask (LIIA 2022: thin referrals are refused).",
                tables={"questions": questions},
            ),
        ],
        payload=json.loads(json.dumps(_payload(result), default=str)),
        primary_table="shortlist",
    )


def unmet_report(
    tables: dict[str, pl.DataFrame], *, command: str, inputs: list, suppressed: bool, coverage: dict
) -> Report:
    notes = (
        [SUPPRESSION_NOTE]
        if suppressed
        else ["Small numbers are NOT suppressed: for the council's own use only."]
    )
    need = tables["by_need"]
    fig = go.Figure()
    if need.height:
        shown = need.with_columns(
            pl.col("unmet", "placed").cast(pl.Utf8)
        )  # suppressed counts ("c") are not plotted
        for col in ("unmet", "placed"):
            vals = [None if v in (None, "c") else float(v) for v in shown[col].to_list()]
            fig.add_bar(name=col, x=need["need"].to_list(), y=vals)
        fig.update_layout(
            barmode="group",
            title="Referrals by need: unmet and placed (suppressed counts not shown)",
        )
    return Report(
        title="Unmet need: referrals that found no home",
        metadata=run_metadata(
            command=command, inputs=inputs, coverage=coverage, parameters={"suppressed": suppressed}
        ),
        sections=[
            Section(
                "By need profile and month",
                "Unmet = no home passed the hard filters, every shortlisted home refused, or closed with no placement found.",
                tables={"by_profile_month": tables["by_profile_month"]},
                notes=notes,
            ),
            Section("By need", tables={"by_need": need}, figures=[fig] if need.height else []),
            Section("By placing council", tables={"by_council": tables["by_council"]}, notes=notes),
            Section(
                "Refusal reasons",
                "Referrals with at least one refusal for each reason.",
                tables={"refusal_reasons": tables["refusal_reasons"]},
            ),
            Section(
                "Which filter closed the door",
                "For referrals no home matched: the hard filter after which no home was left.",
                tables={"closing_filter": tables["closing_filter"]},
            ),
        ],
        primary_table="by_profile_month",
    )


def riskpool_report(
    result: PoolResult, data: PoolData, *, command: str, inputs: list, parameters: dict
) -> Report:
    table = result.summary()
    per = table.filter(pl.col("council") != "All councils")
    fig = go.Figure()
    fig.add_bar(
        name="95th percentile without pool",
        x=per["council"].to_list(),
        y=per["p95_cost_without_pool"].to_list(),
    )
    fig.add_bar(
        name="95th percentile with pool",
        x=per["council"].to_list(),
        y=per["p95_cost_with_pool"].to_list(),
    )
    fig.add_scatter(
        name="expected cost without pool",
        x=per["council"].to_list(),
        y=per["expected_cost_without_pool"].to_list(),
        mode="markers",
    )
    fig.update_layout(
        barmode="group",
        title="Annual very-high-cost placement spend per council (£)",
        yaxis_title="£ a year",
    )
    inputs_table = pl.DataFrame(
        {
            "council": data.councils,
            "expected_placements_per_year": data.rate,
            "past_use_cost_per_year": data.past_use,
            "contribution_share": result.shares,
        }
    )
    text = (
        f"{len(data.councils)} councils, {parameters['simulations']:,} simulated years, seed {result.seed}; "
        f"pool covers the {'whole cost' if result.cover == 'whole' else 'cost above the threshold'} of placements costing "
        f"£{result.threshold:,.0f} a week or more; contributions by {result.rule}."
    )
    return Report(
        title="Pooled risk for very-high-cost placements",
        metadata=run_metadata(
            command=command,
            inputs=inputs,
            parameters=parameters,
            seed=result.seed,
            coverage={"councils": data.councils, "years_observed": data.years_observed},
        ),
        sections=[
            Section(
                "With and without the pool",
                text,
                tables={"riskpool": table},
                figures=[fig],
                notes=[
                    *data.notes,
                    "Every simulated year conserves the group's total cost: the pool changes who pays and how much each bill swings.",
                ],
            ),
            Section("Inputs", tables={"inputs": inputs_table}),
        ],
        primary_table="riskpool",
    )
