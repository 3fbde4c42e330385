"""The directory of provision: homes and services with their registration, vacancies, prices,
Ofsted judgements and commissioners' feedback (DOMAIN.md §5.1, LIIA 2022 recommendation for a
region-wide directory with uniform costs).

Two input shapes are accepted, both CSV or XLSX, columns matched by name (case, spaces and
punctuation ignored; aliases below):

* the synthetic generator's ``providers.csv`` (urn, provider name, type, host council, postcode,
  places, ofsted rating + date, needs ";"-joined, age range, weekly price), and
* carecast's own richer directory, whose columns are :data:`DIRECTORY_COLUMNS` (see
  ``docs`` in that table). Commissioners' structured feedback can be given per need as a
  "feedback" sheet (XLSX) or a ``<stem>.feedback.csv`` / ``feedback.csv`` file beside the CSV
  (columns urn, need, placements_made, good_outcomes, breakdowns; need "any" = all children).

Every row that is rejected or repaired is recorded in :attr:`Directory.issues` with file, row,
column, value, reason and action: nothing is silently lost.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import polars as pl

from carecast.errors import InputError, Location
from carecast.market.vocab import alias_key, vocabulary
from carecast.plumbing.dates import date_expr, lenient_expr
from carecast.plumbing.geo import PostcodeDirectory, postcode_expr, read_directory
from carecast.plumbing.quality import (
    Severity,
    combine,
    counts,
    empty_issues,
    row_issues,
    rows_affected,
)
from carecast.plumbing.tables import read_table
from carecast.schema import councils, find_council

# canonical column -> (dtype, accepted aliases, what it means)
DIRECTORY_COLUMNS: dict[str, tuple[pl.DataType, tuple[str, ...], str]] = {
    "urn": (
        pl.Utf8,
        ("urn", "ofsted urn", "ofsted_urn", "setting urn"),
        "Ofsted unique reference number (required, unique)",
    ),
    "name": (
        pl.Utf8,
        ("name", "home name", "home_name", "service name", "setting name"),
        "Name of the home or service",
    ),
    "provider": (
        pl.Utf8,
        ("provider", "provider name", "provider_name", "organisation"),
        "Provider organisation",
    ),
    "type": (
        pl.Utf8,
        ("type", "provision type", "provider type", "service type", "setting type"),
        "childrens_home, ifa, supported, secure or parent_and_child (labels and aliases accepted; required)",
    ),
    "host_council": (
        pl.Utf8,
        ("host council", "host_council", "host la", "council", "local authority", "la"),
        "Council the home is in: name, ONS code or DfE number (required unless the postcode locates it)",
    ),
    "postcode": (
        pl.Utf8,
        ("postcode", "post code", "setting postcode"),
        "Full postcode of the home",
    ),
    "places": (
        pl.Int32,
        ("places", "capacity", "registered places", "beds"),
        "Registered places (required, 0 or more)",
    ),
    "vacancies": (
        pl.Int32,
        ("vacancies", "current vacancies", "vacant places"),
        "Places free now (blank = not reported)",
    ),
    "vacancies_reported": (
        pl.Date,
        (
            "vacancies reported",
            "vacancies_reported",
            "vacancy date",
            "vacancies date",
            "vacancies reported date",
        ),
        "Date the vacancies were reported (dd/mm/yyyy or yyyy-mm-dd)",
    ),
    "next_vacancy_date": (
        pl.Date,
        ("next vacancy", "next vacancy date", "vacancy from"),
        "Date a place is next expected to be free",
    ),
    "ofsted_rating": (
        pl.Utf8,
        ("ofsted rating", "rating", "overall effectiveness", "ofsted", "ofsted judgement"),
        "outstanding, good, requires_improvement, inadequate or not_yet_inspected",
    ),
    "ofsted_date": (
        pl.Date,
        ("ofsted date", "inspection date", "rating date", "ofsted rating date"),
        "Date of that judgement",
    ),
    "registration": (
        pl.Utf8,
        ("registration", "registered for", "registration categories"),
        "Registration categories as Ofsted lists them (text)",
    ),
    "needs": (
        pl.List(pl.Utf8),
        ("needs", "needs accepted", "needs_accepted"),
        "Needs the home accepts, ';'-joined (vocabulary needs ids or aliases)",
    ),
    "sexes": (
        pl.Utf8,
        ("sexes", "sex", "gender", "sexes accepted"),
        "any, male or female (blank = any)",
    ),
    "age_min": (
        pl.Int32,
        ("age min", "age_min", "min age", "youngest"),
        "Youngest age accepted (years)",
    ),
    "age_max": (
        pl.Int32,
        ("age max", "age_max", "max age", "oldest"),
        "Oldest age accepted (years)",
    ),
    "same_day_admissions": (
        pl.Boolean,
        ("same day admissions", "same day", "accepts same day", "same_day"),
        "Takes same-day (emergency) admissions: yes/no",
    ),
    "max_staffing_ratio": (
        pl.Float64,
        ("staffing ratio", "max staffing ratio", "ratio", "max ratio"),
        "Highest staff:child ratio the home can staff, e.g. 2:1",
    ),
    "price_min_weekly": (
        pl.Float64,
        ("price min weekly", "price min", "weekly price min", "min weekly price"),
        "Lowest weekly price (£)",
    ),
    "price_max_weekly": (
        pl.Float64,
        ("price max weekly", "price max", "weekly price max", "max weekly price"),
        "Highest weekly price (£)",
    ),
    "education_on_site": (
        pl.Boolean,
        ("education on site", "education", "school on site"),
        "Education on site: yes/no",
    ),
    "placements_made": (
        pl.Int32,
        ("placements made", "placements"),
        "Commissioners' feedback: placements made there",
    ),
    "good_outcomes": (
        pl.Int32,
        ("good outcomes", "outcomes good", "outcomes"),
        "Of those, placements with good outcomes",
    ),
    "breakdowns": (
        pl.Int32,
        ("breakdowns", "placement breakdowns", "disruptions"),
        "Of those, placements that broke down",
    ),
    "lat": (
        pl.Float64,
        ("latitude",),
        "Latitude of the home (used when the postcode lookup cannot place it)",
    ),
    "lon": (
        pl.Float64,
        ("long", "longitude"),
        "Longitude of the home (used when the postcode lookup cannot place it)",
    ),
}
# Convenience inputs folded into the canonical columns above.
_COMBINED = {
    "age_range": ("age range", "age_range", "ages"),  # "10-17"
    "weekly_price": (
        "weekly price",
        "weekly_price",
        "price",
        "weekly cost",
        "weekly_cost",
    ),  # one price
    "price_band": ("price band", "weekly price band", "price range"),  # "3500-4200"
}
REQUIRED = ("urn", "type", "places")
FEEDBACK_COLUMNS = {
    "urn": pl.Utf8,
    "need": pl.Utf8,
    "placements_made": pl.Int32,
    "good_outcomes": pl.Int32,
    "breakdowns": pl.Int32,
}
HOME_COLUMNS: dict[str, pl.DataType] = {
    **{k: v[0] for k, v in DIRECTORY_COLUMNS.items()},
    "location_source": pl.Utf8,  # postcode, given (lat/lon columns) or council_centre
    "source_file": pl.Utf8,
    "source_row": pl.Int64,
}


@dataclass
class Directory:
    """Homes (one row per URN), per-need feedback, and every import issue."""

    homes: pl.DataFrame
    feedback: pl.DataFrame
    issues: pl.DataFrame = field(default_factory=empty_issues)  # carecast.plumbing.quality shape
    sources: list[str] = field(default_factory=list)
    rows_read: int = 0
    postcodes: PostcodeDirectory | None = (
        None  # the lookup that located the homes, reused for referrals
    )
    ignored_columns: list[str] = field(default_factory=list)  # file columns carecast does not use

    def summary(self) -> dict:
        return {
            "rows_read": self.rows_read,
            "homes_kept": self.homes.height,
            "rows_rejected": rows_affected(self.issues, "rejected"),
            "rows_repaired": rows_affected(self.issues, "repaired", unless="rejected"),
            "issues": self.issues.height,
            "sources": self.sources,
            "ignored_columns": self.ignored_columns,
        }

    def issue_counts(self) -> pl.DataFrame:
        return counts(self.issues)


def _read_table(path: Path, sheet: str | None = None) -> pl.DataFrame | None:
    """Every column as text (so nothing is lost to type guessing); None if the sheet is absent.
    Without ``sheet``, a workbook's "homes" sheet, else its first sheet that is not "about"."""
    if path.suffix.lower() not in (".csv", ".xlsx", ".xlsm", ".ods"):
        raise InputError(
            f"cannot read '{path.name}': carecast reads directories from .csv or .xlsx",
            where=Location(file=str(path)),
            fix="save the directory as CSV or XLSX",
        )
    table = read_table(
        path,
        what="directory",
        fix="check the file opens in Excel and is saved as CSV (UTF-8) or XLSX",
    )
    if sheet is not None:
        return table.sheet(sheet)
    if table.format == "csv":
        return table.frame
    return (
        table.sheet("homes")
        if table.sheet("homes") is not None
        else next((s.frame for s in table.sheets if (s.name or "").lower() != "about"), table.frame)
    )


def _canonical_names(df: pl.DataFrame) -> dict[str, str]:
    """Map file column → canonical column, by alias."""
    lookup = {}
    for canon, (_, aliases, _) in DIRECTORY_COLUMNS.items():
        for a in (canon, *aliases):
            lookup[alias_key(a)] = canon
    for canon, aliases in _COMBINED.items():
        for a in (canon, *aliases):
            lookup[alias_key(a)] = canon
    out = {}
    for col in df.columns:
        canon = lookup.get(alias_key(col))
        if canon and canon not in out.values():
            out[col] = canon
    return out


def _num(col: str) -> pl.Expr:
    return pl.col(col).str.replace_all(r"[£,\s]", "").cast(pl.Float64, strict=False)


def _bool(col: str) -> pl.Expr:
    key = pl.col(col).str.strip_chars().str.to_lowercase()
    return (
        pl.when(key.is_in(["yes", "y", "true", "1"]))
        .then(True)
        .when(key.is_in(["no", "n", "false", "0"]))
        .then(False)
        .otherwise(None)
    )


def _ratio(col: str) -> pl.Expr:
    """'2:1' → 2.0 staff per child; '1:2' → 0.5; '2' → 2.0."""
    s = pl.col(col).str.replace_all(r"\s", "")
    parts = s.str.split(":")
    staff = parts.list.get(0, null_on_oob=True).cast(pl.Float64, strict=False)
    child = parts.list.get(1, null_on_oob=True).cast(pl.Float64, strict=False).fill_null(1.0)
    return pl.when(child > 0).then(staff / child).otherwise(None)


def _range(col: str, i: int) -> pl.Expr:
    parts = (
        pl.col(col).str.replace_all(r"[£,\s]", "").str.replace_all(r"(to|–|—)", "-").str.split("-")
    )
    return parts.list.get(i, null_on_oob=True).cast(pl.Float64, strict=False)


def _blank(col: str) -> pl.Expr:
    return pl.col(col).is_null() | (pl.col(col).str.strip_chars() == "")


_FIX = "correct the row in the directory and load it again"


class _Issues:
    """Collects issue rows as frames (vectorised), in the :mod:`carecast.plumbing.quality` shape."""

    def __init__(self, file: str):
        self.file = file
        self.parts: list[pl.DataFrame] = []

    def add(
        self,
        df: pl.DataFrame,
        mask: pl.Expr,
        column: str,
        reason: str | pl.Expr,
        action: Severity,
        value: pl.Expr | None = None,
    ) -> None:
        hit = df.filter(mask)
        if hit.height == 0:
            return
        val = (
            value
            if value is not None
            else (pl.col(column).cast(pl.Utf8) if column in hit.columns else None)
        )
        urn = pl.col("urn") if "urn" in hit.columns else None
        self.parts.append(
            row_issues(
                hit,
                rule=f"DIRECTORY_{column.upper()}",
                severity=action,
                file=self.file,
                column=column,
                row="__row",
                value=val,
                record=urn,
                message=reason,
                fix=_FIX,
            )
        )

    def frame(self) -> pl.DataFrame:
        return combine(*self.parts)


def _council_map(values: list[str]) -> dict[str, str | None]:
    out = {}
    for v in values:
        c = find_council(v, required=False) if v and v.strip() else None
        out[v] = c.name if c else None
    return out


def parse_homes(
    raw: pl.DataFrame, file: str, postcodes: PostcodeDirectory | None
) -> tuple[pl.DataFrame, pl.DataFrame]:
    """Validate and normalise a directory table read as text. Returns (homes, issues)."""
    voc = vocabulary()
    names = _canonical_names(raw)
    df = raw.rename(names).select(list(names.values())).with_row_index("__row", offset=2)
    missing = [c for c in REQUIRED if c not in df.columns]
    if "host_council" not in df.columns and "postcode" not in df.columns:
        missing.append("host_council or postcode")
    if missing:
        known = ", ".join(DIRECTORY_COLUMNS)
        raise InputError(
            f"the directory has no {', '.join(missing)} column",
            where=Location(file=file),
            fix=f"name the columns as carecast's directory format does ({known})",
        )
    text_cols = set(DIRECTORY_COLUMNS) | set(_COMBINED)
    for col in text_cols:
        if col not in df.columns:
            df = df.with_columns(pl.lit(None, dtype=pl.Utf8).alias(col))
    df = df.with_columns([pl.col(c).cast(pl.Utf8).str.strip_chars() for c in text_cols])
    issues = _Issues(file)
    df = df.with_columns(pl.lit(False).alias("__rejected"))

    def reject(frame: pl.DataFrame, cond: pl.Expr) -> pl.DataFrame:
        """Mark rows now (conditions refer to columns that later steps overwrite)."""
        return frame.with_columns(
            (pl.col("__rejected") | cond.fill_null(False)).alias("__rejected")
        )

    # identity
    df = df.with_columns(pl.col("urn").str.replace(r"\.0$", ""))
    issues.add(
        df,
        _blank("urn"),
        "urn",
        "no Ofsted URN: a home cannot be matched or tracked without one",
        "rejected",
    )
    dup = pl.col("urn").is_duplicated() & ~pl.col("urn").is_first_distinct() & ~_blank("urn")
    issues.add(df, dup, "urn", "URN appears on an earlier row; the first row was kept", "rejected")
    df = reject(df, _blank("urn") | dup)

    # type
    df = df.with_columns(voc.types.normalise_expr(pl.col("type")).alias("__type"))
    bad_type = pl.col("__type").is_null()
    issues.add(
        df,
        bad_type,
        "type",
        f"unknown provision type (use one of {voc.types.describe()})",
        "rejected",
    )
    df = reject(df, bad_type)

    # places and vacancies
    df = df.with_columns(_num("places").alias("__places"), _num("vacancies").alias("__vac"))
    bad_places = (
        pl.col("__places").is_null()
        | (pl.col("__places") < 0)
        | (pl.col("__places") != pl.col("__places").round(0))
    )
    issues.add(df, bad_places, "places", "places must be a whole number, 0 or more", "rejected")
    df = reject(df, bad_places)
    bad_vac = ~_blank("vacancies") & (pl.col("__vac").is_null() | (pl.col("__vac") < 0))
    issues.add(
        df,
        bad_vac,
        "vacancies",
        "vacancies is not a whole number 0 or more; treated as not reported",
        "repaired",
    )
    over = pl.col("__vac") > pl.col("__places")
    issues.add(
        df,
        over & ~bad_places,
        "vacancies",
        "more vacancies than places; capped at places",
        "repaired",
    )
    df = df.with_columns(
        pl.when(bad_vac)
        .then(None)
        .when(over)
        .then(pl.col("__places"))
        .otherwise(pl.col("__vac"))
        .alias("__vac")
    )

    # location: postcode lookup first, then the row's own lat/lon, then the host council's centre
    df = df.with_columns(
        postcode_expr(pl.col("postcode")).alias("__pc"),
        _num("lat").alias("__glat"),
        _num("lon").alias("__glon"),
    )
    bad_given = ~(pl.col("__glat").is_between(49, 61) & pl.col("__glon").is_between(-9, 3)) & ~(
        _blank("lat") & _blank("lon")
    )
    issues.add(
        df,
        bad_given,
        "lat",
        "lat/lon missing, not numbers or outside England; not used",
        "repaired",
        value=pl.format("{},{}", pl.col("lat"), pl.col("lon")),
    )
    df = df.with_columns(
        pl.when(bad_given).then(None).otherwise(pl.col(c)).alias(c) for c in ("__glat", "__glon")
    )
    fallback = (
        pl.when(pl.col("__glat").is_not_null())
        .then(pl.lit("the lat/lon given"))
        .otherwise(pl.lit("the host council's centre"))
    )
    cmap = _council_map(df.get_column("host_council").unique().drop_nulls().to_list())
    df = df.with_columns(
        pl.col("host_council")
        .replace_strict(cmap, default=None, return_dtype=pl.Utf8)
        .alias("__council")
    )
    if postcodes is not None:
        loc = postcodes.locate(df.get_column("__pc"))
        ons = {c.ons_code: c.name for c in councils()}
        df = df.with_columns(
            pl.Series("__plat", loc["lat"]),
            pl.Series("__plon", loc["lon"]),
            pl.Series("__pla", loc["la_code"]).replace_strict(
                ons, default=None, return_dtype=pl.Utf8
            ),
        )
        unlocated = pl.col("__plat").is_null()
        issues.add(
            df,
            unlocated & ~_blank("postcode"),
            "postcode",
            pl.lit("postcode not in the postcode lookup; located at ") + fallback,
            "repaired",
        )
        issues.add(
            df,
            unlocated & _blank("postcode"),
            "postcode",
            pl.lit("no postcode; located at ") + fallback,
            "repaired",
        )
        moved = (
            pl.col("__pla").is_not_null()
            & pl.col("__council").is_not_null()
            & (pl.col("__pla") != pl.col("__council"))
        )
        issues.add(
            df,
            moved,
            "host_council",
            pl.format(
                "host council is {} but the postcode is in {}; the postcode's council was used",
                pl.col("__council"),
                pl.col("__pla"),
            ),
            "repaired",
        )
        df = df.with_columns(pl.coalesce("__pla", "__council").alias("__council"))
    else:
        df = df.with_columns(
            pl.lit(None, pl.Float64).alias("__plat"), pl.lit(None, pl.Float64).alias("__plon")
        )
    centre = pl.DataFrame(
        {
            "__council": [c.name for c in councils()],
            "__clat": [c.lat for c in councils()],
            "__clon": [c.lon for c in councils()],
        }
    )
    df = df.join(centre, on="__council", how="left", maintain_order="left")
    located = pl.col("__plat").is_not_null() | pl.col("__glat").is_not_null()
    nowhere = pl.col("__council").is_null() & ~located
    issues.add(
        df,
        nowhere,
        "host_council",
        "host council not recognised and the postcode could not be located, so the home cannot be placed on a map",
        "rejected",
    )
    df = reject(df, nowhere)
    unknown_council = pl.col("__council").is_null() & located
    issues.add(
        df,
        unknown_council,
        "host_council",
        "host council not in carecast's council list; kept as written",
        "repaired",
    )
    df = df.with_columns(
        pl.coalesce("__council", "host_council").alias("__council"),
        pl.coalesce("__plat", "__glat", "__clat").alias("lat"),
        pl.coalesce("__plon", "__glon", "__clon").alias("lon"),
        pl.when(pl.col("__plat").is_not_null())
        .then(pl.lit("postcode"))
        .when(pl.col("__glat").is_not_null())
        .then(pl.lit("given"))
        .otherwise(pl.lit("council_centre"))
        .alias("location_source"),
    )

    # Ofsted
    df = df.with_columns(voc.ratings.normalise_expr(pl.col("ofsted_rating")).alias("__rating"))
    issues.add(
        df,
        ~_blank("ofsted_rating") & pl.col("__rating").is_null(),
        "ofsted_rating",
        f"unknown Ofsted judgement (use one of {voc.ratings.describe()}); treated as not known",
        "repaired",
    )

    # dates
    for col in ("vacancies_reported", "next_vacancy_date", "ofsted_date"):
        df = df.with_columns(pl.coalesce(date_expr(col), lenient_expr(col)).alias(f"__{col}"))
        issues.add(
            df,
            ~_blank(col) & pl.col(f"__{col}").is_null(),
            col,
            "not a date (use dd/mm/yyyy); left blank",
            "repaired",
        )

    # ages
    df = df.with_columns(_num("age_min").alias("__amin"), _num("age_max").alias("__amax"))
    df = df.with_columns(
        pl.coalesce("__amin", _range("age_range", 0)).alias("__amin"),
        pl.coalesce("__amax", _range("age_range", 1)).alias("__amax"),
    )
    rev_age = pl.col("__amin") > pl.col("__amax")
    issues.add(
        df,
        rev_age,
        "age_range",
        "youngest age is above oldest age; the two were swapped",
        "repaired",
        value=pl.format("{}-{}", pl.col("__amin"), pl.col("__amax")),
    )
    df = df.with_columns(
        pl.when(rev_age).then(pl.col("__amax")).otherwise(pl.col("__amin")).alias("__amin"),
        pl.when(rev_age).then(pl.col("__amin")).otherwise(pl.col("__amax")).alias("__amax"),
    )

    # prices
    single = _num("weekly_price")
    df = df.with_columns(
        pl.coalesce(_num("price_min_weekly"), _range("price_band", 0), single).alias("__pmin"),
        pl.coalesce(
            _num("price_max_weekly"), _range("price_band", 1), _range("price_band", 0), single
        ).alias("__pmax"),
    )
    for col, tmp in (("price_min_weekly", "__pmin"), ("price_max_weekly", "__pmax")):
        neg = pl.col(tmp) <= 0
        issues.add(
            df, neg, col, "weekly price must be above £0; left blank", "repaired", value=pl.col(tmp)
        )
        df = df.with_columns(pl.when(neg).then(None).otherwise(pl.col(tmp)).alias(tmp))
    rev = pl.col("__pmin") > pl.col("__pmax")
    issues.add(
        df,
        rev,
        "price_min_weekly",
        "price range reversed (minimum above maximum); the two were swapped",
        "repaired",
        value=pl.format("{}-{}", pl.col("__pmin"), pl.col("__pmax")),
    )
    df = df.with_columns(
        pl.when(rev).then(pl.col("__pmax")).otherwise(pl.col("__pmin")).alias("__pmin"),
        pl.when(rev).then(pl.col("__pmin")).otherwise(pl.col("__pmax")).alias("__pmax"),
    )
    for col in ("price_band", "weekly_price", "price_min_weekly", "price_max_weekly"):
        bad = ~_blank(col) & (pl.col("__pmin").is_null() & pl.col("__pmax").is_null())
        issues.add(df, bad, col, "price is not a number; left blank", "repaired")

    # needs (the synthetic register lists them in "registration")
    needs_col = (
        "needs"
        if "needs" in names.values() or "registration" not in names.values()
        else "registration"
    )
    needs_long = (
        df.select("__row", pl.col(needs_col).str.split(r";").alias("n"))
        .explode("n")
        .with_columns(pl.col("n").str.strip_chars())
        .filter(pl.col("n").is_not_null() & (pl.col("n") != ""))
        .with_columns(voc.needs.normalise_expr(pl.col("n")).alias("id"))
    )
    bad_needs = needs_long.filter(pl.col("id").is_null())
    if bad_needs.height:
        issues.add(
            df.join(bad_needs.select("__row", pl.col("n").alias("__badneed")), on="__row"),
            pl.lit(True),
            needs_col,
            f"unknown need (use {voc.needs.describe()}); dropped from this home's needs",
            "repaired",
            value=pl.col("__badneed"),
        )
    grouped = (
        needs_long.filter(pl.col("id").is_not_null())
        .group_by("__row")
        .agg(pl.col("id").unique().sort().alias("__needs"))
    )
    df = df.join(grouped, on="__row", how="left", maintain_order="left").with_columns(
        pl.col("__needs").fill_null(pl.lit([], dtype=pl.List(pl.Utf8)))
    )

    # sex, ratio, booleans, feedback
    sex_key = pl.col("sexes").str.to_lowercase()
    df = df.with_columns(
        pl.when(_blank("sexes") | sex_key.is_in(["any", "both", "mixed", "all"]))
        .then(pl.lit("any"))
        .when(sex_key.is_in(["male", "m", "boys", "1"]))
        .then(pl.lit("male"))
        .when(sex_key.is_in(["female", "f", "girls", "2"]))
        .then(pl.lit("female"))
        .otherwise(None)
        .alias("__sexes"),
        _ratio("max_staffing_ratio").alias("__ratio"),
        _bool("same_day_admissions").alias("__sameday"),
        _bool("education_on_site").alias("__edu"),
    )
    issues.add(
        df,
        pl.col("__sexes").is_null(),
        "sexes",
        "unknown value (use any, male or female); treated as any",
        "repaired",
    )
    issues.add(
        df,
        ~_blank("max_staffing_ratio") & pl.col("__ratio").is_null(),
        "max_staffing_ratio",
        "not a ratio like 2:1; left blank",
        "repaired",
    )
    for col, tmp in (("same_day_admissions", "__sameday"), ("education_on_site", "__edu")):
        issues.add(
            df, ~_blank(col) & pl.col(tmp).is_null(), col, "not yes/no; left blank", "repaired"
        )
    for col in ("placements_made", "good_outcomes", "breakdowns"):
        df = df.with_columns(_num(col).alias(f"__{col}"))
        bad = ~_blank(col) & (pl.col(f"__{col}").is_null() | (pl.col(f"__{col}") < 0))
        issues.add(df, bad, col, "not a whole number 0 or more; left blank", "repaired")
        df = df.with_columns(
            pl.when(bad).then(None).otherwise(pl.col(f"__{col}")).alias(f"__{col}")
        )
    too_many = (pl.col("__breakdowns") > pl.col("__placements_made")) | (
        pl.col("__good_outcomes") > pl.col("__placements_made")
    )
    issues.add(
        df,
        too_many,
        "placements_made",
        "more breakdowns or good outcomes than placements; placements raised to match",
        "repaired",
    )
    df = df.with_columns(
        pl.max_horizontal("__placements_made", "__breakdowns", "__good_outcomes").alias(
            "__placements_made"
        )
    )

    keep = df.filter(~pl.col("__rejected"))
    homes = keep.select(
        pl.col("urn"),
        pl.col("name"),
        pl.col("provider"),
        pl.col("__type").alias("type"),
        pl.col("__council").alias("host_council"),
        pl.col("__pc").alias("postcode"),
        pl.col("__places").alias("places"),
        pl.col("__vac").alias("vacancies"),
        pl.col("__vacancies_reported").alias("vacancies_reported"),
        pl.col("__next_vacancy_date").alias("next_vacancy_date"),
        pl.col("__rating").alias("ofsted_rating"),
        pl.col("__ofsted_date").alias("ofsted_date"),
        pl.col("registration"),
        pl.col("__needs").alias("needs"),
        pl.col("__sexes").fill_null("any").alias("sexes"),
        pl.col("__amin").alias("age_min"),
        pl.col("__amax").alias("age_max"),
        pl.col("__sameday").alias("same_day_admissions"),
        pl.col("__ratio").alias("max_staffing_ratio"),
        pl.col("__pmin").alias("price_min_weekly"),
        pl.col("__pmax").alias("price_max_weekly"),
        pl.col("__edu").alias("education_on_site"),
        pl.col("__placements_made").alias("placements_made"),
        pl.col("__good_outcomes").alias("good_outcomes"),
        pl.col("__breakdowns").alias("breakdowns"),
        pl.col("lat"),
        pl.col("lon"),
        pl.col("location_source"),
        pl.lit(file).alias("source_file"),
        pl.col("__row").cast(pl.Int64).alias("source_row"),
    )
    return _conform(homes, HOME_COLUMNS), issues.frame()


def _conform(df: pl.DataFrame, columns: dict[str, pl.DataType]) -> pl.DataFrame:
    return df.select(
        [
            pl.col(c).cast(t, strict=False) if c in df.columns else pl.lit(None, dtype=t).alias(c)
            for c, t in columns.items()
        ]
    )


def parse_feedback(
    raw: pl.DataFrame, file: str, urns: set[str]
) -> tuple[pl.DataFrame, pl.DataFrame]:
    """Per-need feedback rows (urn, need, placements_made, good_outcomes, breakdowns)."""
    voc = vocabulary()
    lookup = {alias_key(a): c for c in FEEDBACK_COLUMNS for a in (c, c.replace("_", " "))}
    lookup.update(
        {
            alias_key(a): c
            for c, (_, aliases, _) in DIRECTORY_COLUMNS.items()
            if c in FEEDBACK_COLUMNS
            for a in aliases
        }
    )
    names = {c: lookup[alias_key(c)] for c in raw.columns if alias_key(c) in lookup}
    df = raw.rename(names).with_row_index("__row", offset=2)
    for c in FEEDBACK_COLUMNS:
        if c not in df.columns:
            df = df.with_columns(pl.lit(None, dtype=pl.Utf8).alias(c))
    issues = _Issues(file)
    df = df.with_columns(
        pl.col("urn").cast(pl.Utf8).str.strip_chars().str.replace(r"\.0$", ""),
        pl.when(_blank("need") | (pl.col("need").str.to_lowercase() == "any"))
        .then(pl.lit("any"))
        .otherwise(voc.needs.normalise_expr(pl.col("need")))
        .alias("__need"),
        *[_num(c).alias(f"__{c}") for c in ("placements_made", "good_outcomes", "breakdowns")],
    )
    unknown_urn = ~pl.col("urn").is_in(list(urns))
    bad_need = pl.col("__need").is_null()
    bad_num = (
        pl.col("__placements_made").is_null()
        | (pl.col("__placements_made") < 0)
        | (pl.col("__breakdowns").fill_null(0) > pl.col("__placements_made"))
        | (pl.col("__good_outcomes").fill_null(0) > pl.col("__placements_made"))
    )
    issues.add(
        df, unknown_urn, "urn", "feedback for a URN that is not in the directory", "rejected"
    )
    issues.add(
        df,
        bad_need & ~unknown_urn,
        "need",
        f"unknown need (use any or {voc.needs.describe()})",
        "rejected",
    )
    issues.add(
        df,
        bad_num & ~unknown_urn & ~bad_need,
        "placements_made",
        "placements must be a number at least as large as breakdowns and good outcomes",
        "rejected",
    )
    kept = df.filter(~(unknown_urn | bad_need | bad_num)).select(
        "urn",
        pl.col("__need").alias("need"),
        *[pl.col(f"__{c}").alias(c) for c in ("placements_made", "good_outcomes", "breakdowns")],
    )
    return _conform(kept, FEEDBACK_COLUMNS), issues.frame()


def _overall_feedback(homes: pl.DataFrame) -> pl.DataFrame:
    """The directory's own feedback columns as need='any' rows."""
    return _conform(
        homes.filter(pl.col("placements_made") > 0).select(
            "urn", pl.lit("any").alias("need"), "placements_made", "good_outcomes", "breakdowns"
        ),
        FEEDBACK_COLUMNS,
    )


def _find_inputs(path: Path) -> tuple[Path, Path | None, Path | None]:
    """(directory file, feedback file, postcodes file) for a file or a folder."""
    if path.is_dir():
        for name in ("directory.xlsx", "directory.csv", "providers.xlsx", "providers.csv"):
            if (path / name).is_file():
                main = path / name
                break
        else:
            raise InputError(
                f"no directory file in {path}",
                where=Location(file=str(path)),
                fix="the folder needs directory.csv/.xlsx (carecast format) or providers.csv (synthetic data)",
            )
        pc = path / "postcodes.csv"
        fb = next(
            (f for f in (path / f"{main.stem}.feedback.csv", path / "feedback.csv") if f.is_file()),
            None,
        )
        return main, fb, pc if pc.is_file() else None
    if not path.is_file():
        raise InputError(
            f"directory file {path} does not exist",
            where=Location(file=str(path)),
            fix="give a directory CSV/XLSX or a folder holding one",
        )
    fb = path.with_name(f"{path.stem}.feedback.csv")
    return path, fb if fb.is_file() else None, None


def load_directory(
    path: str | Path, *, postcodes: str | Path | PostcodeDirectory | None = None
) -> Directory:
    """Read and validate a directory of provision from a CSV/XLSX file or a folder.

    ``postcodes`` (an ONSPD extract) locates homes by postcode; without it (and without a
    ``postcodes.csv`` in the folder) homes are placed at their host council's centre.
    """
    p = Path(path)
    main, fb_file, pc_file = _find_inputs(p)
    lookup = (
        postcodes
        if isinstance(postcodes, PostcodeDirectory)
        else (
            read_directory(postcodes)
            if postcodes
            else (read_directory(pc_file) if pc_file else None)
        )
    )
    raw = _read_table(main)
    if raw is None or raw.height == 0:
        raise InputError(
            "the directory has no rows",
            where=Location(file=str(main)),
            fix="check you chose the right file",
        )
    homes, issues = parse_homes(raw, str(main), lookup)
    if homes.height == 0:
        raise InputError(
            f"none of the {raw.height} directory rows could be used ({issues.height} problems, e.g. "
            f"row {issues['row'][0]}, column {issues['column'][0]}: {issues['message'][0]})",
            where=Location(file=str(main)),
            fix="correct the rows listed by `carecast directory check`",
        )
    feedback = _overall_feedback(homes)
    issue_parts = [issues]
    fb_raw, fb_name = None, None
    if main.suffix.lower() in (".xlsx", ".xlsm"):
        fb_raw, fb_name = _read_table(main, sheet="feedback"), f"{main}#feedback"
    elif fb_file is not None:
        fb_raw, fb_name = _read_table(fb_file), str(fb_file)
    if fb_raw is not None and fb_raw.height:
        fb, fb_issues = parse_feedback(fb_raw, fb_name, set(homes["urn"].to_list()))
        feedback = pl.concat(
            [
                feedback.filter(
                    ~pl.col("urn").is_in(fb.filter(pl.col("need") == "any")["urn"].to_list())
                ),
                fb,
            ]
        )
        issue_parts.append(fb_issues)
    sources = (
        [str(main)]
        + ([fb_name] if fb_raw is not None else [])
        + ([lookup.source] if lookup else [])
    )
    ignored = [c for c in raw.columns if c not in _canonical_names(raw)]
    return Directory(homes, feedback, combine(*issue_parts), sources, raw.height, lookup, ignored)


def export_frame(directory: Directory) -> pl.DataFrame:
    """The homes as the carecast directory format (re-importable; needs ';'-joined, ratio as 'n:1',
    coordinates to 6 decimal places, about 10 cm)."""
    return directory.homes.select(
        *[c for c in DIRECTORY_COLUMNS if c not in ("needs", "max_staffing_ratio", "lat", "lon")],
        pl.col("needs").list.join(";").alias("needs"),
        pl.col("lat").round(6),
        pl.col("lon").round(6),
        pl.when(pl.col("max_staffing_ratio").is_not_null())
        .then(pl.format("{}:1", pl.col("max_staffing_ratio").round(2)))
        .otherwise(None)
        .alias("max_staffing_ratio"),
    ).select(list(DIRECTORY_COLUMNS))


def column_docs() -> pl.DataFrame:
    """The directory format, one row per column: name, aliases, meaning (shipped with exports)."""
    rows = [
        {"column": c, "also_accepted": ", ".join(a), "meaning": d}
        for c, (_, a, d) in DIRECTORY_COLUMNS.items()
    ]
    rows += [
        {"column": c, "also_accepted": ", ".join(a), "meaning": m}
        for c, a, m in (
            ("age_range", _COMBINED["age_range"], "Ages as 'min-max' (instead of age_min/age_max)"),
            (
                "weekly_price",
                _COMBINED["weekly_price"],
                "One weekly price (instead of a min-max band)",
            ),
            ("price_band", _COMBINED["price_band"], "Weekly price band as 'min-max'"),
        )
    ]
    return pl.DataFrame(rows)
