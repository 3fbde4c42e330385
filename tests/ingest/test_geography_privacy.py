"""Distances and areas from an ONSPD-style lookup; pseudonymisation after distances (DOMAIN.md §7)."""

from __future__ import annotations

import math

import polars as pl
import pytest

from carecast.errors import InputError
from carecast.ingest import load_returns
from carecast.plumbing.geo import Point, distance_miles

from .ingest_cases import ep, hd, write_return

# postcode, ONS LA code, lat, long (two Lewisham postcodes, one in Kent, one with an old-style code)
LOOKUP = """pcds,oslaua,lat,long
SE6 4RU,E09000023,51.4380,-0.0180
SE13 5AA,E09000023,51.4590,-0.0100
ME1 1AA,E10000016,51.3880,0.5050
YO1 7HH,E10000023,53.9590,-1.0815
"""


def _lookup(tmp_path, text=LOOKUP, name="onspd.csv"):
    p = tmp_path / name
    p.write_text(text)
    return p


def test_haversine_against_known_distance():
    # London (51.5074, -0.1278) to Paris (48.8566, 2.3522) is about 213.5 miles great-circle
    df = pl.DataFrame({"a": [51.5074], "b": [-0.1278], "c": [48.8566], "d": [2.3522]})
    miles = df.select(
        distance_miles(Point(pl.col("a"), pl.col("b")), Point(pl.col("c"), pl.col("d")))
    ).item()
    assert math.isclose(miles, 213.5, rel_tol=0.01)


def test_home_and_placement_areas_and_distance(tmp_path):
    write_return(
        tmp_path / "r",
        "Lewisham",
        2019,
        [
            ep(
                "1", "01/05/2018", "01/08/2018", home="se6 4ru", pl="SE134AA"
            ),  # lower case, no space
            ep(
                "1", "01/08/2018", rne="P", home="SE6 4RU", pl="ME1 1AA", place="K2", provider="PR4"
            ),
            ep("2", "01/05/2018", home="SE6 4RU", pl="YO1 7HH"),
            ep("3", "01/05/2018", home="SE6 4RU", pl="SE13 5AA"),
        ],
    )
    res = load_returns(tmp_path / "r", postcodes=_lookup(tmp_path))
    e = res.episodes
    assert e["home_la"].to_list() == ["Lewisham"] * 4
    assert e["placement_la"].to_list() == [None, "Kent", "North Yorkshire", "Lewisham"]
    assert e["in_area"].to_list() == [None, False, False, True]
    kent = e["distance_miles"][1]
    assert 21 < kent < 25  # Catford to Rochester: about 23 miles as the crow flies
    assert e["distance_miles"][3] < 3
    c = res.quality.counts().filter(pl.col("rule_id") == "POSTCODE_NOT_FOUND")
    assert c["count"].item() == 1 and "PL_POST" in c["examples"].item()


def test_lookup_with_pcd_column_and_missing_columns(tmp_path):
    write_return(
        tmp_path / "r", "Lewisham", 2019, [ep("1", "01/05/2018", home="SE6 4RU", pl="ME1 1AA")]
    )
    alt = LOOKUP.replace("pcds", "pcd")
    res = load_returns(tmp_path / "r", postcodes=_lookup(tmp_path, alt))
    assert res.episodes["placement_la"].item() == "Kent"
    with pytest.raises(InputError, match="oslaua"):
        load_returns(
            tmp_path / "r", postcodes=_lookup(tmp_path, "pcds,lat,long\nSE6 4RU,51,0\n", "bad.csv")
        )


def test_pseudonymised_output_keeps_distances_but_not_identifiers(tmp_path):
    write_return(
        tmp_path / "r",
        "Lewisham",
        2019,
        [ep("1", "01/05/2018", home="SE6 4RU", pl="ME1 1AA"), ep("2", "01/05/2018")],
        header=[hd("1", "14/03/2009"), hd("2", "20/07/2012")],
    )
    lookup = _lookup(tmp_path)
    plain = load_returns(tmp_path / "r", postcodes=lookup)
    key = b"a-council-secret-of-32-characters!"
    res = load_returns(tmp_path / "r", postcodes=lookup, pseudonymise_key=key)
    e, c = res.episodes, res.children
    assert not set(e["child_id"]) & {"1", "2"}
    assert e["child_id"].str.len_chars().unique().to_list() == [20]
    assert set(e["child_id"]) == set(c["child_id"])
    assert c["dob"].dt.day().unique().to_list() == [1]
    placed = e.filter(pl.col("home_post").is_not_null())
    assert placed.select("home_post", "pl_post").row(0) == ("SE6 4", "ME1 1")
    assert placed["distance_miles"].item() == pytest.approx(
        plain.episodes["distance_miles"].drop_nulls().item()
    )
    assert sorted(e["age_at_start"]) == sorted(plain.episodes["age_at_start"])
    again = load_returns(tmp_path / "r", pseudonymise_key=key)
    assert again.episodes["child_id"].to_list() == e["child_id"].to_list()  # stable under one key


def test_cli_pseudonymise_with_key_file(run_cli, tmp_path):
    write_return(tmp_path / "r", "Lewisham", 2019, [ep("1", "01/05/2018")])
    key = tmp_path / "key.txt"
    key.write_text("0123456789abcdef0123456789abcdef\n")
    out = tmp_path / "clean.csv"
    code, _, err = run_cli(
        "validate", tmp_path / "r", "--pseudonymise", "--key-file", key, "--cleaned-out", out
    )
    assert code == 0, err
    cleaned = pl.read_csv(out, infer_schema=False)
    assert cleaned["child_id"].item() != "1"
    code, _, err = run_cli(
        "validate", tmp_path / "r", "--pseudonymise", "--key-file", tmp_path / "none"
    )
    assert code == 2 and "key file" in err


def test_impossible_coordinates_in_a_lookup_are_left_out_and_counted(tmp_path):
    write_return(
        tmp_path / "r", "Lewisham", 2019, [ep("1", "01/05/2018", home="SE6 4RU", pl="ME1 1AA")]
    )
    bad = LOOKUP.replace("ME1 1AA,E10000016,51.3880,0.5050", "ME1 1AA,E10000016,513.880,50.50")
    res = load_returns(tmp_path / "r", postcodes=_lookup(tmp_path, bad))
    assert res.episodes["distance_miles"].to_list() == [None]  # not 9,000 miles
    assert res.coverage["postcodes"]["rows_left_out"] == {"POSTCODE_OUTSIDE_UK": 1}


def test_without_a_lookup_the_ons_directory_gives_areas_and_distances(tmp_path):
    write_return(
        tmp_path / "r", "Lewisham", 2019, [ep("1", "01/05/2018", home="SE6 4RU", pl="ME1 1AA")]
    )
    res = load_returns(tmp_path / "r")
    e = res.episodes.row(0, named=True)
    assert (e["home_la"], e["placement_la"], e["in_area"]) == ("Lewisham", "Medway", False)
    assert 21 < e["distance_miles"] < 25  # Catford to Rochester
    assert "ONS Postcode Directory" in res.coverage["postcodes"]["note"]


def test_a_councils_folder_uses_the_postcodes_csv_one_level_up(tmp_path, run_cli):
    write_return(tmp_path, "Lewisham", 2019, [ep("1", "01/05/2018", home="SE6 4RU", pl="ME1 1AA")])
    _lookup(tmp_path, name="postcodes.csv")
    res = load_returns(tmp_path / "Lewisham")
    assert res.episodes["placement_la"].to_list() == ["Kent"]  # the extract's code, not the ONS one
    assert str(tmp_path / "postcodes.csv") in res.coverage["postcodes"]["note"]
    code, stdout, stderr = run_cli("validate", tmp_path / "Lewisham")
    assert code == 0 and "postcodes.csv" in stdout + stderr
