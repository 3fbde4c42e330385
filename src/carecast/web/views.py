"""What the web pages and the downloads both show, built once for both (routes never import routes).

Each builder answers for one user's scope and caches by the data sets' content hashes, so
revisiting a page or downloading its table costs nothing.
"""

from __future__ import annotations

import datetime as dt
import threading
from typing import Any

import polars as pl

from carecast.errors import NotFoundError
from carecast.outputs import Report
from carecast.schema import load_categories
from carecast.web import summaries
from carecast.web.access import Principal
from carecast.web.datastore import CouncilData, councils_with_data, load_council


def children_table(data: CouncilData) -> pl.DataFrame:
    """One row per child in care on the data's last day, with their current placement."""
    as_of = summaries.data_end(data.episodes)
    labels = load_categories().categories
    current = summaries.in_care_on(data.episodes, as_of)
    return (
        current.sort("child_id", "decom")
        .unique("child_id", keep="last")
        .with_columns(
            ((pl.lit(as_of) - pl.col("dob")).dt.total_days() / 365.25)
            .floor()
            .cast(pl.Int32)
            .alias("age"),
            pl.col("category")
            .replace_strict(labels, default=pl.col("category"))
            .alias("category_label"),
        )
        .sort("child_id")
        .select(
            pl.col("child_id").alias("Child"),
            pl.col("age").alias("Age"),
            pl.col("category_label").alias("Placement category"),
            pl.col("decom").alias("Placement start"),
            pl.col("period_start").alias("In care since"),
            pl.col("place").alias("PLACE"),
            pl.col("place_provider").alias("Provider"),
            pl.col("in_area").alias("In area"),
            pl.col("distance_miles").alias("Distance (miles)"),
        )
    )


_SUMMARIES: dict[tuple[str, str], dict[str, Any]] = {}
_LOCK = threading.Lock()  # many first visitors at once compute a summary once, not once each


def council_summary(data: CouncilData) -> dict[str, Any]:
    """Summaries of one data set, cached by its content hash (revisiting a page is instant)."""
    key = (data.council, data.content_hash)
    with _LOCK:
        if key not in _SUMMARIES:
            _SUMMARIES[key] = _summarise(data)
    return _SUMMARIES[key]


def _summarise(data: CouncilData) -> dict[str, Any]:
    as_of = summaries.data_end(data.episodes)
    current = summaries.in_care_on(data.episodes, as_of)
    categories = summaries.by_category(current)
    trend = summaries.month_end_trend(data.episodes, end=as_of)
    return {
        "as_of": as_of,
        "total": current.height,
        "out_of_area": current.filter(pl.col("in_area").eq_missing(False)).height,
        "categories": categories,
        "location": summaries.by_location(current),
        "trend": trend,
        "figures": [
            summaries.trend_figure(trend, "Children in care at each month end"),
            summaries.category_figure(categories, f"By placement category, {as_of:%d/%m/%Y}"),
        ],
    }


def overview_context(db, settings, user: Principal) -> dict[str, Any]:
    if user.sees_child_level:
        try:
            data = load_council(db, settings.data_dir, user.council)
        except NotFoundError:
            return {"mode": "council", "empty": True, "council": user.council}
        s = council_summary(data)
        return {"mode": "council", "empty": False, "council": user.council, **s, "dataset": data}
    per_council = {}
    as_of = {}
    for council in councils_with_data(db, user.visible_councils()):
        s = council_summary(load_council(db, settings.data_dir, council))
        per_council[council], as_of[council] = s["categories"], s["as_of"]
    table, note = summaries.regional_table(per_council)
    return {
        "mode": "regional",
        "empty": not per_council,
        "table": table,
        "note": note,
        "as_of": as_of,
        "scope": user.region or "England",
    }


_SNAPSHOTS: dict[tuple, tuple[Report, dt.date, str]] = {}


def snapshot_report(
    db, settings, user: Principal, on: dt.date | None = None
) -> tuple[Report, dt.date, str]:
    """The snapshot report for what this user may see (cached by data sets and date)."""
    from carecast.services.snapshot import SnapshotRequest, run_snapshot

    names = (
        [user.council] if user.sees_child_level else councils_with_data(db, user.visible_councils())
    )
    if not names:
        raise NotFoundError(
            "no council you can see has uploaded returns yet", fix="upload returns first"
        )
    data = [load_council(db, settings.data_dir, c) for c in names]
    on = on or min(summaries.data_end(d.episodes) for d in data)
    key = (tuple((d.council, d.content_hash) for d in data), on, user.sees_child_level)
    if key not in _SNAPSHOTS:
        episodes = pl.concat([d.episodes for d in data], how="vertical_relaxed")
        children = pl.concat([d.children for d in data], how="vertical_relaxed")
        scope = user.council if user.sees_child_level else (user.region or "England")
        region = (
            (_home_region(user.council) or names)
            if user.sees_child_level
            else (user.region or "england")
        )
        request = SnapshotRequest.build(
            date=on,
            region=tuple(region) if isinstance(region, list) else region,
            suppress=not user.sees_child_level,
        )
        _SNAPSHOTS[key] = (run_snapshot(request, tables=(episodes, children)).report, on, scope)
    return _SNAPSHOTS[key]


def _home_region(council: str | None) -> str | None:
    """The region a council belongs to: a council user's snapshot measures "in the region" and
    "outside the region" against it, not against the council alone."""
    from carecast.schema import find_council

    found = find_council(council, required=False) if council else None
    return found.region if found is not None else None


_COSTS: dict[str, Report] = {}


def cost_report(data: CouncilData) -> Report:
    """Historic cost by financial year and cost group (the service ``carecast costs actual`` runs),
    cached by the data set's hash."""
    if data.content_hash not in _COSTS:
        from carecast.services.costs import CostsRequest, run_costs

        run = run_costs(
            CostsRequest.build(council=data.council),
            episodes=data.episodes,
            title=f"{data.council}: placement cost by financial year",
            coverage={"councils": [data.council], "dataset": data.content_hash},
        )
        _COSTS[data.content_hash] = run.report
    return _COSTS[data.content_hash]


def costs_for(db, settings, user: Principal) -> Report:
    user.require(user.may_run, "see council costs")
    return cost_report(load_council(db, settings.data_dir, user.council))
