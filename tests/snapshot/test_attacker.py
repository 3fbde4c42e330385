"""The snapshot's published tables, attacked: no hidden count can be worked out from the rest.

The attacker (tests/attacker.py) knows what a reader of the snapshot knows: each table's totals,
shares and denominators, running shares, the same council's count in several tables and the
counts quoted in the typology's reasons. Synthetic regions of small councils give many small
counts to hide.
"""

from __future__ import annotations

import polars as pl
import pytest

from carecast.snapshot import take_snapshot
from carecast.snapshot.report import published_tables
from tests.attacker import Attack

LOCS = ["in_area", "in_region_out_of_area", "out_of_region"]


def snapshot_attack(tables: dict[str, pl.DataFrame]) -> Attack:
    a = Attack(tables)
    for t in ("location_by_council", "location_by_category"):
        if t in tables:
            a.row_sum(t, "placements", [*LOCS, "unknown"])
            a.row_sum(t, "located", LOCS)
            for loc in LOCS:
                a.share(t, f"{loc}_pct", [loc], LOCS)
    if "location_by_council" in tables:
        a.same(
            "coverage_by_council",
            "placements",
            ["council"],
            "location_by_council",
            "placements",
            ["council"],
            rows_b=pl.col("cohort") == "all",
        )
    if "location_by_category" in tables:
        a.same(
            "cohort_profile",
            "children",
            ["category"],
            "location_by_category",
            "placements",
            ["category"],
        )
    if "location_pooled" in tables:
        t = "location_pooled"
        a.group_sum(
            t, "denominator", "numerator", ["cohort", "scope"], rows=pl.col("location") != "unknown"
        )
        a.share(t, "share", ["numerator"], ["denominator"])
    if {"location_pooled", "location_by_council"} <= set(tables):
        for cohort in ("all", "residential"):
            for loc in [*LOCS, "unknown"]:
                a.total_of(
                    "location_pooled",
                    "numerator",
                    (pl.col("cohort") == cohort)
                    & (pl.col("scope") == "all")
                    & (pl.col("location") == loc),
                    "location_by_council",
                    loc,
                    pl.col("cohort") == cohort,
                )
    if {"location_mean_of_councils", "location_by_council"} <= set(tables):
        for loc in LOCS:  # every council here has located placements, so all count in the mean
            a.mean_of(
                "location_mean_of_councils",
                "mean_share",
                "councils_n",
                (pl.col("cohort") == "all")
                & (pl.col("scope") == "all")
                & (pl.col("location") == loc),
                "location_by_council",
                f"{loc}_pct",
                pl.col("cohort") == "all",
            )
    if "location_by_category" in tables:
        for col in ["placements", *LOCS, "unknown"]:
            a.total_of(
                "location_by_category",
                col,
                pl.col("category") == "all",
                "location_by_category",
                col,
                ~pl.col("category").is_in(["all", "residential"]),
            )
    if "typology_by_council" in tables:
        t = "typology_by_council"
        a.row_sum(t, "residential", LOCS, complete=False)
        a.row_sum(t, "children_looked_after", ["residential"], complete=False)
        for loc in ("in_area", "in_region_out_of_area"):
            a.share(t, f"{loc}_pct", [loc], LOCS)
        a.share(t, "residential_pct", ["residential"], ["children_looked_after"])
        a.quoted(
            t, "reason", "in_house_residential", r"^(\d+) child\(ren\) in the council's own homes"
        )
        a.same(
            "coverage_by_council",
            "placements",
            ["council"],
            t,
            "children_looked_after",
            ["council"],
        )
        for loc in LOCS:
            a.same(
                "location_by_council",
                loc,
                ["council"],
                t,
                loc,
                ["council"],
                rows_a=pl.col("cohort") == "residential",
            )
    if "top_destinations" in tables:
        t = "top_destinations"
        a.share(t, "share", ["placements"], ["placements_with_known_host"])
        a.cumulative(t, "cumulative_share", "placements", "placements_with_known_host", ["cohort"])
    if "distance" in tables:
        a.group_sum("distance", "denominator", "placements", ["cohort"])
        a.share("distance", "share", ["placements"], ["denominator"])
    if "ofsted_mix" in tables:
        t = "ofsted_mix"
        a.group_sum(
            t,
            "denominator",
            "placements",
            ["host_location"],
            rows=pl.col("ofsted_rating") != "Not known",
        )
        a.share(t, "share", ["placements"], ["denominator"])
    if "cohort_profile" in tables:
        t = "cohort_profile"
        a.row_sum(t, "children", ["with_sex"], complete=False)
        a.row_sum(t, "with_sex", ["male"], complete=False)
        a.row_sum(t, "with_ethnicity", ["not_white_british"], complete=False)
        a.share(t, "male_pct", ["male"], ["with_sex"])
        a.share(t, "not_white_british_pct", ["not_white_british"], ["with_ethnicity"])
    if "utilisation" in tables:
        t = "utilisation"
        parts = ["used_by_region_councils", "used_by_other_councils", "vacant"]
        a.row_sum(t, "places", parts)
        for part, share in zip(
            parts,
            ["utilisation_by_region_pct", "utilisation_by_other_pct", "vacant_pct"],
            strict=True,
        ):
            a.share(t, share, [part], ["places"])
    return a


@pytest.fixture(scope="module")
def small_region(tmp_path_factory):
    from carecast.ingest import load_returns
    from carecast.synth import generate

    path = tmp_path_factory.mktemp("attack")
    generate(path, councils=6, years=(2023, 2024), seed=11)
    loaded = load_returns(path, postcodes=path / "postcodes.csv")
    return loaded, path


def test_no_hidden_snapshot_count_can_be_recovered(small_region):
    loaded, path = small_region
    date = loaded.episodes.get_column("data_end").max()
    snap = take_snapshot(
        loaded.episodes,
        loaded.children,
        date=date,
        region="london",
        providers=path / "providers.csv",
    )
    tables = published_tables(snap)
    attack = snapshot_attack(tables)
    assert len(attack.var) >= 20  # the region has many small counts to hide
    recovered = attack.disclosed()
    assert not recovered, sorted(recovered.items())[:10]
