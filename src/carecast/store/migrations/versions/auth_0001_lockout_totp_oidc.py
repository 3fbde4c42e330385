"""auth: login attempts, recovery codes; TOTP, provider subject and password reset on accounts;
session re-check and single sign-on tokens

Revision ID: auth_0001
Revises:
Depends on: web_0001
"""

import sqlalchemy as sa
from alembic import op

revision = "auth_0001"
down_revision = None
branch_labels = ("auth",)
depends_on = "web_0001"


def upgrade() -> None:
    with op.batch_alter_table("web_users") as batch:
        batch.add_column(
            sa.Column("must_change_password", sa.Boolean, nullable=False, server_default=sa.false())
        )
        batch.add_column(sa.Column("totp_secret", sa.String(64), nullable=True))
        batch.add_column(sa.Column("totp_last_step", sa.Integer, nullable=True))
        batch.add_column(sa.Column("oidc_subject", sa.String(255), nullable=True))
        batch.create_index("ix_web_users_oidc_subject", ["oidc_subject"])
    with op.batch_alter_table("web_sessions") as batch:
        batch.add_column(sa.Column("checked_at", sa.DateTime(timezone=True), nullable=True))
        batch.add_column(sa.Column("provider", sa.String(60), nullable=True))
        batch.add_column(sa.Column("id_token", sa.Text, nullable=True))
        batch.add_column(sa.Column("refresh_token", sa.Text, nullable=True))
    op.create_table(
        "web_login_attempts",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("kind", sa.String(20), nullable=False),
        sa.Column("account", sa.String(254), nullable=False),
        sa.Column("address", sa.String(64), nullable=False),
        sa.Column("ok", sa.Boolean, nullable=False),
    )
    op.create_index("ix_web_login_attempts_at", "web_login_attempts", ["at"])
    op.create_index("ix_web_login_attempts_account", "web_login_attempts", ["account"])
    op.create_index("ix_web_login_attempts_address", "web_login_attempts", ["address"])
    op.create_table(
        "web_recovery_codes",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column(
            "user_id", sa.Integer, sa.ForeignKey("web_users.id", ondelete="CASCADE"), nullable=False
        ),
        sa.Column("code_hash", sa.String(300), nullable=False),
        sa.Column("used_at", sa.DateTime(timezone=True), nullable=True),
    )
    op.create_index("ix_web_recovery_codes_user_id", "web_recovery_codes", ["user_id"])


def downgrade() -> None:
    op.drop_table("web_recovery_codes")
    op.drop_table("web_login_attempts")
    with op.batch_alter_table("web_sessions") as batch:
        for name in ("refresh_token", "id_token", "provider", "checked_at"):
            batch.drop_column(name)
    with op.batch_alter_table("web_users") as batch:
        batch.drop_index("ix_web_users_oidc_subject")
        for name in ("oidc_subject", "totp_last_step", "totp_secret", "must_change_password"):
            batch.drop_column(name)
