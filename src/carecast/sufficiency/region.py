"""Regional sufficiency: a group of councils' demand against their own capacity plus the region's market.

Demand is the councils' simulations summed simulation by simulation; capacity is each council's
file pooled (:func:`~carecast.sufficiency.capacity.combine_capacity`) plus the places the provider
register lists in the region (children's homes, IFAs, supported accommodation, secure homes),
mapped to categories by ``data/regional.yaml``. Register places are shared with every council that
places in the region (and beyond), so they are an upper bound on what the group can use.

The "complex adolescents" question (the Pan-London programme's ~500 places short) is answered
for residential care of children aged 10-17: peak demand per financial year at p50 and p90 against
the region's children's-home places, and the pan-regional block contract or new homes that would
close the gap.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import polars as pl

from carecast.errors import InputError, Location, NotFoundError, ParameterError
from carecast.parameters import shipped
from carecast.plumbing.tables import read_table
from carecast.schema import councils, financial_year_label, find_council
from carecast.schema.years import financial_year_expr
from carecast.sufficiency.capacity import Beds, Capacity

PROVIDER_COLUMNS = {"type", "owner", "host_council", "places"}
RESIDENTIAL = ["residential_in_house", "residential_external"]


@cache
def regional_parameters() -> dict:
    return shipped("carecast.sufficiency", "regional.yaml").values()


def region_councils(spec: str) -> tuple[str, list[str]]:
    """A region name (``london``), a London commissioning partnership (``SLCP``) or "A,B,C" → (label, councils)."""
    text = spec.strip()
    if "," not in text:
        key = text.casefold()
        by_region = [
            c.name for c in councils() if c.region.casefold() == key and c.end_year is None
        ]
        if by_region:
            return next(c.region for c in councils() if c.region.casefold() == key), by_region
        by_partnership = [
            c.name
            for c in councils()
            if (c.partnership or "").casefold() == key and c.end_year is None
        ]
        if by_partnership:
            return text.upper(), by_partnership
    names = [p.strip() for p in text.split(",") if p.strip()]
    try:
        found = [find_council(n).name for n in names]
    except NotFoundError as exc:
        raise NotFoundError(
            f"--region '{spec}': {exc.message}",
            fix="give a region (e.g. london, 'South East'), a London partnership (SLCP, NELCP, WLA) "
            "or council names separated by commas",
        ) from None
    return ", ".join(found), found


def load_providers(path: str | Path) -> pl.DataFrame:
    """The provider register (``providers.csv`` from carecast.synth or an Ofsted extract in its layout)."""
    p = Path(path)
    if not p.is_file():
        raise InputError(
            f"provider register {p} does not exist",
            where=Location(file=str(p)),
            fix="give --providers providers.csv (carecast synth writes one), or leave it out",
        )
    frame = read_table(p, what="provider register", text=False).frame
    missing = PROVIDER_COLUMNS - set(frame.columns)
    if missing:
        raise InputError(
            f"provider register lacks column(s) {sorted(missing)}",
            where=Location(file=str(p)),
            fix="use the providers.csv layout: urn, type, owner, host_council, places, ...",
        )
    return frame


def register_beds(
    providers: pl.DataFrame, region_members: list[str], label: str, share: float = 1.0
) -> tuple[list[Beds], pl.DataFrame]:
    """Register places hosted in the region, per category, as open-ended beds (``share`` of them
    attributed to the group); and the table behind them."""
    if not 0 < share <= 1:
        raise ParameterError(
            f"the register share must be more than 0 and at most 1, not {share:g}",
            where=Location(field="register_share"),
            fix="give a fraction, e.g. --register-share 0.1",
        )
    mapping = regional_parameters()["register_categories"]
    in_region = pl.col("host_council").is_in(region_members)
    not_councils_own = (pl.col("owner") != "local_authority") | (pl.col("type") == "secure")
    places = (
        providers.filter(in_region & not_councils_own & pl.col("type").is_in(list(mapping)))
        .with_columns(pl.col("type").replace_strict(mapping).alias("category"))
        .group_by("type", "category")
        .agg(pl.len().alias("providers"), pl.col("places").sum().cast(pl.Int64))
        .sort("category")
        .with_columns((pl.col("places") * share).floor().cast(pl.Int64).alias("attributed_places"))
    )
    beds = [
        Beds(
            name=f"register: {share:.0%} of {n} {t.replace('_', ' ')} provider(s) in {label}",
            category=c,
            places=int(p),
        )
        for t, c, n, p in places.select(
            "type", "category", "providers", "attributed_places"
        ).iter_rows()
    ]
    return beds, places


def with_register(capacity: Capacity, beds: list[Beds]) -> Capacity:
    return capacity.model_copy(update={"block_contracts": [*capacity.block_contracts, *beds]})


@dataclass
class AdolescentGap:
    monthly: pl.DataFrame  # date, mean, p10, p50, p90, places
    by_year: pl.DataFrame  # financial_year, peak p50/p90, places, gap, block places, new homes


def adolescent_gap(demand: pl.DataFrame, capacity: Capacity) -> AdolescentGap:
    """Residential demand aged 10-17 (one group per month) against all residential places in ``capacity``."""
    params = regional_parameters()
    dates = demand.get_column("date").to_numpy()
    places = (
        capacity.places(dates)
        .filter(pl.col("category").is_in(RESIDENTIAL))
        .group_by("date")
        .agg(pl.col("places").sum())
    )
    monthly = (
        demand.join(places, on="date", how="left")
        .with_columns(pl.col("places").fill_null(0.0))
        .with_columns(
            (pl.col("p50") - pl.col("places")).alias("gap_p50"),
            (pl.col("p90") - pl.col("places")).alias("gap_p90"),
        )
        .sort("date")
    )
    per_home = int(params["places_per_new_home"])
    by_year = (
        monthly.with_columns(financial_year_expr("date").alias("fy"))
        .group_by("fy")
        .agg(
            pl.col("p50").max(),
            pl.col("p90").max(),
            pl.col("places").min(),
            pl.col("gap_p50").max(),
            pl.col("gap_p90").max(),
        )
        .sort("fy")
        .with_columns(
            pl.col("fy")
            .map_elements(financial_year_label, return_dtype=pl.Utf8)
            .alias("financial_year"),
            pl.col("gap_p90").clip(0, None).ceil().cast(pl.Int64).alias("block_places_needed_p90"),
            (pl.col("gap_p90").clip(0, None) / per_home)
            .ceil()
            .cast(pl.Int64)
            .alias(f"new_{per_home}_bed_homes_p90"),
        )
        .drop("fy")
    )
    return AdolescentGap(
        monthly,
        by_year.select("financial_year", *[c for c in by_year.columns if c != "financial_year"]),
    )


def describe_use(gap: AdolescentGap) -> list[str]:
    """Plain-English lines: where a pan-regional block contract or new home would be used."""
    per_home = int(regional_parameters()["places_per_new_home"])
    short = gap.by_year.filter(pl.col("block_places_needed_p90") > 0)
    if short.height == 0:
        return [
            "Residential places in the region cover peak p90 demand for 10-17-year-olds in every year: "
            "no pan-regional block contract is needed on these numbers."
        ]
    first = short.row(0, named=True)
    worst = short.sort("block_places_needed_p90", descending=True).row(0, named=True)
    return [
        f"From {first['financial_year']} peak p90 residential demand for 10-17-year-olds exceeds the region's "
        f"places by {first['block_places_needed_p90']}; at worst ({worst['financial_year']}) by "
        f"{worst['block_places_needed_p90']} places — a pan-regional block contract of that size, or "
        f"{math.ceil(worst['block_places_needed_p90'] / per_home)} new {per_home}-bed homes, would be used."
    ]


def check_region_data(members: list[str], in_data: list[str], label: str) -> list[str]:
    """The councils of the region present in the data; error if none."""
    present = [c for c in in_data if c in members]
    if not present:
        raise ParameterError(
            f"the data has no council of {label}",
            where=Location(field="region"),
            fix=f"load returns for councils of the region (the data has {', '.join(in_data)})",
        )
    return present
