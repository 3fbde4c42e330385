"""The column layouts of the DfE "children looked after" tables, mapped to one set of names.

The 2023 release (years 2019-2023) names the measure column ``population_count`` and the number
``number``; the 2024 release (2021-2024) calls them ``population_type`` and ``children_count``.
The measure's wording changed too ("at 31 March" became "on 31 March"). Both map to carecast's
``measure`` (stock / starts / ceased) and ``count``; a file in neither layout is refused with the
columns it lacks.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import polars as pl

from carecast.errors import InputError, Location


@dataclass(frozen=True)
class Layout:
    name: str
    measure: str
    count: str


LAYOUTS = (
    Layout(
        "2021-2024 release (population_type, children_count)", "population_type", "children_count"
    ),
    Layout("2019-2023 release (population_count, number)", "population_count", "number"),
)
COMMON = (
    "time_period",
    "geographic_level",
    "region_code",
    "region_name",
    "old_la_code",
    "new_la_code",
    "la_name",
    "population_estimate",
)
MEASURES = {  # published wording (lower case, a distinguishing part) -> carecast measure
    "31 march": "stock",
    "starting": "starts",
    "ceasing": "ceased",
}
MEASURE_LABELS = {
    "stock": "Children looked after on 31 March",
    "starts": "Children starting to be looked after during the year",
    "ceased": "Children ceasing to be looked after during the year",
}


def detect(frame: pl.DataFrame, path: Path) -> Layout:
    """The layout ``frame`` is in, or an error naming the columns it lacks."""
    for layout in LAYOUTS:
        if {layout.measure, layout.count, *COMMON} <= set(frame.columns):
            return layout
    wanted = [c for c in (*COMMON, "population_type", "children_count") if c not in frame.columns]
    raise InputError(
        f"{path.name} is in neither published layout of the children looked after tables "
        f"(missing columns: {', '.join(wanted)})",
        fix="give the LA-level CSV of 'Children looked after in England including adoptions' "
        "as downloaded (measure in population_type or population_count)",
        where=Location(file=path.name),
    )


def measure_of(label: str) -> pl.Expr:
    """carecast's measure for the published wording in column ``label``, null if unknown."""
    text = pl.col(label).str.to_lowercase()
    expr = pl.lit(None, dtype=pl.Utf8)
    for part, measure in MEASURES.items():
        expr = pl.when(text.str.contains(part, literal=True)).then(pl.lit(measure)).otherwise(expr)
    return expr


def standardise(frame: pl.DataFrame, path: Path) -> tuple[pl.DataFrame, Layout]:
    """The file's rows under carecast's names (text values), with its layout."""
    layout = detect(frame, path)
    out = frame.select(
        pl.lit(path.name).alias("file"),
        "row",
        pl.col("time_period").str.strip_chars().cast(pl.Int32, strict=False).alias("year"),
        pl.col("geographic_level").alias("level"),
        "region_code",
        "region_name",
        pl.col("old_la_code").alias("dfe_number"),
        pl.col("new_la_code").alias("ons_code"),
        pl.col("la_name").alias("name"),
        pl.col(layout.measure).alias("published_measure"),
        measure_of(layout.measure).alias("measure"),
        pl.col(layout.count).alias("count_text"),
        pl.col("population_estimate").alias("population_text"),
    )
    return out, layout
