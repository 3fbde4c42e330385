"""One report, four formats, chosen by the --out extension."""

import datetime as dt
import json

import openpyxl
import plotly.graph_objects as go
import polars as pl
import pytest

from carecast.errors import ParameterError
from carecast.outputs import Report, Section, run_metadata, write_report


def _report(payload=None):
    table = pl.DataFrame(
        {
            "category": ["fostering_ifa", "residential_external"],
            "children": [198, 35],
            "annual_cost": [9_379_560.0, 6_808_620.0],
            "share": [0.85, 0.15],
            "as_at": [dt.date(2017, 9, 30)] * 2,
        }
    )
    fig = go.Figure(go.Bar(x=table["category"].to_list(), y=table["children"].to_list()))
    return Report(
        title="Test report",
        metadata=run_metadata(command="test", parameters={"a": 1}, seed=7),
        sections=[
            Section("Costs", "Annual cost by category.", {"costs": table}, [fig]),
            Section("Other", tables={"extra": pl.DataFrame({"x": [1]})}),
        ],
        payload=payload,
        primary_table="costs",
    )


def test_excel_has_about_sheet_and_typed_cells(tmp_path):
    out = tmp_path / "r.xlsx"
    write_report(_report(), out)
    wb = openpyxl.load_workbook(out)
    assert wb.sheetnames == ["About", "costs", "extra"]
    ws = wb["costs"]
    assert [c.value for c in ws[1]] == [
        "Placement type",
        "Children",
        "Annual cost",
        "Share",
        "As at",
    ]
    assert ws["A2"].value == "Fostering (IFA)"  # identifiers read as words
    assert ws["B2"].number_format == "#,##0"
    assert ws["C2"].value == pytest.approx(9_379_560.0) and "£" in ws["C2"].number_format
    assert ws["D2"].number_format == "0.0%"
    about = {r[0].value: r[1].value for r in wb["About"].iter_rows(min_row=3) if r[0].value}
    assert about["seed"] == 7 and about["command"] == "test"


def test_csv_writes_primary_table_and_others_beside_it(tmp_path):
    out = tmp_path / "r.csv"
    files = write_report(_report(), out)
    assert [f.name for f in files] == ["r.csv", "r.extra.csv"]
    assert pl.read_csv(out)["children"].to_list() == [198, 35]


def test_json_uses_documented_payload_when_given(tmp_path):
    out = tmp_path / "r.json"
    write_report(
        _report(payload={"total": [{"date": dt.date(2025, 1, 31), "mean": float("nan")}]}), out
    )
    doc = json.loads(out.read_text())
    assert doc["total"] == [{"date": "2025-01-31", "mean": None}]
    assert doc["metadata"]["seed"] == 7


def test_html_is_self_contained_and_formats_money(tmp_path):
    out = tmp_path / "r.html"
    write_report(_report(), out)
    text = out.read_text()
    assert "cdn" not in text.lower().split("<body>")[1][:2000]
    assert "Plotly.newPlot" in text or "Plotly.react" in text
    assert "£9,379,560" in text and "85.0%" in text and "30/09/2017" in text


def test_unknown_extension_is_a_parameter_error(tmp_path):
    with pytest.raises(ParameterError) as info:
        write_report(_report(), tmp_path / "r.docx")
    assert ".xlsx" in info.value.render()


@pytest.mark.parametrize(
    ("column", "dtype", "kind"),
    [
        ("variance_pct", pl.Float64, "percent"),
        ("variance", pl.Float64, "money"),
        ("p_net_saving", pl.Float64, "probability"),
        ("score", pl.Float64, "score"),
        ("points_distance", pl.Int64, "score"),
        ("councils_at_0_pct", pl.Int64, "count"),
        ("mean", pl.Float64, "count"),
        ("p95", pl.Float64, "count"),
        ("cost_p95", pl.Float64, "money"),
        ("fy", pl.Int64, "financial year"),
        ("mape_pct", pl.Float64, "percent"),
        ("as_at", pl.Date, "date"),
        ("council", pl.Utf8, "text"),
        ("lac_per_10k", pl.Float64, "rate per 10,000"),
    ],
)
def test_every_column_has_a_kind_from_its_declared_convention(column, dtype, kind):
    from carecast.outputs.columns import kind_of

    assert str(kind_of(column, dtype)) == kind


def test_a_section_declares_a_kind_the_convention_would_get_wrong(tmp_path):
    from carecast.outputs.columns import Kind

    df = pl.DataFrame({"home": ["A"], "value": [0.25]})
    report = Report(
        "t",
        run_metadata(command="t"),
        [Section("s", tables={"t": df}, columns={"value": Kind.PROBABILITY})],
    )
    write_report(report, tmp_path / "r.xlsx")
    assert openpyxl.load_workbook(tmp_path / "r.xlsx")["t"]["B2"].number_format == "0%"


def test_values_read_the_same_in_every_writer_from_their_kind():
    from carecast.outputs.columns import Kind
    from carecast.outputs.formats import display

    assert display(-2_719_326.4, Kind.MONEY) == "-£2,719,326"
    assert display(513.0, Kind.COUNT) == "513"
    assert display(0.024, Kind.PERCENT) == "2.4%"
    assert display(0.73, Kind.PROBABILITY) == "73%"
    assert display(15, Kind.SCORE) == "15.0"
    assert display(2016, Kind.FINANCIAL_YEAR) == "2016-17"


def test_charts_word_identifiers_and_keep_financial_years_categorical():
    from carecast.outputs.charts import worded

    fig = go.Figure(go.Bar(x=["2016-17", "2017-18"], y=[1, 2], name="fostering_in_house"))
    fig.add_trace(go.Bar(x=["fostering_ifa"], y=[3]))
    worded(fig)
    assert fig.data[0].name == "Fostering (in-house)" and fig.layout.xaxis.type == "category"
    assert list(fig.data[1].x) == ["Fostering (IFA)"]
