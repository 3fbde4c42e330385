"""Round trip: carecast.synth truth → 903 files (with planted defects) → loader → the same children
and episodes, and every planted defect found under the rule that handles it."""

from __future__ import annotations

import polars as pl
import pytest

from carecast.ingest import load_returns

synth = pytest.importorskip("carecast.synth")

EPISODE_KEY = ["council", "child_id", "decom"]
RAW = ["dec", "rne", "ls", "cin", "place", "place_provider", "rec", "home_post", "pl_post", "urn"]
DERIVED = [
    "sex",
    "dob",
    "category",
    "cost_group",
    "is_short_break",
    "is_uasc",
    "period_id",
    "period_start",
    "period_end",
    "home_la",
    "placement_la",
    "in_area",
    "data_end",
]
# defects whose true value cannot be recovered from the files: the row is dropped (DEC before
# DECOM), kept with the bad code, or given the month's last day (31 April)
UNRECOVERABLE = {"bad_code", "impossible_date", "dec_before_decom"}
RULE_FOR = {  # planted defect -> the loader's rules, one of which must report that row
    "duplicate_row": ["DUPLICATE"],
    "late_closed": ["REPEATED_IN_LATER_RETURN"],
    "corrected_start": ["CORRECTED_START"],
    "bad_code": ["UNKNOWN_CODE"],
    "bad_date_format": ["DATE_FORMAT_REPAIRED"],
    "dec_before_decom": ["DEC_BEFORE_DECOM"],
    # 31 April becomes 30 April; but a made-up day that would end the episode before it began is
    # left blank instead (BAD_DATE), and the next episode closes it
    "impossible_date": ["IMPOSSIBLE_DAY_CLAMPED", "BAD_DATE"],
}


@pytest.fixture(scope="module")
def round_trip(tmp_path_factory):
    out = tmp_path_factory.mktemp("synth")
    truth = synth.generate(out, councils=["Lewisham", "Southwark"], years=(2018, 2021), seed=3)
    res = load_returns(out, postcodes=out / "postcodes.csv")
    return truth, res


def test_same_children(round_trip):
    truth, res = round_trip
    cols = res.children.columns
    assert res.children.sort("council", "child_id").equals(
        truth.children.select(cols).sort("council", "child_id")
    )


def test_same_episodes_apart_from_unrecoverable_defects(round_trip):
    truth, res = round_trip
    spoilt = truth.defects_frame().filter(pl.col("kind").is_in(list(UNRECOVERABLE)))
    assert spoilt.height > 0
    affected = spoilt.select("council", pl.col("child").alias("child_id")).unique()
    cols = EPISODE_KEY + RAW + DERIVED
    mine = res.episodes.join(affected, on=["council", "child_id"], how="anti").select(cols)
    theirs = truth.episodes.join(affected, on=["council", "child_id"], how="anti").select(cols)
    assert mine.height == theirs.height > 1000
    both = mine.sort(EPISODE_KEY).join(theirs.sort(EPISODE_KEY), on=EPISODE_KEY, suffix="_truth")
    assert both.height == mine.height
    for c in RAW + DERIVED:
        differ = both.filter(pl.col(c).ne_missing(pl.col(f"{c}_truth")))
        assert differ.is_empty(), (c, differ.head())
    close = res.episodes.join(truth.episodes, on=EPISODE_KEY, suffix="_t").select(
        ((pl.col("distance_miles") - pl.col("distance_miles_t")).abs() < 0.01)
        | pl.col("distance_miles").is_null()
    )
    assert close.to_series().all()


def test_every_planted_defect_is_reported_where_it_was_planted(round_trip):
    truth, res = round_trip
    ev = res.quality.events.select("rule_id", "source_file", "source_row", "column")
    planted = truth.defects_frame()
    assert set(planted["kind"]) == set(synth.DEFECT_KINDS)
    for d in planted.iter_rows(named=True):
        if d["kind"] in RULE_FOR:
            rows = (
                [d["row"], d["row"] - 1] if d["kind"] == "duplicate_row" else [d["row"]]
            )  # either copy
            hit = ev.filter(
                pl.col("rule_id").is_in(RULE_FOR[d["kind"]]),
                pl.col("source_file") == d["file"],
                pl.col("source_row").is_in(rows),
            )
            assert hit.height >= 1, d
            if d["kind"] == "late_closed":  # and the later return's end date is used, and said so
                later = d["file"].replace(f"/{d['year']}/", f"/{d['year'] + 1}/")
                assert ev.filter(
                    pl.col("rule_id") == "CLOSED_BY_LATER_RETURN", pl.col("source_file") == later
                ).height
        elif d["kind"] == "child_without_header":
            episodes_file = d["file"].replace("header.csv", "episodes.csv")
            assert (
                ev.filter(
                    pl.col("rule_id") == "NO_HEADER", pl.col("source_file") == episodes_file
                ).height
                >= 1
            ), d
        elif d["kind"] == "duplicate_across_returns":
            earlier = d["file"].replace(f"/{d['year']}/", f"/{d['year'] - 1}/")
            assert (
                ev.filter(pl.col("rule_id") == "DUPLICATE", pl.col("source_file") == earlier).height
                >= 1
            ), d


def test_rows_accounted_for(round_trip):
    truth, res = round_trip
    s = res.quality.summary()
    assert (s["kept"] + s["dropped"] + s["merged"] == s["read"]).all()
    assert s["read"].sum() == truth.rows_written.get("episodes", s["read"].sum())
    dropped = res.quality.counts().filter(pl.col("action") == "dropped")["count"].sum()
    assert dropped == truth.defects_frame().filter(pl.col("kind") == "dec_before_decom").height
