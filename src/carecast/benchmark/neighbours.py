"""A council against its statistical neighbours, as in the s251 benchmarking table Lewisham quotes
(6.2.2): spend per head of the 0-17 population on each line, and the council's rank among itself
and its neighbours, rank 1 = highest. Counts of children are shown per 10,000 aged 0-17.

The neighbours file is a CSV in either shape:

* long: columns ``council, neighbour`` (one row per pair);
* wide: a council column (``council``, ``la_name``… as for panels) and neighbour columns
  (``neighbour_1`` … ``neighbour_10``, or ``SN1`` … ``SN10`` as the DfE's statistical neighbour
  list has them); other columns (LA number, region) are not neighbours when such columns exist.

Without a file every other council in the panel is a comparator (said on the report).
"""

from __future__ import annotations

import re
from pathlib import Path

import polars as pl

from carecast.benchmark.measures import catalogue, heading_key, parameters
from carecast.benchmark.panel import ISSUE_SCHEMA
from carecast.benchmark.series import Coverage, complete
from carecast.errors import InputError, Location, NotFoundError
from carecast.plumbing.tables import read_table
from carecast.schema import financial_year_label, find_council

# Neighbour columns: "neighbour", "neighbour_1", "Statistical neighbour 3", "SN1", "SN 10 name"...
_NEIGHBOUR = re.compile(r"^(statistical)?neighbou?r\d*(name)?$|^sn\d+(name)?$")


def load_neighbours(path: str | Path, council: str) -> tuple[list[str], pl.DataFrame]:
    """``council``'s neighbours from ``path`` (canonical names), and issues for names not recognised."""
    p = Path(path)
    if not p.is_file():
        raise InputError(
            f"neighbours file {p} does not exist",
            where=Location(file=str(p)),
            fix="give a CSV with columns council, neighbour (or council, neighbour_1 … neighbour_10)",
        )
    df = read_table(p, what="neighbours", fix="save the neighbours list as a CSV file").frame
    cat = catalogue()
    ccol = next((c for c in df.columns if cat.role_of(c) == "council"), None)
    named = [c for c in df.columns if c != ccol and _NEIGHBOUR.match(heading_key(c))]
    others = named or [c for c in df.columns if c != ccol]
    if ccol is None or not others:
        raise InputError(
            f"{p.name} needs a 'council' column and at least one neighbour column "
            f"(headings found: {', '.join(df.columns)})",
            where=Location(file=str(p), row=1),
            fix="give columns council, neighbour (or council, neighbour_1 … neighbour_10)",
        )
    df = df.with_row_index("row", offset=2)
    pairs = df.unpivot(
        index=["row", ccol], on=others, variable_name="__column", value_name="__neighbour"
    ).drop_nulls("__neighbour")
    target = find_council(council).name
    mine = pairs.filter(
        pl.col(ccol).map_elements(
            lambda n: getattr(find_council(n, required=False), "name", None), return_dtype=pl.Utf8
        )
        == target
    )
    if mine.is_empty():
        raise NotFoundError(
            f"{p.name} lists no neighbours for {target}",
            where=Location(file=str(p), column=ccol),
            fix=f"add rows for {target}, or leave out --neighbours to compare with every council in the panel",
        )
    names, bad = [], []
    for row, column, name in mine.select("row", "__column", "__neighbour").iter_rows():
        hit = find_council(name, required=False)
        if hit is None:
            bad.append(
                {
                    "kind": "unknown neighbour",
                    "file": str(p),
                    "row": row,
                    "column": column,
                    "council": target,
                    "value": name,
                    "problem": f"'{name}' is not a council carecast knows",
                    "action": "neighbour ignored",
                    "fix": "use the council's ONS name, ONS code or DfE number",
                    "figures": 0,
                }
            )
        elif hit.name != target and hit.name not in names:
            names.append(hit.name)
    return names, pl.DataFrame(bad, schema=ISSUE_SCHEMA)


def _rate(measure: str) -> tuple[float, str]:
    kind = catalogue().measures[measure].kind
    if kind == "money":
        return 1.0, "£ per head aged 0-17"
    per = int(parameters()["rate_per"])
    return float(per), f"per {per:,} aged 0-17"


def compare(
    wide: pl.DataFrame, council: str, neighbours: list[str], year: int
) -> tuple[pl.DataFrame, pl.DataFrame, list[Coverage]]:
    """The council's value, rank (1 = highest) and the group's range for each neighbour measure."""
    pop = parameters()["neighbour_population"]
    group = [council, *[n for n in neighbours if n != council]]
    frame = wide.filter((pl.col("year") == year) & pl.col("council").is_in(group))
    cat = catalogue()
    rows, details, coverage = [], [], []
    for measure in parameters()["neighbour_measures"]:
        scale, unit = _rate(measure)
        cov = complete(
            wide, [measure, pop], [year], f"Neighbours: {cat.label(measure)}", councils=group
        )
        coverage.append(cov)
        d = (
            frame.filter(pl.col("council").is_in(cov.councils))
            .select(
                "council",
                pl.col(measure).alias("numerator"),
                pl.col(pop).alias("denominator"),
                (pl.col(measure) / pl.col(pop) * scale).alias("value"),
            )
            .with_columns(
                pl.col("value").rank(method="min", descending=True).cast(pl.Int64).alias("rank"),
                pl.len().cast(pl.Int64).alias("of"),
            )
            .sort("rank")
        )
        details.append(
            d.select(
                pl.lit(measure).alias("measure"),
                pl.lit(cat.label(measure)).alias("label"),
                pl.lit(unit).alias("unit"),
                pl.lit(financial_year_label(year)).alias("year_label"),
                "council",
                "numerator",
                "denominator",
                "value",
                "rank",
                "of",
                (pl.col("council") == council).alias("is_chosen"),
            )
        )
        own = d.filter(pl.col("council") == council)
        others = d.filter(pl.col("council") != council)
        rows.append(
            {
                "measure": measure,
                "label": cat.label(measure),
                "unit": unit,
                "council_value": own["value"].item() if own.height else None,
                "rank": own["rank"].item() if own.height else None,
                "of": d.height,
                "neighbour_mean": others["value"].mean() if others.height else None,
                "neighbour_min": others["value"].min() if others.height else None,
                "neighbour_max": others["value"].max() if others.height else None,
                "n_neighbours": others.height,
            }
        )
    summary = pl.DataFrame(
        rows,
        schema={
            "measure": pl.Utf8,
            "label": pl.Utf8,
            "unit": pl.Utf8,
            "council_value": pl.Float64,
            "rank": pl.Int64,
            "of": pl.Int64,
            "neighbour_mean": pl.Float64,
            "neighbour_min": pl.Float64,
            "neighbour_max": pl.Float64,
            "n_neighbours": pl.Int64,
        },
    )
    return summary, pl.concat(details), coverage
