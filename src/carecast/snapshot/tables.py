"""The snapshot's tables, each a Polars frame that carries its own numerators and denominators.

Every figure is published with what it was computed from: a count (numerator), the count it is a
share of (denominator), and which councils' data it covers (``councils_n``/``councils``). The
:class:`Table` also records which columns are child counts and which shares derive from them, so
small-number suppression can be applied uniformly when the output is shared.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import polars as pl

from carecast.outputs.disclosure import Protect, Sum
from carecast.schema import load_categories
from carecast.snapshot.parameters import SnapshotParameters
from carecast.snapshot.placements import LOCATIONS, UNKNOWN_BAND
from carecast.snapshot.providers import NOT_KNOWN, RATINGS
from carecast.snapshot.region import Region, council_facts

KNOWN_LOCATIONS = LOCATIONS[:3]
WHITE_BRITISH = "WBRI"


@dataclass
class Table:
    """A named table plus how disclosure control treats it (carecast.outputs.disclosure): its
    child-count columns, how they add up, and which columns are computed from which counts."""

    title: str
    frame: pl.DataFrame
    description: str = ""
    counts: list[str] = field(default_factory=list)
    derived: dict[str, tuple[str, ...]] = field(
        default_factory=dict
    )  # share/text -> counts it comes from
    relations: list[Sum] = field(
        default_factory=list
    )  # additive relations, for secondary suppression
    cumulative: dict[str, tuple[str, tuple[str, ...]]] = field(default_factory=dict)

    @property
    def protect(self) -> Protect:
        return Protect(self.counts, self.relations, self.derived, self.cumulative)


def _share(num: str, den: str) -> pl.Expr:
    return pl.when(pl.col(den) > 0).then(pl.col(num) / pl.col(den)).otherwise(None)


def _coverage_cols(councils: list[str]) -> list[pl.Expr]:
    return [
        pl.lit(len(councils)).alias("councils_n"),
        pl.lit("; ".join(councils)).alias("councils"),
    ]


def cohorts(frame: pl.DataFrame, params: SnapshotParameters) -> dict[str, pl.DataFrame]:
    """All placements by region councils, and the residential children's home cohort."""
    placed = frame.filter(pl.col("placing_in_region"))
    return {
        "all": placed,
        "residential": placed.filter(pl.col("category").is_in(list(params.residential_categories))),
    }


def _location_counts() -> list[pl.Expr]:
    return [
        pl.len().alias("placements"),
        *[(pl.col("location") == loc).sum().alias(loc) for loc in LOCATIONS],
    ]


def _with_location_shares(df: pl.DataFrame) -> pl.DataFrame:
    df = df.with_columns(sum(pl.col(loc) for loc in KNOWN_LOCATIONS).alias("located"))
    return df.with_columns(*[_share(loc, "located").alias(f"{loc}_pct") for loc in KNOWN_LOCATIONS])


_LOC_COUNTS = ["placements", "located", *LOCATIONS]
_LOC_SHARES = {
    f"{loc}_pct": (loc, "located") for loc in KNOWN_LOCATIONS
}  # shares of placements located
_LOC_RELATIONS = [Sum("placements", LOCATIONS), Sum("located", KNOWN_LOCATIONS)]


def location_by_council(groups: dict[str, pl.DataFrame], coverage: list[str]) -> Table:
    """Location class of each region council's placements; shares are of placements located."""
    facts = council_facts().select("council", "london_area")
    parts = []
    for name, df in groups.items():
        counted = df.group_by("council").agg(_location_counts())
        base = pl.DataFrame({"council": coverage}, schema={"council": pl.Utf8}).join(
            facts, on="council", how="left"
        )
        full = base.join(counted, on="council", how="left").with_columns(
            [pl.col(c).fill_null(0).cast(pl.Int64) for c in ["placements", *LOCATIONS]]
        )
        parts.append(_with_location_shares(full).with_columns(pl.lit(name).alias("cohort")))
    out = pl.concat(parts).select(
        "cohort", "council", "london_area", *_LOC_COUNTS, *[f"{loc}_pct" for loc in KNOWN_LOCATIONS]
    )
    return Table(
        "Location of placements by placing council",
        out,
        "Shares are of placements whose location is known (the 'located' column).",
        _LOC_COUNTS,
        _LOC_SHARES,
        _LOC_RELATIONS,
    )


def location_by_category(groups: dict[str, pl.DataFrame], coverage: list[str]) -> Table:
    """Location class by placement category, pooled across the councils that supplied data."""
    labels = load_categories().categories
    every = groups["all"]
    by_cat = (
        every.group_by("category")
        .agg(_location_counts())
        .with_columns(
            pl.col("category")
            .replace_strict(labels, default=pl.col("category"))
            .alias("category_label")
        )
    )
    order = {c: i for i, c in enumerate(labels)}
    by_cat = by_cat.sort(pl.col("category").replace_strict(order, default=len(order)))
    extra = []
    for name, label in (
        ("residential", "Residential children's homes (all)"),
        ("all", "All placements"),
    ):
        extra.append(
            groups[name]
            .select(_location_counts())
            .with_columns(pl.lit(name).alias("category"), pl.lit(label).alias("category_label"))
        )
    out = pl.concat([by_cat, *extra], how="diagonal")
    out = _with_location_shares(
        out.with_columns([pl.col(c).cast(pl.Int64) for c in ["placements", *LOCATIONS]])
    )
    out = out.with_columns(_coverage_cols(coverage)).select(
        "category",
        "category_label",
        *_LOC_COUNTS,
        *[f"{loc}_pct" for loc in KNOWN_LOCATIONS],
        "councils_n",
        "councils",
    )
    return Table(
        "Location of placements by placement category",
        out,
        "Pooled: all councils' placements added together.",
        _LOC_COUNTS,
        _LOC_SHARES,
        _LOC_RELATIONS,
    )


def _scopes(by_council: pl.DataFrame) -> list[tuple[str, pl.DataFrame]]:
    scopes = [("all", by_council)]
    for area in ("Inner", "Outer"):
        sub = by_council.filter(pl.col("london_area") == area)
        if sub.height:
            scopes.append((f"{area} London", sub))
    return scopes


def location_pooled(by_council: pl.DataFrame) -> Table:
    """Pooled location shares (all councils' placements added) for the region, Inner and Outer London."""
    rows = []
    for cohort in by_council.get_column("cohort").unique(maintain_order=True).to_list():
        sub = by_council.filter(pl.col("cohort") == cohort)
        for scope, part in _scopes(sub):
            supplied = part.get_column("council").to_list()
            sums = part.select(
                [pl.col(c).sum() for c in ["placements", "located", *LOCATIONS]]
            ).row(0, named=True)
            for loc in LOCATIONS:
                rows.append(
                    {
                        "cohort": cohort,
                        "scope": scope,
                        "location": loc,
                        "numerator": sums[loc],
                        "denominator": sums["placements"] if loc == "unknown" else sums["located"],
                        "councils_n": len(supplied),
                        "councils": "; ".join(supplied),
                    }
                )
    out = pl.DataFrame(
        rows,
        schema={
            "cohort": pl.Utf8,
            "scope": pl.Utf8,
            "location": pl.Utf8,
            "numerator": pl.Int64,
            "denominator": pl.Int64,
            "councils_n": pl.Int64,
            "councils": pl.Utf8,
        },
    )
    out = out.with_columns(_share("numerator", "denominator").alias("share")).select(
        "cohort", "scope", "location", "numerator", "denominator", "share", "councils_n", "councils"
    )
    return Table(
        "Location of placements: pooled",
        out,
        "Known locations are shares of located placements; 'unknown' is a share of all placements.",
        ["numerator", "denominator"],
        {"share": ("numerator", "denominator")},
        [
            Sum(
                "denominator",
                ("numerator",),
                by=("cohort", "scope"),
                rows=pl.col("location") != "unknown",
            )
        ],
    )


def location_mean_of_councils(by_council: pl.DataFrame) -> Table:
    """Mean (and range) over councils of each council's location share: every council counts once."""
    rows = []
    for cohort in by_council.get_column("cohort").unique(maintain_order=True).to_list():
        sub = by_council.filter(pl.col("cohort") == cohort)
        for scope, part in _scopes(sub):
            located = part.filter(pl.col("located") > 0)
            names = located.get_column("council").to_list()
            for loc in KNOWN_LOCATIONS:
                s = located.get_column(f"{loc}_pct")
                rows.append(
                    {
                        "cohort": cohort,
                        "scope": scope,
                        "location": loc,
                        "councils_n": len(names),
                        "mean_share": s.mean() if len(s) else None,
                        "min_share": s.min() if len(s) else None,
                        "max_share": s.max() if len(s) else None,
                        "councils_at_0_pct": int((s == 0).sum()),
                        "councils_at_100_pct": int((s == 1).sum()),
                        "councils": "; ".join(names),
                    }
                )
    out = pl.DataFrame(
        rows,
        schema={
            "cohort": pl.Utf8,
            "scope": pl.Utf8,
            "location": pl.Utf8,
            "councils_n": pl.Int64,
            "mean_share": pl.Float64,
            "min_share": pl.Float64,
            "max_share": pl.Float64,
            "councils_at_0_pct": pl.Int64,
            "councils_at_100_pct": pl.Int64,
            "councils": pl.Utf8,
        },
    )
    return Table(
        "Location of placements: mean of councils",
        out,
        "Each council's share of its located placements, averaged with every council counting once "
        "(councils with no located placements are left out and not counted in councils_n).",
    )


def top_destinations(
    groups: dict[str, pl.DataFrame], coverage: list[str], params: SnapshotParameters, region: Region
) -> Table:
    """Host councils receiving the most placements, with their share of placements with a known host."""
    parts = []
    for name, df in groups.items():
        hosted = df.filter(pl.col("host_council").is_not_null())
        total = hosted.height
        top = (
            hosted.group_by("host_council")
            .agg(
                pl.len().alias("placements"), pl.col("council").n_unique().alias("placing_councils")
            )
            .sort(["placements", "host_council"], descending=[True, False])
            .head(params.top_destinations)
            .with_columns(
                pl.lit(name).alias("cohort"),
                pl.lit(total).alias("placements_with_known_host"),
                region.contains("host_council").alias("host_in_region"),
            )
        )
        top = top.with_columns(_share("placements", "placements_with_known_host").alias("share"))
        top = top.with_columns(
            pl.col("share").cum_sum().alias("cumulative_share"),
            pl.int_range(1, pl.len() + 1).alias("rank"),
        )
        parts.append(top)
    out = (
        pl.concat(parts)
        .with_columns(_coverage_cols(coverage))
        .select(
            "cohort",
            "rank",
            "host_council",
            "host_in_region",
            "placements",
            "placements_with_known_host",
            "share",
            "cumulative_share",
            "placing_councils",
            "councils_n",
            "councils",
        )
    )
    return Table(
        "Top destination councils",
        out,
        "Share is of placements whose host council is known.",
        ["placements", "placements_with_known_host"],
        {"share": ("placements", "placements_with_known_host")},
        cumulative={"cumulative_share": ("placements", ("cohort",))},
    )


def _region_homes(register: pl.DataFrame | None, region: Region) -> pl.DataFrame:
    if register is None:
        return pl.DataFrame(
            schema={
                "urn": pl.Utf8,
                "host_council": pl.Utf8,
                "places": pl.Int64,
                "occupied": pl.Int64,
                "is_external": pl.Boolean,
                "is_children_home": pl.Boolean,
            }
        )
    return register.filter(pl.col("is_children_home") & region.contains("host_council"))


def supply_by_host(register: pl.DataFrame | None, region: Region) -> Table:
    """Children's homes and places in each region council, from the provider register."""
    homes = _region_homes(register, region)
    agg = homes.group_by("host_council").agg(
        pl.len().alias("homes"),
        pl.col("places").sum().alias("places"),
        pl.col("is_external").sum().alias("external_homes"),
        pl.col("places").filter(pl.col("is_external")).sum().alias("external_places"),
    )
    facts = council_facts().select(pl.col("council").alias("host_council"), "london_area")
    base = pl.DataFrame({"host_council": list(region.members)}).join(
        facts, on="host_council", how="left"
    )
    out = (
        base.join(agg, on="host_council", how="left")
        .with_columns(
            [
                pl.col(c).fill_null(0).cast(pl.Int64)
                for c in ("homes", "places", "external_homes", "external_places")
            ]
        )
        .with_columns((pl.col("places") - pl.col("external_places")).alias("in_house_places"))
    )
    return Table(
        "Supply: children's home places by host council",
        out,
        "From the provider register; every council in the region is listed, with 0 where it hosts no homes.",
    )


def supply_by_area(supply: pl.DataFrame) -> Table:
    """Places per council, Inner vs Outer London (every council in the area counted, 0 if none)."""
    area = pl.col("london_area").fill_null("Not London")
    rows = [supply.with_columns(pl.lit("all").alias("area"))]
    if supply.get_column("london_area").drop_nulls().len():
        rows.append(supply.with_columns(area.alias("area")))
    out = (
        pl.concat(rows)
        .group_by("area", maintain_order=True)
        .agg(
            pl.len().alias("councils_n"),
            pl.col("homes").sum(),
            pl.col("places").sum(),
            pl.col("external_places").sum(),
        )
        .with_columns(
            (pl.col("places") / pl.col("councils_n")).alias("places_per_council"),
            (pl.col("external_places") / pl.col("councils_n")).alias("external_places_per_council"),
        )
    )
    return Table(
        "Supply: places per council, by area",
        out,
        "Mean over all councils in the area, including those hosting no homes.",
    )


def utilisation(
    frame: pl.DataFrame, register: pl.DataFrame | None, region: Region, coverage: list[str]
) -> Table:
    """Use of the region's externally provided children's home places, per host council and overall.

    used_by_region_councils counts placements open on the date by region councils that supplied data,
    into register homes in the region (matched by URN). used_by_other_councils is the register's
    occupancy minus that when the register records occupancy, else the placements observed from
    councils outside the region whose data was supplied; vacant is what is left.
    """
    homes = _region_homes(register, region).filter(pl.col("is_external"))
    has_occupancy = homes.height > 0 and homes.get_column("occupied").null_count() < homes.height
    in_homes = frame.filter(pl.col("urn").is_in(homes.get_column("urn").implode()))
    used = in_homes.group_by("urn").agg(
        pl.col("placing_in_region").sum().alias("by_region"),
        (~pl.col("placing_in_region")).sum().alias("by_other"),
    )
    per_home = homes.join(used, on="urn", how="left").with_columns(
        pl.col("by_region").fill_null(0), pl.col("by_other").fill_null(0)
    )
    other = (
        pl.max_horizontal(
            pl.col("occupied").fill_null(pl.col("by_region")) - pl.col("by_region"), 0
        )
        if has_occupancy
        else pl.col("by_other")
    )
    per_home = per_home.with_columns(other.alias("by_other"))
    agg = [
        pl.len().alias("homes"),
        pl.col("places").sum().alias("places"),
        pl.col("by_region").sum().alias("used_by_region_councils"),
        pl.col("by_other").sum().alias("used_by_other_councils"),
    ]
    per_host = per_home.group_by("host_council").agg(agg).sort("host_council")
    overall = per_home.select(agg).with_columns(pl.lit("All region").alias("host_council"))
    out = pl.concat([per_host, overall], how="diagonal").with_columns(
        [
            pl.col(c).cast(pl.Int64)
            for c in ("homes", "places", "used_by_region_councils", "used_by_other_councils")
        ]
    )
    out = out.with_columns(
        pl.max_horizontal(
            pl.col("places") - pl.col("used_by_region_councils") - pl.col("used_by_other_councils"),
            0,
        ).alias("vacant"),
    ).with_columns(
        _share("used_by_region_councils", "places").alias("utilisation_by_region_pct"),
        _share("used_by_other_councils", "places").alias("utilisation_by_other_pct"),
        _share("vacant", "places").alias("vacant_pct"),
        pl.lit(
            "register occupancy"
            if has_occupancy
            else "placements observed (vacant includes places used by councils whose data was not supplied)"
        ).alias("other_use_source"),
        *_coverage_cols(coverage),
    )
    cols = ["used_by_region_councils", "used_by_other_councils", "vacant"]
    return Table(
        "Utilisation of the region's externally provided children's home places",
        out,
        "Places in externally provided children's homes in the region (provider register): used by the "
        "region's councils, by other councils, and vacant.",
        cols,
        {
            "utilisation_by_region_pct": (cols[0], "places"),
            "utilisation_by_other_pct": (cols[1], "places"),
            "vacant_pct": (cols[2], "places"),
        },
        [Sum("places", tuple(cols))],
    )


def host_reach(groups: dict[str, pl.DataFrame], coverage: list[str], region: Region) -> Table:
    """How many distinct placing councils use each host council."""
    parts = []
    for name, df in groups.items():
        parts.append(
            df.filter(pl.col("host_council").is_not_null())
            .group_by("host_council")
            .agg(
                pl.col("council").n_unique().alias("placing_councils"),
                pl.len().alias("placements"),
            )
            .with_columns(
                pl.lit(name).alias("cohort"),
                region.contains("host_council").alias("host_in_region"),
            )
        )
    out = pl.concat(parts).sort(
        ["cohort", "placing_councils", "placements", "host_council"],
        descending=[False, True, True, False],
    )
    out = out.with_columns(_coverage_cols(coverage)).select(
        "cohort",
        "host_council",
        "host_in_region",
        "placing_councils",
        "placements",
        "councils_n",
        "councils",
    )
    return Table("Host reach: distinct placing councils per host council", out, "", ["placements"])


def ofsted_mix(groups: dict[str, pl.DataFrame], coverage: list[str]) -> Table:
    """Ofsted rating of the homes children live in, in the region vs out of it (residential cohort)."""
    df = (
        groups["residential"]
        .filter(pl.col("host_council").is_not_null())
        .with_columns(
            pl.when(pl.col("host_in_region"))
            .then(pl.lit("in_region"))
            .otherwise(pl.lit("out_of_region"))
            .alias("host_location")
        )
    )
    rows = []
    for where in ("in_region", "out_of_region"):
        part = df.filter(pl.col("host_location") == where)
        rated = part.filter(pl.col("ofsted_rating") != NOT_KNOWN).height
        for rating in (*RATINGS, NOT_KNOWN):
            n = part.filter(pl.col("ofsted_rating") == rating).height
            rows.append(
                {
                    "host_location": where,
                    "ofsted_rating": rating,
                    "placements": n,
                    "denominator": part.height if rating == NOT_KNOWN else rated,
                }
            )
    out = pl.DataFrame(
        rows,
        schema={
            "host_location": pl.Utf8,
            "ofsted_rating": pl.Utf8,
            "placements": pl.Int64,
            "denominator": pl.Int64,
        },
    )
    out = out.with_columns(
        _share("placements", "denominator").alias("share"), *_coverage_cols(coverage)
    )
    return Table(
        "Ofsted rating of homes, in vs out of region",
        out,
        "Residential placements with a known host council. Rating shares are of placements in rated "
        "homes; 'Not known' is a share of all placements there.",
        ["placements", "denominator"],
        {"share": ("placements", "denominator")},
        [
            Sum(
                "denominator",
                ("placements",),
                by=("host_location",),
                rows=pl.col("ofsted_rating") != NOT_KNOWN,
            )
        ],
    )


def places_per_home(
    register: pl.DataFrame | None, groups: dict[str, pl.DataFrame], region: Region
) -> Table:
    """Mean registered places per externally provided children's home, in vs out of region.

    Two bases: every such home in the register, and the homes the region's children live in.
    """
    reg = (
        register.filter(
            pl.col("is_children_home")
            & pl.col("is_external")
            & pl.col("host_council").is_not_null()
        )
        if register is not None
        else pl.DataFrame(schema={"urn": pl.Utf8, "host_council": pl.Utf8, "places": pl.Int64})
    )
    reg = reg.with_columns(region.contains("host_council").alias("host_in_region"))
    used_urns = groups["all"].get_column("urn").drop_nulls().unique().implode()
    rows = []
    for basis, homes in (
        ("register", reg),
        ("homes used", reg.filter(pl.col("urn").is_in(used_urns))),
    ):
        for where, flag in (("in_region", True), ("out_of_region", False)):
            part = homes.filter(pl.col("host_in_region") == flag)
            n, places = part.height, int(part.get_column("places").sum() or 0)
            rows.append(
                {
                    "basis": basis,
                    "host_location": where,
                    "homes": n,
                    "places": places,
                    "places_per_home": places / n if n else None,
                }
            )
    out = pl.DataFrame(
        rows,
        schema={
            "basis": pl.Utf8,
            "host_location": pl.Utf8,
            "homes": pl.Int64,
            "places": pl.Int64,
            "places_per_home": pl.Float64,
        },
    )
    return Table(
        "Places per home", out, "Externally provided children's homes in the provider register."
    )


def cohort_profile(groups: dict[str, pl.DataFrame], coverage: list[str]) -> Table:
    """Who is in each placement type: n, mean age, % not White British, % male (pooled)."""
    labels = load_categories().categories
    df = groups["all"]
    out = df.group_by("category").agg(
        pl.len().alias("children"),
        pl.col("age").mean().alias("mean_age"),
        (pl.col("ethnic").is_not_null() & (pl.col("ethnic").str.to_uppercase() != WHITE_BRITISH))
        .sum()
        .alias("not_white_british"),
        pl.col("ethnic").is_not_null().sum().alias("with_ethnicity"),
        (pl.col("sex") == 1).sum().alias("male"),
        pl.col("sex").is_in([1, 2]).sum().alias("with_sex"),
    )
    order = {c: i for i, c in enumerate(labels)}
    out = (
        out.sort(pl.col("category").replace_strict(order, default=len(order)))
        .with_columns(
            pl.col("category")
            .replace_strict(labels, default=pl.col("category"))
            .alias("category_label"),
            _share("not_white_british", "with_ethnicity").alias("not_white_british_pct"),
            _share("male", "with_sex").alias("male_pct"),
            *_coverage_cols(coverage),
        )
        .select(
            "category",
            "category_label",
            "children",
            "mean_age",
            "not_white_british",
            "with_ethnicity",
            "not_white_british_pct",
            "male",
            "with_sex",
            "male_pct",
            "councils_n",
            "councils",
        )
    )
    return Table(
        "Cohort profile by placement type",
        out,
        "Age on the snapshot date; % not White British = ethnicity other than WBRI among children with a "
        "recorded ethnicity.",
        ["children", "not_white_british", "with_ethnicity", "male", "with_sex"],
        {
            "not_white_british_pct": ("not_white_british", "with_ethnicity"),
            "male_pct": ("male", "with_sex"),
            "mean_age": ("children",),
        },
        [
            Sum("with_sex", ("male",), complete=False),
            Sum("with_ethnicity", ("not_white_british",), complete=False),
            Sum("children", ("with_sex",), complete=False),
            Sum("children", ("with_ethnicity",), complete=False),
        ],
    )


def distance_distribution(
    groups: dict[str, pl.DataFrame], coverage: list[str], params: SnapshotParameters
) -> Table:
    """Placements by home-to-placement distance band."""
    bands = [*params.distance_band_labels, UNKNOWN_BAND]
    parts = []
    for name, df in groups.items():
        counts = df.group_by("distance_band").agg(pl.len().alias("placements"))
        base = pl.DataFrame({"distance_band": bands})
        parts.append(
            base.join(counts, on="distance_band", how="left").with_columns(
                pl.col("placements").fill_null(0).cast(pl.Int64),
                pl.lit(df.height).alias("denominator"),
                pl.lit(name).alias("cohort"),
            )
        )
    out = pl.concat(parts).with_columns(
        _share("placements", "denominator").alias("share"), *_coverage_cols(coverage)
    )
    out = out.select(
        "cohort", "distance_band", "placements", "denominator", "share", "councils_n", "councils"
    )
    return Table(
        "Distance from home",
        out,
        "Miles from the home postcode to the placement postcode.",
        ["placements", "denominator"],
        {"share": ("placements", "denominator")},
        [Sum("denominator", ("placements",), by=("cohort",))],
    )


def coverage_table(frame: pl.DataFrame, region: Region, coverage: list[str]) -> Table:
    """Which region councils supplied data covering the date, and how many placements each has."""
    facts = council_facts().select("council", "london_area")
    counts = (
        frame.filter(pl.col("placing_in_region"))
        .group_by("council")
        .agg(pl.len().alias("placements"))
    )
    out = (
        pl.DataFrame({"council": list(region.members)})
        .join(facts, on="council", how="left")
        .with_columns(pl.col("council").is_in(coverage).alias("supplied_data"))
        .join(counts, on="council", how="left")
        .with_columns(pl.col("placements").fill_null(0).cast(pl.Int64))
    )
    return Table(
        "Coverage: councils that supplied data",
        out,
        "Region councils whose returns cover the snapshot date.",
        ["placements"],
    )


def exclusions_table(exclusions: dict[str, int]) -> Table:
    out = pl.DataFrame(
        {"reason": list(exclusions), "episodes": list(exclusions.values())},
        schema={"reason": pl.Utf8, "episodes": pl.Int64},
    )
    return Table(
        "Episodes left out, and why",
        out,
        "Every episode open on the date that is not counted above.",
    )
