"""One return prepared the way the DfE validator sees it, for the rules to read.

The DfE's tool upper-cases every value and treats an empty cell as missing before any rule runs,
and gives the header a UASC flag (``'1'`` when the child is in the UASC table, else ``'0'``).
The rules here assume the same, so a return means the same thing to both. Every table also gets
``_row`` (its 0-based row number, what a rule reports) and, for each date column, a parsed
``<column>_dt`` (``None`` where the text is not a dd/mm/yyyy date).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, field

import polars as pl

ROW = "_row"

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

DATE_COLUMNS = frozenset(
    {
        "DOB",
        "MC_DOB",
        "DECOM",
        "DEC",
        "DUC",
        "REVIEW",
        "MIS_START",
        "MIS_END",
        "DATE_INT",
        "DATE_MATCH",
        "DATE_PLACED",
        "DATE_PLACED_CEASED",
        "DATE_PERM",
        "SW_DECOM",
        "SW_DEC",
    }
)


class TableMissing(Exception):
    """A rule needs a table the return (or last year's return) does not have."""

    def __init__(self, table: str, previous: bool = False):
        self.table = table
        self.previous = previous
        super().__init__(table)

    @property
    def reason(self) -> str:
        name = table_label(self.table)
        if self.previous:
            return f"needs last year's return ({name} table); none was given"
        return f"needs the {name} table, which the return does not have"


class NeedsLookup(Exception):
    """A rule needs something it was not given: a reference list (postcodes, Ofsted providers),
    the council's code, or a field only some return formats carry."""

    def __init__(self, what: str):
        self.what = what
        super().__init__(what)


def table_label(table: str) -> str:
    """'placed_for_adoption' -> 'placed for adoption' (for sentences people read)."""
    return {"oc2": "OC2", "oc3": "OC3", "ad1": "AD1", "uasc": "UASC"}.get(
        table, table.replace("_", " ")
    )


def date(column: str) -> pl.Expr:
    """The parsed date of a date column (added by ``prepare``)."""
    return pl.col(f"{column}_dt")


def prepare(frame: pl.DataFrame) -> pl.DataFrame:
    """The DfE's columns (named in capitals) upper-cased with empty cells null, and ``_row`` and
    ``<date>_dt`` columns added. Other columns (ingest's ``council``, ``source_file``, ...) are
    dropped: no rule reads them, and England-sized returns carry millions of file names."""
    text = [c for c in frame.columns if c != ROW and c.isupper()]
    frame = (
        frame.select(text)
        .with_columns(
            pl.col(c).cast(pl.String).str.to_uppercase().replace("", None).alias(c) for c in text
        )
        .with_row_index(ROW)
    )
    return frame.with_columns(
        pl.col(c).str.to_date("%d/%m/%Y", strict=False).alias(f"{c}_dt")
        for c in text
        if c in DATE_COLUMNS
    )


def _with_uasc_flag(header: pl.DataFrame, uasc: pl.DataFrame | None) -> pl.DataFrame:
    """A CSV header has no UASC flag: it is 1 for the children the UASC table lists (none when
    the return has no UASC table), as the DfE tool derives it."""
    if "UASC" in header.columns:
        return header
    listed = (
        (pl.Series([], dtype=pl.String) if uasc is None else uasc["CHILD"]).drop_nulls().implode()
    )
    flag = pl.when(pl.col("CHILD").is_in(listed)).then(pl.lit("1")).otherwise(pl.lit("0"))
    return header.with_columns(flag.alias("UASC"))


def prepare_return(tables: Mapping[str, pl.DataFrame]) -> dict[str, pl.DataFrame]:
    """Every known table of one return prepared; unknown keys are ignored."""
    out = {name: prepare(tables[name]) for name in TABLES if tables.get(name) is not None}
    if "header" in out:
        out["header"] = _with_uasc_flag(out["header"], out.get("uasc"))
    return out


def number_children(*returns: dict[str, pl.DataFrame] | None) -> None:
    """Replace CHILD, in place in every table of the given prepared returns, by one integer per
    distinct id (the same across tables and years).

    The rules only ever compare children for equality, and joining and grouping on integers is
    several times faster than on text for England-sized returns."""
    frames = [r for r in returns if r is not None]
    ids = pl.concat([t["CHILD"] for r in frames for t in r.values()]).drop_nulls().unique()
    numbers = pl.Series(range(ids.len()), dtype=pl.UInt32)
    for r in frames:
        for name, frame in r.items():
            child = pl.col("CHILD").replace_strict(
                ids, numbers, default=None, return_dtype=pl.UInt32
            )
            r[name] = frame.with_columns(child)


@dataclass(frozen=True)
class Context:
    """What a rule reads: this year's tables, last year's when given, the collection dates."""

    tables: Mapping[str, pl.DataFrame]
    collection_year: int
    ruleset_year: int  # which year's code lists apply (the collection year's, or nearest held)
    previous: Mapping[str, pl.DataFrame] | None = None
    header_has_uasc: bool = False  # an XML header carries its own UASC flag; CSV headers do not
    council_code: str | None = None  # the placing council's upper-tier code, for IN/OUT of area
    cache: dict = field(default_factory=dict, compare=False, repr=False)

    @property
    def start(self) -> dt.date:
        """1 April that opens the collection year."""
        return dt.date(self.collection_year - 1, 4, 1)

    @property
    def end(self) -> dt.date:
        """31 March that closes the collection year."""
        return dt.date(self.collection_year, 3, 31)

    def t(self, name: str) -> pl.DataFrame:
        """This year's table ``name``; raises TableMissing when the return has none."""
        frame = self.tables.get(name)
        if frame is None:
            raise TableMissing(name)
        return frame

    def last(self, name: str) -> pl.DataFrame:
        """Last year's table ``name``; raises TableMissing when last year was not given."""
        frame = None if self.previous is None else self.previous.get(name)
        if frame is None:
            raise TableMissing(name, previous=True)
        return frame

    def memo(self, key: str, build):
        """A value several rules share (e.g. episodes sorted per child), built once per run."""
        if key not in self.cache:
            self.cache[key] = build()
        return self.cache[key]
