"""Suppression and symbol codes in published statistics, and the cast from text to numbers.

The DfE (Explore Education Statistics) and MHCLG publish a code instead of a number where a figure
is withheld or does not exist. A code is never a zero: it becomes a missing value with its reason,
so a total over councils says how many it could not count instead of quietly undercounting.
Codes as published (EES symbols guide; RO3 "Notes" sheet): ``c`` confidential, ``z`` not
applicable, ``x`` not available, ``low`` a positive number that rounds to zero, ``u`` low
reliability; RO3 writes them in brackets (``[x]``, ``[z]``, ``[n]``).
"""

from __future__ import annotations

import polars as pl

REASONS: dict[str, str] = {
    "c": "suppressed to protect confidentiality (small numbers)",
    "z": "not applicable (the council did not exist, or the figure does not apply)",
    "x": "not available",
    "low": "a positive figure too small to show (rounds to zero)",
    "u": "low reliability, withheld",
    "n": "no appropriate estimate",
    "y": "not relevant for this authority",
}
BLANK = "blank cell"
UNREADABLE = "not a number"


def code_of(column: str) -> pl.Expr:
    """The cell's code, lower case without brackets (``[x]`` -> ``x``), else null."""
    return (
        pl.col(column)
        .str.strip_chars()
        .str.strip_chars("[]")
        .str.to_lowercase()
        .replace_strict(list(REASONS), list(REASONS), default=None)
    )


def to_number(column: str, *, value: str = "value", reason: str = "reason") -> list[pl.Expr]:
    """``value`` (Float64, null when withheld) and ``reason`` (why null, else null) from text.

    Thousands separators are dropped; a cell that is neither a number nor a known code is kept as
    missing with the reason "not a number" (the validate report counts them)."""
    text = pl.col(column).str.strip_chars().str.replace_all(",", "")
    number = text.cast(pl.Float64, strict=False)
    code = code_of(column)
    why = (
        pl.when(number.is_not_null())
        .then(None)
        .when(code.is_not_null())
        .then(code.replace_strict(REASONS, default=None))
        .when(text.is_null() | (text == ""))
        .then(pl.lit(BLANK))
        .otherwise(pl.lit(UNREADABLE))
    )
    return [number.alias(value), why.alias(reason)]
