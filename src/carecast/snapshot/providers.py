"""Reading a provider register (children's homes and other settings, keyed by Ofsted URN).

The register says where each home is (its host council), how many places it has, who runs it and
its Ofsted rating. Councils hold registers in many shapes, so common column spellings are accepted
(``urn``/``URN``, ``places``/``registered_places``/``max_places``, ``council``/``host_council``/
``local_authority``, ``ofsted_rating``/``overall_effectiveness``, ...). Rows that cannot be used are
counted with a reason, never dropped silently.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import polars as pl

from carecast.errors import InputError, Location
from carecast.plumbing.quality import combine, counts, empty_issues, row_issues
from carecast.plumbing.tables import read_table
from carecast.snapshot.parameters import SnapshotParameters
from carecast.snapshot.region import canonical_names

ALIASES: dict[str, tuple[str, ...]] = {
    "urn": ("urn", "ofsted_urn", "provider_urn", "setting_urn"),
    "host_council": (
        "host_council",
        "council",
        "local_authority",
        "la",
        "la_name",
        "host_la",
        "local_authority_name",
        "placement_la",
    ),
    "places": ("places", "registered_places", "max_places", "maximum_users", "capacity", "beds"),
    "ofsted_rating": (
        "ofsted_rating",
        "overall_effectiveness",
        "rating",
        "ofsted",
        "latest_rating",
    ),
    "home_type": ("type", "home_type", "provider_type", "setting_type", "provision_type"),
    "sector": ("sector", "owner", "ownership", "provider_sector", "owner_type", "provider_subtype"),
    "occupied": ("occupied", "occupied_places", "places_occupied", "occupancy"),
    "postcode": ("postcode", "post_code", "pcd"),
    "name": ("name", "provider_name", "setting_name", "home_name"),
}
REQUIRED = ("urn", "places")
RATINGS = ("Outstanding", "Good", "Requires improvement", "Inadequate")
NOT_KNOWN = "Not known"


@dataclass
class ProviderRegister:
    """A cleaned provider register and what was done to it."""

    homes: (
        pl.DataFrame
    )  # urn, name, host_council, postcode, places, occupied, ofsted_rating, home_type, sector,
    # is_children_home, is_external
    source: str
    issues: pl.DataFrame = field(default_factory=empty_issues)  # carecast.plumbing.quality shape

    def issue_counts(self) -> dict[str, int]:
        """Rows affected per problem, for a report's notes."""
        return {r["message"]: r["count"] for r in counts(self.issues).iter_rows(named=True)}


def _norm(name: str) -> str:
    return name.strip().lower().replace(" ", "_").replace("-", "_")


def rating_expr(column: str) -> pl.Expr:
    """Ofsted overall effectiveness as one of RATINGS or "Not known" (accepts 1-4 grades too)."""
    text = pl.col(column).cast(pl.Utf8).str.strip_chars().str.to_lowercase()
    return (
        pl.when(text.is_in(["outstanding", "1"]))
        .then(pl.lit("Outstanding"))
        .when(text.is_in(["good", "2"]))
        .then(pl.lit("Good"))
        .when(text.is_in(["requires improvement", "requires improvement to be good", "ri", "3"]))
        .then(pl.lit("Requires improvement"))
        .when(text.is_in(["inadequate", "4"]))
        .then(pl.lit("Inadequate"))
        .otherwise(pl.lit(NOT_KNOWN))
    )


def _matches_any(column: str, terms: tuple[str, ...]) -> pl.Expr:
    text = pl.col(column).cast(pl.Utf8).str.to_lowercase().str.replace_all("_", " ").fill_null("")
    expr = pl.lit(False)
    for term in terms:
        expr = expr | text.str.contains(term, literal=True)
    return expr


def clean_register(
    raw: pl.DataFrame, params: SnapshotParameters, *, source: str = "provider register"
) -> ProviderRegister:
    """Normalise a register frame (any accepted column spellings) to the register columns."""
    by_norm = {_norm(c): c for c in raw.columns}
    picked: dict[str, str] = {}
    for target, names in ALIASES.items():
        for n in names:
            if n in by_norm:
                picked[target] = by_norm[n]
                break
    missing = [r for r in REQUIRED if r not in picked]
    if missing:
        raise InputError(
            f"the provider register has no {' or '.join(missing)} column",
            where=Location(file=source, column=missing[0]),
            fix=f"name the columns {', '.join(REQUIRED)} (accepted spellings: "
            + "; ".join(f"{m}: {', '.join(ALIASES[m])}" for m in missing)
            + ")",
        )
    frame = raw.with_row_index("__row", offset=2)  # header is row 1
    places = pl.col(picked["places"]).cast(pl.Utf8).str.strip_chars()
    frame = frame.with_columns(places.cast(pl.Float64, strict=False).alias("__places"))
    bad = frame.filter(
        places.is_not_null()
        & (places != "")
        & (pl.col("__places").is_null() | (pl.col("__places") < 0))
    )
    if bad.height:
        row = bad.row(0, named=True)
        raise InputError(
            f"places '{row[picked['places']]}' is not a number of places ({bad.height} row(s) like this)",
            where=Location(file=source, row=int(row["__row"]), column=picked["places"]),
            fix="give each home's registered places as a whole number of 0 or more",
        )

    def col(target: str) -> pl.Expr:
        if target in picked:
            return pl.col(picked[target]).cast(pl.Utf8).str.strip_chars().alias(target)
        return pl.lit(None, dtype=pl.Utf8).alias(target)

    homes = frame.select(
        col("urn"),
        col("name"),
        col("host_council"),
        col("postcode"),
        pl.col("__places").round(0).cast(pl.Int64).alias("places"),
        (
            pl.col(picked["occupied"]).cast(pl.Float64, strict=False).round(0).cast(pl.Int64)
            if "occupied" in picked
            else pl.lit(None, dtype=pl.Int64)
        ).alias("occupied"),
        (
            rating_expr(picked["ofsted_rating"]) if "ofsted_rating" in picked else pl.lit(NOT_KNOWN)
        ).alias("ofsted_rating"),
        col("home_type"),
        col("sector"),
        "__row",
    )
    no_urn = pl.col("urn").is_null() | (pl.col("urn") == "")
    repeat = ~no_urn & ~pl.col("urn").is_first_distinct()
    issues = [
        row_issues(
            homes.filter(no_urn),
            rule="REGISTER_NO_URN",
            severity="rejected",
            file=source,
            column="urn",
            row="__row",
            message="rows without a URN (not used)",
            fix="add the home's Ofsted URN",
        ),
        row_issues(
            homes.filter(repeat),
            rule="REGISTER_DUPLICATE_URN",
            severity="rejected",
            file=source,
            column="urn",
            row="__row",
            record=pl.col("urn"),
            message="duplicate URNs (first row kept)",
            fix="keep one row per home",
        ),
    ]
    homes = homes.filter(~no_urn & ~repeat)
    homes = homes.with_columns(
        canonical_names("host_council").alias("host_council"),
        pl.col("places").fill_null(0),
        (
            _matches_any("home_type", params.children_home_types)
            if "home_type" in picked
            else pl.lit(True)
        ).alias("is_children_home"),
        (~_matches_any("sector", params.in_house_sectors)).alias("is_external"),
    )
    issues.append(
        row_issues(
            homes.filter(pl.col("host_council").is_null()),
            rule="REGISTER_NO_HOST_COUNCIL",
            severity="flagged",
            file=source,
            column="host_council",
            row="__row",
            record=pl.col("urn"),
            message="homes with no host council (location unknown)",
            fix="give the council the home is in (its name or ONS code)",
        )
    )
    return ProviderRegister(homes=homes.drop("__row"), source=source, issues=combine(*issues))


def read_providers(path: str | Path, params: SnapshotParameters) -> ProviderRegister:
    """Read a provider register CSV (or XLSX) file."""
    p = Path(path)
    if not p.is_file():
        raise InputError(
            f"provider register {p} does not exist",
            where=Location(file=str(p)),
            fix="check the --providers path",
        )
    raw = read_table(
        p,
        what="provider register",
        fix="save it as a CSV with a header row (urn, places, council, ofsted_rating, ...)",
    ).frame
    if raw.height == 0:
        raise InputError(
            "the provider register has no rows",
            where=Location(file=str(p)),
            fix="give a register with one row per home",
        )
    return clean_register(raw, params, source=str(p))
