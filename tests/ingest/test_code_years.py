"""Code lists per collection year: SEX 1/2 then M/F/U (2024-25), the 2025-26 placement codes and
CUSTOD; an unknown code is flagged and kept, an unknown placement counted in the summary."""

from __future__ import annotations

import shutil

import polars as pl
import pytest

from carecast.ingest import load_returns
from carecast.schema.categories import load_categories
from carecast.schema.ssda903 import spec_for_year, table_spec

from ..paths import EXTERNAL
from .ingest_cases import ep, hd, write_return

FAKE = EXTERNAL / "dfe-903-validator" / "fake-return"
SHIFT_YEARS = 7  # the fake return is collection year 2018; +7 makes it 2025 (the 2024-25 return)


def unknown(res, column: str) -> pl.DataFrame:
    return res.quality.events.filter(
        pl.col("rule_id") == "UNKNOWN_CODE", pl.col("column") == column
    )


def _shifted_copy(dest, years: int, sex: dict[str, str]) -> None:
    """The fake return's CSV tables with every date moved on ``years`` years and SEX recoded."""
    dest.mkdir(parents=True)
    for table in (
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
    ):
        frame = pl.read_csv(FAKE / f"{table}.csv", infer_schema=False)
        frame = frame.rename({c: c.lstrip("\ufeff") for c in frame.columns})
        dates = [c for c in table_spec(table).date_columns if c in frame.columns]
        frame = frame.with_columns(
            pl.col(c)
            .str.strptime(pl.Date, "%d/%m/%Y", strict=False)
            .dt.offset_by(f"{years}y")
            .dt.strftime("%d/%m/%Y")
            for c in dates
        )
        if "SEX" in frame.columns:
            frame = frame.with_columns(pl.col("SEX").replace(sex))
        frame.write_csv(dest / f"{table}.csv")


@pytest.mark.skipif(not FAKE.is_dir(), reason="the DfE fake return is not in ../shared/external")
def test_fake_return_shifted_to_2024_25_with_m_f_keeps_every_childs_sex(tmp_path):
    _shifted_copy(tmp_path / "before" / "Lewisham" / "2018", 0, {})
    _shifted_copy(tmp_path / "after" / "Lewisham" / "2025", SHIFT_YEARS, {"1": "M", "2": "F"})
    original, shifted = load_returns(tmp_path / "before"), load_returns(tmp_path / "after")
    assert shifted.coverage["collection_years"]["Lewisham"] == [2025]
    assert unknown(shifted, "SEX").is_empty()
    assert {t: f.height for t, f in shifted.raw.items()} == {
        t: f.height for t, f in original.raw.items()
    }
    before = original.children.select("child_id", "sex")
    after = shifted.children.select("child_id", "sex")
    assert before["sex"].null_count() == 0
    assert after.join(before, on="child_id").filter(pl.col("sex") != pl.col("sex_right")).is_empty()
    assert after.join(before, on="child_id").height == before.height
    # the raw table keeps the code as the return gave it
    assert set(shifted.raw["header"]["SEX"].unique()) == {"M", "F"}


def test_sex_1_2_in_a_2024_25_return_is_flagged_but_still_typed(tmp_path):
    write_return(
        tmp_path,
        "Lewisham",
        2025,
        [ep("1", "01/05/2024"), ep("2", "01/05/2024")],
        [hd("1", sex="1"), hd("2", sex="U")],
    )
    res = load_returns(tmp_path)
    assert unknown(res, "SEX").height == 1  # "1" is no longer the code; U is
    sex = dict(res.children.select("child_id", "sex").iter_rows())
    assert sex == {"1": 1, "2": None}  # U (not known) has no typed value; the raw table keeps it
    assert res.raw["header"]["SEX"].to_list() == ["1", "U"]


def test_code_list_differences_by_year():
    assert set(spec_for_year(2024).code_lists["sex"]) == {"1", "2"}
    assert set(spec_for_year(2025).code_lists["sex"]) == {"M", "F", "U"}
    place_25, place_26 = (
        set(spec_for_year(2025).code_lists["place"]),
        set(spec_for_year(2026).code_lists["place"]),
    )
    assert place_26 - place_25 == {"K3", "Z11", "Z12", "Z13", "Z14"}
    assert place_25 - place_26 == {"H5", "P2", "Z1"}
    assert "CUSTOD" in spec_for_year(2019).code_lists["reason_place_change"]


def test_2025_26_placements_are_known_classified_and_old_ones_flagged(tmp_path):
    eps = [
        ep("1", "01/05/2025", "01/06/2025", place="K3", provider="PR4"),
        ep("1", "01/06/2025", "01/07/2025", rne="P", place="Z12", provider=""),
        ep("1", "01/07/2025", rne="P", place="H5", provider="PR4"),
    ]
    eps[1]["REASON_PLACE_CHANGE"] = "CUSTOD"
    write_return(tmp_path, "Lewisham", 2026, eps, [hd("1", dob="01/01/2009", sex="F")])
    res = load_returns(tmp_path)
    assert unknown(res, "PLACE")["value"].to_list() == ["H5"]  # withdrawn from 2025-26
    assert unknown(res, "REASON_PLACE_CHANGE").is_empty()
    assert res.episodes["place"].to_list() == ["K3", "Z12", "H5"]  # kept as given
    assert res.episodes["category"].to_list() == ["supported", "other", "supported"]
    assert res.quality.summary()["unknown_placement"].item() == 1


def test_unknown_placement_is_counted_in_the_summary_and_kept(tmp_path, run_cli):
    write_return(
        tmp_path, "Lewisham", 2019, [ep("1", "01/05/2018", place="Q9"), ep("2", "01/05/2018")]
    )
    res = load_returns(tmp_path)
    assert res.quality.summary()["unknown_placement"].item() == 1
    assert res.episodes.filter(pl.col("child_id") == "1")["place"].item() == "Q9"
    text = res.quality.to_report().sections[0].text
    assert "1 kept episodes have a placement code" in text
    code, out, _ = run_cli("validate", tmp_path)
    assert code == 0 and "Unknown placement" in out


def test_every_place_code_of_every_year_has_an_explicit_category():
    """No known code reaches the catch-all rule: only unknown codes are "Other" by default."""
    cats = load_categories()
    explicit = {c for rule in cats.rules[:-1] if rule["place"] != "*" for c in rule["place"]}
    every = set().union(*(spec_for_year(y).code_lists["place"] for y in range(2014, 2027)))
    assert every <= explicit, every - explicit


def test_fake_return_has_no_unknown_placement_or_reason():
    if not FAKE.is_dir():
        pytest.skip("the DfE fake return is not in ../shared/external")
    res = load_returns(FAKE / "fake_903.xml", council="Lewisham", year=2018)
    assert unknown(res, "PLACE").is_empty() and unknown(res, "REASON_PLACE_CHANGE").is_empty()
    assert "CUSTOD" in res.episodes["reason_place_change"].to_list()


def test_shifted_copy_helper_moves_dates(tmp_path):
    if not FAKE.is_dir():
        pytest.skip("the DfE fake return is not in ../shared/external")
    _shifted_copy(tmp_path / "x", 1, {})
    before = pl.read_csv(FAKE / "episodes.csv", infer_schema=False)["DECOM"][0]
    after = pl.read_csv(tmp_path / "x" / "episodes.csv", infer_schema=False)["DECOM"][0]
    assert after[:6] == before[:6] and int(after[6:]) == int(before[6:]) + 1
    shutil.rmtree(tmp_path / "x")
