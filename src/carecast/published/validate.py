"""The quality report of ``carecast published validate``: what was read and what happened to it."""

from __future__ import annotations

import polars as pl

from carecast.outputs import Report, Section
from carecast.outputs.report import run_metadata
from carecast.published import panel, reorganisations
from carecast.published.labels import human
from carecast.published.layouts import MEASURE_LABELS
from carecast.published.load import Published


def reorganisation_table() -> pl.DataFrame:
    return pl.DataFrame(
        [
            {
                "area": r.area,
                "predecessors_dfe_numbers": ", ".join(r.predecessors),
                "successors_dfe_numbers": ", ".join(r.successors),
                "first_year_of_successors": r.first_year,
                "how_history_is_kept": "successors summed back onto the predecessors' area",
            }
            for r in reorganisations.REORGANISATIONS
        ]
    )


def missing_figures(published: Published) -> pl.DataFrame:
    """Every council figure withheld in the release used for its year, with its reason."""
    return (
        published.cla.filter(
            pl.col("level") == "Council", pl.col("outcome").str.starts_with("missing")
        )
        .select(
            "name",
            "dfe_number",
            "ons_code",
            "year",
            pl.col("measure").replace_strict(MEASURE_LABELS, default=None).alias("figure"),
            "reason",
            "file",
            "row",
        )
        .sort("name", "year", "figure")
    )


def build_report(published: Published) -> Report:
    table = panel.build(published)
    gaps = table.filter(pl.any_horizontal(pl.col(*panel.MEASURES).is_null()))
    carried = table.filter(pl.col("population_source") != "ONS estimate").select(
        "name", "year", "population_source"
    )
    files = pl.DataFrame(
        {"file": list(published.layouts), "layout": list(published.layouts.values())}
    )
    read_rows = published.log.group_by("file").agg(pl.col("rows").sum().alias("rows_read"))
    text = (
        f"{table['key'].n_unique()} council areas, years ending 31 March "
        f"{min(published.years)}-{max(published.years)}. Every row read is counted below by what "
        "happened to it; a withheld figure (c, z, x, low, u) is a missing value with its reason, "
        "never a zero."
    )
    sections = [
        Section(
            "Files read", text, tables={"files": files.join(read_rows, on="file", how="right")}
        ),
        Section("What happened to every row", tables={"quality_log": published.log}),
        Section(
            "Reorganised councils",
            reorganisations.__doc__.split("\n\n")[1].replace("\n", " "),
            tables={"reorganisations": reorganisation_table()},
        ),
        Section("Withheld figures", tables={"withheld_figures": missing_figures(published)}),
        Section(
            "Gaps in the council panel",
            "Area-years with a figure missing after reorganisations are summed back, and "
            "populations carried from the nearest year because none is published.",
            tables={
                "panel_gaps": gaps.select("name", "year", *panel.MEASURES),
                "population_carried": carried,
            },
        ),
    ]
    for section in sections:
        section.tables = {k: human(v) for k, v in section.tables.items()}
    meta = run_metadata(
        command="published validate",
        inputs=[published.folder],
        coverage={"areas": table["key"].n_unique(), "years": published.years},
    )
    return Report(
        "Published statistics: what was read", meta, sections, primary_table="quality_log"
    )
