"""JSON writer: the report's documented payload, or its tables as lists of records."""

from __future__ import annotations

import datetime as dt
import json
import math
from pathlib import Path
from typing import Any

import polars as pl

from carecast.outputs.formats import suppressed_numbers
from carecast.outputs.report import Report


def _default(obj: Any) -> Any:
    if isinstance(obj, dt.date | dt.datetime):
        return obj.isoformat()
    if isinstance(obj, pl.DataFrame):
        return obj.to_dicts()
    if hasattr(obj, "item"):  # numpy scalar
        return obj.item()
    if hasattr(obj, "tolist"):
        return obj.tolist()
    raise TypeError(f"cannot serialise {type(obj).__name__}")


def _clean(obj: Any) -> Any:
    """Replace NaN/inf (not valid JSON) by null, recursively."""
    if isinstance(obj, float) and not math.isfinite(obj):
        return None
    if isinstance(obj, dict):
        return {k: _clean(v) for k, v in obj.items()}
    if isinstance(obj, list | tuple):
        return [_clean(v) for v in obj]
    return obj


def _records(df: pl.DataFrame) -> list[dict[str, Any]]:
    """The table's rows; counts with suppressed cells (a text column, "c" beside numbers) come back
    as numbers, "c" staying "c"."""
    records = df.to_dicts()
    for col in df.columns:
        numbers = (
            suppressed_numbers(df.get_column(col).to_list()) if df.schema[col] == pl.Utf8 else None
        )
        for rec, value in zip(records, numbers or [], strict=False):
            rec[col] = value
    return records


def column_guide(report: Report) -> dict[str, dict[str, dict[str, str]]]:
    """Each table's columns with heading, kind and unit: numbers in JSON are plain (percentages as
    fractions 0-1, money in pounds), so the guide says what they are."""
    return {
        name: {
            c: {"label": col.label, "kind": str(col.kind), "unit": col.unit}
            for c, col in report.columns(name).items()
        }
        for name in report.tables()
    }


def to_document(report: Report) -> dict[str, Any]:
    if report.payload is not None:
        doc = dict(report.payload)
        doc.setdefault("metadata", report.metadata)
        doc.setdefault("columns", column_guide(report))
        return doc
    return {
        "title": report.title,
        "metadata": report.metadata,
        "columns": column_guide(report),
        "tables": {name: _records(df) for name, df in report.tables().items()},
    }


def write(report: Report, path: Path) -> list[Path]:
    doc = json.loads(json.dumps(to_document(report), default=_default))
    path.write_text(json.dumps(_clean(doc), indent=2, allow_nan=False), encoding="utf-8")
    return [path]
