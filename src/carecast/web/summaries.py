"""The small aggregates the overview pages show: children in care on a date, by category and
location, and the month-end trend. Vectorised over the council's cleaned episodes.

Short breaks (LS V3/V4) are not "in care" for these counts (DOMAIN.md §3).
"""

from __future__ import annotations

import datetime as dt

import numpy as np
import plotly.graph_objects as go
import polars as pl

from carecast.outputs.disclosure import Protect, Sum, protect
from carecast.plumbing.episodes import in_care_on as episode_open_on
from carecast.privacy import SUPPRESSION_NOTE
from carecast.schema import load_categories

LOCATION_LABELS = {
    True: "In the council's area",
    False: "Outside the council's area",
    None: "Not known",
}


def data_end(episodes: pl.DataFrame) -> dt.date:
    """The last day the data speaks for (latest ``data_end``, else latest start or end date)."""
    for col in ("data_end", "dec", "decom"):
        value = episodes.get_column(col).max() if col in episodes.columns else None
        if value is not None:
            return value
    return dt.date.today()


def _in_care(episodes: pl.DataFrame) -> pl.DataFrame:
    return episodes.filter(~pl.col("is_short_break").fill_null(False))


def in_care_on(episodes: pl.DataFrame, on: dt.date) -> pl.DataFrame:
    """Episodes open on ``on`` (started on or before, not ended before), short breaks excluded."""
    return _in_care(episodes).filter(episode_open_on(on))


def by_category(current: pl.DataFrame) -> pl.DataFrame:
    labels = load_categories().categories
    order = pl.DataFrame({"category": list(labels), "Placement category": list(labels.values())})
    counts = current.group_by("category").agg(pl.len().alias("Children"))
    return (
        order.join(counts, on="category", how="left")
        .with_columns(pl.col("Children").fill_null(0))
        .select("Placement category", "Children")
    )


def by_location(current: pl.DataFrame) -> pl.DataFrame:
    counts = current.group_by("in_area").agg(pl.len().alias("Children"))
    rows = [
        (label, int(counts.filter(pl.col("in_area").eq_missing(flag))["Children"].sum()))
        for flag, label in LOCATION_LABELS.items()
    ]
    return pl.DataFrame(rows, schema=["Placement location", "Children"], orient="row")


def month_end_trend(episodes: pl.DataFrame, *, end: dt.date, months: int = 60) -> pl.DataFrame:
    """Children in care at each month end over the last ``months`` months up to ``end``."""
    eps = _in_care(episodes)
    first = dt.date(end.year, end.month, 1)
    starts = pl.date_range(
        pl.lit(first).dt.offset_by(f"-{months - 1}mo"), pl.lit(first), "1mo", eager=True
    )
    ends = starts.dt.month_end()
    ends = ends.filter(ends <= end)
    m = ends.to_numpy().astype("datetime64[D]")
    decom = np.sort(eps["decom"].drop_nulls().to_numpy().astype("datetime64[D]"))
    dec = np.sort(eps["dec"].drop_nulls().to_numpy().astype("datetime64[D]"))
    # in care at the night of m: started on or before m, not ended on or before m
    counts = np.searchsorted(decom, m, side="right") - np.searchsorted(dec, m, side="right")
    if decom.size:  # start at the first month the data covers
        keep = m >= decom[0]
        ends, counts = ends.filter(pl.Series(keep)), counts[keep]
    return pl.DataFrame({"Month end": ends, "Children in care": counts.astype(np.int64)})


def trend_figure(trend: pl.DataFrame, title: str) -> go.Figure:
    fig = go.Figure(
        go.Scatter(
            x=trend["Month end"].to_list(),
            y=trend["Children in care"].to_list(),
            mode="lines",
            line={"color": "#1d70b8", "width": 3},
            name="Children in care",
        )
    )
    fig.update_layout(
        title=title,
        margin={"l": 50, "r": 20, "t": 50, "b": 40},
        height=320,
        yaxis={"title": "Children", "rangemode": "tozero"},
        template="simple_white",
    )
    return fig


def category_figure(table: pl.DataFrame, title: str) -> go.Figure:
    fig = go.Figure(
        go.Bar(
            x=table["Children"].to_list(),
            y=table["Placement category"].to_list(),
            orientation="h",
            marker={"color": "#1d70b8"},
        )
    )
    fig.update_layout(
        title=title,
        margin={"l": 200, "r": 20, "t": 50, "b": 40},
        height=340,
        yaxis={"autorange": "reversed"},
        template="simple_white",
    )
    return fig


def regional_table(per_council: dict[str, pl.DataFrame]) -> tuple[pl.DataFrame, str]:
    """Councils x categories with disclosure control (carecast.outputs.disclosure): what regional users see.

    Each council's total is also published elsewhere (the snapshot's coverage table), and so is the
    region's total per category, so hidden cells are protected along rows and columns by hiding
    other categories, never the total.
    """
    if not per_council:
        return pl.DataFrame({"Council": []}), SUPPRESSION_NOTE
    frames = [t.with_columns(pl.lit(c).alias("Council")) for c, t in per_council.items()]
    wide = pl.concat(frames).pivot(on="Placement category", index="Council", values="Children")
    cats = [c for c in wide.columns if c != "Council"]
    wide = wide.with_columns(pl.sum_horizontal(cats).alias("Total")).sort("Council")
    spec = Protect(
        [*cats, "Total"], [Sum("Total", tuple(cats)), *[Sum(None, (c,), by=()) for c in cats]]
    )
    shown = protect({"overview": wide}, {"overview": spec})
    return shown.tables["overview"], " ".join([SUPPRESSION_NOTE, *[_say(n) for n in shown.notes]])


def _say(note: str) -> str:
    return note.removeprefix("overview: ")
