"""CSV writer: the primary table in the named file, any others beside it as ``<stem>.<table>.csv``."""

from __future__ import annotations

from pathlib import Path

import polars as pl

from carecast.outputs.report import Report


def _flat(df: pl.DataFrame) -> pl.DataFrame:
    """CSV holds no nested values: lists become ';'-joined text, structs JSON."""
    exprs = []
    for name, dtype in df.schema.items():
        if isinstance(dtype, pl.List):
            exprs.append(pl.col(name).cast(pl.List(pl.Utf8)).list.join(";").alias(name))
        elif isinstance(dtype, pl.Struct):
            exprs.append(pl.col(name).struct.json_encode().alias(name))
        else:
            exprs.append(pl.col(name))
    return df.select(exprs)


def write(report: Report, path: Path) -> list[Path]:
    tables = report.tables()
    if not tables:
        path.write_text("", encoding="utf-8")
        return [path]
    primary = report.primary_table if report.primary_table in tables else next(iter(tables))
    written = []
    _flat(tables[primary]).write_csv(path)
    written.append(path)
    for name, df in tables.items():
        if name == primary:
            continue
        other = path.with_name(f"{path.stem}.{name}.csv")
        _flat(df).write_csv(other)
        written.append(other)
    return written
