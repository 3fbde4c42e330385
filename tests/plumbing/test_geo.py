"""One postcode normaliser, one directory reader (checked row by row), one distance."""

from __future__ import annotations

import math

import brotli
import msgpack
import polars as pl
import pytest

from carecast.errors import InputError
from carecast.plumbing.geo import (
    Point,
    cache_folder,
    choose_lookup,
    convert_ons,
    default_directory,
    distance_miles,
    normalise_postcode,
    read_directory,
)


@pytest.mark.parametrize(
    ("given", "expected"),
    [
        ("se64ru", "SE6 4RU"),
        (" SE6  4RU ", "SE6 4RU"),
        ("sw1a1aa", "SW1A 1AA"),
        ("M1 1AE", "M1 1AE"),
        ("SE6 4R", None),
        ("nonsense", None),
        ("12345", None),
        (None, None),
    ],
)
def test_one_written_form_and_malformed_refused(given, expected):
    assert normalise_postcode(given) == expected


@pytest.mark.parametrize(
    "header",
    [
        "pcds,oslaua,lat,long",
        "pcd,laua,latitude,longitude",
        "PCD2,LAD,Lat,Lon",
        "postcode,lad_code,lat,long",
    ],
)
def test_the_column_sets_both_old_readers_accepted(tmp_path, header):
    path = tmp_path / "pc.csv"
    path.write_text(f"{header}\nSE6 4RU,E09000023,51.4452,-0.0202\n")
    directory = read_directory(path)
    assert directory.locate(pl.Series(["se64ru"])).row(0)[:2] == ("SE6 4RU", "E09000023")


def test_grid_only_lookup(tmp_path):
    path = tmp_path / "pc.csv"
    path.write_text("pcd7,lad25cd,oseast1m,osnrth1m\nSE6 4RU,E09000023,537684,173666\n")
    hit = read_directory(path).locate(pl.Series(["SE6 4RU"])).row(0, named=True)
    assert (hit["easting"], hit["northing"], hit["lat"]) == (537684.0, 173666.0, None)


def test_bad_rows_are_counted_with_their_row_and_left_out(tmp_path):
    path = tmp_path / "pc.csv"
    path.write_text(
        "pcds,oslaua,lat,long\n"
        "SE6 4RU,E09000023,51.4452,-0.0202\n"  # row 2: good
        "SE13 5AA,E09000023,95.0,150.0\n"  # row 3: impossible
        "XX,E09000023,51.4,0.0\n"  # row 4: not a postcode
        "ME1 1AA,Kent,51.38,0.50\n"  # row 5: not an ONS code
        "YO1 7HH,E10000023,99.999999,0.000000\n"  # row 6: ONSPD's "no grid reference"
        "SE6 4RU,E09000023,51.0,0.0\n"
    )  # row 7: repeat: the first is kept
    directory = read_directory(path)
    issues = directory.issues.sort("row")
    assert issues.select("row", "rule").rows() == [
        (3, "POSTCODE_OUTSIDE_UK"),
        (4, "POSTCODE_MALFORMED"),
        (5, "AREA_CODE_MALFORMED"),
        (6, "POSTCODE_OUTSIDE_UK"),
    ]
    assert set(issues["severity"]) == {"rejected"}
    got = directory.locate(pl.Series(["SE6 4RU", "SE13 5AA", "ME1 1AA", "YO1 7HH"]))
    assert got["lat"].to_list() == [51.4452, None, None, None]


def test_a_lookup_without_coordinates_or_area_is_refused_when_needed(tmp_path):
    path = tmp_path / "pc.csv"
    path.write_text("pcds,oslaua\nSE6 4RU,E09000023\n")
    with pytest.raises(InputError, match="coordinates"):
        read_directory(path)
    path.write_text("pcds,lat,long\nSE6 4RU,51.4,0.0\n")
    assert read_directory(path).locate(pl.Series(["SE6 4RU"]))["la_code"].to_list() == [None]
    with pytest.raises(InputError, match="oslaua"):
        read_directory(path, need_area=True)


def test_distance_against_known_pairs():
    # grid: a 3-4-5 triangle of kilometres is 5 km = 3.107 miles
    grid = distance_miles(
        Point(51.0, 0.0, 500_000.0, 200_000.0), Point(51.0, 0.0, 503_000.0, 204_000.0)
    )
    assert math.isclose(float(grid), 5000 / 1609.344, rel_tol=1e-9)
    # great circle: one degree of latitude is 2πR/360 = 69.09 miles
    assert math.isclose(
        float(distance_miles(Point(51.0, 0.0), Point(52.0, 0.0))), 69.09, rel_tol=1e-3
    )
    # London (51.5074, -0.1278) to Paris (48.8566, 2.3522): about 213.5 miles
    frame = pl.DataFrame({"a": [51.5074], "b": [-0.1278], "c": [48.8566], "d": [2.3522]})
    as_expr = frame.select(
        distance_miles(Point(pl.col("a"), pl.col("b")), Point(pl.col("c"), pl.col("d")))
    ).item()
    assert math.isclose(as_expr, 213.5, rel_tol=0.01)


def _ons_file(folder, area, rows):
    cols = ["pcd", "laua", "oseast1m", "osnrth1m"]
    data = {"columns": cols, "data": {c: [r[i] for r in rows] for i, c in enumerate(cols)}}
    (folder / f"postcodes_{area}.msgpack.br").write_bytes(brotli.compress(msgpack.packb(data)))


def test_ons_package_files_convert_to_grid_metres_and_degrees(tmp_path):
    source = tmp_path / "pkg"
    source.mkdir()
    _ons_file(source, "S", [["SE6 4RU", "E09000023", 537684.0, 173666.0]])
    _ons_file(
        source,
        "B",
        [
            ["BT1 1AA", "N09000003", 334316.0, 374675.0],  # Irish grid
            ["BT1 9ZZ", "N09000003", float("nan"), float("nan")],
        ],
    )
    target = convert_ons(source, tmp_path / "cache" / "onspd.parquet")
    frame = pl.read_parquet(target).sort("postcode")
    lewisham = frame.filter(pl.col("postcode") == "SE6 4RU").row(0, named=True)
    assert lewisham["lat"] == pytest.approx(51.4452, abs=1e-3) and lewisham["lon"] == pytest.approx(
        -0.0202, abs=1e-3
    )
    belfast = frame.filter(pl.col("postcode") == "BT1 1AA").row(0, named=True)
    assert belfast["lat"] == pytest.approx(54.60, abs=0.01) and belfast["lon"] == pytest.approx(
        -5.92, abs=0.01
    )
    assert belfast["easting"] == pytest.approx(146_800, abs=500)  # moved onto the British grid
    assert frame.filter(pl.col("postcode") == "BT1 9ZZ")["lat"].to_list() == [None]


def test_the_ons_directory_is_used_by_default_from_a_cache_outside_the_package():
    directory = default_directory()
    assert directory is not None and "ONS Postcode Directory" in directory.source
    hit = directory.locate(pl.Series(["SW1A 1AA"])).row(0, named=True)
    assert hit["la_code"] == "E09000033"  # Westminster
    assert "site-packages" not in str(cache_folder())


def test_a_councils_lookup_one_level_up_is_found_and_said(tmp_path):
    council = tmp_path / "Lewisham"
    (council / "2019").mkdir(parents=True)
    assert "ONS Postcode Directory" in choose_lookup(council).note
    (tmp_path / "postcodes.csv").write_text("pcds,oslaua,lat,long\n")
    choice = choose_lookup(council)
    assert choice.path == tmp_path / "postcodes.csv"
    assert str(tmp_path / "postcodes.csv") in choice.note
    assert choose_lookup(council, tmp_path / "mine.csv").path == tmp_path / "mine.csv"
