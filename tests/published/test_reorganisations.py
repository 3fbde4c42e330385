"""Reorganised councils are summed back onto one area; partial years are missing, not partial."""

import polars as pl

from carecast.published import load, panel
from tests.published.conftest import NEWER, cla_rows


def test_northamptonshire_history_is_its_successors_summed_back(tmp_path):
    rows = cla_rows(
        [
            (2021, "928", "Northamptonshire", "E10000021", "stock", 170000, 1144),
            (2022, "928", "Northamptonshire", "E10000021", "stock", "x", "z"),
            (2022, "940", "North Northamptonshire", "E06000061", "stock", 79000, 525),
            (2022, "941", "West Northamptonshire", "E06000062", "stock", 92000, 658),
            (2023, "940", "North Northamptonshire", "E06000061", "stock", 80000, 547),
            (2023, "941", "West Northamptonshire", "E06000062", "stock", 93000, "c"),
        ]
    )
    (tmp_path / "cla_number_and_rate_per_10k_children_2021-2024.csv").write_text(
        NEWER + "\n" + rows
    )
    p = load(tmp_path)
    area = panel.build(p).filter(pl.col("key") == "940+941").sort("year")
    assert area["stock"].to_list() == [1144.0, 525.0 + 658.0, None]  # 2023: West withheld
    assert area["name"][0] == "North and West Northamptonshire"
    shares = panel.successor_shares(p, 2022)
    assert shares["share"].round(4).to_list() == [round(525 / 1183, 4), round(658 / 1183, 4)]


def test_real_bcp_and_dorset_2019_is_bournemouth_poole_and_dorset_county(real):
    area = panel.build(real).filter(pl.col("key") == "838+839").sort("year")
    assert area["stock"][0] == 248 + 192 + 414  # 2019: the three predecessors
    assert area["stock"][1] == 506 + 476  # 2020: BCP + the new Dorset
    assert area["population_source"][0].startswith("carried")  # none published for 2019


def test_real_areas_cover_the_successors_and_cumbria(real):
    keys = set(panel.build(real)["key"])
    assert {"838+839", "940+941", "942+943"} <= keys
    assert not {"835", "836", "837", "838", "839", "928", "909", "940", "942"} & keys
