"""web: every returns upload is a version of the council's data, kept by collection year

A returns row of ``web_datasets`` records which stored return makes each collection year
(``years``: year -> hash of that year's files), the files uploaded, what changed against the
version before and, for a rollback, the version it restores. Rows from before have none of these.

Revision ID: web_0004
Revises: web_0003
"""

import sqlalchemy as sa
from alembic import op

revision = "web_0004"
down_revision = "web_0003"
branch_labels = None
depends_on = None

COLUMNS = ("years", "files", "changes")


def upgrade() -> None:
    with op.batch_alter_table("web_datasets") as batch:
        for name in COLUMNS:
            batch.add_column(sa.Column(name, sa.JSON, nullable=True))
        batch.add_column(sa.Column("restored_from", sa.Integer, nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("web_datasets") as batch:
        for name in (*COLUMNS, "restored_from"):
            batch.drop_column(name)
