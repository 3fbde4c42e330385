"""Every Excel workbook the CLI writes, opened cell by cell: each number's format matches its column's
kind, no probability or score is in pounds, no percentage is 100 times too large, no heading is an id.

The commands run in this process on a small synthetic region; the writer is wrapped to keep each
report, so the check knows every column's declared kind.
"""

from __future__ import annotations

import re

import openpyxl
import polars as pl
import pytest
from typer.testing import CliRunner

from carecast.outputs import write as write_module
from carecast.outputs.columns import Kind
from carecast.outputs.formats import EXCEL_FORMATS

CAPACITY = """\
council: Lewisham
as_at: 2024-03-31
foster_households: {current_households: 60, approvals_per_year: 5, deregistrations_per_year: 8,
                    children_per_household: 1.4, utilisation: 0.8}
homes:
  - {name: Home A, category: residential_in_house, places: 3}
"""
RUN = ["--simulations", "20", "--seed", "1"]
# a percentage above 100% is real only for changes and errors (growth of 150%, a bias of -120%)
MAY_EXCEED_100 = re.compile(r"change|growth|variance|bias|mape|ape_|deficit|gap|saving")
SNAKE = re.compile(
    r"\b[a-z0-9]+_[a-z0-9_]+\b(?!\.(yaml|csv|xlsx|json|parquet))"
)  # a file's name is fine


def _commands(d, tmp):
    ex = tmp / "budget-example"
    send = tmp / "send"
    return {
        "validate": ["validate", d],
        "snapshot": [
            "snapshot",
            d,
            "--date",
            "2024-03-31",
            "--region",
            "london",
            "--providers",
            d / "providers.csv",
        ],
        "forecast": ["forecast", d, "--horizon-years", "2", *RUN],
        "backtest": ["backtest", d, "--at", "2022-03-31", "--horizon-months", "12", *RUN],
        "sufficiency": [
            "sufficiency",
            d,
            "--capacity",
            tmp / "cap.yaml",
            "--horizon-years",
            "2",
            *RUN,
        ],
        "costs": ["costs", "actual", d],
        "benchmark": ["benchmark", d / "panel.xlsx", "--council", "Lewisham"],
        "budget": [
            "budget",
            "outturn",
            "--budget",
            ex / "budget.yaml",
            "--register",
            ex / "register.csv",
            "--ledger",
            ex / "ledger.csv",
            "--actions",
            ex / "actions.csv",
            "--as-of",
            "2018-09-30",
        ],
        "whatif-mix": [
            "budget",
            "whatif-mix",
            "--children",
            "external_residential=77,ifa=198",
            "--neighbour-shares",
            "external_residential=0.1,ifa=0.9",
        ],
        "scenario": [
            "scenario",
            "run",
            d,
            "baseline",
            "ccn_optimised",
            "--horizon-years",
            "2",
            *RUN,
        ],
        "send-forecast": ["send", "forecast", send / "ehcp_records.csv"],
        "send-backtest": ["send", "backtest", send / "ehcp_records.csv"],
    }


@pytest.fixture(scope="module")
def workbooks(tmp_path_factory):
    from carecast.cli import app, register
    from carecast.synth import generate

    tmp = tmp_path_factory.mktemp("kinds")
    generate(tmp / "d", councils=3, years=(2019, 2024), seed=1)
    (tmp / "cap.yaml").write_text(CAPACITY)
    runner = CliRunner()
    register([])
    for setup in (
        ["budget", "example", "--out", tmp / "budget-example"],
        ["send", "synth", tmp / "send"],
    ):
        res = runner.invoke(app, [str(a) for a in setup])
        assert res.exit_code == 0, res.output
    kept = {}
    real = write_module._WRITERS[".xlsx"]

    def keep(report, path):
        kept[path.stem] = report
        return real(report, path)

    write_module._WRITERS[".xlsx"] = keep
    try:
        for name, args in _commands(tmp / "d", tmp).items():
            res = runner.invoke(app, [str(a) for a in [*args, "--out", tmp / f"{name}.xlsx"]])
            assert res.exit_code == 0, (name, res.output)
    finally:
        write_module._WRITERS[".xlsx"] = real
    return {
        name: (openpyxl.load_workbook(tmp / f"{name}.xlsx"), report)
        for name, report in kept.items()
    }


NAMES = [
    "validate",
    "snapshot",
    "forecast",
    "backtest",
    "sufficiency",
    "costs",
    "benchmark",
    "budget",
    "whatif-mix",
    "scenario",
    "send-forecast",
    "send-backtest",
]


@pytest.mark.slow
@pytest.mark.parametrize("name", NAMES)
def test_each_cell_is_formatted_as_its_column_kind(workbooks, name):
    wb, report = workbooks[name]
    sheets = dict(
        zip(wb.sheetnames[wb.sheetnames.index("About") + 1 :], report.tables(), strict=True)
    )
    for sheet, table in sheets.items():
        ws = wb[sheet]
        columns = list(report.columns(table).values())
        headings = [c.value for c in ws[1]]
        assert headings == [c.label for c in columns]
        for h in headings:
            assert not SNAKE.search(str(h)), (name, sheet, h)
        for j, col in enumerate(columns):
            for row in ws.iter_rows(min_row=2, min_col=j + 1, max_col=j + 1):
                cell = row[0]
                if not isinstance(cell.value, int | float) or isinstance(cell.value, bool):
                    continue
                where = (name, sheet, col.name, cell.coordinate, cell.value, cell.number_format)
                if col.kind in EXCEL_FORMATS and col.kind is not Kind.DATE:
                    assert cell.number_format == EXCEL_FORMATS[col.kind], where
                if col.kind in (Kind.PROBABILITY, Kind.SCORE, Kind.PERCENT, Kind.COUNT):
                    assert "£" not in cell.number_format, where
                if col.kind is Kind.PROBABILITY:
                    assert 0 <= cell.value <= 1, where
                if col.kind is Kind.PERCENT and not MAY_EXCEED_100.search(col.name):
                    assert -1 <= cell.value <= 1, where


@pytest.mark.slow
def test_the_reported_bugs_are_gone(workbooks):
    bt, _ = workbooks["backtest"]
    head = {c.value: i for i, c in enumerate(bt["headline"][1])}
    mape = bt["headline"].cell(2, head["Mean absolute % error"] + 1)
    assert mape.value < 1 and mape.number_format == "0.0%"  # 2.4%, not 240%
    budget, _ = workbooks["budget"]
    head = {c.value: i for i, c in enumerate(budget["committee"][1])}
    assert budget["committee"].cell(2, head["Variance (% of budget)"] + 1).number_format == "0.0%"
    assert budget["committee"].cell(2, head["Variance"] + 1).number_format == "£#,##0;-£#,##0"
    scenario, _ = workbooks["scenario"]
    head = {c.value: i for i, c in enumerate(scenario["net_saving"][1])}
    assert scenario["net_saving"].cell(2, head["Chance of a net saving"] + 1).number_format == "0%"


FLAG = re.compile(r"(?<![\w-])--[a-z][a-z-]+")
REPR = re.compile(r"datetime\.date\(|datetime\.datetime\(|Decimal\(|<[a-z_.]+ object at 0x")
PATH = re.compile(r"(?<![\w.])/(tmp|home|work|usr|var)/[\w./-]+")


def _visible_text(report) -> list[str]:
    """What a reader of the HTML page sees: text outside scripts, and each chart's names and labels."""
    from html.parser import HTMLParser

    from carecast.outputs.charts import worded
    from carecast.outputs.html import render

    class Text(HTMLParser):
        def __init__(self):
            super().__init__()
            self.parts, self.skip = [], False

        def handle_starttag(self, tag, attrs):
            self.skip = tag in ("script", "style")

        def handle_endtag(self, tag):
            self.skip = False

        def handle_data(self, data):
            if not self.skip and data.strip():
                self.parts.append(data.strip())

    parser = Text()
    page = render(report, include_plotly=False)
    parser.feed(
        page.split('id="about"')[0]
    )  # the "About these numbers" block records inputs as given
    for section in report.sections:
        for fig in section.drawn_figures():
            fig = worded(fig)
            for trace in fig.data:
                parser.parts.append(str(trace.name or ""))
                for axis in ("x", "y"):
                    values = getattr(trace, axis, None)
                    if values is not None and not isinstance(values, str):
                        parser.parts += [v for v in list(values) if isinstance(v, str)]
    return parser.parts


@pytest.mark.slow
@pytest.mark.parametrize("name", NAMES)
def test_html_pages_show_no_ids_paths_flags_or_reprs(workbooks, name):
    _, report = workbooks[name]
    bad = [
        t
        for t in _visible_text(report)
        if SNAKE.search(t) or FLAG.search(t) or REPR.search(t) or PATH.search(t)
    ]
    assert not bad, (name, bad[:15])


@pytest.mark.slow
def test_the_forecast_workbook_opens_on_a_committee_table_whose_totals_add(workbooks):
    wb, report = workbooks["forecast"]
    assert wb.sheetnames[0] == "Summary" and wb.active.title == "Summary"
    ws = wb["Summary"]
    rows = list(ws.iter_rows(min_row=3, values_only=True))
    years = [v for v in rows[0][1:] if v]
    assert years and all(re.fullmatch(r"\d{4}-\d{2}", y) for y in years)
    total = next(i for i, r in enumerate(rows) if r[0] == "Total")
    body = rows[1:total]
    assert {r[0] for r in body} >= {
        "Fostering (in-house)",
        "Residential (external)",
    }  # words, not ids
    assert rows[total][1] == f"=SUM(B4:B{2 + total})"  # the total is the rows added up
    assert all(
        ws.cell(4, 2 + 2 * j).number_format.startswith("£#,##0.0") for j in range(len(years))
    )
    fy = report.tables()["cost_by_financial_year"]
    whole = fy.filter(pl.col("covers") == "whole year")["financial_year"].to_list()
    assert years == whole  # part years are left out of the committee table
    assert len(ws._charts) == 1
