"""Which councils a figure may use: the complete-series rule, and the coverage every figure states.

Under pressure left out of its multi-year figures any borough "that did not provide a full series
of expenditure and budgetary data over the four-year sequence" and said so (footnote 6), while
single-year figures used every borough with data that year. carecast applies the same rule:

* a **single-year** figure uses every council with all the measures it needs in that year;
* a **trend** figure (a change, a growth rate, a regression of changes, the quadrants, the
  contributions) uses only councils with all the measures it needs in **every** year of the
  window, so the same councils are compared at the start and the end.

Every figure carries a :class:`Coverage`: its n, the councils in it, and each council left out
with the reason (which measure is missing in which year).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import polars as pl

from carecast.schema import financial_year_label


@dataclass
class Coverage:
    """Who is in one figure, and who is not and why."""

    figure: str
    years: str
    councils: list[str]
    excluded: dict[str, str] = field(default_factory=dict)

    @property
    def n(self) -> int:
        return len(self.councils)

    def row(self) -> dict[str, object]:
        return {
            "figure": self.figure,
            "years": self.years,
            "n": self.n,
            "councils_included": "; ".join(self.councils),
            "n_excluded": len(self.excluded),
            "councils_excluded": "; ".join(
                f"{c} ({why})" for c, why in sorted(self.excluded.items())
            ),
        }


def years_text(years: list[int]) -> str:
    if not years:
        return ""
    if len(years) == 1:
        return financial_year_label(years[0])
    return f"{financial_year_label(min(years))} to {financial_year_label(max(years))}"


def complete(
    wide: pl.DataFrame,
    measures: list[str],
    years: list[int],
    figure: str,
    councils: list[str] | None = None,
) -> Coverage:
    """Councils with every one of ``measures`` in every one of ``years`` (the complete-series rule)."""
    everyone = (
        councils if councils is not None else sorted(wide.get_column("council").unique().to_list())
    )
    grid = pl.DataFrame({"council": everyone}).join(
        pl.DataFrame({"year": years}, schema={"year": pl.Int32}), how="cross"
    )
    cells = grid.join(wide.select("council", "year", *measures), on=["council", "year"], how="left")
    gaps = (
        cells.unpivot(index=["council", "year"], on=measures, variable_name="measure")
        .filter(pl.col("value").is_null())
        .group_by("council", "measure")
        .agg(pl.col("year").sort())
        .sort("council", "measure")
    )
    excluded: dict[str, list[str]] = {}
    for council, measure, ys in gaps.iter_rows():
        excluded.setdefault(council, []).append(
            f"no {measure} for {', '.join(financial_year_label(y) for y in ys)}"
        )
    return Coverage(
        figure=figure,
        years=years_text(years),
        councils=[c for c in everyone if c not in excluded],
        excluded={c: "; ".join(r) for c, r in excluded.items()},
    )


def coverage_frame(items: list[Coverage]) -> pl.DataFrame:
    schema = {
        "figure": pl.Utf8,
        "years": pl.Utf8,
        "n": pl.Int64,
        "councils_included": pl.Utf8,
        "n_excluded": pl.Int64,
        "councils_excluded": pl.Utf8,
    }
    return pl.DataFrame([c.row() for c in items], schema=schema)
