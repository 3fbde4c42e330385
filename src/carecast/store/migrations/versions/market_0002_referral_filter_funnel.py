"""market: keep each referral's hard-filter funnel, so unmet need can say which filter closed the door

Revision ID: market_0002
Revises: market_0001
"""

import sqlalchemy as sa
from alembic import op

revision = "market_0002"
down_revision = "market_0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("market_referrals") as batch:
        batch.add_column(sa.Column("filters", sa.JSON, nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("market_referrals") as batch:
        batch.drop_column("filters")
