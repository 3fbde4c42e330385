"""The SSDA903 return's tables, columns and code lists, per collection year.

Read from ``schema/data/ssda903.yaml``: a base specification plus per-year changes applied
cumulatively. The loader asks :func:`spec_for_year` which columns a table must have and
:func:`valid_codes` which codes were valid in which year, so checking millions of rows against
the right year's list is one join.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from importlib import resources

import polars as pl
import yaml

# Every table of the return, in the order the DfE lists them; keys of ``LoadResult.raw``.
TABLES = (
    "header",
    "episodes",
    "uasc",
    "reviews",
    "missing",
    "oc2",
    "oc3",
    "ad1",
    "placed_for_adoption",
    "previous_permanence",
    "sw_episodes",
)
# The tables beyond the three the episode analyses need (cleaned into ``LoadResult.tables``).
OTHER_TABLES = TABLES[3:]


@dataclass(frozen=True)
class ColumnSpec:
    name: str
    required: bool = False
    type: str = "text"  # text | date | code
    codes: str | None = None  # key of the code list a `code` column is checked against
    personal: bool = False  # identifies a child: never shown in report examples


@dataclass(frozen=True)
class TableSpec:
    name: str
    description: str
    columns: dict[str, ColumnSpec]

    @property
    def required(self) -> list[str]:
        return [c.name for c in self.columns.values() if c.required]

    @property
    def date_columns(self) -> list[str]:
        return [c.name for c in self.columns.values() if c.type == "date"]

    @property
    def code_columns(self) -> list[ColumnSpec]:
        return [c for c in self.columns.values() if c.type == "code"]


@dataclass(frozen=True)
class YearSpec:
    """The specification that holds for one collection year."""

    year: int
    tables: dict[str, TableSpec]
    code_lists: dict[str, dict[str, str]]
    unverified: tuple[str, ...]  # descriptions of changes marked `check: true` up to this year


@cache
def _document() -> dict:
    text = resources.files("carecast.schema").joinpath("data/ssda903.yaml").read_text("utf-8")
    return yaml.load(
        text, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    )  # C parser: 10x faster


def year_range() -> tuple[int, int]:
    """First and last collection year the specification describes."""
    doc = _document()
    return int(doc["first_year"]), int(doc["last_year"])


def _tables(doc: dict) -> dict[str, TableSpec]:
    out = {}
    for tname, t in doc["tables"].items():
        cols = {
            name: ColumnSpec(name=name, **(attrs or {})) for name, attrs in t["columns"].items()
        }
        out[tname] = TableSpec(tname, t.get("description", ""), cols)
    return out


@cache
def spec_for_year(year: int) -> YearSpec:
    """The specification for collection ``year`` (clamped to the years the file describes)."""
    doc = _document()
    first, last = year_range()
    year = min(max(int(year), first), last)
    lists = {k: dict(v) for k, v in doc["code_lists"].items()}
    unverified = []
    for change in sorted(doc.get("changes", []), key=lambda c: c["year"]):
        if change["year"] > year:
            break
        for list_name, codes in (change.get("add_codes") or {}).items():
            full = doc["code_lists"][list_name]
            for code in codes:
                lists[list_name][code] = full.get(code, code)
        for list_name, codes in (change.get("remove_codes") or {}).items():
            for code in codes:
                lists[list_name].pop(code, None)
        if change.get("check"):
            unverified.append(f"{change['year']}: {change['description']}")
    return YearSpec(year, _tables(doc), lists, tuple(unverified))


def table_spec(table: str) -> TableSpec:
    """Columns of ``table`` (the same in every year carecast reads)."""
    return spec_for_year(year_range()[1]).tables[table]


def table_names() -> dict[str, tuple[str, ...]]:
    """table -> the file/sheet names (letters and digits, lower case) that name it."""
    return {t: tuple(r["names"]) for t, r in _document()["recognise"].items()}


def signature(table: str) -> tuple[str, ...]:
    """The columns a file must have to be taken for ``table``: its required ones and any marker."""
    extra = _document()["recognise"][table].get("columns", [])
    return tuple(dict.fromkeys([*table_spec(table).required, *extra]))


def xml_layout() -> dict:
    """How the DfE XML (CLA.xsd) lays the tables out: ``record``, ``rename``, ``groups``,
    ``in_header`` and ``not_a_flag`` (see the ``xml:`` section of ssda903.yaml)."""
    return _document()["xml"]


def code_values(list_name: str) -> dict[str, int | None] | None:
    """The typed value of each code of ``list_name`` when spellings share one (SEX 1/M -> 1)."""
    return _document().get("code_values", {}).get(list_name)


def valid_codes(table: str, years: list[int]) -> pl.DataFrame:
    """(collection_year, column, code) rows for every code column of ``table`` valid in ``years``."""
    rows: dict[str, list] = {"collection_year": [], "column": [], "code": []}
    for year in sorted(set(years)):
        spec = spec_for_year(year)
        for col in spec.tables[table].code_columns:
            for code in spec.code_lists[col.codes or ""]:
                rows["collection_year"].append(year)
                rows["column"].append(col.name)
                rows["code"].append(str(code))
    return pl.DataFrame(
        rows, schema={"collection_year": pl.Int32, "column": pl.Utf8, "code": pl.Utf8}
    )
