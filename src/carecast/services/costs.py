"""``run_costs``: what placements cost by financial year, from cleaned episodes priced at the unit
costs (``carecast costs actual`` and the web Costs page)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import polars as pl

from carecast.costs import ActualCosts, actual_costs, default_cost_mix, derive_cost_mix
from carecast.costs.actual_report import actual_cost_report
from carecast.logs import job_logged
from carecast.outputs import Report, run_metadata
from carecast.services.base import Progress, Request, quiet
from carecast.services.forecast import check_classified, read_costing
from carecast.services.inputs import load_episodes


class CostsRequest(Request):
    """Historic cost of the placements in ``source`` (or of episodes handed to :func:`run_costs`)."""

    source: Path | None = None
    council: str | None = None
    costs: Path | None = None
    categories: Path | None = None


@dataclass(frozen=True)
class CostsRun:
    actual: ActualCosts
    report: Report


def run_costs(
    request: CostsRequest,
    *,
    episodes: pl.DataFrame | None = None,
    progress: Progress = quiet,
    title: str = "Historic placement cost",
    coverage: dict[str, Any] | None = None,
) -> CostsRun:
    """Days in each placement × weekly unit cost ÷ 7 by financial year and cost group, with the mix."""
    with job_logged("costs actual", costs="own file" if request.costs else "shipped"):
        cats, unit_costs = read_costing(request.categories, request.costs)
        if episodes is None:
            assert request.source is not None, "a costs request needs a source or episodes"
            episodes = load_episodes(request.source, request.council, cats, progress)
        check_classified(episodes, cats)
        actual = actual_costs(episodes, unit_costs)
        mix = derive_cost_mix(
            episodes.filter(pl.col("cost_group").is_not_null()), fallback=default_cost_mix(cats)
        )
        meta = run_metadata(
            command="costs actual",
            inputs=[p for p in (request.source, request.costs) if p],
            parameters={**request.recorded(), "unit_costs": unit_costs.as_dict()},
            coverage=coverage,
        )
        return CostsRun(actual, actual_cost_report(title, actual, mix, unit_costs, cats, meta))
