"""Each cleaning rule on a small hand-made case: what happens to the rows, and what is counted."""

from __future__ import annotations

import datetime as dt

import polars as pl

from carecast.ingest import load_returns
from carecast.schema.tables import CHILDREN_COLUMNS, EPISODE_COLUMNS

from .ingest_cases import ep, hd, write_return

D = dt.date


def rule_counts(res) -> dict[str, int]:
    c = res.quality.counts()
    return dict(c.group_by("rule_id").agg(pl.col("count").sum()).iter_rows())


def assert_accounted(res) -> None:
    s = res.quality.summary()
    assert (s["kept"] + s["dropped"] + s["merged"] == s["read"]).all(), s
    assert s["kept"].sum() == res.episodes.height


def test_clean_return_loads_unchanged_and_conforms(tmp_path):
    write_return(
        tmp_path,
        "Lewisham",
        2019,
        [
            ep("1", "01/05/2018", "01/08/2018"),
            ep("1", "01/08/2018", rne="P", place="K2", provider="PR4"),
        ],
    )
    res = load_returns(tmp_path)
    assert res.episodes.schema == pl.Schema(EPISODE_COLUMNS)
    assert res.children.schema == pl.Schema(CHILDREN_COLUMNS)
    assert res.episodes["decom"].to_list() == [D(2018, 5, 1), D(2018, 8, 1)]
    assert res.episodes["category"].to_list() == ["fostering_in_house", "residential_external"]
    assert res.episodes["period_id"].to_list() == [1, 1]
    assert res.episodes["period_end"].to_list() == [None, None]
    assert res.episodes["source_row"].to_list() == [2, 3]
    assert res.episodes["source_file"].to_list() == ["Lewisham/2019/episodes.csv"] * 2
    assert res.episodes["data_end"].unique().to_list() == [D(2019, 3, 31)]
    assert res.episodes["repairs"].to_list() == ["", ""]
    assert rule_counts(res) == {}
    assert_accounted(res)


def test_open_episode_repeated_by_next_return_is_normal(tmp_path):
    write_return(tmp_path, "Lewisham", 2019, [ep("1", "01/05/2018")])
    write_return(tmp_path, "Lewisham", 2020, [ep("1", "01/05/2018", "03/06/2019", rec="E4A")])
    res = load_returns(tmp_path)
    assert res.episodes.height == 1
    row = res.episodes.row(0, named=True)
    assert (row["dec"], row["rec"], row["collection_year"]) == (D(2019, 6, 3), "E4A", 2020)
    assert row["repairs"] == "" and row["period_end"] == D(2019, 6, 3)
    assert rule_counts(res) == {"REPEATED_IN_LATER_RETURN": 1}
    s = res.quality.summary()
    assert s.filter(pl.col("collection_year") == 2019)["merged"].item() == 1
    assert_accounted(res)


def test_episode_shown_open_after_it_ended_is_closed_by_later_return(tmp_path):
    write_return(tmp_path, "Lewisham", 2019, [ep("1", "01/05/2018")])  # ended in the 2019 year...
    write_return(tmp_path, "Lewisham", 2020, [ep("1", "01/05/2018", "03/01/2019", rec="E4A")])
    res = load_returns(tmp_path)
    assert res.episodes["dec"].to_list() == [D(2019, 1, 3)]
    assert res.episodes["repairs"].to_list() == ["CLOSED_BY_LATER_RETURN"]
    assert rule_counts(res) == {"REPEATED_IN_LATER_RETURN": 1, "CLOSED_BY_LATER_RETURN": 1}
    assert_accounted(res)


def test_closed_episode_sent_again_is_a_duplicate(tmp_path):
    write_return(tmp_path, "Lewisham", 2019, [ep("1", "01/05/2018", "03/01/2019", rec="E4A")])
    write_return(tmp_path, "Lewisham", 2020, [ep("1", "01/05/2018", "03/01/2019", rec="E4A")])
    res = load_returns(tmp_path)
    assert res.episodes["collection_year"].to_list() == [2020]
    assert rule_counts(res) == {"DUPLICATE": 1}


def test_duplicate_within_one_return_is_merged(tmp_path):
    write_return(tmp_path, "Lewisham", 2019, [ep("1", "01/05/2018"), ep("1", "01/05/2018")])
    res = load_returns(tmp_path)
    assert res.episodes.height == 1 and res.episodes["source_row"].item() == 3
    assert rule_counts(res) == {"DUPLICATE": 1}
    assert_accounted(res)


def test_open_episode_closed_by_next_episode(tmp_path):
    write_return(
        tmp_path, "Lewisham", 2019, [ep("1", "01/05/2018"), ep("1", "01/09/2018", rne="P")]
    )
    res = load_returns(tmp_path)
    assert res.episodes["dec"].to_list() == [D(2018, 9, 1), None]
    assert res.episodes["rec"].to_list() == ["X1", None]
    assert res.episodes["period_id"].to_list() == [1, 1]
    assert rule_counts(res) == {"OPEN_CLOSED_BY_NEXT": 1}


def test_overlap_is_trimmed_to_next_start(tmp_path):
    write_return(
        tmp_path,
        "Lewisham",
        2019,
        [
            ep("1", "01/05/2018", "01/10/2018"),
            ep("1", "01/09/2018", "01/12/2018", rne="P"),
        ],
    )
    res = load_returns(tmp_path)
    assert res.episodes["dec"].to_list() == [D(2018, 9, 1), D(2018, 12, 1)]
    assert rule_counts(res) == {"OVERLAP_TRIMMED": 1}
    assert res.episodes["repairs"].to_list() == ["OVERLAP_TRIMMED", ""]
    assert_accounted(res)


def test_dec_before_decom_is_dropped(tmp_path):
    write_return(
        tmp_path, "Lewisham", 2019, [ep("1", "01/05/2018", "01/04/2018"), ep("2", "01/05/2018")]
    )
    res = load_returns(tmp_path)
    assert res.episodes["child_id"].to_list() == ["2"]
    counts = res.quality.counts().filter(pl.col("rule_id") == "DEC_BEFORE_DECOM")
    assert counts["count"].item() == 1 and counts["action"].item() == "dropped"
    assert "episodes.csv row 2 DEC" in counts["examples"].item()
    assert_accounted(res)


def test_dob_after_decom_and_age_18_are_dropped(tmp_path):
    write_return(
        tmp_path,
        "Lewisham",
        2019,
        [ep("1", "01/05/2018"), ep("2", "01/05/2018"), ep("3", "01/05/2018")],
        header=[hd("1", "01/06/2018"), hd("2", "01/05/2000"), hd("3", "02/05/2000")],
    )
    res = load_returns(tmp_path)
    assert res.episodes["child_id"].to_list() == ["3"]  # 17 years 364 days at start: kept
    assert rule_counts(res) == {"DOB_AFTER_DECOM": 1, "AGE_18_AT_START": 1}
    assert_accounted(res)


def test_unknown_code_is_flagged_and_kept(tmp_path):
    write_return(tmp_path, "Lewisham", 2019, [ep("1", "01/05/2018", place="Q9")])
    res = load_returns(tmp_path)
    assert res.episodes["place"].to_list() == ["Q9"]
    assert res.episodes["category"].to_list() == ["other"]
    c = res.quality.counts().filter(pl.col("rule_id") == "UNKNOWN_CODE")
    assert c["count"].item() == 1 and "PLACE='Q9'" in c["examples"].item()


def test_unknown_code_depends_on_collection_year(tmp_path):
    # E45 (SGO to relative foster carer) is in the code list from 2018 but not 2016
    write_return(tmp_path, "Lewisham", 2016, [ep("1", "01/05/2015", "01/06/2015", rec="E45")])
    write_return(tmp_path, "Lewisham", 2019, [ep("2", "01/05/2018", "01/06/2018", rec="E45")])
    res = load_returns(tmp_path)
    c = res.quality.counts().filter(pl.col("rule_id") == "UNKNOWN_CODE")
    assert c["collection_year"].to_list() == [2016]


def test_blank_required_values_are_flagged(tmp_path):
    write_return(
        tmp_path, "Lewisham", 2019, [ep("1", "01/05/2018", place="")], header=[hd("1", sex="")]
    )
    res = load_returns(tmp_path)
    assert res.episodes.height == 1 and res.episodes["category"].item() == "other"
    c = res.quality.counts().filter(pl.col("rule_id") == "MISSING_VALUE")
    assert sorted(c["table"]) == ["episodes", "header"]
    assert "PLACE" in c.filter(pl.col("table") == "episodes")["examples"].item()


def test_lower_case_codes_are_tidied(tmp_path):
    write_return(tmp_path, "Lewisham", 2019, [ep("1", "01/05/2018", place="u4", provider="pr4 ")])
    res = load_returns(tmp_path)
    assert res.episodes.select("place", "place_provider").row(0) == ("U4", "PR4")
    assert res.episodes["category"].item() == "fostering_ifa"
    assert rule_counts(res) == {"CODE_TIDIED": 2}


def test_bad_dates(tmp_path):
    write_return(
        tmp_path,
        "Lewisham",
        2019,
        [
            ep("1", "00/02/2018"),  # impossible start: dropped
            ep("2", "2018-05-01", "2018-06-01"),  # ISO: accepted
            ep("3", "1/5/2018", "xx/06/2018"),  # unpadded start fine; bad end -> open
        ],
    )
    res = load_returns(tmp_path)
    assert res.episodes["child_id"].to_list() == ["2", "3"]
    assert res.episodes["dec"].to_list() == [D(2018, 6, 1), None]
    assert rule_counts(res) == {"BAD_DECOM": 1, "BAD_DATE": 1}
    assert_accounted(res)


def test_other_date_forms_and_impossible_days_are_repaired(tmp_path):
    write_return(
        tmp_path,
        "Lewisham",
        2019,
        [
            ep("1", "01.05.18", "30-06-2018"),  # dd.mm.yy and dd-mm-yyyy
            ep("2", "01/04/2018", "31/04/2018"),  # 31 April -> 30 April
        ],
    )
    res = load_returns(tmp_path)
    assert res.episodes["decom"].to_list() == [D(2018, 5, 1), D(2018, 4, 1)]
    assert res.episodes["dec"].to_list() == [D(2018, 6, 30), D(2018, 4, 30)]
    assert rule_counts(res) == {"DATE_FORMAT_REPAIRED": 2, "IMPOSSIBLE_DAY_CLAMPED": 1}
    assert res.quality.summary()["repaired"].item() == 2


def test_impossible_end_day_is_not_clamped_before_the_start(tmp_path):
    write_return(
        tmp_path,
        "Lewisham",
        2019,
        [ep("1", "17/07/2018", "31/02/2018"), ep("1", "16/09/2018", rne="P")],
    )
    res = load_returns(tmp_path)
    assert res.episodes["dec"].to_list() == [D(2018, 9, 16), None]  # left blank, closed by the next
    assert rule_counts(res) == {"BAD_DATE": 1, "OPEN_CLOSED_BY_NEXT": 1}


def test_episodes_without_header_are_kept_and_flagged(tmp_path):
    write_return(
        tmp_path, "Lewisham", 2019, [ep("1", "01/05/2018"), ep("2", "01/05/2018")], header=[hd("1")]
    )
    res = load_returns(tmp_path)
    assert res.episodes.height == 2
    row = res.episodes.filter(pl.col("child_id") == "2").row(0, named=True)
    assert row["dob"] is None and row["repairs"] == "NO_HEADER"
    assert res.children.height == 2
    assert rule_counts(res) == {"NO_HEADER": 1}


def test_return_without_header_file_is_flagged(tmp_path):
    write_return(tmp_path, "Lewisham", 2019, [ep("1", "01/05/2018")], header=False)
    res = load_returns(tmp_path)
    assert res.episodes.height == 1
    assert rule_counts(res) == {"NO_HEADER_FILE": 1, "NO_HEADER": 1}


def test_missing_and_extra_columns_are_flagged(tmp_path):
    folder = write_return(tmp_path, "Lewisham", 2019, [ep("1", "01/05/2018")])
    text = (folder / "episodes.csv").read_text().splitlines()
    rows = [line.split(",") for line in text]
    keep = [i for i, c in enumerate(rows[0]) if c != "URN"]
    lines = [
        ",".join([r[i] for i in keep] + ["NOTE" if n == 0 else "x"]) for n, r in enumerate(rows)
    ]
    (folder / "episodes.csv").write_text("\n".join(lines) + "\n")
    res = load_returns(tmp_path)
    assert res.episodes.height == 1 and res.episodes["urn"].item() is None
    c = res.quality.counts()
    assert set(c["rule_id"]) == {"MISSING_COLUMN", "EXTRA_COLUMN"}
    assert "URN" in c.filter(pl.col("rule_id") == "MISSING_COLUMN")["examples"].item()


def test_short_breaks_and_uasc_are_flagged_not_dropped(tmp_path):
    write_return(
        tmp_path,
        "Lewisham",
        2019,
        [ep("1", "01/05/2018", "03/05/2018", ls="V3", rec="E13"), ep("2", "01/05/2018", ls="V2")],
        uasc=[{"CHILD": "2", "SEX": "1", "DOB": "01/01/2002", "DUC": ""}],
    )
    res = load_returns(tmp_path)
    assert res.episodes["is_short_break"].to_list() == [True, False]
    assert res.episodes["is_uasc"].to_list() == [False, True]
    assert res.children.filter(pl.col("child_id") == "2")["is_uasc"].item() is True
    assert rule_counts(res) == {"SHORT_BREAK": 1, "UASC": 1}


def test_legal_status_changes_merged_only_when_asked(tmp_path):
    rows = [
        ep("1", "01/05/2018", "01/07/2018", ls="C1"),
        ep("1", "01/07/2018", "01/09/2018", rne="L", ls="C2"),
        ep("1", "01/09/2018", rne="P", place="K2", provider="PR4"),
    ]
    write_return(tmp_path, "Lewisham", 2019, rows)
    plain = load_returns(tmp_path)
    assert plain.episodes.height == 3
    merged = load_returns(tmp_path, merge_legal_changes=True)
    assert merged.episodes.height == 2
    assert merged.episodes["dec"].to_list() == [D(2018, 9, 1), None]
    assert merged.episodes["ls"].to_list() == ["C1", "C2"][:1] + ["C2"]
    assert rule_counts(merged) == {"LEGAL_CHANGE_MERGED": 1}
    assert merged.quality.summary()["merged"].item() == 1
    assert_accounted(merged)


def test_periods_of_care_and_ages(tmp_path):
    write_return(
        tmp_path,
        "Lewisham",
        2019,
        [
            ep("1", "01/05/2018", "01/06/2018", rec="E4A"),
            ep("1", "01/09/2018", "01/10/2018"),
            ep("1", "01/10/2018", rne="P"),
        ],
        header=[hd("1", "01/05/2008")],
    )
    res = load_returns(tmp_path)
    e = res.episodes
    assert e["period_id"].to_list() == [1, 2, 2]
    assert e["period_start"].to_list() == [D(2018, 5, 1), D(2018, 9, 1), D(2018, 9, 1)]
    assert e["period_end"].to_list() == [D(2018, 6, 1), None, None]
    assert abs(e["age_at_start"][0] - 10.0) < 0.01
    assert e["age_at_end"][2] is None


def test_same_child_id_in_two_councils_is_two_children(tmp_path):
    write_return(tmp_path, "Lewisham", 2019, [ep("1", "01/05/2018")])
    write_return(tmp_path, "Southwark", 2019, [ep("1", "01/06/2018")])
    res = load_returns(tmp_path)
    assert res.children.height == 2
    assert sorted(res.coverage["councils"]) == ["Lewisham", "Southwark"]
    assert res.coverage["data_end"]["Southwark"] == D(2019, 3, 31)


def test_report_examples_never_show_child_ids_or_dobs(tmp_path):
    write_return(
        tmp_path,
        "Lewisham",
        2019,
        [ep("CHILD123", "01/05/2018", "01/04/2018")],
        header=[hd("CHILD123", "31/13/2010")],
    )
    res = load_returns(tmp_path)
    text = res.quality.counts().write_csv()
    assert "CHILD123" not in text and "31/13/2010" not in text
    assert "BAD_DATE" in text  # the bad DOB is reported, by file and row


def test_rows_without_child_id_are_dropped(tmp_path):
    write_return(tmp_path, "Lewisham", 2019, [ep("", "01/05/2018"), ep("1", "01/05/2018")])
    res = load_returns(tmp_path)
    assert res.episodes["child_id"].to_list() == ["1"]
    assert rule_counts(res) == {"MISSING_CHILD": 1}
    assert_accounted(res)


def test_start_corrected_by_next_return_is_merged(tmp_path):
    write_return(tmp_path, "Lewisham", 2019, [ep("1", "05/03/2019")])  # start keyed a few days out
    write_return(tmp_path, "Lewisham", 2020, [ep("1", "01/03/2019", "01/06/2019")])
    res = load_returns(tmp_path)
    assert res.episodes.select("decom", "dec").rows() == [(D(2019, 3, 1), D(2019, 6, 1))]
    assert rule_counts(res) == {"CORRECTED_START": 1}
    assert res.quality.summary().filter(pl.col("collection_year") == 2019)["merged"].item() == 1
    assert_accounted(res)


def test_open_episode_missing_from_next_return_is_kept_and_flagged(tmp_path):
    write_return(tmp_path, "Lewisham", 2019, [ep("1", "05/03/2019"), ep("2", "01/05/2018")])
    write_return(tmp_path, "Lewisham", 2020, [ep("2", "01/05/2018")])  # child 1 has vanished
    res = load_returns(tmp_path)
    row = res.episodes.filter(pl.col("child_id") == "1").row(0, named=True)
    assert row["dec"] is None and row["repairs"] == "OPEN_NOT_REPEATED"
    assert rule_counts(res) == {"OPEN_NOT_REPEATED": 1, "REPEATED_IN_LATER_RETURN": 1}


def test_header_that_changes_between_returns_uses_latest_and_is_flagged(tmp_path):
    write_return(
        tmp_path, "Lewisham", 2019, [ep("1", "01/05/2018")], header=[hd("1", "01/01/2010")]
    )
    write_return(
        tmp_path, "Lewisham", 2020, [ep("1", "01/05/2018")], header=[hd("1", "02/01/2010")]
    )
    res = load_returns(tmp_path)
    assert res.children["dob"].to_list() == [D(2010, 1, 2)]
    assert res.episodes["dob"].to_list() == [D(2010, 1, 2)]
    c = res.quality.counts().filter(pl.col("rule_id") == "HEADER_CONFLICT")
    assert c["count"].item() == 1 and c["table"].item() == "header"


def test_episode_starting_after_its_return_year_is_flagged(tmp_path):
    write_return(
        tmp_path, "Lewisham", 2019, [ep("1", "01/05/2019")]
    )  # the 2019 return ends 31/03/2019
    res = load_returns(tmp_path)
    assert res.episodes.height == 1
    assert rule_counts(res) == {"DATE_AFTER_RETURN": 1}


def test_every_rule_has_a_hand_made_case():
    from pathlib import Path

    from carecast.ingest.quality import rules

    text = "".join(p.read_text() for p in Path(__file__).parent.glob("test_*.py"))
    untested = [r for r in rules() if f'"{r}"' not in text]
    assert untested == []
