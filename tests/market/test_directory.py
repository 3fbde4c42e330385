"""Directory import: both input shapes, validation that counts every rejected or repaired row, export round trip."""

import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from carecast.errors import InputError
from carecast.market.directory import load_directory
from carecast.market.examples import example_directory
from carecast.market.reports import directory_report
from carecast.outputs import write_report
from tests.market.conftest import SYNTH_POSTCODES, SYNTH_PROVIDERS

RICH_HEADER = (
    "urn,name,provider,type,host_council,postcode,places,vacancies,vacancies_reported,ofsted_rating,ofsted_date,"
    "needs,age_min,age_max,price_min_weekly,price_max_weekly,max_staffing_ratio,same_day_admissions,education_on_site,"
    "placements_made,good_outcomes,breakdowns"
)


def _rich(tmp_path, *rows):
    p = tmp_path / "directory.csv"
    p.write_text("\n".join([RICH_HEADER, *rows]) + "\n")
    (tmp_path / "postcodes.csv").write_text(SYNTH_POSTCODES)
    return tmp_path


GOOD = "SC1,Oak,Acme,Children's home,Lewisham,SE6 4RU,4,1,01/11/2026,Good,01/03/2025,SEMH;CSE,10,17,4000,5000,2:1,yes,no,5,3,1"


def _accounted(d):
    """Every row read is either kept or rejected (nothing silently lost)."""
    return d.summary()["homes_kept"] + d.summary()["rows_rejected"] == d.rows_read


def test_reads_the_synthetic_generator_folder(synth_dir):
    d = load_directory(synth_dir)
    assert d.homes.height == 5 and _accounted(d)
    assert d.ignored_columns == ["owner", "host_ons_code"]  # said, not silently dropped
    oak = d.homes.filter(pl.col("urn") == "SC100001").row(0, named=True)
    assert oak["type"] == "childrens_home" and oak["needs"] == ["cse_cce", "semh"]
    assert (oak["age_min"], oak["age_max"], oak["price_min_weekly"], oak["price_max_weekly"]) == (
        10,
        17,
        4100,
        4100,
    )
    assert oak["location_source"] == "postcode" and abs(oak["lat"] - 51.437) < 1e-9
    assert d.homes.filter(pl.col("urn") == "SC100004")["ofsted_rating"].item() == "inadequate"
    needs4 = d.homes.filter(pl.col("urn") == "SC100004")["needs"].item().to_list()
    assert needs4 == ["semh", "sexually_harmful_behaviour"]
    # ZZ9 9ZZ is not in the lookup: kept, placed at Kent's centre, and the repair is listed
    miss = d.issues.filter(pl.col("record") == "SC100005")
    assert miss["column"].to_list() == ["postcode"] and miss["severity"].to_list() == ["repaired"]
    assert "not in the postcode lookup" in miss["message"].item() and miss["row"].item() == 6
    assert d.homes.filter(pl.col("urn") == "SC100005")["location_source"].item() == "council_centre"


def test_rich_directory_columns_are_parsed(tmp_path):
    d = load_directory(_rich(tmp_path, GOOD))
    h = d.homes.row(0, named=True)
    assert (
        h["max_staffing_ratio"] == 2.0
        and h["same_day_admissions"] is True
        and h["education_on_site"] is False
    )
    assert h["vacancies"] == 1 and str(h["vacancies_reported"]) == "2026-11-01"
    assert d.feedback.row(0, named=True) == {
        "urn": "SC1",
        "need": "any",
        "placements_made": 5,
        "good_outcomes": 3,
        "breakdowns": 1,
    }
    assert d.issues.height == 0


@pytest.mark.parametrize(
    "row,column,action,reason",
    [
        (
            "SC2,Elm,Acme,spaceship,Lewisham,SE6 4RU,4,1,,Good,,SEMH,10,17,4000,5000,,,,,,",
            "type",
            "rejected",
            "unknown provision type",
        ),
        (
            "SC2,Elm,Acme,K2,Lewisham,SE6 4RU,4,1,,Good,,SEMH,10,17,6000,5000,,,,,,",
            "price_min_weekly",
            "repaired",
            "price range reversed",
        ),
        (
            "SC2,Elm,Acme,K2,Lewisham,SE6 4RU,-1,1,,Good,,SEMH,10,17,4000,5000,,,,,,",
            "places",
            "rejected",
            "places must be",
        ),
        (
            "SC2,Elm,Acme,K2,Lewisham,AB1 2CD,4,1,,Good,,SEMH,10,17,4000,5000,,,,,,",
            "postcode",
            "repaired",
            "not in the postcode lookup",
        ),
        (
            "SC2,Elm,Acme,K2,Narnia,AB1 2CD,4,1,,Good,,SEMH,10,17,4000,5000,,,,,,",
            "host_council",
            "rejected",
            "cannot be placed on a map",
        ),
        (
            "SC2,Elm,Acme,K2,Lewisham,SE6 4RU,4,9,,Good,,SEMH,10,17,4000,5000,,,,,,",
            "vacancies",
            "repaired",
            "more vacancies than places",
        ),
        (
            "SC2,Elm,Acme,K2,Lewisham,SE6 4RU,4,1,,Great,,SEMH,10,17,4000,5000,,,,,,",
            "ofsted_rating",
            "repaired",
            "unknown Ofsted judgement",
        ),
        (
            "SC2,Elm,Acme,K2,Lewisham,SE6 4RU,4,1,,Good,,SEMH;unicorns,10,17,4000,5000,,,,,,",
            "needs",
            "repaired",
            "unknown need",
        ),
        (
            "SC2,Elm,Acme,K2,Lewisham,SE6 4RU,4,1,,Good,,SEMH,17,10,4000,5000,,,,,,",
            "age_range",
            "repaired",
            "swapped",
        ),
        (
            "SC2,Elm,Acme,K2,Lewisham,SE6 4RU,4,1,31/02/2026,Good,,SEMH,10,17,4000,5000,,,,,,",
            "vacancies_reported",
            "repaired",
            "not a date",
        ),
        (
            "SC2,Elm,Acme,K2,Lewisham,SE6 4RU,4,1,,Good,,SEMH,10,17,4000,5000,two to one,,,,,",
            "max_staffing_ratio",
            "repaired",
            "not a ratio",
        ),
        (
            "SC1,Elm,Acme,K2,Lewisham,SE6 4RU,4,1,,Good,,SEMH,10,17,4000,5000,,,,,,",
            "urn",
            "rejected",
            "earlier row",
        ),
        (
            ",Elm,Acme,K2,Lewisham,SE6 4RU,4,1,,Good,,SEMH,10,17,4000,5000,,,,,,",
            "urn",
            "rejected",
            "no Ofsted URN",
        ),
    ],
)
def test_each_bad_row_is_counted_with_row_column_and_reason(tmp_path, row, column, action, reason):
    d = load_directory(_rich(tmp_path, GOOD, row))
    bad = d.issues.filter(pl.col("row") == 3)
    assert bad.height >= 1, d.issues
    hit = bad.filter(pl.col("column") == column)
    assert hit.height == 1 and hit["severity"].item() == action and reason in hit["message"].item()
    assert hit["file"].item().endswith("directory.csv")
    assert _accounted(d)
    assert d.homes.height == (1 if action == "rejected" else 2)


def test_reversed_price_range_is_swapped_not_lost(tmp_path):
    d = load_directory(_rich(tmp_path, GOOD.replace("4000,5000", "5000,4000")))
    h = d.homes.row(0, named=True)
    assert (h["price_min_weekly"], h["price_max_weekly"]) == (4000, 5000)


def test_missing_required_column_is_an_input_error(tmp_path):
    p = tmp_path / "d.csv"
    p.write_text("urn,name\nSC1,Oak\n")
    with pytest.raises(InputError) as info:
        load_directory(p)
    assert (
        "type" in info.value.message
        and "places" in info.value.message
        and info.value.where.file == str(p)
    )


def test_every_row_unusable_is_an_input_error_naming_a_problem(tmp_path):
    p = tmp_path / "d.csv"
    p.write_text("urn,type,host_council,places\nSC1,castle,Lewisham,3\nSC2,castle,Lewisham,3\n")
    with pytest.raises(InputError) as info:
        load_directory(p)
    assert "none of the 2" in info.value.message and "unknown provision type" in info.value.message


def test_feedback_file_beside_the_directory(tmp_path):
    p = _rich(tmp_path, GOOD)
    (p / "directory.feedback.csv").write_text(
        "urn,need,placements_made,good_outcomes,breakdowns\n"
        "SC1,SEMH,4,3,0\nSC9,SEMH,1,1,0\nSC1,dragons,1,1,0\n"
    )
    d = load_directory(p)
    assert d.feedback.filter(pl.col("need") == "semh").row(0, named=True)["placements_made"] == 4
    reasons = d.issues["message"].to_list()
    assert any("not in the directory" in r for r in reasons) and any(
        "unknown need" in r for r in reasons
    )


@pytest.mark.parametrize("ext", ["csv", "xlsx"])
def test_export_round_trip(tmp_path, ext):
    d = example_directory(40, seed=3)
    out = tmp_path / f"export.{ext}"
    write_report(directory_report(d, command="test", inputs=[]), out)
    back = load_directory(out)
    assert back.issues.filter(pl.col("severity") == "rejected").height == 0
    cols = [
        "urn",
        "type",
        "host_council",
        "places",
        "vacancies",
        "needs",
        "age_min",
        "age_max",
        "price_min_weekly",
        "ofsted_rating",
        "max_staffing_ratio",
        "same_day_admissions",
        "vacancies_reported",
        "lat",
        "lon",
    ]
    assert back.homes.select(cols).sort("urn").equals(d.homes.select(cols).sort("urn"))
    assert back.feedback.sort("urn").equals(d.feedback.sort("urn"))


def test_cli_check_reports_counts_and_bad_file_exits_2(tmp_path, synth_dir, cli):
    code, out, _ = cli("directory", "check", synth_dir, "--out", tmp_path / "issues.xlsx")
    assert code == 0 and "5 homes kept" in out and (tmp_path / "issues.xlsx").is_file()
    (tmp_path / "bad.csv").write_text("urn,name\nSC1,Oak\n")
    code, _, err = cli("directory", "check", tmp_path / "bad.csv")
    assert code == 2 and "no type, places" in err and "What to do" in err and "Traceback" not in err


def test_synthetic_fixture_matches_the_generator_columns():
    """The fixture mirrors carecast.synth's provider table; fail loudly if the generator's columns change."""
    synth = pytest.importorskip("carecast.synth.providers")
    import inspect

    src = inspect.getsource(synth.build_register)
    header = SYNTH_PROVIDERS.splitlines()[0].split(",")
    for col in header:
        assert f'"{col}"' in src


def test_given_coordinates_place_a_home_the_lookup_cannot(tmp_path):
    p = tmp_path / "d.csv"
    p.write_text(
        "urn,type,host_council,postcode,places,lat,lon\n"
        "SC1,K2,Kent,ZZ1 1ZZ,3,51.2,0.6\n"  # postcode unknown, coordinates given: used
        "SC2,K2,Kent,ZZ1 1ZZ,3,95,0.6\n"  # coordinates impossible: council centre
        "SC3,K2,Narnia,ZZ1 1ZZ,3,51.5,-0.1\n"
    )  # council unknown but coordinates place it: kept
    (tmp_path / "pc.csv").write_text(SYNTH_POSTCODES)
    d = load_directory(p, postcodes=tmp_path / "pc.csv")
    src = dict(zip(d.homes["urn"], d.homes["location_source"], strict=True))
    assert src == {"SC1": "given", "SC2": "council_centre", "SC3": "given"}
    assert d.homes.filter(pl.col("urn") == "SC1")["lat"].item() == 51.2
    reasons = d.issues.filter(pl.col("record") == "SC1")["message"].to_list()
    assert reasons == ["postcode not in the postcode lookup; located at the lat/lon given"]
    assert "outside England" in " ".join(
        d.issues.filter(pl.col("record") == "SC2")["message"].to_list()
    )
    assert "kept as written" in " ".join(
        d.issues.filter(pl.col("record") == "SC3")["message"].to_list()
    )


def test_docs_list_every_directory_column():
    from pathlib import Path

    from carecast.market.directory import column_docs

    text = (Path(__file__).parents[2] / "docs" / "market.md").read_text()
    for col in column_docs()["column"]:
        assert f"`{col}`" in text


_CELLS = {
    "urn": ["SC1", "SC2", "SC3", "", "12345.0"],
    "type": ["Children's home", "IFA", "semi-independent", "castle", ""],
    "host_council": ["Lewisham", "E09000023", "209", "Narnia", ""],
    "postcode": ["SE6 4RU", "se64ru", "ZZ9 9ZZ", "", "not a postcode"],
    "places": ["4", "0", "-2", "many", "", "2.5"],
    "vacancies": ["1", "9", "", "x", "-1"],
    "price_min_weekly": ["£4,000", "5000", "", "0", "cheap"],
    "price_max_weekly": ["4500", "3000", "", "-1"],
    "needs": ["SEMH;CSE", "unicorns", "", "ASD/LD;;semh"],
    "ofsted_rating": ["Good", "RI", "Great", ""],
    "vacancies_reported": ["01/11/2026", "2026-11-01", "31/02/2026", ""],
    "max_staffing_ratio": ["2:1", "1:2", "3", "lots", ""],
}


@settings(max_examples=40, deadline=None)
@given(
    rows=st.lists(
        st.fixed_dictionaries({c: st.sampled_from(v) for c, v in _CELLS.items()}),
        min_size=1,
        max_size=8,
    )
)
def test_messy_directories_never_crash_and_every_row_is_accounted_for(tmp_path_factory, rows):
    import csv

    folder = tmp_path_factory.mktemp("messy")
    with open(folder / "directory.csv", "w", newline="") as fh:
        w = csv.DictWriter(fh, fieldnames=list(_CELLS))
        w.writeheader()
        w.writerows(rows)
    (folder / "postcodes.csv").write_text(SYNTH_POSTCODES)
    try:
        d = load_directory(folder)
    except InputError as exc:  # only when no row at all is usable, and it says why
        assert "none of the" in exc.message
        return
    assert _accounted(d)
    assert d.homes["urn"].is_unique().all() and d.homes["type"].is_not_null().all()
    assert (
        d.homes["price_min_weekly"].fill_null(0) <= d.homes["price_max_weekly"].fill_null(1e9)
    ).all()
    assert (d.homes["vacancies"].fill_null(0) <= d.homes["places"]).all()
    rejected_rows = set(d.issues.filter(pl.col("severity") == "rejected")["row"].to_list())
    assert set(d.homes["source_row"].to_list()).isdisjoint(rejected_rows)
    assert len(rejected_rows) + d.homes.height == len(rows)
