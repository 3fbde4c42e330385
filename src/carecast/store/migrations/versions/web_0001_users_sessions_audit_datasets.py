"""web: users, login sessions, audit log, uploaded data sets

Revision ID: web_0001
Revises:
"""

import sqlalchemy as sa
from alembic import op

revision = "web_0001"
down_revision = None
branch_labels = ("web",)
depends_on = None


def upgrade() -> None:
    op.create_table(
        "web_users",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("email", sa.String(254), nullable=False),
        sa.Column("password_hash", sa.String(300), nullable=False),
        sa.Column("role", sa.String(40), nullable=False),
        sa.Column("council", sa.String(100), nullable=True),
        sa.Column("region", sa.String(100), nullable=True),
        sa.Column("is_active", sa.Boolean, nullable=False, server_default=sa.true()),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index("ix_web_users_email", "web_users", ["email"], unique=True)
    op.create_table(
        "web_sessions",
        sa.Column("token_hash", sa.String(64), primary_key=True),
        sa.Column(
            "user_id", sa.Integer, sa.ForeignKey("web_users.id", ondelete="CASCADE"), nullable=False
        ),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index("ix_web_sessions_user_id", "web_sessions", ["user_id"])
    op.create_table(
        "web_audit_events",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("user_email", sa.String(254), nullable=True),
        sa.Column("action", sa.String(40), nullable=False),
        sa.Column("council", sa.String(100), nullable=True),
        sa.Column("detail", sa.JSON, nullable=False),
    )
    op.create_index("ix_web_audit_events_at", "web_audit_events", ["at"])
    op.create_index("ix_web_audit_events_action", "web_audit_events", ["action"])
    op.create_table(
        "web_datasets",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("council", sa.String(100), nullable=False),
        sa.Column("uploaded_by", sa.String(254), nullable=False),
        sa.Column("uploaded_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("content_hash", sa.String(64), nullable=False),
        sa.Column("n_children", sa.Integer, nullable=False),
        sa.Column("n_episodes", sa.Integer, nullable=False),
        sa.Column("storage", sa.Text, nullable=False),
        sa.Column("quality", sa.JSON, nullable=False),
    )
    op.create_index("ix_web_datasets_council", "web_datasets", ["council"])


def downgrade() -> None:
    op.drop_table("web_datasets")
    op.drop_table("web_audit_events")
    op.drop_table("web_sessions")
    op.drop_table("web_users")
