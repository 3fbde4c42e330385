"""Dispatch a :class:`Report` to the writer for the output file's extension."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from carecast.errors import ParameterError
from carecast.outputs import csv_out, excel, html, json_out
from carecast.outputs.report import Report

_WRITERS: dict[str, Callable[[Report, Path], list[Path]]] = {
    ".xlsx": excel.write,
    ".csv": csv_out.write,
    ".json": json_out.write,
    ".html": html.write,
}
SUPPORTED_FORMATS = tuple(_WRITERS)


def write_report(report: Report, path: str | Path) -> list[Path]:
    """Write ``report`` to ``path`` in the format its extension names; return the files written."""
    p = Path(path)
    writer = _WRITERS.get(p.suffix.lower())
    if writer is None:
        raise ParameterError(
            f"cannot write '{p.name}': carecast does not know the format '{p.suffix or '(none)'}'",
            fix=f"end the --out file name with one of {', '.join(SUPPORTED_FORMATS)}",
        )
    if p.parent and not p.parent.exists():
        p.parent.mkdir(parents=True, exist_ok=True)
    return writer(report, p)
