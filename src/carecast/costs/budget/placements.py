"""Placements a budget pays for, from a placement register file or from cleaned episodes.

A **placement register** is the list a council's brokerage or finance team exports (CSV or XLSX),
one row per placement::

    child, placement_type, provider, weekly_cost, start, planned_end,
    funding_social_care, funding_health, funding_education

``placement_type`` is a cost group id or label (``carecast.schema.load_categories``);
``weekly_cost`` may be blank (then the cost group's unit cost is used); ``planned_end`` is the day
the child leaves (not charged, as SSDA903 DEC) and may be blank (open to the end of the year);
funding shares are fractions or percentages and default to all social care. Every row is checked,
and all problems are reported together with their row numbers; nothing is costed until the file
is clean, so no placement silently drops out of a forecast.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import numpy as np
import polars as pl

from carecast.costs.budget.inputs import read_table
from carecast.costs.historic import price_days
from carecast.costs.unit_costs import UnitCosts
from carecast.errors import InputError, Location
from carecast.plumbing.dates import date_expr
from carecast.plumbing.episodes import in_care_during
from carecast.schema import load_categories

PLACEMENT_COLUMNS: dict[str, pl.DataType] = {
    "placement_id": pl.Utf8,
    "child_id": pl.Utf8,
    "cost_group": pl.Utf8,
    "provider": pl.Utf8,
    "weekly_cost": pl.Float64,  # contracted weekly price; null = unit cost of the group
    "start": pl.Date,
    "end": pl.Date,  # day the child leaves (exclusive); null = open
    "share_social_care": pl.Float64,
    "share_health": pl.Float64,
    "share_education": pl.Float64,
    "source_row": pl.Int64,
}

_ALIASES = {
    "child": "child_id",
    "child_id": "child_id",
    "placement_type": "cost_group",
    "cost_group": "cost_group",
    "type": "cost_group",
    "provider": "provider",
    "weekly_cost": "weekly_cost",
    "weekly_price": "weekly_cost",
    "start": "start",
    "start_date": "start",
    "planned_end": "end",
    "end": "end",
    "end_date": "end",
    "funding_social_care": "share_social_care",
    "funding_health": "share_health",
    "funding_education": "share_education",
    "placement_id": "placement_id",
}
_REQUIRED = ("child_id", "cost_group", "start")


def _share(col: str) -> pl.Expr:
    v = pl.col(col).str.strip_chars().str.replace("%", "").cast(pl.Float64, strict=False)
    return pl.when(pl.col(col).str.contains("%") | (v > 1)).then(v / 100).otherwise(v)


def read_register(path: str | Path) -> pl.DataFrame:
    """Read and validate a placement register; returns a table with :data:`PLACEMENT_COLUMNS`."""
    p = Path(path)
    raw = read_table(p, "placement register")
    renamed = {
        c: _ALIASES[c.strip().lower().replace(" ", "_")]
        for c in raw.columns
        if c.strip().lower().replace(" ", "_") in _ALIASES
    }
    df = raw.rename(renamed)
    missing = [c for c in _REQUIRED if c not in df.columns]
    if missing:
        raise InputError(
            f"the placement register has no column(s) {missing}",
            where=Location(file=str(p)),
            fix="give columns child, placement_type, provider, weekly_cost, start, planned_end, "
            "funding_social_care, funding_health, funding_education",
        )
    for c in (
        "provider",
        "weekly_cost",
        "end",
        "share_social_care",
        "share_health",
        "share_education",
        "placement_id",
    ):
        if c not in df.columns:
            df = df.with_columns(pl.lit(None, dtype=pl.Utf8).alias(c))
    df = df.with_row_index("source_row", offset=2).with_columns(pl.col("source_row").cast(pl.Int64))
    groups = load_categories().cost_groups
    by_label = {
        **{g.lower(): g for g in groups},
        **{label.lower(): g for g, label in groups.items()},
    }
    parsed = df.with_columns(
        pl.col("cost_group")
        .str.strip_chars()
        .str.to_lowercase()
        .replace_strict(by_label, default=None)
        .alias("_group"),
        pl.col("weekly_cost")
        .str.replace_all("[£,]", "")
        .str.strip_chars()
        .cast(pl.Float64, strict=False)
        .alias("_weekly"),
        date_expr("start").alias("_start"),
        date_expr("end").alias("_end"),
        _share("share_social_care").alias("_sc"),
        _share("share_health").alias("_h"),
        _share("share_education").alias("_ed"),
    )
    problems = _register_problems(parsed)
    if problems.height:
        first = problems.row(0, named=True)
        listing = "; ".join(
            f"row {r['source_row']}: {r['problem']}"
            for r in problems.head(10).iter_rows(named=True)
        )
        more = f" (and {problems.height - 10} more)" if problems.height > 10 else ""
        raise InputError(
            f"{problems.height} placement(s) cannot be costed: {listing}{more}",
            where=Location(file=str(p), row=first["source_row"], column=first["column"]),
            fix=f"correct those rows and run again; placement types are {list(groups)} or their labels; "
            "weekly costs are pounds of 0 or more; planned_end must be after start; nothing has been saved",
        )
    out = parsed.with_columns(
        pl.col("_group").alias("cost_group"),
        pl.col("_weekly").alias("weekly_cost"),
        pl.col("_start").alias("start"),
        pl.col("_end").alias("end"),
        pl.col("_h").fill_null(0.0).alias("share_health"),
        pl.col("_ed").fill_null(0.0).alias("share_education"),
    ).with_columns(
        pl.coalesce("_sc", 1.0 - pl.col("share_health") - pl.col("share_education")).alias(
            "share_social_care"
        ),
        pl.coalesce(
            pl.col("placement_id"),
            pl.concat_str([pl.col("child_id"), pl.col("start").cast(pl.Utf8)], separator="|"),
        ).alias("placement_id"),
    )
    return out.select([pl.col(c).cast(t) for c, t in PLACEMENT_COLUMNS.items()])


def _register_problems(parsed: pl.DataFrame) -> pl.DataFrame:
    checks = [
        (
            pl.col("child_id").is_null() | (pl.col("child_id").str.strip_chars() == ""),
            "child",
            "no child id",
        ),
        (
            pl.col("_group").is_null(),
            "placement_type",
            pl.format("unknown placement type '{}'", pl.col("cost_group").fill_null("")),
        ),
        (
            pl.col("weekly_cost").is_not_null()
            & (pl.col("weekly_cost").str.strip_chars() != "")
            & pl.col("_weekly").is_null(),
            "weekly_cost",
            pl.format("weekly cost '{}' is not a number", pl.col("weekly_cost")),
        ),
        (
            pl.col("_weekly") < 0,
            "weekly_cost",
            pl.format("negative weekly cost {}", pl.col("_weekly")),
        ),
        (
            pl.col("_start").is_null(),
            "start",
            pl.format("start '{}' is not a date", pl.col("start").fill_null("")),
        ),
        (
            pl.col("end").is_not_null()
            & (pl.col("end").str.strip_chars() != "")
            & pl.col("_end").is_null(),
            "planned_end",
            pl.format("planned end '{}' is not a date", pl.col("end")),
        ),
        (
            pl.col("_end") <= pl.col("_start"),
            "planned_end",
            pl.format(
                "placement ends ({}) on or before it starts ({})", pl.col("_end"), pl.col("_start")
            ),
        ),
        (
            (pl.col("_sc").fill_null(0) < 0)
            | (pl.col("_h").fill_null(0) < 0)
            | (pl.col("_ed").fill_null(0) < 0)
            | (
                pl.col("_sc").is_not_null()
                & (
                    (
                        pl.col("_sc") + pl.col("_h").fill_null(0) + pl.col("_ed").fill_null(0) - 1
                    ).abs()
                    > 0.005
                )
            ),
            "funding_social_care",
            pl.lit("funding shares must be 0-1 (or %) and add up to 1"),
        ),
    ]
    frames = [
        parsed.filter(cond.fill_null(False)).select(
            "source_row",
            pl.lit(col).alias("column"),
            (msg if isinstance(msg, pl.Expr) else pl.lit(msg)).alias("problem"),
        )
        for cond, col, msg in checks
    ]
    return pl.concat(frames).sort("source_row")


def placements_from_episodes(
    episodes: pl.DataFrame, *, start: dt.date, end: dt.date, as_of: dt.date | None = None
) -> pl.DataFrame:
    """Placements overlapping [start, end] from cleaned episodes, costed at unit cost.

    Open episodes run to the child's 18th birthday when the date of birth is known (care ends at
    18), else stay open. Short breaks are left out (not care placements). With ``as_of``, only
    what was known that day is used: later episodes are dropped and later endings reopened, so a
    past month can be re-run without hindsight.
    """
    eps = episodes
    if "is_short_break" in eps.columns:
        eps = eps.filter(~pl.col("is_short_break").fill_null(False))
    if as_of is not None:
        eps = eps.filter(pl.col("decom") <= as_of).with_columns(
            pl.when(pl.col("dec") > as_of).then(None).otherwise(pl.col("dec")).alias("dec")
        )
    eps = eps.filter(in_care_during(start, end))
    council = pl.col("council") if "council" in eps.columns else pl.lit("")
    eighteen = (
        pl.col("dob").dt.offset_by("18y") if "dob" in eps.columns else pl.lit(None, dtype=pl.Date)
    )
    provider = (
        pl.col("place_provider") if "place_provider" in eps.columns else pl.lit(None, dtype=pl.Utf8)
    )
    out = eps.select(
        pl.concat_str(
            [council, pl.col("child_id"), pl.col("decom").cast(pl.Utf8)], separator="|"
        ).alias("placement_id"),
        pl.col("child_id"),
        pl.col("cost_group"),
        provider.alias("provider"),
        pl.lit(None, dtype=pl.Float64).alias("weekly_cost"),
        pl.col("decom").alias("start"),
        pl.coalesce(pl.col("dec"), eighteen).alias("end"),
        pl.lit(1.0).alias("share_social_care"),
        pl.lit(0.0).alias("share_health"),
        pl.lit(0.0).alias("share_education"),
        (
            pl.col("source_row") if "source_row" in eps.columns else pl.lit(None, dtype=pl.Int64)
        ).alias("source_row"),
    )
    return out.select([pl.col(c).cast(t) for c, t in PLACEMENT_COLUMNS.items()])


def cost_placements(
    placements: pl.DataFrame,
    unit_costs: UnitCosts,
    *,
    as_of: dt.date,
    fy_start: dt.date,
    fy_end: dt.date,
) -> pl.DataFrame:
    """Each placement's cost to date (from 1 April to ``as_of``) and committed to 31 March.

    Contracted weekly costs are charged flat; others at the group's unit cost for each day. Adds
    ``weekly_used`` (the contract price, or the unit cost on ``as_of``), ``days_to_date``,
    ``days_committed``, ``actual_to_date``, ``commitment`` and ``full_year_cost`` (their sum),
    all before the funding split (``share_*`` columns give it).
    """
    after = as_of + dt.timedelta(days=1)
    year_end = fy_end + dt.timedelta(days=1)
    open_end = pl.coalesce("end", pl.lit(year_end))
    frame = (
        placements.with_columns(
            pl.max_horizontal("start", pl.lit(fy_start)).alias("_a0"),
            pl.min_horizontal(open_end, pl.lit(after)).alias("_a1"),
            pl.max_horizontal("start", pl.lit(after)).alias("_c0"),
            pl.min_horizontal(open_end, pl.lit(year_end)).alias("_c1"),
        )
        .with_columns(
            pl.when(pl.col("_a1") < pl.col("_a0"))
            .then(pl.col("_a0"))
            .otherwise(pl.col("_a1"))
            .alias("_a1"),
            pl.when(pl.col("_c1") < pl.col("_c0"))
            .then(pl.col("_c0"))
            .otherwise(pl.col("_c1"))
            .alias("_c1"),
        )
        .with_columns(
            (pl.col("_a1") - pl.col("_a0")).dt.total_days().alias("days_to_date"),
            (pl.col("_c1") - pl.col("_c0")).dt.total_days().alias("days_committed"),
        )
    )
    unit_to_date = price_days(frame, unit_costs, start_col="_a0", end_col="_a1")
    unit_committed = price_days(frame, unit_costs, start_col="_c0", end_col="_c1")
    weekly = frame.get_column("weekly_cost").to_numpy()
    has_contract = ~np.isnan(weekly.astype(float))
    contract = np.nan_to_num(weekly.astype(float))
    unit_now = (
        price_days(
            frame.with_columns(pl.lit(as_of).alias("_n0"), pl.lit(after).alias("_n1")),
            unit_costs,
            start_col="_n0",
            end_col="_n1",
        )
        * 7
    )
    to_date = np.where(
        has_contract, contract / 7 * frame.get_column("days_to_date").to_numpy(), unit_to_date
    )
    committed = np.where(
        has_contract, contract / 7 * frame.get_column("days_committed").to_numpy(), unit_committed
    )
    return frame.drop("_a0", "_a1", "_c0", "_c1").with_columns(
        pl.Series("weekly_used", np.where(has_contract, contract, unit_now)),
        pl.Series("priced_by", np.where(has_contract, "contract", "unit cost")),
        pl.Series("actual_to_date", to_date),
        pl.Series("commitment", committed),
        pl.Series("full_year_cost", to_date + committed),
    )
