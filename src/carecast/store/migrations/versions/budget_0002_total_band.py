"""budget: the total outturn band of each run (quantiles of per-simulation totals)

Revision ID: budget_0002
Revises: budget_0001
"""

import sqlalchemy as sa
from alembic import op

revision = "budget_0002"
down_revision = "budget_0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("budget_runs") as batch:
        batch.add_column(sa.Column("outturn_p5", sa.Float, nullable=True))
        batch.add_column(sa.Column("outturn_p95", sa.Float, nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("budget_runs") as batch:
        batch.drop_column("outturn_p95")
        batch.drop_column("outturn_p5")
