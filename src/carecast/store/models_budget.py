"""Tables of budget monitoring: each month's saved forecast outturn, by line, placement and action.

A run is one council's monitoring for one financial year at one date. Lines, placements and
actions are stored per run so that next month's movement can be explained on a consistent base
(which placements are new, ended or re-priced; which actions were delivered or slipped). Child
identifiers appear only as the council's own placement key, inside the council's own store.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import JSON, Date, DateTime, Float, ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from carecast.store.db import Base


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


class BudgetRun(Base):
    __tablename__ = "budget_runs"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    council: Mapped[str] = mapped_column(String(100), index=True)
    financial_year: Mapped[int] = mapped_column(Integer, index=True)
    as_of: Mapped[dt.date] = mapped_column(Date)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=_now)
    budget_total: Mapped[float] = mapped_column(Float)
    outturn_total: Mapped[float] = mapped_column(Float)
    outturn_p5: Mapped[float | None] = mapped_column(
        Float, nullable=True
    )  # of per-simulation totals
    outturn_p95: Mapped[float | None] = mapped_column(Float, nullable=True)
    assumptions: Mapped[dict] = mapped_column(JSON, default=dict)


class BudgetRunLine(Base):
    __tablename__ = "budget_run_lines"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    run_id: Mapped[int] = mapped_column(
        ForeignKey("budget_runs.id", ondelete="CASCADE"), index=True
    )
    line: Mapped[str] = mapped_column(String(100))
    label: Mapped[str] = mapped_column(String(200))
    budget: Mapped[float] = mapped_column(Float)
    actual_to_date: Mapped[float] = mapped_column(Float)
    commitments: Mapped[float] = mapped_column(Float)
    starters_leavers: Mapped[float] = mapped_column(Float)
    actions_saving: Mapped[float] = mapped_column(Float)
    forecast_outturn: Mapped[float] = mapped_column(Float)
    outturn_p5: Mapped[float] = mapped_column(Float)
    outturn_p95: Mapped[float] = mapped_column(Float)
    ledger_gap: Mapped[float] = mapped_column(Float)


class BudgetRunPlacement(Base):
    __tablename__ = "budget_run_placements"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    run_id: Mapped[int] = mapped_column(
        ForeignKey("budget_runs.id", ondelete="CASCADE"), index=True
    )
    placement_id: Mapped[str] = mapped_column(String(200))
    line: Mapped[str] = mapped_column(String(100))
    cost_group: Mapped[str] = mapped_column(String(60))
    weekly_used: Mapped[float] = mapped_column(Float)
    priced_by: Mapped[str] = mapped_column(String(20))
    days: Mapped[int] = mapped_column(Integer)
    full_year_cost: Mapped[float] = mapped_column(Float)


class BudgetRunAction(Base):
    __tablename__ = "budget_run_actions"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    run_id: Mapped[int] = mapped_column(
        ForeignKey("budget_runs.id", ondelete="CASCADE"), index=True
    )
    action: Mapped[str] = mapped_column(String(200))
    line: Mapped[str] = mapped_column(String(100))
    owner: Mapped[str] = mapped_column(String(200))
    start: Mapped[dt.date] = mapped_column(Date)
    status: Mapped[str] = mapped_column(String(20))
    annual_saving: Mapped[float] = mapped_column(Float)
    in_year_saving: Mapped[float] = mapped_column(Float)
