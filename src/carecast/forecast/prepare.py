"""From cleaned episodes to the care history the demand model is estimated on.

Three things happen here, each counted so that nothing is lost silently:

* episodes that are not "in care" for demand purposes are set aside — short breaks (LS V3/V4)
  always, unaccompanied asylum-seeking children when the user excludes them;
* each child's episodes are chained into periods of care (a new period starts after a gap), and
  each episode's end is read as an event: a move to another placement category, a stay in the same
  category (no event), an exit from care grouped by reason (REC), or right-censoring when the
  episode is still open at the end of the data;
* entrants (starts of periods) and the children in care on a given day are read off the chain.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

import polars as pl

from carecast.errors import InputError, InsufficientDataError, Location, ParameterError
from carecast.forecast.ages import birthday_expr
from carecast.forecast.calendar import add_months
from carecast.forecast.params import defaults
from carecast.plumbing.constants import DAYS_PER_YEAR
from carecast.plumbing.episodes import in_care_on as episode_open_on
from carecast.schema import PlacementCategories, collection_year_bounds

UASC_OPTIONS = ("include", "exclude")
EXIT_PREFIX = "exit:"


@dataclass
class CareHistory:
    """One council's in-care episodes as event history, with what was set aside and why."""

    council: str
    episodes: (
        pl.DataFrame
    )  # child_id, decom, end, event, category, dob, period_start, category_since, bday18
    data_start: dt.date
    data_end: dt.date
    set_aside: dict[str, int] = field(default_factory=dict)  # reason -> episodes

    @property
    def n_children(self) -> int:
        return self.episodes.get_column("child_id").n_unique()


def _reason_group_expr(rec: str) -> pl.Expr:
    expr = pl.lit("other")
    for group, codes in defaults().exit_reasons.items():
        expr = pl.when(pl.col(rec).is_in(list(codes))).then(pl.lit(group)).otherwise(expr)
    return expr


def _coverage(frame: pl.DataFrame) -> tuple[dt.date, dt.date]:
    """First and last day the data can speak for: collection years when known, else the dates seen."""
    years = frame.get_column("collection_year").drop_nulls()
    if years.len():
        start = collection_year_bounds(int(years.min()))[0]
    else:
        start = frame.get_column("decom").min()
    ends = frame.get_column("data_end").drop_nulls()
    if ends.len():
        end = ends.max()
    else:
        end = pl.concat([frame.get_column("decom"), frame.get_column("dec").drop_nulls()]).max()
    return start, end


def care_history(
    episodes: pl.DataFrame, *, categories: PlacementCategories, uasc: str = "include"
) -> CareHistory:
    """Build the event history of one council's children in care from cleaned episodes."""
    if uasc not in UASC_OPTIONS:
        raise ParameterError(
            f"uasc must be one of {UASC_OPTIONS}, not '{uasc}'", fix="use include or exclude"
        )
    if episodes.height == 0:
        raise InsufficientDataError(
            "there are no episodes to estimate the demand model from",
            fix="load at least one year of SSDA903 returns (carecast ingest)",
        )
    councils = episodes.get_column("council").unique().to_list()
    if len(councils) > 1:
        raise ParameterError(
            f"the demand model is fitted per council; got {len(councils)} councils",
            fix="use carecast.forecast.forecast_councils, or filter to one council",
        )
    data_start, data_end = _coverage(episodes)
    set_aside: dict[str, int] = {}

    def drop(frame: pl.DataFrame, mask: pl.Expr, reason: str) -> pl.DataFrame:
        n = frame.filter(mask).height
        if n:
            set_aside[reason] = set_aside.get(reason, 0) + n
        return frame.filter(~mask)

    frame = episodes
    frame = drop(
        frame,
        pl.col("is_short_break").fill_null(False),
        "short break (LS V3/V4): not in care for demand",
    )
    if uasc == "exclude":
        frame = drop(frame, pl.col("is_uasc").fill_null(False), "UASC excluded by option")
    frame = drop(
        frame,
        pl.col("decom").is_null() | pl.col("dob").is_null() | pl.col("child_id").is_null(),
        "no start date, date of birth or child id",
    )
    frame = drop(
        frame,
        pl.col("decom") >= birthday_expr("dob", defaults().leaving_age),
        "started at 18 or over",
    )
    frame = drop(frame, pl.col("decom") > data_end, "starts after the end of the data")
    known = set(categories.category_ids)
    unknown = frame.filter(
        pl.col("category").is_not_null() & ~pl.col("category").is_in(list(known))
    ).height
    if unknown:
        raise InputError(
            f"{unknown} episodes have a placement category the categories file does not define",
            where=Location(column="category"),
            fix="load the data with the same categories file you pass to the forecast",
        )
    frame = frame.with_columns(
        pl.coalesce(pl.col("category"), categories.category_expr()).alias("category")
    )

    frame = (
        frame.select("child_id", "decom", "dec", "rec", "category", "dob")
        .sort("child_id", "decom")
        .with_columns(
            pl.col("decom").shift(-1).over("child_id").alias("next_decom"),
            pl.col("category").shift(-1).over("child_id").alias("next_category"),
            pl.col("dec").shift(1).over("child_id").alias("prev_dec"),
            birthday_expr("dob", defaults().leaving_age).alias("bday18"),
        )
    )
    overlaps = frame.filter(
        pl.col("next_decom").is_not_null()
        & (pl.col("dec").is_null() | (pl.col("next_decom") < pl.col("dec")))
    ).height
    if overlaps:
        set_aside["overlapping episode cut at the next episode's start (kept)"] = overlaps
    new_period = pl.col("prev_dec").is_null() | (pl.col("prev_dec") < pl.col("decom"))
    continues = pl.col("next_decom").is_not_null() & (
        pl.col("dec").is_null() | (pl.col("next_decom") <= pl.col("dec"))
    )
    frame = (
        frame.with_columns(
            pl.when(continues).then(pl.col("next_decom")).otherwise(pl.col("dec")).alias("end"),
            pl.when(continues & (pl.col("next_category") != pl.col("category")))
            .then(pl.col("next_category"))
            .when(continues | pl.col("dec").is_null())
            .then(pl.lit(None, dtype=pl.Utf8))
            .otherwise(pl.lit(EXIT_PREFIX) + _reason_group_expr("rec"))
            .alias("event"),
            new_period.cum_sum().over("child_id").alias("period"),
        )
        .with_columns(
            pl.col("decom").min().over("child_id", "period").alias("period_start"),
            # a new run of the same category starts with each period and each change of category
            (
                new_period
                | (pl.col("category") != pl.col("category").shift(1).over("child_id")).fill_null(
                    True
                )
            )
            .cum_sum()
            .over("child_id")
            .alias("_run"),
        )
        .with_columns(pl.col("decom").min().over("child_id", "_run").alias("category_since"))
    )
    frame = frame.select(
        "child_id",
        "decom",
        "end",
        "event",
        "category",
        "dob",
        "period_start",
        "category_since",
        "bday18",
    )
    council = str(councils[0]) if councils[0] is not None else "(unnamed council)"
    return CareHistory(council, frame, data_start, data_end, set_aside)


def check_window(
    history: CareHistory, start: dt.date, window_years: float
) -> tuple[dt.date, dt.date]:
    """The reference window ending at ``start``; refuse one the data cannot cover."""
    if start > history.data_end:
        raise ParameterError(
            f"the forecast start {start:%d/%m/%Y} is after the end of the data ({history.data_end:%d/%m/%Y}) "
            f"for {history.council}: the children in care on that day are not known",
            where=Location(field="start"),
            fix=f"start on or before {history.data_end:%d/%m/%Y}",
        )
    if window_years <= 0:
        raise ParameterError(
            "the reference window must be longer than zero years",
            where=Location(field="window_years"),
            fix="use a window of 1 to 5 years (default 3)",
        )
    lo = add_months(start, -round(12 * window_years))
    if start <= history.data_start:
        raise ParameterError(
            f"the reference window ending {start:%d/%m/%Y} lies outside the data for {history.council} "
            f"({history.data_start:%d/%m/%Y} to {history.data_end:%d/%m/%Y})",
            where=Location(field="start"),
            fix="choose a start date inside the data",
        )
    if lo < history.data_start:
        have = (start - history.data_start).days / DAYS_PER_YEAR
        raise InsufficientDataError(
            f"{history.council} has {have:.1f} years of data before {start:%d/%m/%Y}, too little history for a "
            f"{window_years:g}-year reference window (data start {history.data_start:%d/%m/%Y})",
            where=Location(field="window_years"),
            fix=f"use a window of at most {have:.1f} years (--window-years), start later, or load earlier returns",
        )
    return lo, start


def entrants(history: CareHistory, lo: dt.date, hi: dt.date) -> pl.DataFrame:
    """Starts of periods of care in (lo, hi]: entry date, age at entry in days and first category."""
    return history.episodes.filter(
        (pl.col("decom") == pl.col("period_start"))
        & (pl.col("decom") > lo)
        & (pl.col("decom") <= hi)
    ).select(
        "child_id",
        "decom",
        (pl.col("decom") - pl.col("dob")).dt.total_days().alias("age_days"),
        "category",
    )


def in_care_on(history: CareHistory, day: dt.date) -> pl.DataFrame:
    """The children in care on ``day`` (episode started on or before it and not yet ended)."""
    return history.episodes.filter(
        episode_open_on(day, end="end") & (pl.col("bday18") > day)
    ).select("child_id", "category", "dob", "period_start", "category_since")
