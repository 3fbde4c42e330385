"""How a value of each :class:`~carecast.outputs.columns.Kind` reads: one place for every writer.

Excel gets a number format (the cell stays a number); HTML and the web get text. Negative money
reads "-£2,719,326" (the minus before the pound sign, never "£-2,719,326"), percentages come
from fractions, counts never print "513.0".
"""

from __future__ import annotations

import datetime as dt
import math
import re
from pathlib import PurePath

from carecast.outputs.columns import Kind
from carecast.outputs.vocabulary import prose, words
from carecast.privacy import SUPPRESSED

_PATH = re.compile(
    r"(/|[A-Za-z]:\\)?[^\s]*[/\\][^\s/\\]+\.[A-Za-z]{2,7}|(/|[A-Za-z]:\\)[^\s]*[/\\][^\s]+"
)

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


def text(value: str) -> str:
    """Text as a reader sees it: identifiers worded, a file's path cut to its name (pages never show
    where files live on a server)."""
    if _PATH.fullmatch(value):
        return PurePath(value).name
    return words(value) if " " not in value else prose(value)


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
        return text(value)
    if isinstance(value, list | tuple):
        return ", ".join(display(v, kind) for v in value)
    if isinstance(value, dict):
        return "; ".join(f"{words(str(k))}: {display(v, kind)}" for k, v in value.items())
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
