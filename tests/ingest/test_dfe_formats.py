"""The DfE's own formats: its fake return (CSV folder and CLA.xsd XML) read in full, every table,
and files recognised by their columns, never skipped in silence."""

from __future__ import annotations

import csv
import json
import shutil
import xml.etree.ElementTree as ET

import polars as pl
import pytest
import xlsxwriter

from carecast.ingest import load_returns
from carecast.ingest.recognise import named_table, recognise
from carecast.schema.ssda903 import TABLES, table_spec

from ..paths import EXTERNAL
from .ingest_cases import EPISODE_COLS, HEADER_COLS, ep, hd, write_csv, write_return

FAKE = EXTERNAL / "dfe-903-validator" / "fake-return"
XML = FAKE / "fake_903.xml"
# XML group element (CLA.xsd) -> table; tables whose fields sit in HEADER counted by a marker field
XML_GROUPS = {
    "EPISODE": "episodes",
    "AREVIEW": "reviews",
    "AMISSING": "missing",
    "OC2": "oc2",
    "PERMANENCE": "previous_permanence",
    "AD_PLACED": "placed_for_adoption",
}
XML_MARKERS = {"uasc": "UASC", "oc3": "IN_TOUCH", "ad1": "DATE_INT"}

pytestmark = pytest.mark.skipif(
    not FAKE.is_dir(), reason="the DfE fake return is not in ../shared/external"
)


def csv_rows() -> dict[str, int]:
    """Data rows in each of the fake return's CSV files, counted with the csv module."""
    out = {}
    for table in TABLES:
        with open(FAKE / f"{table}.csv", newline="", encoding="utf-8-sig") as fh:
            out[table] = sum(1 for _ in csv.reader(fh)) - 1
    return out


def xml_rows() -> dict[str, int]:
    """Rows each table should get from the XML, counted on the element tree."""
    root = ET.parse(XML).getroot()
    out = dict.fromkeys(TABLES, 0)
    for child in root:
        out["header"] += 1
        for el in child.iter():
            if el.tag in XML_GROUPS:
                out[XML_GROUPS[el.tag]] += 1
        head = child.find("HEADER")
        for table, marker in XML_MARKERS.items():
            if (head.findtext(marker) or "").strip() not in ("", "0"):
                out[table] += 1
    return out


def rows_by_file(res) -> dict[str, int]:
    return {f: n for t in res.raw.values() for f, n in t.group_by("source_file").len().iter_rows()}


def test_whole_folder_as_published_reads_every_row_of_every_table(run_cli):
    code, out, err = run_cli("validate", FAKE, "--council", "Lewisham")
    assert code == 0, out + err
    res = load_returns(FAKE, council="Lewisham")
    got = rows_by_file(res)
    for table, n in csv_rows().items():
        assert got[f"{table}.csv"] == n, table
    for table, n in xml_rows().items():
        assert got.get(f"fake_903.xml:{table}", 0) == n, table
    assert set(res.raw) == set(TABLES)
    assert res.coverage["collection_years"] == {"Lewisham": [2018]}  # dates run to March 2018
    rules = set(res.quality.counts()["rule_id"])
    assert {"YEAR_INFERRED", "TABLE_IN_SEVERAL_FILES"} <= rules  # the XML and CSVs are one return
    assert "UNRECOGNISED_TABLE" not in rules and "EXTRA_COLUMN" not in rules


def test_the_xml_alone_reads_every_table_it_holds(run_cli):
    assert run_cli("validate", XML, "--council", "Lewisham", "--year", "2018")[0] == 0
    res = load_returns(XML, council="Lewisham", year=2018)
    expected = xml_rows()
    assert {t: f.height for t, f in res.raw.items()} == expected
    assert (
        expected["episodes"] == 459 and expected["header"] == 253
    )  # the external README's figures
    # PL and CHILDID arrive as PLACE and CHILD; DUC sits in the UASC table
    assert res.raw["episodes"]["PLACE"].null_count() == 0
    assert res.raw["uasc"]["DUC"].null_count() == 0
    assert res.children["is_uasc"].sum() == expected["uasc"]
    # every child's details reach the other tables
    assert res.raw["reviews"]["DOB"].null_count() == 0


def test_return_tables_gives_one_return_with_dfe_columns():
    res = load_returns(FAKE, council="Lewisham")
    tables = res.return_tables("Lewisham", 2018)
    assert list(tables) == list(TABLES)
    for name, frame in tables.items():
        assert frame.columns == list(table_spec(name).columns)
        assert all(dtype == pl.Utf8 for dtype in frame.dtypes)
    assert tables["episodes"].height == csv_rows()["episodes"] + xml_rows()["episodes"]


def test_cleaned_output_keeps_every_table(tmp_path):
    res = load_returns(FAKE, council="Lewisham")
    reviews = res.tables["reviews"]
    assert reviews.height == csv_rows()["reviews"] + xml_rows()["reviews"]
    assert reviews.schema["review"] == pl.Date and reviews["review"].null_count() == 0
    assert res.tables["sw_episodes"].schema["sw_decom"] == pl.Date


@pytest.mark.parametrize(
    ("name", "columns", "table"),
    [
        (
            "sw_episodes",
            ["CHILD", "DOB", "SW_ID", "SW_DECOM", "SW_DEC", "SW_REASON"],
            "sw_episodes",
        ),
        ("episodes", ["CHILD", "DOB", "SW_ID", "SW_DECOM", "SW_DEC", "SW_REASON"], "sw_episodes"),
        ("Sheet1", EPISODE_COLS, "episodes"),
        ("header", ["CHILD", "SEX", "DOB"], "header"),  # also fits UASC's columns: the name decides
        ("children", ["CHILD", "SEX", "DOB", "DUC"], "uasc"),
        (
            "episodes",
            [c for c in EPISODE_COLS if c != "DECOM"],
            "episodes",
        ),  # then reported as missing DECOM
        ("notes", ["TOPIC", "TEXT"], None),
    ],
)
def test_tables_are_recognised_by_columns_first(name, columns, table):
    assert recognise(columns, name) == table


def test_names_match_whole_words_when_short():
    assert named_table("SSDA903_Episodes_2019") == "episodes"
    assert named_table("answers") is None
    assert named_table("Lewisham OC2 2019") == "oc2"


def test_social_worker_file_is_not_taken_for_episodes(tmp_path):
    folder = write_return(tmp_path, "Lewisham", 2024, [ep("1", "01/05/2023")])
    shutil.copy(FAKE / "sw_episodes.csv", folder / "sw_episodes.csv")
    res = load_returns(tmp_path)
    assert res.episodes.height == 1
    assert res.raw["sw_episodes"].height == 1


def _xlsx(path, sheets: dict[str, tuple[list[str], list[dict]]]) -> None:
    wb = xlsxwriter.Workbook(str(path))
    for name, (cols, rows) in sheets.items():
        ws = wb.add_worksheet(name)
        ws.write_row(0, 0, cols)
        for i, r in enumerate(rows, start=1):
            ws.write_row(i, 0, [r.get(c, "") for c in cols])
    wb.close()


def test_workbook_sheets_named_anyhow_are_read_by_their_columns(tmp_path):
    folder = tmp_path / "Lewisham" / "2019"
    folder.mkdir(parents=True)
    episodes = [ep(str(i), "01/05/2018") for i in range(30)]
    header = [hd(str(i)) for i in range(12)]
    _xlsx(
        folder / "return.xlsx",
        {"Sheet1": (HEADER_COLS, header), "Sheet2": (EPISODE_COLS, episodes)},
    )
    res = load_returns(tmp_path)
    assert res.raw["episodes"].height == 30 and res.raw["header"].height == 12  # 42 of 42 rows


def test_unrecognised_sheet_is_listed_and_fails_the_command(tmp_path, run_cli):
    folder = tmp_path / "Lewisham" / "2019"
    folder.mkdir(parents=True)
    _xlsx(
        folder / "return.xlsx",
        {
            "Episodes": (EPISODE_COLS, [ep("1", "01/05/2018")]),
            "Carers": (["CARER", "NAME"], [{"CARER": "7", "NAME": "x"}]),
        },
    )
    res = load_returns(tmp_path)
    assert res.quality.unrecognised == ["Lewisham/2019/return.xlsx:Carers"]
    assert "UNRECOGNISED_TABLE" in res.quality.counts()["rule_id"].to_list()
    code, out, err = run_cli("validate", tmp_path, "--out", tmp_path / "report.json")
    assert code == 1
    assert "return.xlsx:Carers" in "".join((out + err).split())
    listed = json.loads((tmp_path / "report.json").read_text())["tables"]["not_read"]
    assert [r["source_file"] for r in listed] == ["Lewisham/2019/return.xlsx:Carers"]


def test_unrecognised_file_in_a_year_folder_fails_the_command(tmp_path, run_cli):
    folder = write_return(tmp_path, "Lewisham", 2019, [ep("1", "01/05/2018")])
    write_csv(folder / "carers.csv", [{"CARER": "7", "NAME": "x"}])
    (folder / "notes.txt").write_text("sent on 1 June")
    code, out, err = run_cli("validate", tmp_path)
    assert code == 1
    flat = "".join((out + err).split())
    assert "carers.csv" in flat and "notes.txt" in flat


def test_year_is_given_or_inferred_for_a_return_folder(tmp_path):
    folder = tmp_path / "export"
    write_csv(folder / "episodes.csv", [ep("1", "01/05/2018")], EPISODE_COLS)
    write_csv(folder / "header.csv", [hd("1")], HEADER_COLS)
    inferred = load_returns(folder, council="Lewisham")
    assert inferred.coverage["collection_years"]["Lewisham"] == [2019]
    assert "YEAR_INFERRED" in inferred.quality.counts()["rule_id"].to_list()
    given = load_returns(folder, council="Lewisham", year=2020)
    assert given.coverage["collection_years"]["Lewisham"] == [2020]


def rule_rows(res, rule: str) -> pl.DataFrame:
    return res.quality.events.filter(pl.col("rule_id") == rule)


def test_place_that_differs_between_returns_is_reported(tmp_path):
    write_return(tmp_path, "Lewisham", 2019, [ep("1", "01/05/2018", place="U4")])
    write_return(tmp_path, "Lewisham", 2020, [ep("1", "01/05/2018", place="K2", provider="PR4")])
    res = load_returns(tmp_path)
    hit = rule_rows(res, "PLACE_DIFFERS_BETWEEN_RETURNS")
    assert hit["value"].to_list() == ["U4 in 2019, now K2"]
    assert hit["source_file"].to_list() == ["Lewisham/2020/episodes.csv"]
    assert res.episodes["place"].to_list() == ["K2"]


def test_same_place_in_both_returns_is_not_reported(tmp_path):
    write_return(tmp_path, "Lewisham", 2019, [ep("1", "01/05/2018")])
    write_return(tmp_path, "Lewisham", 2020, [ep("1", "01/05/2018")])
    assert rule_rows(load_returns(tmp_path), "PLACE_DIFFERS_BETWEEN_RETURNS").is_empty()


def test_uasc_rows_without_header_and_childless_header_rows_are_reported(tmp_path):
    write_return(
        tmp_path,
        "Lewisham",
        2019,
        [ep("1", "01/05/2018")],
        [hd("1"), hd("2")],
        uasc=[
            {"CHILD": "1", "SEX": "1", "DOB": "01/01/2010", "DUC": ""},
            {"CHILD": "5", "SEX": "1", "DOB": "01/01/2010", "DUC": ""},
        ],
    )
    res = load_returns(tmp_path)
    assert rule_rows(res, "UASC_NOT_IN_HEADER")["source_row"].to_list() == [3]
    assert rule_rows(res, "HEADER_WITHOUT_EPISODES")["source_row"].to_list() == [3]


def test_fake_return_header_children_without_episodes_are_counted():
    res = load_returns(FAKE, council="Lewisham")
    header = res.raw["header"].select("council", "CHILD", "collection_year").unique()
    with_eps = res.raw["episodes"].select("council", "CHILD", "collection_year").unique()
    expected = header.join(with_eps, on=["council", "CHILD", "collection_year"], how="anti").height
    assert expected > 0
    assert rule_rows(res, "HEADER_WITHOUT_EPISODES").height == expected


def test_leading_zero_ids_are_flagged_not_silently_two_children(tmp_path):
    write_return(
        tmp_path,
        "Lewisham",
        2019,
        [ep("007", "01/05/2018"), ep("7", "01/06/2018"), ep("70", "01/06/2018")],
    )
    res = load_returns(tmp_path)
    hit = rule_rows(res, "LEADING_ZERO_ID")
    assert set(hit["table"]) == {"episodes", "header"}
    assert hit.filter(pl.col("table") == "episodes")["source_row"].sort().to_list() == [2, 3]
    assert res.children.height == 3  # kept as given: the analyst decides
