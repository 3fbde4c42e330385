"""Read a folder of 903 CSVs (DfE file names) into the raw-table form ``run_rules`` takes.

ingest owns reading returns; this small reader is what the rules' tests and the agreement
benchmark use to feed the DfE's fake return to the rules exactly as published (every value as
text, nothing repaired), the same form ingest hands over.
"""

from __future__ import annotations

from pathlib import Path

import polars as pl

from carecast.dferules.context import TABLES
from carecast.plumbing.tables import read_table

# The DfE validator's names for the tables, as its results name them.
DFE_NAMES = {
    "Header": "header",
    "Episodes": "episodes",
    "UASC": "uasc",
    "Reviews": "reviews",
    "Missing": "missing",
    "OC2": "oc2",
    "OC3": "oc3",
    "AD1": "ad1",
    "PlacedAdoption": "placed_for_adoption",
    "PrevPerm": "previous_permanence",
    "SWEpisodes": "sw_episodes",
}


def read_csv_folder(folder: Path) -> dict[str, pl.DataFrame]:
    """Each ``<table>.csv`` in ``folder`` (header.csv, episodes.csv, ...) as all-text columns."""
    out = {}
    for name in TABLES:
        path = folder / f"{name}.csv"
        if path.exists():
            out[name] = read_table(path, what=f"{name} table").frame
    return out
