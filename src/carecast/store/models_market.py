"""Tables of the commissioning capability: the directory of provision, its import log, and the
referral lifecycle (referral → shortlist → offers and refusals with reasons → placement), kept
so the region can see where demand goes unmet (DOMAIN.md §5.1).

Referral profiles are the council's own records and stay in its own store (DOMAIN.md §7); the
unmet-need report built from them is aggregated by need profile and month.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import JSON, Boolean, Date, DateTime, Float, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from carecast.store.db import Base


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


class MarketHome(Base):
    """One home or service in the directory, keyed on its Ofsted URN (see market.directory)."""

    __tablename__ = "market_homes"

    urn: Mapped[str] = mapped_column(String(40), primary_key=True)
    name: Mapped[str | None] = mapped_column(String(200), nullable=True)
    provider: Mapped[str | None] = mapped_column(String(200), nullable=True)
    type: Mapped[str] = mapped_column(String(40), index=True)
    host_council: Mapped[str | None] = mapped_column(String(100), nullable=True, index=True)
    postcode: Mapped[str | None] = mapped_column(String(10), nullable=True)
    places: Mapped[int] = mapped_column(Integer)
    vacancies: Mapped[int | None] = mapped_column(Integer, nullable=True)
    vacancies_reported: Mapped[dt.date | None] = mapped_column(Date, nullable=True)
    next_vacancy_date: Mapped[dt.date | None] = mapped_column(Date, nullable=True)
    ofsted_rating: Mapped[str | None] = mapped_column(String(40), nullable=True)
    ofsted_date: Mapped[dt.date | None] = mapped_column(Date, nullable=True)
    registration: Mapped[str | None] = mapped_column(Text, nullable=True)
    needs: Mapped[str] = mapped_column(Text, default="")  # ";"-joined need ids
    sexes: Mapped[str] = mapped_column(String(10), default="any")
    age_min: Mapped[int | None] = mapped_column(Integer, nullable=True)
    age_max: Mapped[int | None] = mapped_column(Integer, nullable=True)
    same_day_admissions: Mapped[bool | None] = mapped_column(Boolean, nullable=True)
    max_staffing_ratio: Mapped[float | None] = mapped_column(Float, nullable=True)
    price_min_weekly: Mapped[float | None] = mapped_column(Float, nullable=True)
    price_max_weekly: Mapped[float | None] = mapped_column(Float, nullable=True)
    education_on_site: Mapped[bool | None] = mapped_column(Boolean, nullable=True)
    placements_made: Mapped[int | None] = mapped_column(Integer, nullable=True)
    good_outcomes: Mapped[int | None] = mapped_column(Integer, nullable=True)
    breakdowns: Mapped[int | None] = mapped_column(Integer, nullable=True)
    lat: Mapped[float | None] = mapped_column(Float, nullable=True)
    lon: Mapped[float | None] = mapped_column(Float, nullable=True)
    location_source: Mapped[str | None] = mapped_column(String(20), nullable=True)
    source_file: Mapped[str | None] = mapped_column(Text, nullable=True)
    source_row: Mapped[int | None] = mapped_column(Integer, nullable=True)
    updated_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=_now)


class MarketFeedback(Base):
    """Commissioners' structured feedback on a home, for one need ("any" = all children)."""

    __tablename__ = "market_feedback"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    urn: Mapped[str] = mapped_column(ForeignKey("market_homes.urn", ondelete="CASCADE"), index=True)
    need: Mapped[str] = mapped_column(String(40))
    placements_made: Mapped[int] = mapped_column(Integer)
    good_outcomes: Mapped[int | None] = mapped_column(Integer, nullable=True)
    breakdowns: Mapped[int | None] = mapped_column(Integer, nullable=True)


class MarketImport(Base):
    """One directory import: what was read, kept, rejected and repaired, and why (by reason)."""

    __tablename__ = "market_imports"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=_now)
    sources: Mapped[list] = mapped_column(JSON, default=list)
    rows_read: Mapped[int] = mapped_column(Integer)
    homes_kept: Mapped[int] = mapped_column(Integer)
    rows_rejected: Mapped[int] = mapped_column(Integer)
    rows_repaired: Mapped[int] = mapped_column(Integer)
    issue_counts: Mapped[list] = mapped_column(JSON, default=list)


class MarketReferral(Base):
    """A referral profile as sent, with its current status (open, no_match, offered, placed,
    refused_everywhere, withdrawn, no_placement_found)."""

    __tablename__ = "market_referrals"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    reference: Mapped[str] = mapped_column(String(60), unique=True, index=True)
    council: Mapped[str] = mapped_column(String(100), index=True)
    need_profile: Mapped[str] = mapped_column(String(300))
    urgency: Mapped[str] = mapped_column(String(20))
    needed_by: Mapped[dt.date] = mapped_column(Date)
    referred_on: Mapped[dt.date] = mapped_column(Date, index=True)
    status: Mapped[str] = mapped_column(String(30), default="open")
    profile: Mapped[dict] = mapped_column(JSON)
    filters: Mapped[list | None] = mapped_column(
        JSON, nullable=True
    )  # hard-filter funnel at matching time
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=_now)


class MarketShortlistEntry(Base):
    """A home on a referral's shortlist, with its rank, score and the points of each part."""

    __tablename__ = "market_shortlist"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    referral_id: Mapped[int] = mapped_column(
        ForeignKey("market_referrals.id", ondelete="CASCADE"), index=True
    )
    rank: Mapped[int] = mapped_column(Integer)
    urn: Mapped[str] = mapped_column(String(40))
    score: Mapped[float] = mapped_column(Float)
    parts: Mapped[dict] = mapped_column(JSON, default=dict)


class MarketResponse(Base):
    """A provider's answer to a referral: an offer, or a refusal with its reason."""

    __tablename__ = "market_responses"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    referral_id: Mapped[int] = mapped_column(
        ForeignKey("market_referrals.id", ondelete="CASCADE"), index=True
    )
    urn: Mapped[str] = mapped_column(String(40))
    kind: Mapped[str] = mapped_column(String(10))  # offer | refusal
    reason: Mapped[str | None] = mapped_column(String(40), nullable=True)
    note: Mapped[str | None] = mapped_column(Text, nullable=True)
    responded_on: Mapped[dt.date] = mapped_column(Date)
    weekly_price: Mapped[float | None] = mapped_column(Float, nullable=True)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=_now)


class MarketPlacement(Base):
    """Where the child went: the final placement of a referral (at most one)."""

    __tablename__ = "market_placements"

    referral_id: Mapped[int] = mapped_column(
        ForeignKey("market_referrals.id", ondelete="CASCADE"), primary_key=True
    )
    urn: Mapped[str] = mapped_column(String(40))
    start_date: Mapped[dt.date] = mapped_column(Date)
    weekly_price: Mapped[float | None] = mapped_column(Float, nullable=True)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=_now)
