"""Occurrences and person-days at risk per state over the reference window.

Each episode is clipped to the window and to the child's 18th birthday, then cut at every
birthday that changes age band and every time-in-care boundary, so each piece lies in one state.
Exposure is the pieces' length in days; an occurrence is the event at the episode's end (a move
to another category or an exit), counted in the state the child was in just before it. Episodes
still open at the end of the data contribute exposure and no event (right-censored).
"""

from __future__ import annotations

import datetime as dt

import numpy as np
import polars as pl

from carecast.forecast.ages import birthday_expr
from carecast.forecast.prepare import CareHistory
from carecast.forecast.states import StateSpace


def occurrence_exposure(
    history: CareHistory, space: StateSpace, lo: dt.date, hi: dt.date
) -> tuple[np.ndarray, np.ndarray]:
    """``(occurrences[state, destination], exposure_days[state])`` over the window (lo, hi]."""
    bdays = [birthday_expr("dob", a).alias(f"_b{i}") for i, a in enumerate(space.age_lowers[1:])]
    durs = [
        (pl.col("period_start") + pl.duration(days=d)).alias(f"_d{i}")
        for i, d in enumerate(space.duration_lowers[1:])
    ]
    frame = (
        history.episodes.with_columns(
            pl.max_horizontal(pl.col("decom"), pl.lit(lo)).alias("seg_lo"),
            pl.min_horizontal(
                pl.col("end").fill_null(history.data_end), pl.lit(hi), pl.col("bday18")
            ).alias("seg_hi"),
            *bdays,
            *durs,
        )
        .filter(pl.col("seg_hi") > pl.col("seg_lo"))
        .with_columns(
            pl.when(
                pl.col("event").is_not_null()
                & (pl.col("end") <= hi)
                & (pl.col("end") < pl.col("bday18"))
            )
            .then(pl.col("event"))
            .alias("event"),
        )
        .with_row_index("row")
    )
    b_cols = [f"_b{i}" for i in range(len(bdays))]
    d_cols = [f"_d{i}" for i in range(len(durs))]
    pieces = (
        frame.select("row", pl.concat_list(["seg_lo", *b_cols, *d_cols, "seg_hi"]).alias("cut"))
        .explode("cut")
        .join(
            frame.select("row", "seg_lo", "seg_hi", "category", "event", *b_cols, *d_cols), on="row"
        )
        .filter((pl.col("cut") >= pl.col("seg_lo")) & (pl.col("cut") <= pl.col("seg_hi")))
        .unique(["row", "cut"])
        .sort("row", "cut")
        .with_columns(pl.col("cut").shift(-1).over("row").alias("cut_end"))
        .filter(pl.col("cut_end").is_not_null())
        .with_columns(
            pl.sum_horizontal(
                [(pl.col(c) <= pl.col("cut")).cast(pl.Int32) for c in b_cols] or [pl.lit(0)]
            ).alias("age"),
            pl.sum_horizontal(
                [(pl.col(c) <= pl.col("cut")).cast(pl.Int32) for c in d_cols] or [pl.lit(0)]
            ).alias("dur"),
            pl.col("category")
            .replace_strict(list(space.categories), list(range(space.n_cat)), return_dtype=pl.Int32)
            .alias("cat"),
            (pl.col("cut_end") - pl.col("cut")).dt.total_days().alias("days"),
            pl.when(pl.col("cut_end") == pl.col("seg_hi")).then(pl.col("event")).alias("event"),
        )
        .with_columns(
            (((pl.col("age") * space.n_cat) + pl.col("cat")) * space.n_dur + pl.col("dur")).alias(
                "state"
            )
        )
    )
    exposure = np.zeros(space.n_states)
    exp_tab = pieces.group_by("state").agg(pl.col("days").sum())
    exposure[exp_tab.get_column("state").to_numpy()] = exp_tab.get_column("days").to_numpy()
    occ = np.zeros((space.n_states, len(space.destinations)))
    ev = (
        pieces.filter(pl.col("event").is_not_null())
        .with_columns(
            pl.col("event")
            .replace_strict(
                list(space.destinations),
                list(range(len(space.destinations))),
                return_dtype=pl.Int32,
            )
            .alias("dest")
        )
        .group_by("state", "dest")
        .len()
    )
    np.add.at(
        occ,
        (ev.get_column("state").to_numpy(), ev.get_column("dest").to_numpy()),
        ev.get_column("len").to_numpy(),
    )
    return occ, exposure
