"""Both column layouts of the CLA tables load; the later release wins; every row is counted."""

import polars as pl
import pytest

from carecast.errors import InputError
from carecast.published import load, panel
from tests.published.conftest import NEWER, OLDER, cla_rows


def _folder(tmp_path, older: str, newer: str):
    (tmp_path / "cla_number_and_rate_per_10k_children_2019-2023.csv").write_text(older)
    (tmp_path / "cla_number_and_rate_per_10k_children_2021-2024.csv").write_text(newer)
    return tmp_path


def test_both_layouts_and_the_later_release_wins(tmp_path):
    older = (
        OLDER
        + "\n"
        + cla_rows(
            [
                (2020, "800", "Bath", "E06000022", "stock", 35000, 180),
                (
                    2021,
                    "800",
                    "Bath",
                    "E06000022",
                    "stock",
                    35000,
                    170,
                ),  # revised in the later release
            ]
        )
    )
    newer = (
        NEWER
        + "\n"
        + cla_rows(
            [
                (2021, "800", "Bath", "E06000022", "stock", 35000, 179),
                (2022, "800", "Bath", "E06000022", "stock", 35000, "c"),
            ]
        )
    )
    p = load(_folder(tmp_path, older, newer))
    assert set(p.layouts.values()) == {
        "2019-2023 release (population_count, number)",
        "2021-2024 release (population_type, children_count)",
    }
    table = panel.build(p).sort("year")
    assert table["stock"].to_list() == [180.0, 179.0, None]
    log = {(r["file"][-13:-4], r["outcome"]): r["rows"] for r in p.log.iter_rows(named=True)}
    assert log[("2019-2023", "superseded by the later release")] == 1
    assert log[("2019-2023", "used: council figure")] == 1
    assert log[("2021-2024", "missing: suppressed to protect confidentiality (small numbers)")] == 1
    assert p.log["rows"].sum() == 4  # every row read is counted once


def test_a_file_in_neither_layout_is_refused_with_the_missing_columns(tmp_path):
    bad = NEWER.replace("population_type", "measure_name") + "\n"
    (tmp_path / "cla_number_and_rate_per_10k_children_2021-2024.csv").write_text(bad)
    with pytest.raises(InputError, match="population_type"):
        load(tmp_path)


def test_real_files_every_row_accounted_for(real):
    for path in real.folder.glob("*.csv"):
        lines = len(path.read_text(encoding="utf-8-sig").strip().splitlines()) - 1
        assert real.log.filter(pl.col("file") == path.name)["rows"].sum() == lines


def test_sum_of_councils_matches_the_published_england_figure(real):
    table = panel.build(real)
    england = real.cla.filter(
        pl.col("level") == "England",
        pl.col("measure") == "stock",
        pl.col("outcome").str.starts_with("used"),
    )
    for row in england.iter_rows(named=True):
        total = table.filter(pl.col("year") == row["year"])["stock"].sum()
        assert abs(total - row["value"]) <= 15  # England is rounded to the nearest 10


def test_a_repeated_header_line_is_counted_not_lost(tmp_path):
    body = cla_rows([(2022, "800", "Bath", "E06000022", "stock", 35000, 196)])
    text = NEWER + "\n" + body + "\n" + NEWER + "\n" + body.replace("2022", "2023") + "\n"
    (tmp_path / "cla_number_and_rate_per_10k_children_2021-2024.csv").write_text(text)
    p = load(tmp_path)
    set_aside = p.log.filter(pl.col("outcome").str.starts_with("set aside"))
    assert set_aside["rows"].sum() == 1
    assert p.log["rows"].sum() == 3  # two figures and the repeated header: every line counted
