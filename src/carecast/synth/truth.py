"""The truth: the clean children and episodes tables a perfect loader would produce.

Conformed to ``carecast.schema.tables`` (``EPISODE_COLUMNS`` / ``CHILDREN_COLUMNS``). Only what
the returns can show is included: episodes open at some time in the collection years written.
Periods of care are numbered from those visible episodes (a period that began before the first
return starts, for the data, at its first visible episode). ``dec``/``rec`` are null for
episodes still open at the data end. Provenance (``collection_year``, ``source_file`` relative to
the output folder, ``source_row``) points at the latest return holding a genuine copy of the
episode: what a loader that prefers the latest return keeps.
"""

from __future__ import annotations

import datetime as dt

import numpy as np
import polars as pl

from carecast.plumbing.constants import DAYS_PER_YEAR
from carecast.schema import CHILDREN_COLUMNS, EPISODE_COLUMNS, conform, load_categories
from carecast.synth.careers import UASC, Simulation
from carecast.synth.draw import ffill_index, group_starts, lookup, text_frame
from carecast.synth.geography import Geography
from carecast.synth.returns import ChildRecords


def provenance(rows: pl.DataFrame, n_episodes: int) -> tuple[np.ndarray, np.ndarray]:
    """Per simulated episode: (collection year, line) of its latest genuine copy; -1 if never written."""
    keep = (rows["_copy"] != "duplicate_row").to_numpy()
    ep, year, line = (rows[c].to_numpy()[keep] for c in ("_ep", "_year", "_line"))
    order = np.lexsort((line, -year, ep))
    first = order[group_starts(ep[order])]
    out_year = np.full(n_episodes, -1, np.int64)
    out_line = np.full(n_episodes, -1, np.int64)
    out_year[ep[first]] = year[first]
    out_line[ep[first]] = line[first]
    return out_year, out_line


def _periods(
    child: np.ndarray, period: np.ndarray, decom: np.ndarray, dec: np.ndarray, is_open: np.ndarray
):
    """period_id (1, 2, ... per child), period start and end (-1 if open) for rows sorted by child, decom."""
    new_child = group_starts(child)
    new_period = new_child | group_starts(period)
    number = np.cumsum(new_period)
    period_id = number - number[ffill_index(new_child)] + 1
    start = decom[ffill_index(new_period)]
    last = np.flatnonzero(np.r_[new_period[1:], True])
    end_of = np.where(is_open[last], -1, dec[last])
    return period_id, start, end_of[number - 1]


def truth_tables(
    sim: Simulation,
    geo: Geography,
    recs: ChildRecords,
    text: pl.DataFrame,
    first_day: int,
    data_end_day: int,
    prov: tuple[np.ndarray, np.ndarray],
) -> tuple[pl.DataFrame, pl.DataFrame]:
    """(children, episodes) truth tables, sorted by council, child and start.

    ``text`` is ``returns.episode_text``; ``prov`` comes from :func:`provenance`.
    """
    e, kids = sim.episodes, sim.children
    vis = np.flatnonzero((e.dec >= first_day) & (e.decom <= data_end_day))
    names = np.array([c.name for c in geo.councils], dtype=object)
    by_name = np.argsort(np.argsort(names))  # CHILD ids all have seven digits: numeric = text order
    vis = vis[
        np.lexsort((e.decom[vis], recs.cid[e.child[vis]], by_name[kids.council[e.child[vis]]]))
    ]
    child = e.child[vis]
    council = kids.council[child]
    is_open = e.dec[vis] > data_end_day
    home, plc = kids.home_pc[child], e.pl_pc[vis]
    pl_la = geo.pc_council[plc]
    period_id, p_start, p_end = _periods(child, e.period[vis], e.decom[vis], e.dec[vis], is_open)
    year, line = prov[0][vis], prov[1][vis]
    frame = pl.concat(
        [
            text_frame(
                {
                    "council": lookup(names, council),
                    "decom": e.decom[vis].astype(np.int32),
                    "dec": np.where(is_open, 0, e.dec[vis]).astype(np.int32),
                    "_open": is_open,
                    "sex": kids.sex[child].astype(np.int8),
                    "dob": kids.dob[child].astype(np.int32),
                    "is_uasc": kids.kind[child] == UASC,
                    "period_id": period_id.astype(np.int32),
                    "period_start": p_start.astype(np.int32),
                    "period_end": p_end.astype(np.int32),
                    "age_at_start": (e.decom[vis] - kids.dob[child]) / DAYS_PER_YEAR,
                    "age_at_end": (e.dec[vis] - kids.dob[child]) / DAYS_PER_YEAR,
                    "home_la": lookup(names, geo.pc_council[home]),
                    "placement_la": lookup(names, pl_la),
                    "distance_miles": geo.miles(home, plc),
                    "in_area": pl_la == council,
                    "collection_year": year.astype(np.int32),
                    "source_row": line,
                }
            ),
            text[vis].rename(lambda c: c.lower()).rename({"child": "child_id"}),
        ],
        how="horizontal",
    )
    open_ = pl.col("_open")
    frame = frame.with_columns(
        pl.col("decom", "dec", "dob", "period_start").cast(pl.Date),
        pl.when(pl.col("period_end") >= 0)
        .then(pl.col("period_end").cast(pl.Date))
        .alias("period_end"),
        *[
            pl.when(open_).then(None).otherwise(pl.col(c)).alias(c)
            for c in ("rec", "reason_place_change", "age_at_end")
        ],
        pl.format("{}/{}/episodes.csv", "council", "collection_year").alias("source_file"),
        pl.col("ls").is_in(["V3", "V4"]).alias("is_short_break"),
        pl.lit(dt.date(1970, 1, 1) + dt.timedelta(days=data_end_day)).alias("data_end"),
        pl.lit("").alias("repairs"),
    ).with_columns(pl.when(open_).then(None).otherwise(pl.col("dec")).alias("dec"))
    # classify the few distinct (place, provider, legal status) combinations, then join them back
    keys = ["place", "place_provider", "ls"]
    combos = load_categories().classify(frame.select(keys).unique())
    episodes = conform(
        frame.join(combos, on=keys, how="left", nulls_equal=True, maintain_order="left"),
        EPISODE_COLUMNS,
    )

    kid = np.unique(child)
    kid = kid[np.lexsort((recs.cid[kid], by_name[kids.council[kid]]))]
    children = conform(
        text_frame(
            {
                "council": lookup(names, kids.council[kid]),
                "child_id": recs.child_id(kid),
                "sex": kids.sex[kid],
                "dob": kids.dob[kid].astype(np.int32),
                "ethnic": lookup(recs.ethnic, kid),
                "is_uasc": kids.kind[kid] == UASC,
            }
        ).with_columns(pl.col("dob").cast(pl.Date)),
        CHILDREN_COLUMNS,
    )
    return children, episodes
