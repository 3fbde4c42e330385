"""Financial years that are only partly covered, labelled so a reader never compares one day with a year.

A forecast that starts on 31 March has a first "financial year" of one day; a projection ending in
May has a last one of two months. Tables keep their numbers and their year labels (files are read
back and joined on them); a ``covers`` column beside the year says "whole year" or "1 of 366 days".
"""

from __future__ import annotations

import polars as pl


def label_coverage(df: pl.DataFrame, year: str = "financial_year") -> pl.DataFrame:
    """``df`` with a ``covers`` column after ``year`` saying how much of each year its figures cover."""
    if year not in df.columns:
        return df
    if {"days_covered", "days_in_period"} <= set(df.columns):
        partial = pl.col("days_covered") < pl.col("days_in_period")
        note = pl.format("{} of {} days", pl.col("days_covered"), pl.col("days_in_period"))
    elif "is_complete" in df.columns:
        partial = ~pl.col("is_complete").fill_null(False)
        note = pl.lit("part of the year")
    else:
        return df
    covers = pl.when(partial).then(note).otherwise(pl.lit("whole year")).alias("covers")
    cols = df.columns
    at = cols.index(year) + 1
    return df.with_columns(covers).select(*cols[:at], "covers", *cols[at:])
