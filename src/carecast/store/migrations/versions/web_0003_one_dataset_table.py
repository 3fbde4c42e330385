"""web: one data-set table for every kind of upload (returns, EHCP records, EHCP counts)

The high-needs uploads had a copy of ``web_datasets`` of their own; they move into it with a
``kind`` column, and the episode count becomes the row count every kind has.

Revision ID: web_0003
Revises: web_0002
"""

import sqlalchemy as sa
from alembic import op

revision = "web_0003"
down_revision = "web_0002"
branch_labels = None
depends_on = None

COMMON = "council, uploaded_by, uploaded_at, content_hash, n_children, storage, quality"


def upgrade() -> None:
    with op.batch_alter_table("web_datasets") as batch:
        batch.add_column(sa.Column("kind", sa.String(20), nullable=False, server_default="returns"))
        batch.alter_column(
            "n_episodes",
            new_column_name="n_rows",
            existing_type=sa.Integer,
            existing_nullable=False,
        )
    op.execute(
        f"INSERT INTO web_datasets (kind, n_rows, {COMMON}) "
        f"SELECT 'ehcp_' || form, n_rows, {COMMON} FROM web_send_datasets ORDER BY id"
    )
    op.drop_table("web_send_datasets")
    op.create_index("ix_web_datasets_council_kind", "web_datasets", ["council", "kind"])


def downgrade() -> None:
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
    op.execute(
        f"INSERT INTO web_send_datasets (form, n_rows, {COMMON}) "
        f"SELECT substr(kind, 6), n_rows, {COMMON} FROM web_datasets WHERE kind LIKE 'ehcp_%' ORDER BY id"
    )
    op.execute("DELETE FROM web_datasets WHERE kind <> 'returns'")
    op.drop_index("ix_web_datasets_council_kind", "web_datasets")
    with op.batch_alter_table("web_datasets") as batch:
        batch.alter_column(
            "n_rows",
            new_column_name="n_episodes",
            existing_type=sa.Integer,
            existing_nullable=False,
        )
        batch.drop_column("kind")
