"""Persistence of the directory and the referral lifecycle in the carecast store.

The directory is upserted by URN (a newer import of a home replaces the older row, so vacancy
updates can be imported alone); every import is logged with its counts by reason. A referral is
recorded with its shortlist; offers, refusals (with a reason from the vocabulary) and the final
placement follow, and the referral's status is recomputed after each.
"""

from __future__ import annotations

import datetime as dt
import json

import polars as pl
from sqlalchemy import delete, func, insert, select

from carecast.errors import NotFoundError, ParameterError
from carecast.market.directory import FEEDBACK_COLUMNS, HOME_COLUMNS, Directory
from carecast.market.matching import MatchResult
from carecast.market.referral import Referral, parse_referral
from carecast.market.settings import PARTS
from carecast.market.vocab import vocabulary
from carecast.store import session_scope
from carecast.store.models_market import (
    MarketFeedback,
    MarketHome,
    MarketImport,
    MarketPlacement,
    MarketReferral,
    MarketResponse,
    MarketShortlistEntry,
)

CLOSING_OUTCOMES = ("withdrawn", "no_placement_found")
_HOME_FIELDS = list(HOME_COLUMNS)


def save_directory(directory: Directory, url: str | None = None) -> int:
    """Upsert the directory's homes by URN and log the import. Returns the import id.

    A home's feedback is replaced only when the import brings feedback for it; an import that
    only updates vacancies keeps the commissioners' feedback already stored.
    """
    rows = (
        directory.homes.with_columns(
            pl.col("needs").list.join(";"), pl.lit(dt.datetime.now(dt.UTC)).alias("updated_at")
        )
        .select(*_HOME_FIELDS, "updated_at")
        .to_dicts()
    )
    urns = directory.homes.get_column("urn").to_list()
    with_feedback = set(directory.feedback.get_column("urn").to_list())
    with session_scope(url) as s:
        kept_fb = []
        for i in range(0, len(urns), 500):
            chunk = urns[i : i + 500]
            kept_fb += [
                dict(r)
                for r in s.execute(
                    select(*[getattr(MarketFeedback, c) for c in FEEDBACK_COLUMNS]).where(
                        MarketFeedback.urn.in_(chunk)
                    )
                ).mappings()
                if r["urn"] not in with_feedback
            ]
            s.execute(delete(MarketFeedback).where(MarketFeedback.urn.in_(chunk)))
            s.execute(delete(MarketHome).where(MarketHome.urn.in_(chunk)))
        if rows:
            s.execute(insert(MarketHome), rows)
        fb = directory.feedback.to_dicts() + kept_fb
        if fb:
            s.execute(insert(MarketFeedback), fb)
        summary = directory.summary()
        log = MarketImport(
            sources=summary["sources"],
            rows_read=summary["rows_read"],
            homes_kept=summary["homes_kept"],
            rows_rejected=summary["rows_rejected"],
            rows_repaired=summary["rows_repaired"],
            issue_counts=directory.issue_counts().to_dicts(),
        )
        s.add(log)
        s.flush()
        return log.id


def load_stored_directory(url: str | None = None) -> Directory:
    """The directory as the store holds it."""
    with session_scope(url) as s:
        homes = s.execute(select(*[getattr(MarketHome, c) for c in _HOME_FIELDS])).mappings().all()
        fb = (
            s.execute(select(*[getattr(MarketFeedback, c) for c in FEEDBACK_COLUMNS]))
            .mappings()
            .all()
        )
    schema = {**HOME_COLUMNS, "needs": pl.Utf8}
    frame = (
        pl.DataFrame([dict(r) for r in homes], schema=schema, orient="row")
        if homes
        else pl.DataFrame(schema=schema)
    )
    frame = frame.with_columns(
        pl.when(pl.col("needs") == "")
        .then(pl.lit([], pl.List(pl.Utf8)))
        .otherwise(pl.col("needs").str.split(";"))
        .alias("needs")
    ).sort("urn")
    feedback = (
        pl.DataFrame([dict(r) for r in fb], schema=FEEDBACK_COLUMNS, orient="row")
        if fb
        else pl.DataFrame(schema=FEEDBACK_COLUMNS)
    )
    return Directory(frame, feedback, sources=["carecast store"], rows_read=frame.height)


def _get(s, reference: str) -> MarketReferral:
    ref = s.execute(
        select(MarketReferral).where(MarketReferral.reference == reference)
    ).scalar_one_or_none()
    if ref is None:
        raise NotFoundError(
            f"there is no referral '{reference}' in the store",
            fix="check the reference (carecast referral list shows them)",
        )
    return ref


def _next_reference(s, council: str, on: dt.date) -> str:
    n = s.execute(select(func.count()).select_from(MarketReferral)).scalar_one() + 1
    return f"{council[:3].upper()}-{on:%Y%m}-{n:04d}"


def record_referral(
    referral: Referral,
    result: MatchResult | None = None,
    url: str | None = None,
    on: dt.date | None = None,
) -> str:
    """Store a referral and (if given) its shortlist. Returns its reference."""
    day = on or referral.referred_on or dt.date.today()
    with session_scope(url) as s:
        reference = referral.reference or _next_reference(s, referral.council, day)
        if s.execute(
            select(MarketReferral.id).where(MarketReferral.reference == reference)
        ).first():
            raise ParameterError(
                f"a referral '{reference}' is already recorded",
                fix="give the new referral its own reference, or leave it out and carecast will number it",
            )
        profile = json.loads(referral.model_dump_json())
        profile["reference"] = reference
        row = MarketReferral(
            reference=reference,
            council=referral.council,
            need_profile=referral.need_profile,
            urgency=referral.urgency,
            needed_by=referral.needed_by,
            referred_on=day,
            status="open",
            profile=profile,
            filters=result.filters.drop("rule").to_dicts() if result is not None else None,
        )
        s.add(row)
        s.flush()
        if result is not None:
            entries = [
                {
                    "referral_id": row.id,
                    "rank": r["rank"],
                    "urn": r["urn"],
                    "score": r["score"],
                    "parts": {p: r[f"pts_{p}"] for p in PARTS},
                }
                for r in result.shortlist.iter_rows(named=True)
            ]
            if entries:
                s.execute(insert(MarketShortlistEntry), entries)
        _refresh_status(s, row)
        return reference


def record_response(
    reference: str,
    urn: str,
    kind: str,
    *,
    reason: str | None = None,
    note: str | None = None,
    on: dt.date | None = None,
    weekly_price: float | None = None,
    url: str | None = None,
) -> str:
    """Record an offer or a refusal (refusals need a reason from the vocabulary). Returns the new status."""
    if kind not in ("offer", "refusal"):
        raise ParameterError(f"a response is an offer or a refusal, not '{kind}'")
    if kind == "refusal":
        terms = vocabulary().refusal_reasons
        code = terms.lookup(reason) if reason else None
        if code is None:
            raise ParameterError(
                f"'{reason}' is not a refusal reason" if reason else "a refusal needs a reason",
                fix=f"use one of {terms.describe()} (and --note for detail)",
            )
        reason = code
    with session_scope(url) as s:
        ref = _get(s, reference)
        s.add(
            MarketResponse(
                referral_id=ref.id,
                urn=urn,
                kind=kind,
                reason=reason,
                note=note,
                responded_on=on or dt.date.today(),
                weekly_price=weekly_price,
            )
        )
        s.flush()
        return _refresh_status(s, ref)


def record_placement(
    reference: str,
    urn: str,
    start: dt.date,
    *,
    weekly_price: float | None = None,
    url: str | None = None,
) -> str:
    with session_scope(url) as s:
        ref = _get(s, reference)
        s.execute(delete(MarketPlacement).where(MarketPlacement.referral_id == ref.id))
        s.add(
            MarketPlacement(
                referral_id=ref.id, urn=urn, start_date=start, weekly_price=weekly_price
            )
        )
        s.flush()
        return _refresh_status(s, ref)


def close_referral(reference: str, outcome: str, url: str | None = None) -> str:
    """Close a referral without a placement: ``withdrawn`` or ``no_placement_found`` (counts as unmet)."""
    if outcome not in CLOSING_OUTCOMES:
        raise ParameterError(
            f"'{outcome}' is not a way to close a referral",
            fix=f"use one of {', '.join(CLOSING_OUTCOMES)}",
        )
    with session_scope(url) as s:
        ref = _get(s, reference)
        ref.status = outcome
        return outcome


def _refresh_status(s, ref: MarketReferral) -> str:
    if ref.status in CLOSING_OUTCOMES:
        return ref.status
    placed = s.execute(
        select(MarketPlacement.urn).where(MarketPlacement.referral_id == ref.id)
    ).first()
    shortlist = set(
        s.execute(
            select(MarketShortlistEntry.urn).where(MarketShortlistEntry.referral_id == ref.id)
        ).scalars()
    )
    responses = s.execute(
        select(MarketResponse.urn, MarketResponse.kind).where(MarketResponse.referral_id == ref.id)
    ).all()
    refused = {u for u, k in responses if k == "refusal"}
    offered = {u for u, k in responses if k == "offer"} - refused
    if placed:
        status = "placed"
    elif offered:
        status = "offered"
    elif not shortlist:
        status = "no_match"
    elif shortlist <= refused:
        status = "refused_everywhere"
    else:
        status = "open"
    ref.status = status
    return status


def referral_record(reference: str, url: str | None = None) -> dict:
    """Everything about one referral: profile, status, shortlist, responses, placement."""
    with session_scope(url) as s:
        ref = _get(s, reference)
        shortlist = (
            s.execute(
                select(
                    MarketShortlistEntry.rank,
                    MarketShortlistEntry.urn,
                    MarketShortlistEntry.score,
                    MarketShortlistEntry.parts,
                )
                .where(MarketShortlistEntry.referral_id == ref.id)
                .order_by(MarketShortlistEntry.rank)
            )
            .mappings()
            .all()
        )
        responses = (
            s.execute(
                select(
                    MarketResponse.urn,
                    MarketResponse.kind,
                    MarketResponse.reason,
                    MarketResponse.note,
                    MarketResponse.responded_on,
                    MarketResponse.weekly_price,
                )
                .where(MarketResponse.referral_id == ref.id)
                .order_by(MarketResponse.id)
            )
            .mappings()
            .all()
        )
        placement = (
            s.execute(
                select(
                    MarketPlacement.urn, MarketPlacement.start_date, MarketPlacement.weekly_price
                ).where(MarketPlacement.referral_id == ref.id)
            )
            .mappings()
            .first()
        )
        return {
            "reference": ref.reference,
            "council": ref.council,
            "status": ref.status,
            "need_profile": ref.need_profile,
            "urgency": ref.urgency,
            "needed_by": ref.needed_by,
            "referred_on": ref.referred_on,
            "referral": parse_referral(ref.profile, f"store:{ref.reference}"),
            "shortlist": pl.DataFrame(
                [{**dict(r), "parts": json.dumps(r["parts"])} for r in shortlist],
                schema=_SHORTLIST_SCHEMA,
                orient="row",
            ),
            "responses": pl.DataFrame(
                [dict(r) for r in responses], schema=_RESPONSE_SCHEMA, orient="row"
            ),
            "placement": dict(placement) if placement else None,
        }


def _closing_filter(funnel: list | None) -> str | None:
    """The hard filter after which no home was left (None if some home passed or no funnel was kept)."""
    for step in funnel or []:
        if step["homes_left_after"] == 0:
            return step["filter"]
    return None


_SHORTLIST_SCHEMA = {"rank": pl.Int32, "urn": pl.Utf8, "score": pl.Float64, "parts": pl.Utf8}
_RESPONSE_SCHEMA = {
    "urn": pl.Utf8,
    "kind": pl.Utf8,
    "reason": pl.Utf8,
    "note": pl.Utf8,
    "responded_on": pl.Date,
    "weekly_price": pl.Float64,
}


def referrals_frame(url: str | None = None) -> pl.DataFrame:
    """One row per referral with its status and counts of shortlisted homes, offers and refusals."""
    with session_scope(url) as s:
        refs = (
            s.execute(
                select(
                    MarketReferral.id,
                    MarketReferral.reference,
                    MarketReferral.council,
                    MarketReferral.need_profile,
                    MarketReferral.urgency,
                    MarketReferral.needed_by,
                    MarketReferral.referred_on,
                    MarketReferral.status,
                    MarketReferral.filters,
                )
            )
            .mappings()
            .all()
        )
        short = s.execute(
            select(MarketShortlistEntry.referral_id, func.count()).group_by(
                MarketShortlistEntry.referral_id
            )
        ).all()
        resp = s.execute(
            select(MarketResponse.referral_id, MarketResponse.kind, MarketResponse.reason)
        ).all()
    schema = {
        "id": pl.Int64,
        "reference": pl.Utf8,
        "council": pl.Utf8,
        "need_profile": pl.Utf8,
        "urgency": pl.Utf8,
        "needed_by": pl.Date,
        "referred_on": pl.Date,
        "status": pl.Utf8,
        "closing_filter": pl.Utf8,
    }
    df = pl.DataFrame(
        [{**dict(r), "closing_filter": _closing_filter(r["filters"])} for r in refs],
        schema=schema,
        orient="row",
    )
    n_short = pl.DataFrame(
        short, schema={"id": pl.Int64, "homes_shortlisted": pl.Int64}, orient="row"
    )
    answers = (
        pl.DataFrame(
            resp, schema={"id": pl.Int64, "kind": pl.Utf8, "reason": pl.Utf8}, orient="row"
        )
        .group_by("id")
        .agg(
            (pl.col("kind") == "offer").sum().cast(pl.Int64).alias("offers"),
            (pl.col("kind") == "refusal").sum().cast(pl.Int64).alias("refusals"),
            pl.col("reason").drop_nulls().unique().sort().str.join(";").alias("refusal_reasons"),
        )
    )
    return (
        df.join(n_short, on="id", how="left")
        .join(answers, on="id", how="left")
        .with_columns(
            pl.col("homes_shortlisted", "offers", "refusals").fill_null(0),
            pl.col("refusal_reasons").fill_null(""),
        )
        .drop("id")
        .sort("referred_on", "reference")
    )
