"""Builders for hand-made benchmarking panels: a few councils, a few years, exact numbers."""

from __future__ import annotations

import polars as pl

from carecast.benchmark.panel import LONG_SCHEMA, Panel


def panel_from(records: dict[tuple[str, int], dict[str, float | None]]) -> Panel:
    """A Panel from {(council, year): {measure: value}}; None values are left out (missing)."""
    rows = [
        {
            "council": c,
            "year": y,
            "measure": m,
            "value": float(v),
            "file": "hand-made",
            "row": i + 2,
            "column": m,
        }
        for i, ((c, y), values) in enumerate(records.items())
        for m, v in values.items()
        if v is not None
    ]
    return Panel(data=pl.DataFrame(rows, schema=LONG_SCHEMA), sources=["hand-made"])


def run_cli(capsys, *args: str) -> tuple[int, str]:
    """Run ``carecast benchmark ARGS`` in this process through ``cli.main`` (the one place that maps
    errors to exit codes); return the exit code and what was written to stderr."""
    import sys

    from carecast import cli

    argv, sys.argv = sys.argv, ["carecast", "benchmark", *args]
    capsys.readouterr()
    try:
        cli.main()
        code = 0
    except SystemExit as exc:
        code = int(exc.code or 0)
    finally:
        sys.argv = argv
    return code, capsys.readouterr().err
