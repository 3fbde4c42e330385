"""The DfE's rule lists per collection year, read from the copies in ``data/`` (see NOTICE.md).

A collection year is named by the year its 31 March falls in (2025 = the 2024-25 return), as
everywhere in carecast; the DfE names the list ``lac2024_25``.
"""

from __future__ import annotations

import csv
import re
from dataclasses import dataclass
from functools import cache
from importlib import resources

from carecast.errors import ParameterError


@dataclass(frozen=True)
class RuleSpec:
    """One rule as the DfE lists it: code, message, fields it concerns, tables it reads."""

    code: str
    message: str
    fields: tuple[str, ...]
    tables: tuple[str, ...]

    @property
    def needs_previous(self) -> bool:
        """Whether the rule reads last year's return (the DfE names such tables ``*_last``)."""
        return any(t.lower().endswith("_last") for t in self.tables)


def year_label(year: int) -> str:
    """2025 -> '2024-25', the way returns are named to people."""
    return f"{year - 1}-{year % 100:02d}"


def parse_year(value: int | str) -> int:
    """A collection year as carecast counts it (the year of its 31 March) from 2025, '2025',
    '2024-25' or '2024/25'."""
    text = str(value).strip()
    match = re.fullmatch(r"(\d{4})(?:[-/](\d{2}|\d{4}))?", text)
    if match is None:
        raise ParameterError(
            f"'{value}' is not a collection year",
            fix="give the year of the return's 31 March (2025) or the year as 2024-25",
        )
    first, second = match.groups()
    if second is None:
        return int(first)
    end = int(second) if len(second) == 4 else int(first[:2] + second)
    if end != int(first) + 1:
        raise ParameterError(
            f"'{value}' is not a collection year (the years must follow on)",
            fix="write it as 2024-25",
        )
    return end


def _list_name(year: int) -> str:
    return f"lac{year - 1}_{year % 100:02d}_rules.csv"


@cache
def available_years() -> tuple[int, ...]:
    """Collection years the package holds a rule list for, oldest first."""
    names = [p.name for p in resources.files("carecast.dferules").joinpath("data").iterdir()]
    years = [int(n[3:7]) + 1 for n in names if n.startswith("lac") and n.endswith("_rules.csv")]
    return tuple(sorted(years))


def ruleset_year(collection_year: int) -> int:
    """The list to check a return against: its own year's, else the nearest year held.

    Returns before the oldest list (2022-23) are checked against the oldest list and returns
    after the newest against the newest; ``RulesResult.ruleset_year`` records which was used.
    """
    years = available_years()
    if collection_year < 1990 or collection_year > 2100:
        raise ParameterError(
            f"collection year {collection_year} is not a year a 903 return can have",
            fix="give the year the return's 31 March falls in, e.g. 2025 for 2024-25",
        )
    return min(max(collection_year, years[0]), years[-1])


@cache
def rule_list(year: int) -> tuple[RuleSpec, ...]:
    """Every rule of the ruleset for collection ``year`` (which must be in available_years())."""
    text = (
        resources.files("carecast.dferules").joinpath("data", _list_name(year)).read_text("utf-8")
    )
    return tuple(
        RuleSpec(
            code=row["code"],
            message=row["message"],
            fields=tuple(row["affected_fields"].split()),
            tables=tuple(row["tables"].split()),
        )
        for row in csv.DictReader(text.splitlines())
    )
