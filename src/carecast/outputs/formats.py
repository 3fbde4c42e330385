"""How a value of each :class:`~carecast.outputs.columns.Kind` reads: one place for every writer.

Excel gets a number format (the cell stays a number); HTML and the web get text. Negative money
reads "-£2,719,326" (the minus before the pound sign, never "£-2,719,326"), percentages come
from fractions, counts never print "513.0".
"""

from __future__ import annotations

import datetime as dt
import math

from carecast.outputs.columns import Kind
from carecast.privacy import SUPPRESSED

EXCEL_FORMATS: dict[Kind, str] = {
    Kind.MONEY: "£#,##0;-£#,##0",
    Kind.PERCENT: "0.0%",
    Kind.PROBABILITY: "0%",
    Kind.RATE: "#,##0.0",
    Kind.COUNT: "#,##0",
    Kind.SCORE: "0.0",
    Kind.NUMBER: "#,##0.00",
    Kind.DATE: "dd/mm/yyyy",
}


def fy_label(start_year: int) -> str:
    """2016 -> '2016-17' (the financial year starting 1 April 2016)."""
    return f"{start_year}-{(start_year + 1) % 100:02d}"


def money(value: float) -> str:
    sign = "-" if value < 0 and round(value) != 0 else ""
    return f"{sign}£{abs(value):,.0f}"


def display(value, kind: Kind) -> str:
    """A value as it reads on a page."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, dt.datetime | dt.date):
        return value.strftime("%d/%m/%Y")
    if isinstance(value, str):
        return value
    if isinstance(value, float) and not math.isfinite(value):
        return ""
    if not isinstance(value, int | float):
        return str(value)
    if kind is Kind.FINANCIAL_YEAR and isinstance(value, int):
        return fy_label(value)
    if kind is Kind.TEXT:
        return str(value)
    if kind is Kind.MONEY:
        return money(value)
    if kind is Kind.PERCENT:
        return f"{value:.1%}"
    if kind is Kind.PROBABILITY:
        return f"{value:.0%}"
    if kind is Kind.COUNT:
        return f"{value:,.0f}" if isinstance(value, float) else f"{value:,}"
    if kind in (Kind.RATE, Kind.SCORE):
        return f"{value:,.1f}"
    return f"{value:,.1f}" if abs(value) >= 100 else f"{value:,.2f}"


def suppressed_numbers(values: list) -> list | None:
    """A text column of numbers with small-number suppression ("c", see carecast.privacy), as numbers
    and "c"; None when the column is not one (identifiers and ordinary text are left alone)."""
    present = [v for v in values if v is not None]
    if not present or not all(isinstance(v, str) for v in present) or SUPPRESSED not in present:
        return None
    out: list = []
    for v in values:
        if v is None or v == SUPPRESSED:
            out.append(v)
            continue
        try:
            number = float(v)
        except ValueError:
            return None
        out.append(int(number) if number.is_integer() and "." not in v else number)
    return out
