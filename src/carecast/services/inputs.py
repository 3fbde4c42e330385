"""Reading a job's inputs before any heavy work: episode tables, dates that must be given, files
that must exist (moved here from ``forecast/commands.py`` so nothing imports a command module).
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import polars as pl

from carecast.errors import InputError, Location, ParameterError
from carecast.plumbing.dates import date_expr, parse_date
from carecast.plumbing.tables import read_table
from carecast.schema import EPISODE_COLUMNS, conform
from carecast.schema.categories import PlacementCategories
from carecast.services.base import Progress, quiet


def required_date(text: str, field: str) -> dt.date:
    """Like :func:`parse_date` for an option that must be given."""
    value = parse_date(text, field)
    if value is None:
        raise ParameterError(
            f"no {field} date given", where=Location(field=field), fix="write it as YYYY-MM-DD"
        )
    return value


def existing_file(path: Path | None, what: str, fix: str) -> Path | None:
    """``path`` if it is a file (None stays None): a missing file fails at once, naming it."""
    if path is not None and not path.is_file():
        raise InputError(
            f"the {what} file {path} does not exist", where=Location(file=str(path)), fix=fix
        )
    return path


def load_episodes(
    path: Path,
    council: str | None,
    categories: Path | PlacementCategories | None = None,
    progress: Progress = quiet,
) -> pl.DataFrame:
    """Cleaned episodes from a folder of returns (carecast.ingest) or a cleaned episodes Parquet/CSV file.

    A cleaned file keeps the categories and cost groups it was cleaned with; ``categories`` applies
    to returns read here.
    """
    if not path.exists():
        raise InputError(
            f"{path} does not exist",
            where=Location(file=str(path)),
            fix="give the folder holding the councils' SSDA903 returns",
        )
    if path.is_file() and path.suffix.lower() in (".parquet", ".csv"):
        frame = read_table(path, what="cleaned episodes", text=False).frame
        dates = [
            c for c, t in EPISODE_COLUMNS.items() if t == pl.Date and frame.schema.get(c) == pl.Utf8
        ]
        episodes = conform(
            frame.with_columns(date_expr(c).alias(c) for c in dates), EPISODE_COLUMNS
        )
    else:
        from carecast.ingest import load_returns

        progress(0.01, "Loading returns")
        episodes = load_returns(path, council=council, categories=categories).episodes
    if council is not None:
        from carecast.schema import find_council

        found = find_council(council)
        assert found is not None  # find_council raises for an unknown council
        name = found.name
        episodes = episodes.filter(pl.col("council") == name)
        if episodes.height == 0:
            raise InputError(
                f"the data has no episodes for {name}",
                where=Location(file=str(path)),
                fix="check --council, or leave it out to forecast every council in the data",
            )
    return episodes


def load_returns_folder(path: Path, council: str | None, progress: Progress = quiet):
    """Every 903 table of a folder of returns (:class:`carecast.ingest.LoadResult`): episodes and the
    other tables (OC3 for care leavers) that the allowances, leavers and workforce jobs read."""
    from carecast.ingest import load_returns

    if not path.is_dir():
        raise InputError(
            "the returns are not a folder",
            where=Location(file=str(path)),
            fix="give the folder holding the SSDA903 returns (DIR/<council>/<year>/...)",
        )
    progress(0.01, "Loading returns")
    return load_returns(path, council=council)
