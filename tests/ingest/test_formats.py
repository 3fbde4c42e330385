"""The same return read from every layout, format and encoding gives the same episodes."""

from __future__ import annotations

import datetime as dt

import polars as pl
import pytest
import xlsxwriter

from carecast.errors import InputError
from carecast.ingest import load_returns
from carecast.ingest.discover import parse_year

from .ingest_cases import EPISODE_COLS, HEADER_COLS, ep, hd, write_csv, write_return

EPISODES = [
    ep("1", "01/05/2018", "01/08/2018", home="SE6 4RU", pl="SE6 4RU"),
    ep("1", "01/08/2018", rne="P", place="K2", provider="PR4"),
]
HEADER = [hd("1", "14/03/2009", ethnic="WIRI")]
KEY_COLS = ["council", "child_id", "decom", "dec", "place", "place_provider", "dob", "ethnic"]


def view(res) -> pl.DataFrame:
    """What must not depend on the file format: episodes with the child's details."""
    return res.episodes.join(
        res.children.select("council", "child_id", "ethnic"), on=["council", "child_id"]
    ).select(KEY_COLS)


@pytest.fixture
def reference(tmp_path_factory):
    root = tmp_path_factory.mktemp("ref")
    write_return(root, "Lewisham", 2019, EPISODES, HEADER)
    return view(load_returns(root))


def test_utf8_bom_and_windows_1252(tmp_path, reference):
    folder = write_return(tmp_path, "Lewisham", 2019, EPISODES, HEADER)
    (folder / "episodes.csv").write_bytes(b"\xef\xbb\xbf" + (folder / "episodes.csv").read_bytes())
    # Windows-1252 text with a non-ASCII byte in a free-text column
    write_csv(folder / "header.csv", [{**HEADER[0], "UPN": "Zoë"}], HEADER_COLS, encoding="cp1252")
    res = load_returns(tmp_path)
    assert view(res).equals(reference)


def test_quoted_empty_and_blank_cells_are_blank(tmp_path):
    folder = write_return(tmp_path, "Lewisham", 2019, EPISODES, HEADER)
    text = (folder / "episodes.csv").read_text().replace(",,", ',"",').replace(",\n", ", \n")
    (folder / "episodes.csv").write_text(text)
    res = load_returns(tmp_path)
    assert res.quality.counts().filter(pl.col("rule_id") == "UNKNOWN_CODE").is_empty()
    assert res.episodes["reason_place_change"].null_count() == 2


def test_iso_dates(tmp_path, reference):
    iso = [
        {
            **e,
            **{
                k: dt.datetime.strptime(e[k], "%d/%m/%Y").date().isoformat()
                for k in ("DECOM", "DEC")
                if e[k]
            },
        }
        for e in EPISODES
    ]
    write_return(tmp_path, "Lewisham", 2019, iso, [{**HEADER[0], "DOB": "2009-03-14"}])
    assert view(load_returns(tmp_path)).equals(reference)


def test_council_folder_with_council_option_and_financial_year_names(tmp_path, reference):
    write_return(tmp_path, "somewhere", 2019, EPISODES, HEADER)
    (tmp_path / "somewhere" / "2019").rename(tmp_path / "somewhere" / "2018-19")
    res = load_returns(tmp_path / "somewhere", council="209")  # DfE number of Lewisham
    assert view(res).equals(reference)
    assert res.coverage["collection_years"] == {"Lewisham": [2019]}


def test_council_folder_named_for_council(tmp_path, reference):
    write_return(tmp_path, "Lewisham", 2019, EPISODES, HEADER)
    assert view(load_returns(tmp_path / "Lewisham")).equals(reference)


def test_manifest(tmp_path, reference):
    write_csv(tmp_path / "files" / "eps_a.csv", EPISODES)
    write_csv(tmp_path / "files" / "hdr_a.csv", HEADER)
    (tmp_path / "manifest.yaml").write_text(
        "returns:\n  - {council: Lewisham, year: 2019, episodes: files/eps_a.csv, header: files/hdr_a.csv}\n"
    )
    assert view(load_returns(tmp_path)).equals(reference)
    assert load_returns(tmp_path / "manifest.yaml").episodes.height == 2


def _xlsx(path, sheets: dict[str, list[dict]], cols: dict[str, list[str]]):
    wb = xlsxwriter.Workbook(str(path))
    for name, rows in sheets.items():
        ws = wb.add_worksheet(name)
        ws.write_row(0, 0, cols[name])
        for i, r in enumerate(rows, start=1):
            for j, c in enumerate(cols[name]):
                v = r.get(c, "")
                if c in ("DECOM", "DEC", "DOB") and v:  # real Excel dates, as councils' files have
                    ws.write_datetime(
                        i,
                        j,
                        dt.datetime.strptime(v, "%d/%m/%Y"),
                        wb.add_format({"num_format": "dd/mm/yyyy"}),
                    )
                else:
                    ws.write(i, j, v)
    wb.close()


def test_xlsx_workbook_with_a_sheet_per_table(tmp_path, reference):
    folder = tmp_path / "Lewisham" / "2019"
    folder.mkdir(parents=True)
    _xlsx(
        folder / "ssda903_2019.xlsx",
        {"Header": HEADER, "Episodes": EPISODES},
        {"Header": HEADER_COLS, "Episodes": EPISODE_COLS},
    )
    assert view(load_returns(tmp_path)).equals(reference)


def test_xlsx_file_per_table(tmp_path, reference):
    folder = tmp_path / "Lewisham" / "2019"
    folder.mkdir(parents=True)
    _xlsx(folder / "episodes.xlsx", {"Sheet1": EPISODES}, {"Sheet1": EPISODE_COLS})
    _xlsx(folder / "header.xlsx", {"Sheet1": HEADER}, {"Sheet1": HEADER_COLS})
    assert view(load_returns(tmp_path)).equals(reference)


def test_xml_return(tmp_path, reference):
    folder = tmp_path / "Lewisham" / "2019"
    folder.mkdir(parents=True)
    eps = "".join(
        "<EPISODE>"
        + "".join(f"<{c}>{e[c]}</{c}>" for c in EPISODE_COLS if c != "CHILD" and e[c])
        + "</EPISODE>"
        for e in EPISODES
    )
    h = HEADER[0]
    xml = (
        f'<?xml version="1.0"?><Message><Header><Year>2019</Year></Header><Children><CHILD>'
        f"<HEADER><CHILDID>{h['CHILD']}</CHILDID><SEX>{h['SEX']}</SEX><DOB>{h['DOB']}</DOB>"
        f"<ETHNIC>{h['ETHNIC']}</ETHNIC></HEADER><EPISODES>{eps}</EPISODES></CHILD></Children></Message>"
    )
    (folder / "return.xml").write_text(xml)
    res = load_returns(tmp_path)
    assert view(res).equals(reference)
    assert res.episodes["source_file"].unique().to_list() == ["Lewisham/2019/return.xml:episodes"]
    assert "EXTRA_COLUMN" not in res.quality.counts()["rule_id"].to_list()


@pytest.mark.parametrize(
    ("name", "year"),
    [("2019", 2019), ("2018-19", 2019), ("2018_2019", 2019), ("2018-20", None), ("misc", None)],
)
def test_year_folder_names(name, year):
    assert parse_year(name) == year


def test_region_folder_ignores_reference_folders_and_can_pick_one_council(tmp_path):
    write_return(tmp_path, "Lewisham", 2019, EPISODES, HEADER)
    write_return(tmp_path, "Southwark", 2019, EPISODES, HEADER)
    (tmp_path / "providers").mkdir()
    (tmp_path / "providers" / "register.csv").write_text("urn\n1\n")
    assert load_returns(tmp_path).coverage["councils"] == ["Lewisham", "Southwark"]
    only = load_returns(tmp_path, council="Southwark")
    assert only.episodes["council"].unique().to_list() == ["Southwark"]


def test_single_file_needs_a_council_and_year(tmp_path):
    path = write_csv(tmp_path / "episodes.csv", EPISODES)
    with pytest.raises(InputError, match="which council"):
        load_returns(path)


def test_progress_is_reported(tmp_path):
    write_return(tmp_path, "Lewisham", 2019, EPISODES, HEADER)
    seen = []
    load_returns(tmp_path, progress=lambda done, total, label: seen.append((done, total)))
    assert seen[-1] == (2, 2) and seen[0] == (0, 2)
    assert pl.Series([d for d, _ in seen]).is_sorted()


def test_csv_manifest(tmp_path, reference):
    write_csv(tmp_path / "a" / "e.csv", EPISODES)
    write_csv(tmp_path / "a" / "h.csv", HEADER)
    (tmp_path / "manifest.csv").write_text(
        "council,year,table,path\nE09000023,2018-19,episodes,a/e.csv\n"
        "Lewisham,2019,header,a/h.csv\n"
    )
    assert view(load_returns(tmp_path)).equals(reference)


def test_semicolon_tab_and_utf16_files_read_like_the_comma_file(tmp_path, reference):
    folder = write_return(tmp_path, "Lewisham", 2019, EPISODES, HEADER)
    text = (folder / "episodes.csv").read_text()
    (folder / "episodes.csv").write_text(text.replace(",", ";"))
    header = (folder / "header.csv").read_text()
    (folder / "header.csv").write_bytes(header.replace(",", "\t").encode("utf-16"))  # with BOM
    assert view(load_returns(tmp_path)).equals(reference)


def test_a_repeated_header_line_is_dropped_under_its_own_rule(tmp_path, reference):
    folder = write_return(tmp_path, "Lewisham", 2019, EPISODES, HEADER)
    lines = (folder / "episodes.csv").read_text().splitlines()
    (folder / "episodes.csv").write_text("\n".join([lines[0], lines[1], lines[0], lines[2]]) + "\n")
    res = load_returns(tmp_path)
    assert view(res).equals(reference)
    counts = res.quality.counts()
    assert counts.filter(pl.col("rule_id") == "REPEATED_HEADER")["count"].sum() == 1
    assert "BAD_DECOM" not in counts["rule_id"].to_list()


def test_a_sheet_not_named_as_a_table_is_read_by_its_columns_and_reported(tmp_path, reference):
    """A "Notes" sheet holding the header's columns is read as the header (by its columns), and the
    header being in two sheets is reported: nothing is skipped in silence."""
    folder = tmp_path / "Lewisham" / "2019"
    folder.mkdir(parents=True)
    _xlsx(
        folder / "ssda903_2019.xlsx",
        {"Header": HEADER, "Episodes": EPISODES, "Notes": HEADER},
        {"Header": HEADER_COLS, "Episodes": EPISODE_COLS, "Notes": HEADER_COLS},
    )
    res = load_returns(tmp_path)
    assert view(res).equals(reference)
    events = res.quality.events.filter(pl.col("rule_id") == "TABLE_IN_SEVERAL_FILES")
    assert events["table"].to_list() == ["header"]
    assert "Notes" in events["source_file"].item()


def test_a_month_first_file_is_read_month_first_and_recorded(tmp_path, reference):
    us = [
        {
            **e,
            **{
                k: dt.datetime.strptime(e[k], "%d/%m/%Y").strftime("%m/%d/%Y")
                for k in ("DECOM", "DEC")
                if e[k]
            },
        }
        for e in EPISODES
    ]
    us.append(ep("2", "12/31/2018", rne="S"))  # 31 as the second number: only month-first
    write_return(tmp_path, "Lewisham", 2019, us, [*HEADER, hd("2")])
    res = load_returns(tmp_path)
    assert view(res).filter(pl.col("child_id") == "1").equals(reference)
    assert res.episodes.filter(pl.col("child_id") == "2")["decom"].to_list() == [
        dt.date(2018, 12, 31)
    ]
    counts = res.quality.counts()
    assert (
        counts.filter(pl.col("rule_id") == "DATES_MONTH_FIRST")["count"].sum() == 4
    )  # 3 DECOM, 1 DEC
    assert "BAD_DATE" not in counts["rule_id"].to_list()


def test_a_file_mixing_day_first_and_month_first_is_refused(tmp_path):
    rows = [ep("1", "25/03/2018"), ep("2", "03/26/2018")]
    write_return(tmp_path, "Lewisham", 2019, rows)
    with pytest.raises(InputError) as err:
        load_returns(tmp_path)
    assert "without guessing" in err.value.message
    assert err.value.where.row == 3


def test_excel_serial_dates_are_converted_and_recorded(tmp_path, reference):
    serial = [
        {
            **e,
            "DECOM": str(
                (dt.datetime.strptime(e["DECOM"], "%d/%m/%Y").date() - dt.date(1899, 12, 30)).days
            ),
        }
        for e in EPISODES
    ]
    write_return(tmp_path, "Lewisham", 2019, serial, HEADER)
    res = load_returns(tmp_path)
    assert view(res).equals(reference)
    assert res.quality.counts().filter(pl.col("rule_id") == "EXCEL_SERIAL_DATE")["count"].sum() == 2


def test_leading_zero_ids_are_kept_as_written(tmp_path):
    write_return(tmp_path, "Lewisham", 2019, [ep("007", "01/05/2018"), ep("7", "01/06/2018")])
    assert sorted(load_returns(tmp_path).episodes["child_id"].unique().to_list()) == ["007", "7"]
