"""Finding the returns under a path: which council, which collection year, which table, which file.

Three layouts are understood:

* a **region folder**: ``DIR/<council>/<collection year>/{header,episodes,uasc}.csv``;
* a **council folder**: ``DIR/<collection year>/...`` (council from ``--council`` or the folder name);
* a **manifest** (``manifest.yaml`` / ``manifest.csv``, or the path of one), listing council, year,
  table and file for returns kept anywhere.

Year folders are named by the collection year (``2019``, the year the return ends) or by the
financial year (``2018-19``), which means the same return. Inside a year folder a file is
recognised by its name (``header``, ``episode``, ``uasc`` anywhere in it, any case) and its
extension (.csv, .xlsx, .ods, .xml). An XML file, or a workbook whose name names no table, holds the
whole return.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

import yaml

from carecast.errors import InputError, Location
from carecast.ingest.read import missing_file
from carecast.plumbing.tables import read_table
from carecast.schema.councils import find_council

READABLE = {".csv", ".xlsx", ".xlsm", ".ods", ".xml"}
WHOLE_RETURN = "return"  # a file holding every table (XML, or a workbook with one sheet per table)
MANIFEST_NAMES = ("manifest.yaml", "manifest.yml", "manifest.csv")


@dataclass(frozen=True)
class SourceFile:
    council: str  # canonical council name
    year: int  # collection year (numbered by its end year)
    table: str  # header | episodes | uasc | return
    path: Path


def parse_year(name: str) -> int | None:
    """'2019' -> 2019; '2018-19' / '2018_2019' -> 2019 (collection years are numbered by end year)."""
    name = name.strip()
    if m := re.fullmatch(r"(20\d\d)", name):
        return int(m.group(1))
    if m := re.fullmatch(r"(20\d\d)\s*[-_ /]\s*(\d\d|20\d\d)", name):
        start, end = int(m.group(1)), m.group(2)
        end_year = int(end) if len(end) == 4 else start // 100 * 100 + int(end)
        if end_year == start + 1:
            return end_year
    return None


def table_of(path: Path) -> str | None:
    """Which 903 table a file holds, from its name; None when it is not one carecast reads."""
    if path.suffix.lower() not in READABLE or path.name.startswith("~$"):
        return None
    stem = path.stem.lower()
    for table, marker in (("header", "header"), ("episodes", "episode"), ("uasc", "uasc")):
        if marker in stem:
            return table
    if path.suffix.lower() in {".xml", ".xlsx", ".xlsm", ".ods"}:
        return WHOLE_RETURN
    return None


def _council(name: str, where: Path) -> str:
    hit = find_council(name, required=False)
    if hit is None:
        raise InputError(
            f"'{name}' is not the name of an English council carecast knows",
            where=Location(file=str(where)),
            fix="rename the folder to the council's name (e.g. 'Lewisham'), its ONS code or DfE "
            "number, or pass --council NAME when the folder holds a single council's returns",
        )
    return hit.name


def _year_folder(council: str, year: int, folder: Path) -> list[SourceFile]:
    files = [SourceFile(council, year, t, p) for p in sorted(folder.iterdir())
             if p.is_file() and (t := table_of(p)) is not None]
    if not any(f.table in {"episodes", WHOLE_RETURN} for f in files):
        raise InputError(
            f"no episodes file for {council} {year}",
            where=Location(file=str(folder / "episodes.csv")),
            fix="put the return's episodes table in this folder as episodes.csv (or .xlsx/.xml), "
            "or remove the empty year folder",
        )
    return files


def _year_folders(folder: Path) -> list[tuple[int, Path]]:
    return sorted((y, p) for p in folder.iterdir() if p.is_dir() and (y := parse_year(p.name)))


def _council_folder(council: str, folder: Path) -> list[SourceFile]:
    out = []
    for year, sub in _year_folders(folder):
        out.extend(_year_folder(council, year, sub))
    return out


def _manifest(path: Path) -> list[SourceFile]:
    base = path.parent
    if path.suffix.lower() == ".csv":
        frame = read_table(path, what="manifest").frame
        missing = {"council", "year", "table", "path"} - set(frame.columns)
        if missing:
            raise InputError(f"the manifest has no column(s) {sorted(missing)}",
                             where=Location(file=str(path)),
                             fix="give the manifest the columns council,year,table,path")
        entries = frame.to_dicts()
    else:
        doc = yaml.safe_load(path.read_text("utf-8")) or {}
        entries = []
        for item in doc.get("returns", []):
            for table in ("header", "episodes", "uasc", WHOLE_RETURN):
                if item.get(table):
                    entries.append({"council": item.get("council"), "year": item.get("year"),
                                    "table": table, "path": item[table]})
    out = []
    for i, e in enumerate(entries, start=2):
        year = parse_year(str(e["year"]))
        if year is None or e["table"] not in {"header", "episodes", "uasc", WHOLE_RETURN}:
            raise InputError(f"manifest entry has year '{e['year']}' and table '{e['table']}'",
                             where=Location(file=str(path), row=i),
                             fix="give the collection year (e.g. 2019) and one of header, "
                             "episodes, uasc, return")
        p = Path(e["path"])
        p = p if p.is_absolute() else base / p
        if not p.exists():
            raise missing_file(p)
        out.append(SourceFile(_council(str(e["council"]), path), year, e["table"], p))
    return out


def discover(path: str | Path, council: str | None = None) -> list[SourceFile]:
    """Every return file under ``path``, each with its council, collection year and table."""
    root = Path(path)
    if not root.exists():
        raise missing_file(root)
    wanted = _council(council, root) if council else None
    manifest = root if root.is_file() else next((root / n for n in MANIFEST_NAMES if (root / n).is_file()), None)
    if manifest is not None:
        if manifest.suffix.lower() not in {".yaml", ".yml"} and manifest.name.lower() not in MANIFEST_NAMES:
            raise InputError(
                "a single file does not say which council and collection year it is for",
                where=Location(file=str(root)),
                fix="put it in a folder named for the collection year (e.g. 2019/episodes.csv) and "
                "pass --council, or list it in a manifest.yaml",
            )
        files = [f for f in _manifest(manifest) if wanted is None or f.council == wanted]
    elif _year_folders(root):
        files = _council_folder(wanted or _council(root.name, root), root)
    else:
        files = []
        for sub in sorted(p for p in root.iterdir() if p.is_dir()):
            if not _year_folders(sub):
                continue  # not a council folder (e.g. a folder of reference files)
            name = _council(sub.name, sub)
            if wanted is None or name == wanted:
                files.extend(_council_folder(name, sub))
    if not files:
        raise InputError(
            "no SSDA903 returns were found",
            where=Location(file=str(root)),
            fix="carecast expects DIR/<council>/<collection year>/episodes.csv (and header.csv, "
            "uasc.csv), or DIR/<collection year>/episodes.csv with --council NAME, or a manifest.yaml",
        )
    return files
