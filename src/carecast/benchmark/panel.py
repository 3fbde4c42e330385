"""Load a council x year benchmarking panel from the CSV/XLSX shapes councils and the DfE publish.

Two shapes are accepted:

* **long**: one row per figure, columns council, year, measure, value (DfE "tidy" files such as
  s251 outturn use ``la_name``, ``time_period`` and a line description: those headings work too);
* **wide**: one row per council and year, one column per measure (as ``carecast synth`` writes).

Measure names and the headings accepted for them are in ``data/measures.yaml``. Years may be
``2017``, ``2017-18``, ``2017/18`` or ``201718`` and are numbered by the financial year's start.
Councils are matched with :func:`carecast.schema.find_council` (name, ONS code or DfE number).

Nothing is lost silently: a blank or suppressed cell (``x``, ``c``, ``..``) is an explicit missing
figure, counted by measure; an unknown measure or council, a value that is not a number, a year
that cannot be read or a second figure for the same council, year and measure is written to
:attr:`Panel.issues` with its file, row, column and what to do, and counted there.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

import polars as pl

from carecast.benchmark.measures import catalogue, heading_key, parameters
from carecast.errors import InputError, Location
from carecast.plumbing.tables import read_table
from carecast.schema import financial_year_label, find_council

ISSUE_SCHEMA = {
    "kind": pl.Utf8,  # one of ISSUE_KINDS
    "file": pl.Utf8,
    "row": pl.Int64,
    "column": pl.Utf8,
    "council": pl.Utf8,
    "value": pl.Utf8,
    "problem": pl.Utf8,
    "action": pl.Utf8,
    "fix": pl.Utf8,
    "figures": pl.Int64,  # how many figures (non-blank cells) the problem set aside; 0 if kept
}
LONG_SCHEMA = {
    "council": pl.Utf8,
    "year": pl.Int32,
    "measure": pl.Utf8,
    "value": pl.Float64,
    "file": pl.Utf8,
    "row": pl.Int64,
    "column": pl.Utf8,
}
ISSUE_KINDS = {  # kind -> what happened to the figures
    "unknown measure": "set aside",
    "unknown council": "set aside",
    "unreadable year": "set aside",
    "non-numeric value": "set aside",
    "duplicate council-year": "set aside",
    "total does not match its lines": "kept, flagged",
    "unknown neighbour": "ignored",
}
_YEAR = re.compile(r"^\s*(\d{4})(?:\s*[-/]\s*(\d{2}|\d{4}))?(?:\.0+)?\s*$")
_YEAR6 = re.compile(r"^\s*(\d{4})(\d{2})\s*$")


@dataclass
class Panel:
    """A loaded panel: figures in long form, plus everything the loader could not use.

    ``data`` has one row per council, financial year (start year) and measure, with the file,
    row and column each figure came from. ``issues`` lists every dropped or questioned figure;
    ``missing`` counts blank and suppressed cells by measure.
    """

    data: pl.DataFrame
    issues: pl.DataFrame = field(default_factory=lambda: pl.DataFrame(schema=ISSUE_SCHEMA))
    missing: pl.DataFrame = field(
        default_factory=lambda: pl.DataFrame(schema={"measure": pl.Utf8, "missing_cells": pl.Int64})
    )
    sources: list[str] = field(default_factory=list)
    skipped_totals: int = (
        0  # national/regional rows of DfE files (not councils), read past by design
    )

    @property
    def councils(self) -> list[str]:
        return sorted(self.data.get_column("council").unique().to_list())

    @property
    def years(self) -> list[int]:
        return sorted(self.data.get_column("year").unique().to_list())

    def wide(self) -> pl.DataFrame:
        """One row per council and year, one Float64 column for every catalogue measure."""
        ids = list(catalogue().measures)
        if self.data.is_empty():
            return pl.DataFrame(
                schema={"council": pl.Utf8, "year": pl.Int32} | {m: pl.Float64 for m in ids}
            )
        wide = self.data.pivot(on="measure", index=["council", "year"], values="value")
        missing = [m for m in ids if m not in wide.columns]
        return (
            wide.with_columns([pl.lit(None, dtype=pl.Float64).alias(m) for m in missing])
            .select(["council", "year", *ids])
            .sort("council", "year")
        )

    def summary(self) -> pl.DataFrame:
        """Every cell read, accounted for: kept, missing, or set aside (with the reason).

        ``figures`` adds up: kept + missing + each set-aside reason = cells read. ``problems``
        counts the issue records (one per row, cell or column) behind each reason.
        """
        missing = int(self.missing["missing_cells"].sum() or 0)
        by = (
            self.issues.group_by("kind")
            .agg(pl.col("figures").sum(), pl.len().alias("problems"))
            .sort("kind")
        )
        set_aside = int(by["figures"].sum() or 0)
        rows = [
            ("cells read", self.data.height + missing + set_aside, None),
            ("figures kept", self.data.height, None),
            ("blank or suppressed cells (missing)", missing, None),
        ]
        rows += [(f"{k} ({ISSUE_KINDS[k]})", f, n) for k, f, n in by.iter_rows()]
        if self.skipped_totals:
            rows.append(
                (
                    "national or regional rows read past (geographic_level)",
                    None,
                    self.skipped_totals,
                )
            )
        return pl.DataFrame(
            rows, schema={"what": pl.Utf8, "figures": pl.Int64, "problems": pl.Int64}, orient="row"
        )


def load_panel(paths: str | Path | list[str | Path]) -> Panel:
    """Read one or more panel files (CSV or XLSX, long or wide) into one :class:`Panel`.

    Several files are combined (e.g. an s251 file, a population file and a LAC file); a figure
    given twice is an issue like any other duplicate.
    """
    items = [paths] if isinstance(paths, str | Path) else list(paths)
    if not items:
        raise InputError("no panel file was given", fix="name at least one CSV or XLSX file")
    parts, issues, missing, skipped = [], [], [], 0
    for item in items:
        data, iss, miss, n_skipped = _load_one(Path(item))
        skipped += n_skipped
        parts.append(data)
        issues.append(iss)
        missing.append(miss)
    data = pl.concat(parts) if parts else pl.DataFrame(schema=LONG_SCHEMA)
    data, dup_issues = _deduplicate(data)
    issues.append(dup_issues)
    issues.append(_check_totals(data))
    all_issues = pl.concat([i.select(list(ISSUE_SCHEMA)) for i in issues])
    if data.is_empty():
        first = all_issues.head(3)
        detail = "; ".join(
            f"row {r}: {p}" for r, p in zip(first["row"], first["problem"], strict=True)
        )
        raise InputError(
            f"no usable figures in {', '.join(str(i) for i in items)}"
            + (f" ({all_issues.height} problem(s), e.g. {detail})" if all_issues.height else ""),
            where=Location(file=str(items[0])),
            fix="check the file has a council column, a year column and measures named as in "
            "carecast/benchmark/data/measures.yaml (see `carecast benchmark --help`)",
        )
    return Panel(
        data=data.sort("council", "year", "measure"),
        issues=all_issues.sort("file", "row", "column", nulls_last=True),
        missing=pl.concat(missing)
        .group_by("measure")
        .agg(pl.col("missing_cells").sum())
        .sort("measure"),
        sources=[str(i) for i in items],
        skipped_totals=skipped,
    )


# --- reading ----------------------------------------------------------------------------------


def _read_raw(path: Path) -> pl.DataFrame:
    """The file as text cells, header on row 1, with each data row's 1-based row number."""
    if not path.is_file():
        raise InputError(
            f"panel file {path} does not exist",
            where=Location(file=str(path)),
            fix="check the path; give a .csv or .xlsx file",
        )
    if path.suffix.lower() not in (".csv", ".xlsx", ".xlsm", ".ods"):
        raise InputError(
            f"cannot read '{path.name}': panels are .csv or .xlsx files",
            where=Location(file=str(path)),
            fix="save the panel as CSV or Excel (.xlsx)",
        )
    table = read_table(
        path,
        what="panel",
        row_column="__row",
        fix="open it in Excel and save it again as .csv (UTF-8) or .xlsx",
    )
    sheet = next((s for s in table.sheets if heading_key(s.name or "") == "panel"), table.sheets[0])
    df = sheet.frame
    if df.width <= 1 or df.height == 0:  # __row alone: no headings
        raise InputError(
            f"{path.name} has no rows of data",
            where=Location(file=str(path)),
            fix="the first row holds the headings and each following row a council and year",
        )
    return df


def _load_one(path: Path) -> tuple[pl.DataFrame, pl.DataFrame, pl.DataFrame, int]:
    cat = catalogue()
    raw = _read_raw(path)
    level = next((c for c in raw.columns if heading_key(c) == "geographiclevel"), None)
    skipped = 0
    if level is not None:  # DfE files carry national and regional totals beside the councils
        is_la = pl.col(level).str.to_lowercase().str.strip_chars().is_in(["local authority", "la"])
        skipped = raw.filter(~is_la).height
        raw = raw.filter(is_la)
    roles: dict[str, str] = {}
    for col in raw.columns[1:]:
        role = cat.role_of(col)
        if role and role not in roles:
            roles[role] = col
    for role in ("council", "year"):
        if role not in roles:
            raise InputError(
                f"{path.name} has no {role} column (headings found: {', '.join(raw.columns[1:])})",
                where=Location(file=str(path), row=1),
                fix=f"name the column '{role}' (also accepted: {', '.join(cat.id_columns[role])})",
            )
    issues: list[pl.DataFrame] = []
    if "measure" in roles and "value" in roles:
        cells = raw.select(
            pl.col("__row").alias("row"),
            pl.col(roles["council"]).alias("council_raw"),
            pl.col(roles["year"]).alias("year_raw"),
            pl.col(roles["measure"]).alias("measure_raw"),
            pl.col(roles["value"]).alias("value_raw"),
            pl.lit(roles["value"]).alias("column"),
        )
        names = cells.select("measure_raw").unique().drop_nulls()
        names = names.with_columns(
            pl.col("measure_raw").map_elements(cat.resolve, return_dtype=pl.Utf8).alias("measure")
        )
        cells = cells.join(names, on="measure_raw", how="left")
        unknown = cells.filter(pl.col("measure").is_null())
        issues.append(
            _issues(
                path,
                unknown,
                "unknown measure",
                column=pl.lit(roles["measure"]),
                value=pl.col("measure_raw"),
                problem=pl.format("'{}' is not a measure carecast knows", pl.col("measure_raw")),
                action="row dropped",
                fix="use a measure name or s251 line listed in carecast/benchmark/data/measures.yaml",
            )
        )
        cells = cells.filter(pl.col("measure").is_not_null())
    else:
        measure_cols, unknown_cols = {}, []
        for col in raw.columns[1:]:
            if col in (roles["council"], roles["year"]) or heading_key(col) in cat.ignore_columns:
                continue
            mid = cat.resolve(col)
            if mid is None:
                unknown_cols.append(col)
            elif mid not in measure_cols.values():
                measure_cols[col] = mid
            else:
                unknown_cols.append(col)
        for col in unknown_cols:
            n = raw.select(pl.col(col).is_not_null().sum()).item()
            issues.append(
                pl.DataFrame(
                    [
                        {
                            "kind": "unknown measure",
                            "file": str(path),
                            "row": 1,
                            "column": col,
                            "council": None,
                            "value": None,
                            "problem": f"column '{col}' is not a measure carecast knows (or repeats one); its {n} value(s) were not read",
                            "action": "column ignored",
                            "fix": "rename the column to a measure in carecast/benchmark/data/measures.yaml, or delete it",
                            "figures": n,
                        }
                    ],
                    schema=ISSUE_SCHEMA,
                )
            )
        if not measure_cols:
            raise InputError(
                f"{path.name} has no measure columns carecast knows and no measure/value columns",
                where=Location(file=str(path), row=1),
                fix="either give columns council, year, measure, value (long form) or one column per "
                "measure named as in carecast/benchmark/data/measures.yaml (wide form)",
            )
        cells = (
            raw.select("__row", roles["council"], roles["year"], *measure_cols)
            .unpivot(
                index=["__row", roles["council"], roles["year"]],
                variable_name="column",
                value_name="value_raw",
            )
            .rename({"__row": "row", roles["council"]: "council_raw", roles["year"]: "year_raw"})
            .with_columns(
                pl.col("column").replace_strict(measure_cols, return_dtype=pl.Utf8).alias("measure")
            )
        )
    # Blank rows (every cell empty) are not data.
    cells = cells.filter(
        ~(
            pl.col("council_raw").is_null()
            & pl.col("year_raw").is_null()
            & pl.col("value_raw").is_null()
        )
    )
    cells, iss = _map_councils(path, cells, roles["council"])
    issues.append(iss)
    cells, iss = _map_years(path, cells, roles["year"])
    issues.append(iss)
    cells, missing, iss = _parse_values(path, cells, cat.missing_markers)
    issues.append(iss)
    data = cells.select(
        pl.col("council"),
        pl.col("year").cast(pl.Int32),
        pl.col("measure"),
        pl.col("value"),
        pl.lit(str(path)).alias("file"),
        pl.col("row"),
        pl.col("column"),
    )
    return data, pl.concat([i.select(list(ISSUE_SCHEMA)) for i in issues]), missing, skipped


def _issues(
    path: Path,
    rows: pl.DataFrame,
    kind: str,
    *,
    column: pl.Expr,
    value: pl.Expr,
    problem: pl.Expr,
    action: str,
    fix: str,
    council: pl.Expr | None = None,
    per_row: bool = True,
) -> pl.DataFrame:
    """Issue records for ``rows`` (one per source row when ``per_row``, else one per cell)."""
    if rows.is_empty():
        return pl.DataFrame(schema=ISSUE_SCHEMA)
    council = council if council is not None else pl.col("council_raw")
    out = rows.select(
        pl.lit(kind).alias("kind"),
        pl.lit(str(path)).alias("file"),
        pl.col("row"),
        column.alias("column"),
        council.cast(pl.Utf8).alias("council"),
        value.cast(pl.Utf8).alias("value"),
        problem.alias("problem"),
        pl.lit(action).alias("action"),
        pl.lit(fix).alias("fix"),
        pl.lit(1, dtype=pl.Int64).alias("figures"),
    )
    if not per_row:
        return out
    per = rows.group_by("row").agg(
        pl.col("value_raw").is_not_null().sum().cast(pl.Int64).alias("__n")
    )
    return (
        out.unique(subset=["row"], keep="first", maintain_order=True)
        .join(per, on="row")
        .with_columns(pl.col("__n").alias("figures"))
        .drop("__n")
    )


def _map_councils(
    path: Path, cells: pl.DataFrame, column: str
) -> tuple[pl.DataFrame, pl.DataFrame]:
    names = cells.select("council_raw").unique()

    def canonical(name: str | None) -> str | None:
        hit = find_council(name, required=False) if name else None
        return hit.name if hit else None

    names = names.with_columns(
        pl.col("council_raw")
        .map_elements(canonical, return_dtype=pl.Utf8, skip_nulls=False)
        .alias("council")
    )
    cells = cells.join(names, on="council_raw", how="left", nulls_equal=True)
    bad = cells.filter(pl.col("council").is_null())
    issues = _issues(
        path,
        bad,
        "unknown council",
        column=pl.lit(column),
        value=pl.col("council_raw"),
        problem=pl.format(
            "'{}' is not a council carecast knows", pl.col("council_raw").fill_null("(blank)")
        ),
        action="row dropped",
        fix="use the council's ONS name (e.g. 'Lewisham'), ONS code (E09000023) or DfE number (209)",
    )
    return cells.filter(pl.col("council").is_not_null()), issues


def parse_year(text: str | None) -> int | None:
    """'2017-18', '2017/18', '201718', '2017' (or 2017.0 from Excel) → 2017; anything else → None."""
    if text is None:
        return None
    m = _YEAR6.match(text)
    if m and int(m.group(2)) == (int(m.group(1)) + 1) % 100:
        return int(m.group(1))
    m = _YEAR.match(text)
    if not m:
        return None
    start = int(m.group(1))
    if m.group(2):
        end = int(m.group(2))
        if end % 100 != (start + 1) % 100:
            return None
    return start if 1990 <= start <= 2100 else None


def _map_years(path: Path, cells: pl.DataFrame, column: str) -> tuple[pl.DataFrame, pl.DataFrame]:
    years = (
        cells.select("year_raw")
        .unique()
        .with_columns(
            pl.col("year_raw")
            .map_elements(parse_year, return_dtype=pl.Int32, skip_nulls=False)
            .alias("year")
        )
    )
    cells = cells.join(years, on="year_raw", how="left", nulls_equal=True)
    bad = cells.filter(pl.col("year").is_null())
    issues = _issues(
        path,
        bad,
        "unreadable year",
        column=pl.lit(column),
        value=pl.col("year_raw"),
        council=pl.col("council"),
        problem=pl.format("'{}' is not a financial year", pl.col("year_raw").fill_null("(blank)")),
        action="row dropped",
        fix="write the financial year as 2017-18 (or 2017 for the year starting April 2017)",
    )
    return cells.filter(pl.col("year").is_not_null()), issues


def _parse_values(
    path: Path, cells: pl.DataFrame, markers: frozenset[str]
) -> tuple[pl.DataFrame, pl.DataFrame, pl.DataFrame]:
    text = pl.col("value_raw").str.strip_chars().str.replace_all("\u2212", "-")  # typographic minus
    is_missing = pl.col("value_raw").is_null() | text.str.to_lowercase().is_in(list(markers))
    negative = text.str.starts_with("(") & text.str.ends_with(")")
    number = text.str.replace_all(r"[£,\s()]", "").cast(pl.Float64, strict=False)
    cells = cells.with_columns(
        is_missing.alias("__missing"),
        pl.when(negative).then(-number).otherwise(number).alias("value"),
    )
    missing = (
        cells.filter(pl.col("__missing"))
        .group_by("measure")
        .len("missing_cells")
        .with_columns(pl.col("missing_cells").cast(pl.Int64))
    )
    bad = cells.filter(~pl.col("__missing") & pl.col("value").is_null())
    issues = _issues(
        path,
        bad,
        "non-numeric value",
        column=pl.col("column"),
        value=pl.col("value_raw"),
        council=pl.col("council"),
        problem=pl.format(
            "'{}' is not a number ({} {})",
            pl.col("value_raw"),
            pl.col("measure"),
            pl.col("year").map_elements(financial_year_label, return_dtype=pl.Utf8),
        ),
        action="value dropped",
        per_row=False,
        fix="enter the figure as a plain number (e.g. 1234567); leave it blank if it is not known",
    )
    kept = cells.filter(~pl.col("__missing") & pl.col("value").is_not_null())
    return kept, missing.select("measure", "missing_cells"), issues


def _deduplicate(data: pl.DataFrame) -> tuple[pl.DataFrame, pl.DataFrame]:
    """Keep the first figure per council, year and measure; record every later one."""
    data = data.with_row_index("__order")
    first = data.group_by("council", "year", "measure").agg(
        pl.col("__order").min().alias("__first"),
        pl.col("value").first().alias("__first_value"),
        pl.col("row").first().alias("__first_row"),
        pl.col("file").first().alias("__first_file"),
    )
    data = data.join(first, on=["council", "year", "measure"])
    later = data.filter(pl.col("__order") != pl.col("__first"))
    if later.is_empty():
        return data.drop(
            "__order", "__first", "__first_value", "__first_row", "__first_file"
        ), pl.DataFrame(schema=ISSUE_SCHEMA)
    per_row = later.group_by("file", "row", "council", "year", maintain_order=True).agg(
        pl.col("measure").str.join(", ").alias("measures"),
        (pl.col("value") != pl.col("__first_value")).sum().alias("differ"),
        pl.col("__first_row").first(),
        pl.col("__first_file").first(),
        pl.col("column").first(),
        pl.len().alias("n_later"),
    )
    issues = per_row.select(
        pl.lit("duplicate council-year").alias("kind"),
        pl.col("file"),
        pl.col("row"),
        pl.col("column"),
        pl.col("council"),
        pl.col("measures").alias("value"),
        pl.format(
            "{} {} is given again (first in {} row {}; {} of these figures differ)",
            pl.col("council"),
            pl.col("year").map_elements(financial_year_label, return_dtype=pl.Utf8),
            pl.col("__first_file"),
            pl.col("__first_row"),
            pl.col("differ"),
        ).alias("problem"),
        pl.lit("later figure dropped, first kept").alias("action"),
        pl.lit(
            "give each council, year and measure once; delete or correct the repeated row"
        ).alias("fix"),
        pl.col("n_later").cast(pl.Int64).alias("figures"),
    )
    kept = data.filter(pl.col("__order") == pl.col("__first"))
    return kept.drop("__order", "__first", "__first_value", "__first_row", "__first_file"), issues


def _check_totals(data: pl.DataFrame) -> pl.DataFrame:
    """Flag totals that differ from the sum of their component lines (figures are kept)."""
    cat = catalogue()
    tolerance = float(parameters()["total_check_tolerance"])
    parts = {m.id: m.part_of for m in cat.measures.values() if m.part_of}
    if not parts:
        return pl.DataFrame(schema=ISSUE_SCHEMA)
    comp = (
        data.filter(pl.col("measure").is_in(list(parts)))
        .with_columns(pl.col("measure").replace_strict(parts, return_dtype=pl.Utf8).alias("total"))
        .group_by("council", "year", "total")
        .agg(pl.col("value").sum().alias("lines"), pl.len().alias("n_lines"))
    )
    n_expected = pl.DataFrame({"total": list(parts.values())}).group_by("total").len("n_expected")
    totals = (
        data.rename({"measure": "total", "value": "stated"})
        .join(comp, on=["council", "year", "total"])
        .join(n_expected, on="total")
    )
    gap = (pl.col("stated") - pl.col("lines")).abs()
    bad = totals.filter(
        (pl.col("n_lines") == pl.col("n_expected")) & (gap > tolerance * pl.col("stated").abs())
    )
    return bad.select(
        pl.lit("total does not match its lines").alias("kind"),
        pl.col("file"),
        pl.col("row"),
        pl.col("column"),
        pl.col("council"),
        pl.col("stated").cast(pl.Utf8).alias("value"),
        pl.format(
            "{} {} {} is {} but the sum of its components is {}",
            pl.col("council"),
            pl.col("year").map_elements(financial_year_label, return_dtype=pl.Utf8),
            pl.col("total"),
            pl.col("stated").round(0),
            pl.col("lines").round(0),
        ).alias("problem"),
        pl.lit("kept as stated; check it").alias("action"),
        pl.lit("correct the total or the lines so they agree (the stated total is used)").alias(
            "fix"
        ),
        pl.lit(0, dtype=pl.Int64).alias("figures"),
    )
