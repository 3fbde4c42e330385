"""budget: monthly monitoring runs with their lines, placements and actions

Revision ID: budget_0001
Revises:
"""

import sqlalchemy as sa
from alembic import op

revision = "budget_0001"
down_revision = None
branch_labels = ("budget",)
depends_on = None


def _run_fk() -> sa.Column:
    return sa.Column(
        "run_id", sa.Integer, sa.ForeignKey("budget_runs.id", ondelete="CASCADE"), nullable=False
    )


def upgrade() -> None:
    op.create_table(
        "budget_runs",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("council", sa.String(100), nullable=False),
        sa.Column("financial_year", sa.Integer, nullable=False),
        sa.Column("as_of", sa.Date, nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("budget_total", sa.Float, nullable=False),
        sa.Column("outturn_total", sa.Float, nullable=False),
        sa.Column("assumptions", sa.JSON, nullable=False),
    )
    op.create_index("ix_budget_runs_council", "budget_runs", ["council"])
    op.create_index("ix_budget_runs_financial_year", "budget_runs", ["financial_year"])
    op.create_table(
        "budget_run_lines",
        sa.Column("id", sa.Integer, primary_key=True),
        _run_fk(),
        sa.Column("line", sa.String(100), nullable=False),
        sa.Column("label", sa.String(200), nullable=False),
        *[
            sa.Column(c, sa.Float, nullable=False)
            for c in (
                "budget",
                "actual_to_date",
                "commitments",
                "starters_leavers",
                "actions_saving",
                "forecast_outturn",
                "outturn_p5",
                "outturn_p95",
                "ledger_gap",
            )
        ],
    )
    op.create_index("ix_budget_run_lines_run_id", "budget_run_lines", ["run_id"])
    op.create_table(
        "budget_run_placements",
        sa.Column("id", sa.Integer, primary_key=True),
        _run_fk(),
        sa.Column("placement_id", sa.String(200), nullable=False),
        sa.Column("line", sa.String(100), nullable=False),
        sa.Column("cost_group", sa.String(60), nullable=False),
        sa.Column("weekly_used", sa.Float, nullable=False),
        sa.Column("priced_by", sa.String(20), nullable=False),
        sa.Column("days", sa.Integer, nullable=False),
        sa.Column("full_year_cost", sa.Float, nullable=False),
    )
    op.create_index("ix_budget_run_placements_run_id", "budget_run_placements", ["run_id"])
    op.create_table(
        "budget_run_actions",
        sa.Column("id", sa.Integer, primary_key=True),
        _run_fk(),
        sa.Column("action", sa.String(200), nullable=False),
        sa.Column("line", sa.String(100), nullable=False),
        sa.Column("owner", sa.String(200), nullable=False),
        sa.Column("start", sa.Date, nullable=False),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("annual_saving", sa.Float, nullable=False),
        sa.Column("in_year_saving", sa.Float, nullable=False),
    )
    op.create_index("ix_budget_run_actions_run_id", "budget_run_actions", ["run_id"])


def downgrade() -> None:
    for table in ("budget_run_actions", "budget_run_placements", "budget_run_lines", "budget_runs"):
        op.drop_table(table)
