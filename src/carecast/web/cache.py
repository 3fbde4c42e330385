"""Finished job results on disk as JSON and Parquet (never pickles), so a restart keeps them.

A result is a dict of plain values, dates, tables and :class:`~carecast.outputs.Report` objects.
It is written as one ``result.json`` in which each table is a reference to a Parquet file beside
it and each figure is Plotly's own JSON; reading it back gives equal tables, dates and figures.
Anything else is refused (:class:`TypeError`), and that result is simply not cached.
A folder is named by the job's input hash and the carecast version, so a new version never
serves a result an older one computed.
"""

from __future__ import annotations

import datetime as dt
import json
import shutil
from pathlib import Path
from typing import Any

import numpy as np
import plotly.io
import polars as pl

import carecast
from carecast.outputs import Report, Section

RESULT = "result.json"


def cache_folder(root: Path, key: str) -> Path:
    return root / f"{key}-v{carecast.__version__}"


class _Writer:
    def __init__(self, folder: Path):
        self.folder = folder
        self.n = 0

    def table(self, frame: pl.DataFrame) -> dict[str, str]:
        self.n += 1
        name = f"table{self.n}.parquet"
        frame.write_parquet(self.folder / name)
        return {"__table__": name}

    def encode(self, value: Any) -> Any:
        if isinstance(value, Report):
            return {
                "__report__": {
                    "title": value.title,
                    "metadata": self.encode(value.metadata),
                    "payload": self.encode(value.payload),
                    "primary_table": value.primary_table,
                    "sections": [
                        {
                            "title": s.title,
                            "text": s.text,
                            "notes": list(s.notes),
                            "tables": {k: self.table(v) for k, v in s.tables.items()},
                            "figures": [self.figure(f) for f in s.drawn_figures()],
                        }
                        for s in value.sections
                    ],
                }
            }
        if isinstance(value, pl.DataFrame):
            return self.table(value)
        if isinstance(value, dt.datetime):
            return {"__datetime__": value.isoformat()}
        if isinstance(value, dt.date):
            return {"__date__": value.isoformat()}
        if isinstance(value, dict):
            if not all(isinstance(k, str) for k in value):
                raise TypeError("a cached result's keys must be text")
            return {k: self.encode(v) for k, v in value.items()}
        if isinstance(value, list | tuple):
            return [self.encode(v) for v in value]
        if isinstance(value, np.generic):
            return value.item()
        if isinstance(value, np.ndarray):
            return {"__array__": value.tolist()}
        if value is None or isinstance(value, str | int | float | bool):
            return value
        raise TypeError(f"cannot cache a {type(value).__name__}")

    @staticmethod
    def figure(fig: Any) -> dict[str, Any]:
        if hasattr(fig, "to_json"):
            return {"__plotly__": fig.to_json()}
        return {"__raw__": fig}


def _decode(value: Any, folder: Path) -> Any:
    if isinstance(value, list):
        return [_decode(v, folder) for v in value]
    if not isinstance(value, dict):
        return value
    if "__table__" in value:
        return pl.read_parquet(folder / value["__table__"])
    if "__date__" in value:
        return dt.date.fromisoformat(value["__date__"])
    if "__datetime__" in value:
        return dt.datetime.fromisoformat(value["__datetime__"])
    if "__array__" in value:
        return np.asarray(value["__array__"])
    if "__report__" in value:
        r = value["__report__"]
        sections = [
            Section(
                s["title"],
                s["text"],
                {k: _decode(t, folder) for k, t in s["tables"].items()},
                [_figure(f) for f in s["figures"]],
                list(s["notes"]),
            )
            for s in r["sections"]
        ]
        return Report(
            r["title"],
            _decode(r["metadata"], folder),
            sections,
            _decode(r["payload"], folder),
            r["primary_table"],
        )
    return {k: _decode(v, folder) for k, v in value.items()}


def _figure(stored: dict[str, Any]) -> Any:
    if "__plotly__" in stored:
        return plotly.io.from_json(stored["__plotly__"], skip_invalid=True)
    return stored["__raw__"]


def save(result: Any, folder: Path) -> None:
    """Write ``result`` into ``folder`` (atomically: a half-written result is never read)."""
    partial = folder.with_name(folder.name + ".partial")
    shutil.rmtree(partial, ignore_errors=True)
    partial.mkdir(parents=True)
    try:
        doc = _Writer(partial).encode(result)
        (partial / RESULT).write_text(json.dumps(doc), encoding="utf-8")
    except BaseException:
        shutil.rmtree(partial, ignore_errors=True)
        raise
    shutil.rmtree(folder, ignore_errors=True)
    partial.rename(folder)


def load(folder: Path) -> Any | None:
    """The result saved in ``folder``, or None when there is none."""
    path = folder / RESULT
    if not path.is_file():
        return None
    return _decode(json.loads(path.read_text(encoding="utf-8")), folder)
