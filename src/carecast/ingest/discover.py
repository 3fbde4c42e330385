"""Finding the returns under a path: which council, which collection year, which file.

Four layouts are understood:

* a **region folder**: ``DIR/<council>/<collection year>/<files>``;
* a **council folder**: ``DIR/<collection year>/<files>`` (council from ``--council`` or the folder name);
* a **return folder or file**: the files of one return (as the DfE publishes its fake return), or a
  single XML/XLSX return, with the council from ``--council`` (or the folder name) and the
  collection year from ``--year`` (or, when not given, from the latest episode start: see
  :mod:`carecast.ingest.gather`);
* a **manifest** (``manifest.yaml`` / ``manifest.csv``, or the path of one), listing council, year,
  table and file for returns kept anywhere.

Year folders are named by the collection year (``2019``, the year the return ends) or by the
financial year (``2018-19``), which means the same return. Which table a file holds is decided
when it is read, from its columns (:mod:`carecast.ingest.recognise`); every file of a return
folder is read or listed as not recognised, none is skipped in silence (hidden files and Excel
lock files ``~$...`` excepted).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

import yaml

from carecast.errors import InputError, Location
from carecast.ingest.read import missing_file
from carecast.plumbing.tables import read_table
from carecast.schema.councils import find_council, unknown_council_hint
from carecast.schema.ssda903 import TABLES

READABLE = {".csv", ".xlsx", ".xlsm", ".ods", ".xml"}
WHOLE_RETURN = "return"  # a manifest entry for a file holding every table (XML or a workbook)
MANIFEST_NAMES = ("manifest.yaml", "manifest.yml", "manifest.csv")


@dataclass(frozen=True)
class SourceFile:
    council: str  # canonical council name
    year: int | None  # collection year (numbered by its end year); None: from the data
    table: str | None  # a table a manifest names, "return", or None (recognised by its columns)
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


def is_candidate(path: Path) -> bool:
    """A file a return folder may hold: anything but hidden files and Excel's lock files."""
    return (
        path.is_file()
        and not path.name.startswith((".", "~$"))
        and path.name.lower() not in MANIFEST_NAMES
    )


def _council(name: str, where: Path, *, given: bool = False) -> str:
    """The canonical name of the council ``name`` (a folder name, or ``--council`` when ``given``)."""
    hit = find_council(name, required=False)
    if hit is None:
        how = (
            "check the spelling of --council"
            if given
            else "rename the folder to the council's name, ONS code or DfE number, or pass --council NAME "
            "when the folder holds a single council's returns"
        )
        raise InputError(
            f"'{name}' is not the name of an English council carecast knows",
            where=Location(file=str(where)),
            fix=f"{how}; {unknown_council_hint(name)}",
        )
    return hit.name


def _return_folder(council: str, year: int | None, folder: Path) -> list[SourceFile]:
    return [SourceFile(council, year, None, p) for p in sorted(folder.iterdir()) if is_candidate(p)]


def _year_folders(folder: Path) -> list[tuple[int, Path]]:
    return sorted((y, p) for p in folder.iterdir() if p.is_dir() and (y := parse_year(p.name)))


def _council_folder(council: str, folder: Path) -> list[SourceFile]:
    out = []
    for year, sub in _year_folders(folder):
        out.extend(_return_folder(council, year, sub))
    return out


def _manifest(path: Path) -> list[SourceFile]:
    base = path.parent
    if path.suffix.lower() == ".csv":
        frame = read_table(path, what="manifest").frame
        missing = {"council", "year", "table", "path"} - set(frame.columns)
        if missing:
            raise InputError(
                f"the manifest has no column(s) {sorted(missing)}",
                where=Location(file=str(path)),
                fix="give the manifest the columns council,year,table,path",
            )
        entries = frame.to_dicts()
    else:
        doc = yaml.safe_load(path.read_text("utf-8")) or {}
        entries = []
        for item in doc.get("returns", []):
            for table in (*TABLES, WHOLE_RETURN):
                if item.get(table):
                    entries.append(
                        {
                            "council": item.get("council"),
                            "year": item.get("year"),
                            "table": table,
                            "path": item[table],
                        }
                    )
    out = []
    for i, e in enumerate(entries, start=2):
        year = parse_year(str(e["year"]))
        if year is None or e["table"] not in {*TABLES, WHOLE_RETURN}:
            raise InputError(
                f"manifest entry has year '{e['year']}' and table '{e['table']}'",
                where=Location(file=str(path), row=i),
                fix="give the collection year (e.g. 2019) and one of "
                f"{', '.join(TABLES)}, {WHOLE_RETURN}",
            )
        p = Path(e["path"])
        p = p if p.is_absolute() else base / p
        if not p.exists():
            raise missing_file(p)
        out.append(SourceFile(_council(str(e["council"]), path), year, e["table"], p))
    return out


def _has_return_files(folder: Path) -> bool:
    return any(p.suffix.lower() in READABLE for p in folder.iterdir() if is_candidate(p))


def discover(
    path: str | Path, council: str | None = None, year: int | None = None
) -> list[SourceFile]:
    """Every return file under ``path``, each with its council and collection year.

    ``year`` (a collection year) is used for a return folder or single file, whose layout does
    not say; elsewhere the year folders say it.
    """
    root = Path(path)
    if not root.exists():
        raise missing_file(root)
    wanted = _council(council, root, given=True) if council else None
    manifest = (
        root
        if root.is_file() and root.suffix.lower() in {".yaml", ".yml"}
        else next(
            (root / n for n in MANIFEST_NAMES if root.is_dir() and (root / n).is_file()), None
        )
    )
    if root.is_file() and root.name.lower() in MANIFEST_NAMES:
        manifest = root
    if manifest is not None:
        files = [f for f in _manifest(manifest) if wanted is None or f.council == wanted]
    elif root.is_file():
        if wanted is None:
            raise InputError(
                "a single file does not say which council it is for",
                where=Location(file=str(root)),
                fix="pass --council NAME (and --year, the collection year, e.g. 2019), or put the "
                "file in DIR/<council>/<collection year>/",
            )
        files = [SourceFile(wanted, year, None, root)]
    elif _year_folders(root):
        files = _council_folder(wanted or _council(root.name, root), root)
    elif not (
        councils := [p for p in sorted(root.iterdir()) if p.is_dir() and _year_folders(p)]
    ) and _has_return_files(root):
        files = _return_folder(wanted or _council(root.name, root), year, root)
    else:
        files = []
        for sub in councils:  # other folders (e.g. of reference files) are not council folders
            name = _council(sub.name, sub)
            if wanted is None or name == wanted:
                files.extend(_council_folder(name, sub))
    if not files:
        raise InputError(
            "no SSDA903 returns were found",
            where=Location(file=str(root)),
            fix="carecast expects DIR/<council>/<collection year>/episodes.csv (and header.csv, "
            "uasc.csv, ...), DIR/<collection year>/... or a folder of one return's files with "
            "--council NAME, or a manifest.yaml",
        )
    return files
