"""Kept history of a council's returns: every upload is a version, merged by collection year.

Cleaned episodes do not say which return they came from (the loader joins a child's episodes
across years), so what is kept per year is the uploaded return itself:
``<data_dir>/councils/<council slug>/returns/<collection year>/<hash of its files>/``. A version
(a returns row of ``web_datasets``) names the stored return of each of its years; an upload's
version takes the years the upload holds from it and every other year from the version before,
and its cleaned tables are the loader's reading of those returns together. A rollback is a new
version equal to an earlier one. Nothing stored is ever deleted by an upload or a rollback.
"""

from __future__ import annotations

import hashlib
import shutil
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import polars as pl
from sqlalchemy import select
from sqlalchemy.orm import Session

from carecast.errors import InputError, NotFoundError
from carecast.ingest.discover import discover, parse_year
from carecast.store.models_web import WebDataset
from carecast.web.datastore import RETURNS, current_dataset, slug

# what a return says about an episode; a change in any of these is a changed episode
EPISODE_KEY = ["child_id", "decom"]
EPISODE_FIELDS = [
    "dec",
    "rne",
    "ls",
    "cin",
    "place",
    "place_provider",
    "rec",
    "reason_place_change",
    "home_post",
    "pl_post",
    "urn",
]


def _year_folder(data_dir: Path, council: str, year: int | str, digest: str) -> Path:
    return data_dir / "councils" / slug(council) / "returns" / str(year) / digest


def keep_years(staged: Path, data_dir: Path, council: str) -> dict[str, str]:
    """Store each collection year of an upload's returns; ``{year: hash of its files}``.

    Years are keyed as strings because they travel through JSON columns.
    """
    by_year: dict[int, list[Path]] = {}
    for found in discover(staged, council):
        if found.year is None:
            raise InputError(
                "the upload does not say which collection year its files are for",
                fix="upload loose files with the collection year chosen, or a zip with one "
                "folder per collection year (e.g. 2024/episodes.csv)",
            )
        by_year.setdefault(found.year, []).append(found.path)
    kept: dict[str, str] = {}
    for year, paths in sorted(by_year.items()):
        named = {_unique_name(p, staged): p for p in paths}
        digest = hashlib.sha256()
        for name in sorted(named):
            digest.update(
                name.encode() + b"\x00" + hashlib.sha256(named[name].read_bytes()).digest()
            )
        kept[str(year)] = digest.hexdigest()[:32]
        folder = _year_folder(data_dir, council, year, kept[str(year)])
        if not folder.is_dir():
            folder.mkdir(parents=True)
            for name, path in named.items():
                shutil.copy(path, folder / name)
    return kept


def _unique_name(path: Path, root: Path) -> str:
    """A file's name in its year's folder (sub-folders of a year become part of the name)."""
    parts = path.relative_to(root).parts
    year_at = next(
        (i for i, p in enumerate(parts[:-1]) if parse_year(p) is not None), len(parts) - 2
    )
    return "__".join(parts[year_at + 1 :])


def assemble(data_dir: Path, council: str, years: dict[str, str], dest: Path) -> Path:
    """A council folder (``dest/<year>/<files>``) holding the stored return of each year, for the loader."""
    for year, digest in years.items():
        shutil.copytree(_year_folder(data_dir, council, year, digest), dest / year)
    return dest


def version_hash(years: dict[str, str]) -> str:
    """What identifies a version's data: the stored return of each of its years."""
    text = "|".join(f"{y}={h}" for y, h in sorted(years.items()))
    return hashlib.sha256(text.encode()).hexdigest()[:32]


def merged_years(previous: WebDataset | None, uploaded: dict[str, str]) -> dict[str, str]:
    """The years of the version an upload makes: the upload's years from it, the rest kept."""
    return dict(sorted({**((previous.years or {}) if previous else {}), **uploaded}.items()))


def year_changes(previous: dict[str, str], uploaded: dict[str, str]) -> dict[str, list[str]]:
    """Which uploaded years are new, which replace a different stored return, which were the same."""
    return {
        "years_added": sorted(y for y in uploaded if y not in previous),
        "years_replaced": sorted(
            y for y in uploaded if y in previous and previous[y] != uploaded[y]
        ),
        "years_unchanged": sorted(y for y in uploaded if previous.get(y) == uploaded[y]),
    }


def episode_changes(before: pl.DataFrame | None, after: pl.DataFrame) -> dict[str, int]:
    """Episodes added, changed (same child and start, anything the return says differs) and removed."""

    def keyed(frame: pl.DataFrame) -> pl.DataFrame:
        return frame.select(*EPISODE_KEY, pl.struct(EPISODE_FIELDS).hash().alias("_row")).unique(
            EPISODE_KEY
        )

    new = keyed(after)
    if before is None:
        return {"episodes_added": new.height, "episodes_changed": 0, "episodes_removed": 0}
    old = keyed(before)
    both = old.join(new, on=EPISODE_KEY, how="inner", suffix="_new")
    return {
        "episodes_added": new.join(old, on=EPISODE_KEY, how="anti").height,
        "episodes_changed": int((both["_row"] != both["_row_new"]).sum()),
        "episodes_removed": old.join(new, on=EPISODE_KEY, how="anti").height,
    }


@dataclass(frozen=True)
class Version:
    """One version of a council's returns as the Upload page lists it (numbered 1, 2, ... per council)."""

    number: int
    row: WebDataset
    is_current: bool

    @property
    def changes(self) -> dict[str, Any]:
        return self.row.changes or {}


def versions(db: Session, council: str) -> list[Version]:
    """The council's versions, newest first."""
    rows = list(
        db.scalars(
            select(WebDataset)
            .where(WebDataset.council == council, WebDataset.kind == RETURNS)
            .order_by(WebDataset.id)
        )
    )
    numbered = [Version(i + 1, row, i == len(rows) - 1) for i, row in enumerate(rows)]
    return numbered[::-1]


def version_of(db: Session, council: str, dataset_id: int) -> Version:
    """One of the council's own versions; another council's (or none) is not found, never shown."""
    for version in versions(db, council):
        if version.row.id == dataset_id:
            return version
    raise NotFoundError(
        "there is no such version of your council's returns",
        fix="choose a version from the list on the Upload page",
    )


def roll_back(
    db: Session, council: str, dataset_id: int, *, by: str, changed: dict[str, int]
) -> WebDataset:
    """A new current version equal to an earlier one (its stored tables are shared, not copied)."""
    target = version_of(db, council, dataset_id)
    previous = current_dataset(db, council)
    prev_years = (previous.years or {}) if previous else {}
    target_years = target.row.years or {}
    row = WebDataset(
        council=council,
        kind=RETURNS,
        uploaded_by=by,
        content_hash=target.row.content_hash,
        n_children=target.row.n_children,
        n_rows=target.row.n_rows,
        storage=target.row.storage,
        quality=target.row.quality,
        years=target.row.years,
        files=[],
        restored_from=target.number,
        changes={
            **year_changes(prev_years, target_years),
            "years_removed": sorted(set(prev_years) - set(target_years)),
            **changed,
        },
    )
    db.add(row)
    db.flush()
    return row
