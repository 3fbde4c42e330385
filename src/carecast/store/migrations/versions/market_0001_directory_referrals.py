"""market: directory of provision, import log, referral lifecycle

Revision ID: market_0001
Revises:
"""

import sqlalchemy as sa
from alembic import op

revision = "market_0001"
down_revision = None
branch_labels = ("market",)
depends_on = None


def upgrade() -> None:
    op.create_table(
        "market_homes",
        sa.Column("urn", sa.String(40), primary_key=True),
        sa.Column("name", sa.String(200)),
        sa.Column("provider", sa.String(200)),
        sa.Column("type", sa.String(40), nullable=False),
        sa.Column("host_council", sa.String(100)),
        sa.Column("postcode", sa.String(10)),
        sa.Column("places", sa.Integer, nullable=False),
        sa.Column("vacancies", sa.Integer),
        sa.Column("vacancies_reported", sa.Date),
        sa.Column("next_vacancy_date", sa.Date),
        sa.Column("ofsted_rating", sa.String(40)),
        sa.Column("ofsted_date", sa.Date),
        sa.Column("registration", sa.Text),
        sa.Column("needs", sa.Text, nullable=False),
        sa.Column("sexes", sa.String(10), nullable=False),
        sa.Column("age_min", sa.Integer),
        sa.Column("age_max", sa.Integer),
        sa.Column("same_day_admissions", sa.Boolean),
        sa.Column("max_staffing_ratio", sa.Float),
        sa.Column("price_min_weekly", sa.Float),
        sa.Column("price_max_weekly", sa.Float),
        sa.Column("education_on_site", sa.Boolean),
        sa.Column("placements_made", sa.Integer),
        sa.Column("good_outcomes", sa.Integer),
        sa.Column("breakdowns", sa.Integer),
        sa.Column("lat", sa.Float),
        sa.Column("lon", sa.Float),
        sa.Column("location_source", sa.String(20)),
        sa.Column("source_file", sa.Text),
        sa.Column("source_row", sa.Integer),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index("ix_market_homes_type", "market_homes", ["type"])
    op.create_index("ix_market_homes_host_council", "market_homes", ["host_council"])
    op.create_table(
        "market_feedback",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column(
            "urn",
            sa.String(40),
            sa.ForeignKey("market_homes.urn", ondelete="CASCADE"),
            nullable=False,
        ),
        sa.Column("need", sa.String(40), nullable=False),
        sa.Column("placements_made", sa.Integer, nullable=False),
        sa.Column("good_outcomes", sa.Integer),
        sa.Column("breakdowns", sa.Integer),
    )
    op.create_index("ix_market_feedback_urn", "market_feedback", ["urn"])
    op.create_table(
        "market_imports",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("sources", sa.JSON, nullable=False),
        sa.Column("rows_read", sa.Integer, nullable=False),
        sa.Column("homes_kept", sa.Integer, nullable=False),
        sa.Column("rows_rejected", sa.Integer, nullable=False),
        sa.Column("rows_repaired", sa.Integer, nullable=False),
        sa.Column("issue_counts", sa.JSON, nullable=False),
    )
    op.create_table(
        "market_referrals",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("reference", sa.String(60), nullable=False),
        sa.Column("council", sa.String(100), nullable=False),
        sa.Column("need_profile", sa.String(300), nullable=False),
        sa.Column("urgency", sa.String(20), nullable=False),
        sa.Column("needed_by", sa.Date, nullable=False),
        sa.Column("referred_on", sa.Date, nullable=False),
        sa.Column("status", sa.String(30), nullable=False),
        sa.Column("profile", sa.JSON, nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index("ix_market_referrals_reference", "market_referrals", ["reference"], unique=True)
    op.create_index("ix_market_referrals_council", "market_referrals", ["council"])
    op.create_index("ix_market_referrals_referred_on", "market_referrals", ["referred_on"])
    op.create_table(
        "market_shortlist",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column(
            "referral_id",
            sa.Integer,
            sa.ForeignKey("market_referrals.id", ondelete="CASCADE"),
            nullable=False,
        ),
        sa.Column("rank", sa.Integer, nullable=False),
        sa.Column("urn", sa.String(40), nullable=False),
        sa.Column("score", sa.Float, nullable=False),
        sa.Column("parts", sa.JSON, nullable=False),
    )
    op.create_index("ix_market_shortlist_referral_id", "market_shortlist", ["referral_id"])
    op.create_table(
        "market_responses",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column(
            "referral_id",
            sa.Integer,
            sa.ForeignKey("market_referrals.id", ondelete="CASCADE"),
            nullable=False,
        ),
        sa.Column("urn", sa.String(40), nullable=False),
        sa.Column("kind", sa.String(10), nullable=False),
        sa.Column("reason", sa.String(40)),
        sa.Column("note", sa.Text),
        sa.Column("responded_on", sa.Date, nullable=False),
        sa.Column("weekly_price", sa.Float),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index("ix_market_responses_referral_id", "market_responses", ["referral_id"])
    op.create_table(
        "market_placements",
        sa.Column(
            "referral_id",
            sa.Integer,
            sa.ForeignKey("market_referrals.id", ondelete="CASCADE"),
            primary_key=True,
        ),
        sa.Column("urn", sa.String(40), nullable=False),
        sa.Column("start_date", sa.Date, nullable=False),
        sa.Column("weekly_price", sa.Float),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    )


def downgrade() -> None:
    for table in (
        "market_placements",
        "market_responses",
        "market_shortlist",
        "market_referrals",
        "market_imports",
        "market_feedback",
        "market_homes",
    ):
        op.drop_table(table)
