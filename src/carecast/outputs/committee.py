"""The table a committee paper shows, as the first sheet of a workbook, with a native Excel chart.

Placement types as rows, financial years as columns, each cell the mean in £m with its 90% range
beside it; a total row whose means add up (the total's range is that of the simulated totals, which
is narrower than the sum of the rows' ranges, and the sheet says so). Only whole financial years
are shown: a year the figures cover in part is left out and named in the note.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import polars as pl

from carecast.outputs.vocabulary import words

MILLIONS = '£#,##0.0"m";-£#,##0.0"m"'


@dataclass
class CommitteeTable:
    """``cells``: one row per (row label, year) with mean, low and high in pounds."""

    title: str
    cells: pl.DataFrame  # row, year, mean, low, high
    total: pl.DataFrame  # year, mean, low, high (of the simulated totals)
    notes: list[str] = field(default_factory=list)
    row_heading: str = "Placement type"


def from_quantiles(
    title: str,
    by_row: pl.DataFrame,
    totals: pl.DataFrame,
    *,
    row: str,
    year: str = "financial_year",
    mean: str = "cost_mean",
    low: str = "cost_p5",
    high: str = "cost_p95",
    whole_years: list[str] | None = None,
    notes: list[str] | None = None,
) -> CommitteeTable:
    """A committee table from a long table of quantiles per row and year, and one of the totals."""
    keep = whole_years if whole_years is not None else totals.get_column(year).unique().to_list()
    left_out = sorted(set(totals.get_column(year).to_list()) - set(keep))
    pick = [
        pl.col(row).alias("row"),
        pl.col(year).alias("year"),
        pl.col(mean).alias("mean"),
        pl.col(low).alias("low"),
        pl.col(high).alias("high"),
    ]
    cells = by_row.filter(pl.col(year).is_in(keep)).select(pick)
    total = totals.filter(pl.col(year).is_in(keep)).select(pick[1:])
    say = list(notes or [])
    if left_out:
        say.append(
            f"Left out because the figures cover only part of the year: {', '.join(left_out)} "
            "(see the detail sheets)."
        )
    say.append(
        "£m, mean of the simulations with the 90% range (5th to 95th percentile) beside it. The total's "
        "range is that of the simulated totals, narrower than the rows' ranges added up."
    )
    return CommitteeTable(title, cells, total, say)


def write_sheet(wb, ws, table: CommitteeTable) -> None:
    """The committee table at the top left of ``ws`` and a stacked column chart of the means beside it."""
    bold = wb.add_format({"bold": True, "font_size": 14})
    head = wb.add_format(
        {
            "bold": True,
            "bg_color": "#1F3864",
            "font_color": "#FFFFFF",
            "text_wrap": True,
            "align": "center",
            "valign": "vcenter",
            "border": 1,
        }
    )
    money = wb.add_format({"num_format": MILLIONS, "border": 1})
    rng = wb.add_format({"font_color": "#555555", "border": 1, "align": "center"})
    label = wb.add_format({"border": 1})
    total_money = wb.add_format({"num_format": MILLIONS, "bold": True, "top": 2, "border": 1})
    total_rng = wb.add_format(
        {"bold": True, "top": 2, "border": 1, "font_color": "#555555", "align": "center"}
    )
    total_label = wb.add_format({"bold": True, "top": 2, "border": 1})
    note = wb.add_format(
        {"italic": True, "font_color": "#555555", "text_wrap": True, "valign": "top"}
    )
    years = sorted(table.total.get_column("year").unique().to_list())
    rows = list(dict.fromkeys(table.cells.get_column("row").to_list()))
    ws.write(0, 0, table.title, bold)
    ws.write(2, 0, table.row_heading, head)
    for j, y in enumerate(years):
        ws.merge_range(2, 1 + 2 * j, 2, 2 + 2 * j, y, head)
    value = {(r, y): (m, lo, hi) for r, y, m, lo, hi in table.cells.iter_rows()}
    for i, r in enumerate(rows, start=3):
        ws.write(i, 0, words(r), label)
        for j, y in enumerate(years):
            m, lo, hi = value.get((r, y), (0.0, 0.0, 0.0))
            ws.write_number(i, 1 + 2 * j, m / 1e6, money)
            ws.write_string(i, 2 + 2 * j, f"{lo / 1e6:,.1f} to {hi / 1e6:,.1f}", rng)
    t = 3 + len(rows)
    ws.write(t, 0, "Total", total_label)
    totals = {y: (m, lo, hi) for y, m, lo, hi in table.total.iter_rows()}
    for j, y in enumerate(years):
        m, lo, hi = totals[y]
        col = 1 + 2 * j
        first, last = _cell(3, col), _cell(t - 1, col)
        ws.write_formula(
            t, col, f"=SUM({first}:{last})", total_money, m / 1e6
        )  # the rows add up to it
        ws.write_string(t, col + 1, f"{lo / 1e6:,.1f} to {hi / 1e6:,.1f}", total_rng)
    for k, text in enumerate(table.notes):
        ws.merge_range(t + 2 + k, 0, t + 2 + k, 2 * len(years), text, note)
        ws.set_row(t + 2 + k, 30)
    ws.set_column(0, 0, 34)
    ws.set_column(1, 2 * len(years), 12)
    # the chart reads a plain block of the means (rows of types, columns of years) below the notes
    base = t + 3 + len(table.notes)
    ws.write(base, 0, "Chart data: mean £m", note)
    for j, y in enumerate(years):
        ws.write_string(base, 1 + j, y)
    chart = wb.add_chart({"type": "column", "subtype": "stacked"})
    for i, r in enumerate(rows, start=base + 1):
        ws.write_string(i, 0, words(r))
        for j, y in enumerate(years):
            ws.write_number(i, 1 + j, value.get((r, y), (0.0,))[0] / 1e6, money)
        chart.add_series(
            {
                "name": [ws.name, i, 0],
                "categories": [ws.name, base, 1, base, len(years)],
                "values": [ws.name, i, 1, i, len(years)],
                "gap": 60,
            }
        )
    chart.set_title({"name": table.title})
    chart.set_y_axis({"name": "£m", "num_format": '£#,##0"m"'})
    chart.set_legend({"position": "bottom"})
    chart.set_size({"width": 620, "height": 380})
    ws.insert_chart(2, 2 * len(years) + 2, chart)
    ws.activate()
    ws.set_first_sheet()


def _cell(row: int, col: int) -> str:
    from xlsxwriter.utility import xl_rowcol_to_cell

    return xl_rowcol_to_cell(row, col)
