"""Each council's cleaned tables, stored as Parquet under the app's data directory.

``<data_dir>/councils/<council slug>/<content hash>/{episodes,children}.parquet`` plus a row in
``web_datasets`` (who, when, counts, quality summary). The latest upload of a council is its
current data set. Child-level files never leave this folder except to that council's own users.
High-needs (SEND) uploads are kept the same way, apart: ``.../send/<content hash>/<form>.parquet``
(EHCP ``records`` or published ``counts``), in the same table with kind ``ehcp_records`` or ``ehcp_counts``.
"""

from __future__ import annotations

import datetime as dt
import re
import shutil
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

import polars as pl
from sqlalchemy import select
from sqlalchemy.orm import Session

from carecast.errors import NotFoundError
from carecast.schema import CHILDREN_COLUMNS, EPISODE_COLUMNS, conform
from carecast.store.models_web import WebDataset

RETURNS = "returns"
HIGH_NEEDS = ("ehcp_records", "ehcp_counts")


def slug(council: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", council.lower()).strip("-")


@dataclass(frozen=True)
class CouncilData:
    """A council's current cleaned tables and where they came from."""

    council: str
    dataset_id: int
    content_hash: str
    uploaded_at: dt.datetime
    episodes: pl.DataFrame
    children: pl.DataFrame
    quality: dict[str, Any]


def save_dataset(
    db: Session,
    data_dir: Path,
    *,
    council: str,
    uploaded_by: str,
    content_hash: str,
    episodes: pl.DataFrame,
    children: pl.DataFrame,
    quality: dict[str, Any],
    years: dict[str, str] | None = None,
    files: list[str] | None = None,
    changes: dict[str, Any] | None = None,
) -> WebDataset:
    """Store a council's cleaned returns as its new current version (``years``, ``files`` and
    ``changes`` as :mod:`carecast.web.history` keeps them)."""
    folder = data_dir / "councils" / slug(council) / content_hash
    folder.mkdir(parents=True, exist_ok=True)
    conform(episodes, EPISODE_COLUMNS).write_parquet(folder / "episodes.parquet")
    conform(children, CHILDREN_COLUMNS).write_parquet(folder / "children.parquet")
    row = WebDataset(
        council=council,
        kind=RETURNS,
        uploaded_by=uploaded_by,
        uploaded_at=dt.datetime.now(dt.UTC),
        content_hash=content_hash,
        n_children=children.height,
        n_rows=episodes.height,
        storage=str(folder.relative_to(data_dir)),
        quality=quality,
        years=years,
        files=files,
        changes=changes,
    )
    db.add(row)
    db.flush()
    return row


def current_dataset(db: Session, council: str) -> WebDataset | None:
    return db.scalar(
        select(WebDataset)
        .where(WebDataset.council == council, WebDataset.kind == RETURNS)
        .order_by(WebDataset.id.desc())
        .limit(1)
    )


def councils_with_data(db: Session, among: list[str]) -> list[str]:
    rows = db.scalars(
        select(WebDataset.council)
        .where(WebDataset.council.in_(among), WebDataset.kind == RETURNS)
        .distinct()
    )
    return sorted(rows)


@lru_cache(maxsize=32)
def _read(folder: str) -> tuple[pl.DataFrame, pl.DataFrame]:
    base = Path(folder)
    return pl.read_parquet(base / "episodes.parquet"), pl.read_parquet(base / "children.parquet")


def load_council(db: Session, data_dir: Path, council: str) -> CouncilData:
    """The council's current data set (read once, then served from memory)."""
    row = current_dataset(db, council)
    if row is None:
        raise NotFoundError(
            f"{council} has not uploaded any returns yet",
            fix="upload the council's SSDA903 returns on the Upload page",
        )
    episodes, children = _read(str(data_dir / row.storage))
    return CouncilData(
        council=council,
        dataset_id=row.id,
        content_hash=row.content_hash,
        uploaded_at=_aware(row.uploaded_at),
        episodes=episodes,
        children=children,
        quality=row.quality,
    )


def _aware(when: dt.datetime) -> dt.datetime:
    """Stored times are UTC; SQLite hands them back without the zone."""
    return when if when.tzinfo else when.replace(tzinfo=dt.UTC)


@dataclass(frozen=True)
class SendData:
    """A council's current high-needs data: cleaned EHCP records (``form == "records"``, the columns of
    ``carecast.send.PLAN_COLUMNS``) or published counts (``"counts"``, ``AGGREGATE_COLUMNS``)."""

    council: str
    form: str
    content_hash: str
    uploaded_at: dt.datetime
    uploaded_by: str
    table: pl.DataFrame
    quality: dict[str, Any]


def save_send_dataset(
    db: Session,
    data_dir: Path,
    *,
    council: str,
    form: str,
    uploaded_by: str,
    content_hash: str,
    table: pl.DataFrame,
    n_children: int,
    quality: dict[str, Any],
) -> WebDataset:
    folder = data_dir / "councils" / slug(council) / "send" / content_hash
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{form}.parquet"
    table.write_parquet(path)
    row = WebDataset(
        council=council,
        kind=f"ehcp_{form}",
        uploaded_by=uploaded_by,
        uploaded_at=dt.datetime.now(dt.UTC),
        content_hash=content_hash,
        n_rows=table.height,
        n_children=n_children,
        storage=str(path.relative_to(data_dir)),
        quality=quality,
    )
    db.add(row)
    db.flush()
    return row


def current_send_dataset(db: Session, council: str) -> WebDataset | None:
    return db.scalar(
        select(WebDataset)
        .where(WebDataset.council == council, WebDataset.kind.in_(HIGH_NEEDS))
        .order_by(WebDataset.id.desc())
        .limit(1)
    )


@lru_cache(maxsize=32)
def _read_one(path: str) -> pl.DataFrame:
    return pl.read_parquet(path)


def load_send(db: Session, data_dir: Path, council: str) -> SendData:
    """The council's current high-needs data (read once, then served from memory)."""
    row = current_send_dataset(db, council)
    if row is None:
        raise NotFoundError(
            f"{council} has not uploaded any high-needs (EHCP) data yet",
            fix="upload the council's EHCP records (SEN2) or published counts on the High needs page",
        )
    return SendData(
        council=council,
        form=row.form,
        content_hash=row.content_hash,
        uploaded_at=_aware(row.uploaded_at),
        uploaded_by=row.uploaded_by,
        table=_read_one(str(data_dir / row.storage)),
        quality=row.quality,
    )


# The region's directory of provision: the provider register (and postcode lookup) last uploaded
# with returns, kept under ``<data_dir>/directory/``.
PROVIDERS, POSTCODES = "providers.csv", "postcodes.csv"
_DIRECTORIES: dict[tuple[str, float], object] = {}


def keep_directory(staged: Path, data_dir: Path) -> bool:
    """Keep a provider register uploaded with returns (synthetic sets and councils' exports carry one)."""
    found = sorted(staged.rglob(PROVIDERS))
    if not found:
        return False
    target = data_dir / "directory"
    target.mkdir(parents=True, exist_ok=True)
    shutil.copy(found[0], target / PROVIDERS)
    lookups = sorted(staged.rglob(POSTCODES))
    if lookups:
        shutil.copy(lookups[0], target / POSTCODES)
    return True


def current_directory(data_dir: Path):
    """The directory of provision, read once per upload (keyed by the register's modification time)."""
    from carecast.market import load_directory

    folder = data_dir / "directory"
    if not (folder / PROVIDERS).is_file():
        raise NotFoundError(
            "no directory of provision has been uploaded yet",
            fix="include providers.csv (and postcodes.csv) in a returns upload",
        )
    key = (str(folder), (folder / PROVIDERS).stat().st_mtime)
    if key not in _DIRECTORIES:
        _DIRECTORIES[key] = load_directory(folder)
    return _DIRECTORIES[key]
