"""The commissioning-pattern typology of placing councils (LIIA 2022, DOMAIN.md §5.1).

Each council is put in one group by rules tried in order (thresholds from ``parameters.yaml``):

1. very little residential use: residential placements < ``typology_residential_share_max`` of its
   children looked after;
2. in-house homes: any placement in the council's own children's homes;
5. none in region: no residential placement in the region (own area included);
3. strategic relationships: more than ``typology_strategic_per_host_min`` residential placements per
   in-region host council used;
4. scattergun: the rest (placements spread thinly over host councils).

Groups 1 and 2 come first as in the report's table; group 5 is tested before 3 and 4 because those
are defined by how in-region placements are spread, which is empty for group 5. Every council's row
carries the inputs that put it in its group and a sentence saying which rule fired.
"""

from __future__ import annotations

import polars as pl

from carecast.outputs.disclosure import Sum
from carecast.snapshot.parameters import SnapshotParameters
from carecast.snapshot.tables import Table

_LOCATED = ("in_area", "in_region_out_of_area", "out_of_region")
GROUP_LABELS = {
    1: "Very little residential use",
    2: "Has in-house homes",
    3: "Strategic relationships",
    4: "Scattergun",
    5: "None placed in region",
}


def typology(
    groups: dict[str, pl.DataFrame], coverage: list[str], params: SnapshotParameters
) -> Table:
    """Each council's typology group and the inputs behind it."""
    every, res = groups["all"], groups["residential"]
    lac = every.group_by("council").agg(
        pl.len().alias("children_looked_after"),
        pl.col("category")
        .is_in(list(params.in_house_categories))
        .sum()
        .alias("in_house_residential"),
    )
    in_reg = pl.col("location").is_in(["in_area", "in_region_out_of_area"])
    resid = res.group_by("council").agg(
        pl.len().alias("residential"),
        (pl.col("location") == "in_area").sum().alias("in_area"),
        (pl.col("location") == "in_region_out_of_area").sum().alias("in_region_out_of_area"),
        (pl.col("location") == "out_of_region").sum().alias("out_of_region"),
        pl.col("host_council").filter(in_reg).n_unique().alias("region_hosts_used"),
    )
    counts = [
        "children_looked_after",
        "in_house_residential",
        "residential",
        "in_area",
        "in_region_out_of_area",
        "out_of_region",
        "region_hosts_used",
    ]
    df = (
        pl.DataFrame({"council": coverage}, schema={"council": pl.Utf8})
        .join(lac, on="council", how="left")
        .join(resid, on="council", how="left")
        .with_columns([pl.col(c).fill_null(0).cast(pl.Int64) for c in counts])
    )
    located = pl.col("in_area") + pl.col("in_region_out_of_area") + pl.col("out_of_region")
    df = df.with_columns(
        pl.when(pl.col("children_looked_after") > 0)
        .then(pl.col("residential") / pl.col("children_looked_after"))
        .otherwise(None)
        .alias("residential_pct"),
        pl.when(located > 0).then(pl.col("in_area") / located).otherwise(None).alias("in_area_pct"),
        pl.when(located > 0)
        .then(pl.col("in_region_out_of_area") / located)
        .otherwise(None)
        .alias("in_region_out_of_area_pct"),
        pl.when(pl.col("region_hosts_used") > 0)
        .then((pl.col("in_area") + pl.col("in_region_out_of_area")) / pl.col("region_hosts_used"))
        .otherwise(0.0)
        .alias("placements_per_region_host"),
    )
    share_max, per_host_min = (
        params.typology_residential_share_max,
        params.typology_strategic_per_host_min,
    )
    in_region_n = pl.col("in_area") + pl.col("in_region_out_of_area")
    pct = (pl.col("residential_pct") * 100).round(1).cast(pl.Utf8)
    per_host = pl.col("placements_per_region_host").round(1).cast(pl.Utf8)
    df = df.with_columns(
        pl.when(pl.col("residential_pct").fill_null(0) < share_max)
        .then(pl.lit(1))
        .when(pl.col("in_house_residential") > 0)
        .then(pl.lit(2))
        .when(in_region_n == 0)
        .then(pl.lit(5))
        .when(pl.col("placements_per_region_host") > per_host_min)
        .then(pl.lit(3))
        .otherwise(pl.lit(4))
        .alias("group"),
    ).with_columns(
        pl.col("group").replace_strict(GROUP_LABELS, return_dtype=pl.Utf8).alias("group_label"),
        pl.when(pl.col("group") == 1)
        .then(
            pl.lit("residential is ")
            + pct.fill_null("0")
            + pl.lit(f"% of children looked after (< {share_max:.0%})")
        )
        .when(pl.col("group") == 2)
        .then(
            pl.col("in_house_residential").cast(pl.Utf8)
            + pl.lit(" child(ren) in the council's own homes")
        )
        .when(pl.col("group") == 5)
        .then(pl.lit("no residential placement in the region"))
        .when(pl.col("group") == 3)
        .then(per_host + pl.lit(f" placements per in-region host council (> {per_host_min:g})"))
        .otherwise(
            per_host + pl.lit(f" placements per in-region host council (<= {per_host_min:g})")
        )
        .alias("reason"),
    )
    out = df.select(
        "council",
        "group",
        "group_label",
        "reason",
        "children_looked_after",
        "residential",
        "residential_pct",
        "in_house_residential",
        "in_area",
        "in_region_out_of_area",
        "out_of_region",
        "in_area_pct",
        "in_region_out_of_area_pct",
        "region_hosts_used",
        "placements_per_region_host",
    )
    return Table(
        "Commissioning-pattern typology: each council",
        out.sort(["group", "council"]),
        "Rules tried in order 1, 2, 5, 3, 4 (see the parameters for thresholds).",
        [
            "children_looked_after",
            "residential",
            "in_house_residential",
            "in_area",
            "in_region_out_of_area",
            "out_of_region",
        ],
        {
            "in_area_pct": _LOCATED,
            "in_region_out_of_area_pct": _LOCATED,
            "residential_pct": ("residential", "children_looked_after"),
            "placements_per_region_host": ("in_area", "in_region_out_of_area"),
            # the reason quotes the figures behind the group: withheld when one of them is
            "reason": ("in_house_residential", "residential", "children_looked_after", *_LOCATED),
        },
        [
            Sum("residential", _LOCATED, complete=False),
            Sum("children_looked_after", ("residential",), complete=False),
        ],
    )


def typology_summary(per_council: pl.DataFrame) -> Table:
    """The report's typology table: per group, councils and the mean of each council's figures."""
    base = pl.DataFrame({"group": list(GROUP_LABELS), "group_label": list(GROUP_LABELS.values())})
    agg = per_council.group_by("group").agg(
        pl.len().alias("councils_n"),
        pl.col("in_area_pct").mean().alias("mean_in_area_pct"),
        pl.col("in_region_out_of_area_pct").mean().alias("mean_in_region_out_of_area_pct"),
        pl.col("region_hosts_used").mean().alias("mean_region_hosts_used"),
        pl.col("placements_per_region_host").mean().alias("mean_placements_per_region_host"),
        pl.col("council").sort().str.join("; ").alias("councils"),
    )
    out = base.join(agg, on="group", how="left").with_columns(
        pl.col("councils_n").fill_null(0).cast(pl.Int64)
    )
    return Table(
        "Commissioning-pattern typology: groups",
        out.sort("group"),
        "Means over the councils in each group (each council counts once).",
    )
