"""The in-memory report every analysis returns for writing: tables, figures, metadata."""

from __future__ import annotations

import datetime as dt
import hashlib
import platform
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import polars as pl

import carecast
from carecast.outputs.columns import Column, Kind, columns_of


@dataclass
class Section:
    """A titled part of a report: prose, named tables and Plotly figures, in that order."""

    title: str
    text: str = ""
    tables: dict[str, pl.DataFrame] = field(default_factory=dict)
    figures: list[Any] = field(default_factory=list)  # plotly Figures, or functions that draw one
    notes: list[str] = field(default_factory=list)
    columns: dict[str, Kind] = field(
        default_factory=dict
    )  # kinds that differ from the naming rules

    def drawn_figures(self) -> list[Any]:
        """The figures, drawing those given as functions. Only the HTML writer shows figures, and
        drawing a forecast's dozen Plotly figures costs ~0.4 CPU-s, wasted on JSON, CSV and Excel."""
        return [f() if callable(f) else f for f in self.figures]


@dataclass
class Report:
    """What an analysis hands to the writers.

    ``metadata`` records how the numbers can be reproduced (version, inputs and their hashes,
    seed, parameters, data coverage). ``payload`` is the JSON document when the command has a
    documented JSON shape; otherwise the JSON writer serialises the tables.
    """

    title: str
    metadata: dict[str, Any]
    sections: list[Section] = field(default_factory=list)
    payload: dict[str, Any] | None = None
    primary_table: str | None = None  # which table a single CSV file holds
    committee: Any = None  # carecast.outputs.committee.CommitteeTable: the workbook opens on it
    for_import: bool = (
        False  # a file to read back in (a directory export): ids as written, not words
    )

    def columns(self, table: str) -> dict[str, Column]:
        """The kind and heading of every column of ``table``."""
        for s in self.sections:
            if table in s.tables:
                return columns_of(s.tables[table], s.columns)
        raise KeyError(table)

    def tables(self) -> dict[str, pl.DataFrame]:
        out: dict[str, pl.DataFrame] = {}
        for s in self.sections:
            for name, df in s.tables.items():
                out[name] = df
        return out


def file_digest(path: Path) -> str:
    """SHA-256 of a file's bytes (first 16 hex digits), to record which input produced a result."""
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()[:16]


def run_metadata(
    *,
    command: str,
    inputs: list[str | Path] | None = None,
    parameters: dict[str, Any] | None = None,
    coverage: dict[str, Any] | None = None,
    seed: int | None = None,
) -> dict[str, Any]:
    """The reproducibility block stamped on every output."""
    files = []
    for item in inputs or []:
        p = Path(item)
        if p.is_file():
            files.append({"path": str(p), "sha256": file_digest(p)})
        elif p.is_dir():
            n = sum(1 for f in p.rglob("*") if f.is_file())
            files.append({"path": str(p), "files": n})
        else:
            files.append({"path": str(p)})
    return {
        "command": command,
        "carecast_version": carecast.__version__,
        "python": platform.python_version(),
        "generated_at": dt.datetime.now(dt.UTC).replace(microsecond=0).isoformat(),
        "inputs": files,
        "parameters": parameters or {},
        "coverage": coverage or {},
        "seed": seed,
    }
