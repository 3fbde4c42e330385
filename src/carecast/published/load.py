"""Load the published statistics in a folder: children looked after, child population and RO3.

What the folder may hold (file names as published, see ``../shared/external/README.md``):

* ``cla_number_and_rate_per_10k_children_*.csv``: one or more releases of the DfE table of
  children looked after on 31 March, starting and ceasing, England / regions / councils. Where two
  releases cover a year, the later release (the one reaching the later year) is used and the
  earlier one's rows for that year are counted as superseded (releases revise earlier years).
* ``ons_mid-year_population_estimates_0-17_*.csv``: ONS mid-year estimates of children 0-17.
  The DfE's rates for the year ending 31 March ``t`` use the estimate for mid-``t-1``; so does
  carecast (``year`` = mid-year + 1).
* ``RO3_*.ods``: the RO3 revenue outturn (social care), £ thousands, optional.

Every input row ends in :attr:`Published.log`, counted by what happened to it; every figure that
is withheld is a missing value with its reason (:mod:`carecast.published.codes`).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import polars as pl

from carecast.errors import InputError
from carecast.published import codes, layouts, read, reorganisations

CLA_GLOB = "cla_number_and_rate_per_10k_children_*.csv"
POPULATION_GLOB = "ons_mid-year_population_estimates_0-17_*.csv"
RO3_GLOB = "RO3_*.ods"
ENGLAND = "England"
SUB_REGIONS = ("E13000001", "E13000002")  # Inner and Outer London: parts of London, not regions
RO3_AUTHORITY_CLASSES = ("UA", "LB", "MD", "SC")  # the classes with children's services
RO3_UNITS = "£ thousands"


@dataclass
class Published:
    """Everything read from the folder, as long tables, and the log of what happened to each row.

    ``cla``: level (England / Region / Council), region, dfe_number, ons_code, name, year,
    measure, value, reason, file, row, outcome. ``population``: the same keys with ``value`` the
    children aged 0-17 for the year ending 31 March ``year``. ``ro3``: one row per council and
    published RO3 line (``line`` as published, ``value`` in £ thousands)."""

    folder: Path
    cla: pl.DataFrame
    population: pl.DataFrame
    ro3: pl.DataFrame | None
    log: pl.DataFrame
    layouts: dict[str, str]

    @property
    def years(self) -> list[int]:
        return sorted(self.cla.filter(pl.col("outcome").str.starts_with("used"))["year"].unique())


def _files(folder: Path, pattern: str) -> list[Path]:
    return sorted(p for p in folder.glob(pattern) if p.is_file())


def _level(expr: pl.Expr) -> pl.Expr:
    return (
        pl.when(expr == "National")
        .then(pl.lit(ENGLAND))
        .when(expr == "Regional")
        .then(pl.lit("Region"))
        .when(expr == "Local authority")
        .then(pl.lit("Council"))
        .otherwise(pl.lit(None))
    )


def _read(path: Path, set_aside: list[pl.DataFrame]) -> pl.DataFrame:
    """The file as text; lines the table reader set aside go to ``set_aside`` for the log."""
    frame, issues = read.read_csv_text(path)
    if issues.height:
        set_aside.append(
            issues.select(
                pl.lit(path.name).alias("file"),
                (pl.lit("set aside: ") + pl.col("message")).alias("outcome"),
                pl.col("count").cast(pl.Int64).alias("rows"),
            )
        )
    return frame


def _cla(paths: list[Path], set_aside: list[pl.DataFrame]) -> tuple[pl.DataFrame, dict[str, str]]:
    frames, found = [], {}
    for path in paths:
        frame, layout = layouts.standardise(_read(path, set_aside), path)
        found[path.name] = layout.name
        frames.append(frame.with_columns(pl.lit(int(frame["year"].max() or 0)).alias("release")))
    cla = (
        pl.concat(frames)
        .with_columns(
            *codes.to_number("count_text"),
            *codes.to_number("population_text", value="published_population", reason="_pr"),
            _level(pl.col("level")).alias("level"),
        )
        .drop("_pr", "count_text", "population_text")
    )
    latest = cla.group_by("year").agg(pl.col("release").max().alias("latest"))
    cla = cla.join(latest, on="year", how="left")
    areas = reorganisations.area_map().select("dfe_number", "area_name")
    cla = cla.join(areas, on="dfe_number", how="left")
    outcome = (
        pl.when(pl.col("year").is_null())
        .then(pl.lit("set aside: year not readable"))
        .when(pl.col("level").is_null())
        .then(pl.lit("set aside: geographic level not known"))
        .when(pl.col("measure").is_null())
        .then(pl.lit("set aside: measure not known"))
        .when(pl.col("release") < pl.col("latest"))
        .then(pl.lit("superseded by the later release"))
        .when(pl.col("region_code").is_in(SUB_REGIONS) & (pl.col("level") == "Region"))
        .then(pl.lit("Inner or Outer London figure (part of London; not used)"))
        .when(pl.col("value").is_null())
        .then(pl.lit("missing: ") + pl.col("reason"))
        .when(pl.col("level") == ENGLAND)
        .then(pl.lit("used: England figure (for comparison)"))
        .when(pl.col("level") == "Region")
        .then(pl.lit("used: region figure (for comparison)"))
        .when(pl.col("area_name").is_not_null())
        .then(pl.lit("used: summed into the reorganised area ") + pl.col("area_name"))
        .otherwise(pl.lit("used: council figure"))
    )
    return cla.with_columns(outcome.alias("outcome")).drop("latest", "area_name"), found


def _population(paths: list[Path], set_aside: list[pl.DataFrame]) -> pl.DataFrame:
    frames = []
    for path in paths:
        raw = _read(path, set_aside)
        missing = [
            c
            for c in (
                "time_period",
                "geographic_level",
                "old_la_code",
                "new_la_code",
                "la_name",
                "population_estimate",
            )
            if c not in raw.columns
        ]
        if missing:
            raise InputError(
                f"{path.name} lacks the columns {', '.join(missing)} of the ONS 0-17 estimates",
                fix="give the CSV of ONS mid-year population estimates, children aged 0 to 17, "
                "as downloaded",
            )
        frames.append(
            raw.select(
                pl.lit(path.name).alias("file"),
                "row",
                (pl.col("time_period").cast(pl.Int32, strict=False) + 1).alias("year"),
                _level(pl.col("geographic_level")).alias("level"),
                "region_code",
                "region_name",
                pl.col("old_la_code").alias("dfe_number"),
                pl.col("new_la_code").alias("ons_code"),
                pl.col("la_name").alias("name"),
                *codes.to_number("population_estimate"),
            )
        )
    pop = pl.concat(frames) if frames else pl.DataFrame()
    if pop.is_empty():
        return pop
    outcome = (
        pl.when(pl.col("year").is_null())
        .then(pl.lit("set aside: year not readable"))
        .when(pl.col("level").is_null())
        .then(pl.lit("set aside: geographic level not known"))
        .when(pl.col("region_code").is_in(SUB_REGIONS) & (pl.col("level") == "Region"))
        .then(pl.lit("Inner or Outer London figure (part of London; not used)"))
        .when(pl.col("value").is_null())
        .then(pl.lit("missing: ") + pl.col("reason"))
        .otherwise(pl.lit("used: population estimate"))
    )
    return pop.with_columns(outcome.alias("outcome"))


def _ro3(path: Path) -> pl.DataFrame:
    grid = read.read_sheet_text(path, "RO3_LA_Data")
    cells = [c for c in grid.columns if c != "row"]
    first = cells[0]
    header_at = grid.with_row_index("i").filter(pl.col(first).str.strip_chars() == "E-code")
    if header_at.is_empty():
        raise InputError(
            f"{path.name}: no header row starting 'E-code' in the RO3 data sheet",
            fix="give the RO3 'data by LA' workbook as published",
        )
    i = int(header_at["i"][0])
    names = [
        str(v) if v is not None else f"column {j + 1}"
        for j, v in enumerate(grid.select(cells).row(i))
    ]
    body = grid.slice(i + 1).rename(dict(zip(cells, names, strict=True)))
    keys = {"E-code": "e_code", "ONS Code": "ons_code", "Local authority": "name", "Class": "class"}
    lines = [n for n in names if "Children Looked After" in n or n.startswith("TOTAL CHILDREN")]
    long = body.select("row", *[pl.col(k).alias(v) for k, v in keys.items()], *lines).unpivot(
        index=["row", *keys.values()], variable_name="line", value_name="text"
    )
    long = long.with_columns(*codes.to_number("text"), pl.lit(path.name).alias("file")).drop("text")
    outcome = (
        pl.when(pl.col("class").is_null() | pl.col("ons_code").is_null())
        .then(pl.lit("not a council row (blank, or the sheet's hidden reference row)"))
        .when(pl.col("class") == "Eng")
        .then(pl.lit("used: England figure (for comparison)"))
        .when(~pl.col("class").is_in(RO3_AUTHORITY_CLASSES))
        .then(pl.lit("not a children's services authority (district, fire, police or other)"))
        .when(pl.col("value").is_null())
        .then(pl.lit("missing: ") + pl.col("reason"))
        .otherwise(pl.lit("used: council figure"))
    )
    return long.with_columns(outcome.alias("outcome"))


def _log(
    cla: pl.DataFrame, pop: pl.DataFrame, ro3: pl.DataFrame | None, set_aside: list[pl.DataFrame]
) -> pl.DataFrame:
    parts = [cla.group_by("file", "outcome").agg(pl.len().cast(pl.Int64).alias("rows")), *set_aside]
    if not pop.is_empty():
        parts.append(pop.group_by("file", "outcome").agg(pl.len().cast(pl.Int64).alias("rows")))
    if ro3 is not None:  # RO3 is counted by council row (one line per published row)
        parts.append(
            ro3.group_by("file", "row")
            .agg(pl.col("outcome").mode().first())
            .group_by("file", "outcome")
            .agg(pl.len().cast(pl.Int64).alias("rows"))
        )
    return pl.concat(parts).with_columns(pl.col("rows").cast(pl.Int64)).sort("file", "outcome")


def load(folder: str | Path) -> Published:
    """Read every published table in ``folder`` (see the module docstring for the file names)."""
    folder = Path(folder)
    if not folder.is_dir():
        raise InputError(f"{folder} is not a folder", fix="give the folder of published statistics")
    cla_files = _files(folder, CLA_GLOB)
    if not cla_files:
        raise InputError(
            f"{folder.name} holds no children looked after table ({CLA_GLOB})",
            fix="put the DfE CSV 'cla_number_and_rate_per_10k_children_<years>.csv' in the folder",
        )
    set_aside: list[pl.DataFrame] = []
    cla, found = _cla(cla_files, set_aside)
    pop = _population(_files(folder, POPULATION_GLOB), set_aside)
    ro3_files = _files(folder, RO3_GLOB)
    ro3 = _ro3(ro3_files[-1]) if ro3_files else None
    return Published(folder, cla, pop, ro3, _log(cla, pop, ro3, set_aside), found)
