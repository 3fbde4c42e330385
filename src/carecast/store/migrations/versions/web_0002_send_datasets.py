"""web: uploaded high-needs (SEND) data sets

Revision ID: web_0002
Revises: web_0001
"""

import sqlalchemy as sa
from alembic import op

revision = "web_0002"
down_revision = "web_0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "web_send_datasets",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("council", sa.String(100), nullable=False),
        sa.Column("form", sa.String(20), nullable=False),
        sa.Column("uploaded_by", sa.String(254), nullable=False),
        sa.Column("uploaded_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("content_hash", sa.String(64), nullable=False),
        sa.Column("n_rows", sa.Integer, nullable=False),
        sa.Column("n_children", sa.Integer, nullable=False),
        sa.Column("storage", sa.Text, nullable=False),
        sa.Column("quality", sa.JSON, nullable=False),
    )
    op.create_index("ix_web_send_datasets_council", "web_send_datasets", ["council"])


def downgrade() -> None:
    op.drop_table("web_send_datasets")
