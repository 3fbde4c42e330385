"""One table reader: every encoding, delimiter and workbook layout councils send, read the same."""

from __future__ import annotations

import polars as pl
import pytest

from carecast.errors import InputError
from carecast.plumbing.tables import detect_delimiter, probe_csv, read_csv_files, read_table

from .tables_files import write_ods, write_xlsx

ROWS = [["CHILD", "NAME", "DOB"], ["007", "Zoë Brontë", "01/02/2010"], ["7", "Ann", "03/04/2011"]]


def csv_text(delimiter: str = ",") -> str:
    return "\r\n".join(delimiter.join(r) for r in ROWS) + "\r\n"


def expected() -> pl.DataFrame:
    return pl.DataFrame({c: [r[i] for r in ROWS[1:]] for i, c in enumerate(ROWS[0])})


@pytest.mark.parametrize(
    ("encoding", "codec"),
    [
        ("utf-8", "utf-8"),
        ("utf-8-sig", "utf-8-sig"),
        ("utf-16", "utf-16-le"),
        ("utf-16-be", "utf-16-be"),
        ("cp1252", "cp1252"),
    ],
)
def test_every_encoding_reads_the_same_characters(tmp_path, encoding, codec):
    data = csv_text().encode(encoding)
    if encoding == "utf-16-be":
        data = b"\xfe\xff" + data  # Python writes no BOM for an explicit byte order
    path = tmp_path / "kids.csv"
    path.write_bytes(data)
    table = read_table(path)
    assert table.encoding == codec
    assert table.frame.equals(expected())
    names = "".join(table.frame["NAME"].to_list())
    assert "Ã" not in names and "\ufffd" not in names
    assert "Zoë Brontë" in table.frame["NAME"].to_list()


def test_windows_1252_is_not_mangled(tmp_path):
    path = tmp_path / "kids.csv"
    path.write_bytes("CHILD,NOTE\r\n1,café – 50€\r\n".encode("cp1252"))
    table = read_table(path)
    assert table.frame["NOTE"].to_list() == ["café – 50€"]
    assert "Ã" not in table.frame["NOTE"][0]


def test_bytes_in_no_known_encoding_stop_the_read_naming_the_line(tmp_path):
    path = tmp_path / "kids.csv"
    path.write_bytes(b"CHILD,NOTE\n1,ok\n2,bad \x81 byte\n")  # 0x81: not UTF-8, not Windows-1252
    with pytest.raises(InputError) as err:
        read_table(path)
    assert err.value.where.row == 3
    assert "UTF-8" in err.value.fix


@pytest.mark.parametrize(("delimiter", "name"), [(";", "semicolon"), ("\t", "tab"), (",", "comma")])
def test_delimiter_is_detected(tmp_path, delimiter, name):
    path = tmp_path / "kids.csv"
    path.write_text(csv_text(delimiter), encoding="utf-8")
    table = read_table(path)
    assert table.delimiter == delimiter
    assert table.frame.equals(expected())
    assert name in table.describe()


def test_semicolon_values_with_commas_keep_their_commas():
    assert detect_delimiter('CHILD;NOTE;"A, B"') == ";"
    assert detect_delimiter("CHILD") == ","


def test_repeated_header_line_dropped_and_counted(tmp_path):
    path = tmp_path / "kids.csv"
    path.write_text("CHILD,DOB\n1,01/02/2010\n child , dob \n2,03/04/2011\nCHILD,DOB\n")
    table = read_table(path, row_column="row")
    assert table.frame["CHILD"].to_list() == ["1", "2"]
    assert table.frame["row"].to_list() == [2, 4]  # rows as the analyst sees them in Excel
    assert table.issues["rule"].to_list() == ["REPEATED_HEADER", "REPEATED_HEADER"]
    assert table.issues["row"].to_list() == [3, 5]
    assert set(table.issues["severity"]) == {"rejected"}


def test_leading_zero_ids_are_kept_in_every_format(tmp_path):
    csv = tmp_path / "kids.csv"
    csv.write_text(csv_text())
    xlsx = write_xlsx(tmp_path / "kids.xlsx", {"Sheet1": ROWS})
    ods = write_ods(tmp_path / "kids.ods", {"Sheet1": ROWS})
    parquet = tmp_path / "kids.parquet"
    expected().write_parquet(parquet)
    for path in (csv, xlsx, ods, parquet):
        assert read_table(path).frame["CHILD"].to_list() == ["007", "7"], path.suffix


def test_every_sheet_is_returned_with_its_name_and_unused_ones_are_listed(tmp_path):
    path = write_xlsx(
        tmp_path / "return.xlsx",
        {"Kids 2019": ROWS, "Notes": [["A", "B"], ["x", "y"]], "Empty": []},
    )
    table = read_table(path)
    assert table.sheet_names == ["Kids 2019", "Notes", "Empty"]
    assert table.sheet("kids 2019 ").equals(expected())
    assert table.sheet("Empty").height == 0
    unused = table.unused_sheets({"Kids 2019"})
    assert [i.value for i in unused] == ["Notes", "Empty"]
    assert all(i.rule == "SHEET_NOT_READ" and i.severity == "flagged" for i in unused)


def test_ods_workbook_sheets(tmp_path):
    path = write_ods(tmp_path / "return.ods", {"Kids": ROWS, "Other": [["A", "B"], ["1", "2"]]})
    table = read_table(path)
    assert table.format == "ods"
    assert table.sheet_names == ["Kids", "Other"]
    assert table.sheet("Kids").equals(expected())


def test_types_can_be_inferred_when_asked(tmp_path):
    path = tmp_path / "n.csv"
    path.write_text("urn,places\nSC1,4\nSC2,6\n")
    assert read_table(path, text=False).frame["places"].sum() == 10
    assert read_table(path).frame["places"].dtype == pl.Utf8


@pytest.mark.parametrize(
    ("content", "words"),
    [
        (b"", "empty"),
        (b"PK\x03\x04\x00\x00binary\x00junk" * 20, "binary"),
        (b"A,B\n1,2,3\n", "row 2 has 3 values but the header names 2 columns"),
        (b"A,B,C\n1,2,3\n4,5", "truncated"),
    ],
)
def test_unusable_files_raise_input_errors_with_a_fix(tmp_path, content, words):
    path = tmp_path / "bad.csv"
    path.write_bytes(content)
    with pytest.raises(InputError) as err:
        read_table(path, what="provider register")
    assert words in err.value.message
    assert err.value.where.file == str(path)
    assert err.value.fix


def test_missing_file_and_corrupt_workbook(tmp_path):
    with pytest.raises(InputError, match="does not exist"):
        read_table(tmp_path / "nope.csv")
    bad = tmp_path / "bad.xlsx"
    bad.write_bytes(b"not a workbook at all")
    with pytest.raises(InputError, match="workbook cannot be read"):
        read_table(bad)


def test_many_plain_files_in_one_scan_keep_file_rows_and_report_repeated_headers(tmp_path):
    a, b = tmp_path / "a.csv", tmp_path / "b.csv"
    a.write_text("CHILD,DOB\n1,x\n2,y\n")
    b.write_text("CHILD,DOB\n3,z\nCHILD,DOB\n4,w\n")
    assert probe_csv(a).plain and probe_csv(a).columns == ["CHILD", "DOB"]
    frame, issues = read_csv_files([a, b], row_column="row", shown=["a", "b"])
    assert frame["CHILD"].to_list() == ["1", "2", "3", "4"]
    assert frame["row"].to_list() == [2, 3, 2, 4]
    assert issues.select("file", "row").rows() == [("b", 3)]


def test_a_workbook_can_be_read_as_a_grid_when_its_header_is_below_titles(tmp_path):
    path = write_ods(
        tmp_path / "pub.ods",
        {"Table 1": [["Children looked after", ""], ["LA", "n"], ["Lewisham", "c"]]},
    )
    grid = read_table(path, header=False, row_column="row").sheet("Table 1")
    assert grid.columns == ["row", "column_0", "column_1"]
    assert grid.select("row", "column_0").rows() == [
        (1, "Children looked after"),
        (2, "LA"),
        (3, "Lewisham"),
    ]
    assert grid["column_1"].to_list()[1:] == ["n", "c"]
