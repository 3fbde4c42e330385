"""The truth: the clean children and episodes tables a perfect loader would produce.

Conformed to ``carecast.schema.tables`` (``EPISODE_COLUMNS`` / ``CHILDREN_COLUMNS``). Only what
the returns can show is included: episodes open at some time in the collection years written.
Periods of care are numbered from those visible episodes (a period that began before the first
return starts, for the data, at its first visible episode). ``dec``/``rec`` are null for
episodes still open at the data end. Provenance points at the latest return holding a copy of the
episode (what a loader that prefers the latest return keeps).
"""

from __future__ import annotations

import datetime as dt

import numpy as np
import polars as pl

from carecast.schema import CHILDREN_COLUMNS, EPISODE_COLUMNS, conform, load_categories
from carecast.synth.careers import UASC, Simulation
from carecast.synth.draw import lookup, text_frame
from carecast.synth.geography import Geography
from carecast.synth.returns import ChildRecords

_DAYS = 365.25


def truth_tables(sim: Simulation, geo: Geography, recs: ChildRecords, text: pl.DataFrame, first_day: int,
                 data_end_day: int, provenance: pl.DataFrame) -> tuple[pl.DataFrame, pl.DataFrame]:
    """(children, episodes) truth tables.

    ``text`` is ``returns.episode_text``; ``provenance`` has _ep, collection_year, source_file, source_row.
    """
    e, kids = sim.episodes, sim.children
    vis = np.flatnonzero((e.dec >= first_day) & (e.decom <= data_end_day))
    child = e.child[vis]
    names = np.array([c.name for c in geo.councils], dtype=object)
    council = kids.council[child]
    is_open = e.dec[vis] > data_end_day
    home, plc = kids.home_pc[child], e.pl_pc[vis]
    pl_la = geo.pc_council[plc]
    fields = text[vis].rename(lambda c: c.lower())
    frame = pl.concat([text_frame({
        "_ep": vis,
        "_period": e.period[vis],
        "council": lookup(names, council),
        "decom": e.decom[vis].astype(np.int32),
        "dec": np.where(is_open, 0, e.dec[vis]).astype(np.int32),
        "_open": is_open,
        "sex": kids.sex[child].astype(np.int8),
        "dob": kids.dob[child].astype(np.int32),
        "is_uasc": kids.kind[child] == UASC,
        "age_at_start": (e.decom[vis] - kids.dob[child]) / _DAYS,
        "age_at_end": (e.dec[vis] - kids.dob[child]) / _DAYS,
        "home_la": lookup(names, geo.pc_council[home]),
        "placement_la": lookup(names, pl_la),
        "distance_miles": geo.miles(home, plc),
        "in_area": pl_la == council,
    }), fields.rename({"child": "child_id"})], how="horizontal").with_columns(
        pl.col("decom", "dec", "dob").cast(pl.Date))
    open_ = pl.col("_open")
    frame = frame.with_columns(
        pl.when(open_).then(None).otherwise(pl.col(c)).alias(c)
        for c in ("dec", "rec", "reason_place_change", "age_at_end")
    )
    frame = load_categories().classify(frame).with_columns(
        pl.col("ls").is_in(["V3", "V4"]).alias("is_short_break"),
        pl.lit(dt.date(1970, 1, 1) + dt.timedelta(days=data_end_day)).alias("data_end"),
        pl.lit("").alias("repairs"),
    )
    periods = (frame.group_by("council", "child_id", "_period")
               .agg(pl.col("decom").min().alias("period_start"),
                    pl.when(open_.any()).then(None).otherwise(pl.col("dec").max()).alias("period_end"))
               .sort("council", "child_id", "period_start")
               .with_columns(pl.col("period_start").rank("ordinal").over("council", "child_id")
                             .cast(pl.Int32).alias("period_id")))
    frame = (frame.join(periods.select("_period", "period_start", "period_end", "period_id"), on="_period")
             .join(provenance, on="_ep", how="left")
             .sort("council", "child_id", "decom"))
    episodes = conform(frame, EPISODE_COLUMNS)

    kid = np.unique(child)
    children = conform(text_frame({
        "council": lookup(names, kids.council[kid]),
        "child_id": recs.child_id(kid),
        "sex": kids.sex[kid],
        "dob": kids.dob[kid].astype(np.int32),
        "ethnic": lookup(recs.ethnic, kid),
        "is_uasc": kids.kind[kid] == UASC,
    }).with_columns(pl.col("dob").cast(pl.Date)), CHILDREN_COLUMNS).sort("council", "child_id")
    return children, episodes
