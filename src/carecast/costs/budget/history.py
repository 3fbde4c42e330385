"""Monthly monitoring history: save each month's forecast, explain the movement since last month.

Movement is explained on a consistent base, placement by placement and action by action, so that
the reasons add up exactly to the change in each line's forecast outturn:

* **new placements**: in this month's list, not last month's (+ their full-year cost);
* **ended placements**: gone, or ending earlier than last month said (− the days no longer paid,
  at last month's price); **extended placements** the reverse;
* **price changes**: the same placement and days at a different contracted price;
* **changed assumptions**: unit-cost-priced placements re-priced by a new unit-costs file, and a
  new estimate of starters and leavers;
* **actions delivered / slipped / added or dropped / accrued**: the change in savings deducted;
* **ledger**: on lines forecast from the ledger, the change in its actuals and commitments; on
  placement lines, the change in the gap between ledger and placement-level actuals.

Anything left over is shown as "other" (zero unless inputs were edited in between).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import polars as pl
from sqlalchemy import delete, select

from carecast.costs.budget.outturn import Monitoring
from carecast.errors import NotFoundError
from carecast.store import open_store, session_scope
from carecast.store.models_budget import (
    BudgetRun,
    BudgetRunAction,
    BudgetRunLine,
    BudgetRunPlacement,
)

LINE_FIELDS = [
    "line",
    "label",
    "budget",
    "actual_to_date",
    "commitments",
    "starters_leavers",
    "actions_saving",
    "forecast_outturn",
    "outturn_p5",
    "outturn_p95",
    "ledger_gap",
]
PLACEMENT_FIELDS = [
    "placement_id",
    "line",
    "cost_group",
    "weekly_used",
    "priced_by",
    "days",
    "full_year_cost",
]
ACTION_FIELDS = ["action", "line", "owner", "start", "status", "annual_saving", "in_year_saving"]


@dataclass
class Snapshot:
    """What movement needs from one month: lines, placements (social-care share) and actions."""

    as_of: dt.date
    lines: pl.DataFrame
    placements: pl.DataFrame
    actions: pl.DataFrame
    run_id: int | None = None


def snapshot_of(m: Monitoring) -> Snapshot:
    placements = m.placements.with_columns(
        (pl.col("days_to_date") + pl.col("days_committed")).alias("days"),
        (pl.col("full_year_cost") * pl.col("share_social_care")).alias("full_year_cost"),
        (pl.col("weekly_used") * pl.col("share_social_care")).alias("weekly_used"),
    ).select(PLACEMENT_FIELDS)
    return Snapshot(
        m.as_of, m.lines.select(LINE_FIELDS), placements, m.actions.select(ACTION_FIELDS)
    )


def save_monitoring(m: Monitoring, url: str | None = None) -> int:
    """Store this month's monitoring (opening the store: migrated once per process); returns the run id.

    Re-running a month replaces the run saved for the same council, year and date (in the same
    transaction, so a failure leaves the earlier run in place).
    """
    url = open_store(url)
    snap = snapshot_of(m)
    with session_scope(url) as s:
        same = s.scalars(
            select(BudgetRun.id).where(
                BudgetRun.council == m.council,
                BudgetRun.financial_year == m.financial_year,
                BudgetRun.as_of == m.as_of,
            )
        ).all()
        for model in (BudgetRunLine, BudgetRunPlacement, BudgetRunAction):
            s.execute(delete(model).where(model.run_id.in_(same)))
        s.execute(delete(BudgetRun).where(BudgetRun.id.in_(same)))
        lo, hi = m.total_band()
        run = BudgetRun(
            council=m.council,
            financial_year=m.financial_year,
            as_of=m.as_of,
            budget_total=float(m.lines["budget"].sum()),
            outturn_total=m.total_outturn,
            outturn_p5=lo,
            outturn_p95=hi,
            assumptions=m.assumptions,
        )
        s.add(run)
        s.flush()
        s.add_all(BudgetRunLine(run_id=run.id, **r) for r in snap.lines.iter_rows(named=True))
        s.add_all(
            BudgetRunPlacement(run_id=run.id, **r) for r in snap.placements.iter_rows(named=True)
        )
        s.add_all(BudgetRunAction(run_id=run.id, **r) for r in snap.actions.iter_rows(named=True))
        return run.id


def _frame(rows, fields: list[str], schema: dict) -> pl.DataFrame:
    return pl.DataFrame([{f: getattr(r, f) for f in fields} for r in rows], schema=schema)


def load_snapshot(run_id: int, url: str | None = None) -> Snapshot:
    """One saved month (reads never migrate: the store was opened by the job that saved it)."""
    with session_scope(url) as s:
        run = s.get(BudgetRun, run_id)
        if run is None:
            raise NotFoundError(
                f"no saved budget monitoring run {run_id}",
                fix="list runs with `carecast budget history`",
            )
        lines = s.scalars(
            select(BudgetRunLine).where(BudgetRunLine.run_id == run_id).order_by(BudgetRunLine.id)
        ).all()
        plc = s.scalars(select(BudgetRunPlacement).where(BudgetRunPlacement.run_id == run_id)).all()
        acts = s.scalars(select(BudgetRunAction).where(BudgetRunAction.run_id == run_id)).all()
        return Snapshot(
            run.as_of,
            _frame(
                lines,
                LINE_FIELDS,
                {f: (pl.Utf8 if f in ("line", "label") else pl.Float64) for f in LINE_FIELDS},
            ),
            _frame(
                plc,
                PLACEMENT_FIELDS,
                {
                    "placement_id": pl.Utf8,
                    "line": pl.Utf8,
                    "cost_group": pl.Utf8,
                    "weekly_used": pl.Float64,
                    "priced_by": pl.Utf8,
                    "days": pl.Int64,
                    "full_year_cost": pl.Float64,
                },
            ),
            _frame(
                acts,
                ACTION_FIELDS,
                {
                    "action": pl.Utf8,
                    "line": pl.Utf8,
                    "owner": pl.Utf8,
                    "start": pl.Date,
                    "status": pl.Utf8,
                    "annual_saving": pl.Float64,
                    "in_year_saving": pl.Float64,
                },
            ),
            run_id,
        )


def runs(council: str, financial_year: int, url: str | None = None) -> pl.DataFrame:
    """Saved runs of one council's year, oldest first (run_id, as_of, budget and outturn totals, band)."""
    with session_scope(url) as s:
        rows = s.scalars(
            select(BudgetRun)
            .where(BudgetRun.council == council, BudgetRun.financial_year == financial_year)
            .order_by(BudgetRun.as_of, BudgetRun.id)
        ).all()
        return pl.DataFrame(
            [
                {
                    "run_id": r.id,
                    "as_of": r.as_of,
                    "budget_total": r.budget_total,
                    "outturn_total": r.outturn_total,
                    "outturn_p5": r.outturn_p5,
                    "outturn_p95": r.outturn_p95,
                }
                for r in rows
            ],
            schema={
                "run_id": pl.Int64,
                "as_of": pl.Date,
                "budget_total": pl.Float64,
                "outturn_total": pl.Float64,
                "outturn_p5": pl.Float64,
                "outturn_p95": pl.Float64,
            },
        )


def previous_run(
    council: str, financial_year: int, before: dt.date, url: str | None = None
) -> int | None:
    """The latest saved run of the same council and year dated before ``before``."""
    r = runs(council, financial_year, url).filter(pl.col("as_of") < before)
    return None if r.height == 0 else int(r["run_id"][-1])


def line_history(council: str, financial_year: int, url: str | None = None) -> pl.DataFrame:
    """Every saved run's lines: as_of, line, budget, forecast_outturn, bands (for the trend chart)."""
    frames = []
    for row in runs(council, financial_year, url).iter_rows(named=True):
        snap = load_snapshot(row["run_id"], url)
        frames.append(
            snap.lines.with_columns(
                pl.lit(row["as_of"]).alias("as_of"), pl.lit(row["run_id"]).alias("run_id")
            )
        )
    if not frames:
        raise NotFoundError(
            f"no saved budget monitoring for {council} {financial_year}",
            fix="run `carecast budget outturn ... --save` first",
        )
    return pl.concat(frames).select("run_id", "as_of", *LINE_FIELDS)


def movement(prev: Snapshot, cur: Snapshot) -> pl.DataFrame:
    """Reasons for each line's change in forecast outturn from ``prev`` to ``cur`` (long table).

    Columns: line, reason, amount, count, detail. For every line the amounts add up to
    ``cur.forecast_outturn − prev.forecast_outturn``.
    """
    rows: list[dict] = []
    p = prev.placements.join(
        cur.placements, on="placement_id", how="full", suffix="_cur", coalesce=True
    )
    p = p.with_columns(pl.coalesce("line_cur", "line").alias("_line"))
    new = p.filter(pl.col("line").is_null())
    gone = p.filter(pl.col("line_cur").is_null())
    both = (
        p.filter(pl.col("line").is_not_null() & pl.col("line_cur").is_not_null())
        .with_columns(
            ((pl.col("days_cur") - pl.col("days")) * pl.col("weekly_used") / 7).alias("_dates"),
        )
        .with_columns(
            (pl.col("full_year_cost_cur") - pl.col("full_year_cost") - pl.col("_dates")).alias(
                "_price"
            )
        )
    )

    def add(frame: pl.DataFrame, value: pl.Expr, reason: str, detail: str) -> None:
        moved = frame.with_columns(value.alias("_v")).filter(pl.col("_v").abs() > 0.005)
        agg = moved.group_by("_line").agg(
            pl.col("_v").sum().alias("amount"), pl.len().alias("count")
        )
        for r in agg.iter_rows(named=True):
            if abs(r["amount"]) > 0.005:
                rows.append(
                    {
                        "line": r["_line"],
                        "reason": reason,
                        "amount": r["amount"],
                        "count": r["count"],
                        "detail": detail,
                    }
                )

    add(new, pl.col("full_year_cost_cur"), "new placements", "placements not in last month's list")
    add(gone, -pl.col("full_year_cost"), "ended placements", "placements no longer in the list")
    add(
        both.filter(pl.col("_dates") < 0),
        pl.col("_dates"),
        "ended placements",
        "ended or now ending earlier",
    )
    add(
        both.filter(pl.col("_dates") > 0),
        pl.col("_dates"),
        "extended placements",
        "now ending later",
    )
    contract = (pl.col("priced_by") == "contract") & (pl.col("priced_by_cur") == "contract")
    add(both.filter(contract), pl.col("_price"), "price changes", "contracted weekly price changed")
    add(both.filter(~contract), pl.col("_price"), "changed assumptions", "unit costs changed")

    lines = prev.lines.join(
        cur.lines, on="line", how="full", suffix="_cur", coalesce=True
    ).fill_null(0.0)
    for r in lines.iter_rows(named=True):
        sl = r["starters_leavers_cur"] - r["starters_leavers"]
        if abs(sl) > 0.005:
            rows.append(
                {
                    "line": r["line"],
                    "reason": "changed assumptions",
                    "amount": sl,
                    "count": None,
                    "detail": "starters and leavers re-estimated",
                }
            )
        gap = r["ledger_gap_cur"] - r["ledger_gap"]
        if abs(gap) > 0.005:
            rows.append(
                {
                    "line": r["line"],
                    "reason": "ledger",
                    "amount": gap,
                    "count": None,
                    "detail": "ledger actuals/commitments vs placement-level figures",
                }
            )
    rows.extend(_action_movement(prev.actions, cur.actions))

    placement_lines = set(prev.placements["line"].to_list()) | set(cur.placements["line"].to_list())
    for r in lines.iter_rows(named=True):
        if r["line"] in placement_lines:
            continue
        led = (r["actual_to_date_cur"] + r["commitments_cur"]) - (
            r["actual_to_date"] + r["commitments"]
        )
        if abs(led) > 0.005:
            rows.append(
                {
                    "line": r["line"],
                    "reason": "ledger",
                    "amount": led,
                    "count": None,
                    "detail": "ledger actuals and commitments",
                }
            )
    out = pl.DataFrame(
        rows,
        schema={
            "line": pl.Utf8,
            "reason": pl.Utf8,
            "amount": pl.Float64,
            "count": pl.Int64,
            "detail": pl.Utf8,
        },
    )
    explained = out.group_by("line").agg(pl.col("amount").sum().alias("explained"))
    check = (
        lines.select(
            "line", (pl.col("forecast_outturn_cur") - pl.col("forecast_outturn")).alias("movement")
        )
        .join(explained, on="line", how="left")
        .fill_null(0.0)
        .with_columns((pl.col("movement") - pl.col("explained")).alias("rest"))
    )
    other = check.filter(pl.col("rest").abs() > 0.5).select(
        "line",
        pl.lit("other").alias("reason"),
        pl.col("rest").alias("amount"),
        pl.lit(None, dtype=pl.Int64).alias("count"),
        pl.lit("not explained by placements, actions or assumptions (inputs edited?)").alias(
            "detail"
        ),
    )
    return pl.concat([out, other]).sort("line", "reason")


def _action_movement(prev: pl.DataFrame, cur: pl.DataFrame) -> list[dict]:
    rows = []
    a = prev.join(cur, on="action", how="full", suffix="_cur", coalesce=True)
    for r in a.iter_rows(named=True):
        line = r["line_cur"] or r["line"]
        before = r["in_year_saving"] or 0.0
        after = r["in_year_saving_cur"] or 0.0
        effect = before - after  # a smaller deduction raises the outturn
        if abs(effect) < 0.005:
            continue
        if r["line"] is None or r["line_cur"] is None or r["status_cur"] == "dropped":
            reason = "actions added or dropped"
        elif r["status_cur"] == "delivered" and r["status"] != "delivered":
            reason = "actions delivered"
        elif r["start_cur"] is not None and r["start"] is not None and r["start_cur"] > r["start"]:
            reason = "actions slipped"
        else:
            reason = "actions accrued"
        rows.append(
            {"line": line, "reason": reason, "amount": effect, "count": 1, "detail": r["action"]}
        )
    return rows


def movement_summary(
    prev: Snapshot, cur: Snapshot, moves: pl.DataFrame | None = None
) -> pl.DataFrame:
    """Per line: previous and current outturn, movement and the reasons as one sentence."""
    moves = movement(prev, cur) if moves is None else moves
    text = (
        moves.sort("amount", descending=True)
        .group_by("line", maintain_order=True)
        .agg(
            pl.format("{} {}", pl.col("reason"), _money(pl.col("amount")))
            .str.join("; ")
            .alias("reasons")
        )
    )
    base = (
        prev.lines.select("line", pl.col("forecast_outturn").alias("previous_outturn"))
        .join(cur.lines.select("line", "forecast_outturn"), on="line", how="full", coalesce=True)
        .fill_null(0.0)
    )
    return (
        base.with_columns(
            (pl.col("forecast_outturn") - pl.col("previous_outturn")).alias("movement")
        )
        .join(text, on="line", how="left")
        .with_columns(pl.col("reasons").fill_null("no change"))
    )


def _money(expr: pl.Expr) -> pl.Expr:
    sign = pl.when(expr < 0).then(pl.lit("−£")).otherwise(pl.lit("+£"))
    return pl.concat_str([sign, (expr.abs() / 1000).round(1).cast(pl.Utf8), pl.lit("k")])


def quarter_on_quarter(history: pl.DataFrame) -> pl.DataFrame:
    """Outturn at the last run of each financial quarter and its change from the quarter before.

    ``history`` is :func:`runs` output (as_of, outturn_total). Change is the amount and the % of
    the previous quarter's figure.
    """
    q = (
        history.with_columns((((pl.col("as_of").dt.month() - 4) % 12) // 3 + 1).alias("quarter"))
        .sort("as_of")
        .group_by("quarter", maintain_order=True)
        .last()
    )
    return q.select(
        "quarter",
        "as_of",
        "outturn_total",
        (pl.col("outturn_total") - pl.col("outturn_total").shift(1)).alias("change_gbp"),
        (
            (pl.col("outturn_total") - pl.col("outturn_total").shift(1))
            / pl.col("outturn_total").shift(1)
        ).alias("change_pct"),
    )
