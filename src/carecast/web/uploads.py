"""Checking and staging uploaded returns before the loader reads them.

Only the file types the loader reads are accepted (.csv, .xlsx, .xml, or a .zip of them), each
checked by its content as well as its name; zip archives are checked member by member (no paths
outside the archive, no more than the upload limit once unpacked). Files are staged as
``<staging>/<collection year>/<file>`` (a council folder) or as the archive's own folders.
"""

from __future__ import annotations

import hashlib
import re
import shutil
import zipfile
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

from carecast.errors import AccessDeniedError, InputError, Location, ParameterError
from carecast.schema import find_council

DATA_SUFFIXES = {".csv", ".xlsx", ".xml"}
ACCEPTED = DATA_SUFFIXES | {".zip"}
MAX_FILES = 500
ZIP_MAGIC = b"PK\x03\x04"


@dataclass(frozen=True)
class Incoming:
    name: str
    data: bytes


def _safe_name(name: str) -> str:
    base = PurePosixPath(name.replace("\\", "/")).name
    cleaned = re.sub(r"[^A-Za-z0-9._ -]+", "_", base).strip(" .")
    if not cleaned:
        raise InputError(
            f"the file name '{name}' cannot be used", fix="rename the file, e.g. episodes.csv"
        )
    return cleaned


def check_content(name: str, data: bytes) -> None:
    """Refuse files whose content does not match their type (a renamed binary, an empty file)."""
    suffix = Path(name).suffix.lower()
    where = Location(file=name)
    if suffix not in ACCEPTED:
        raise InputError(
            f"'{suffix or 'no extension'}' files are not SSDA903 returns",
            where=where,
            fix="upload the return as .csv, .xlsx or .xml files, or a .zip of them",
        )
    if not data:
        raise InputError(
            "the file is empty", where=where, fix="export the return again and upload it"
        )
    if suffix in (".xlsx", ".zip"):
        if not data.startswith(ZIP_MAGIC):
            raise InputError(
                f"the file is not a real {suffix} file",
                where=where,
                fix=f"save it again as {suffix} from the program that made it",
            )
        return
    head = data[:8192]
    if b"\x00" in head:
        raise InputError(
            "the file is binary, not text",
            where=where,
            fix="export the return as CSV (comma-separated text)",
        )
    if suffix == ".xml" and not head.lstrip(b"\xef\xbb\xbf \r\n\t").startswith(b"<"):
        raise InputError(
            "the file is not XML", where=where, fix="upload the XML return as exported"
        )


def _extract_zip(name: str, data: bytes, dest: Path, limit: int) -> int:
    import io

    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
    except zipfile.BadZipFile:
        raise InputError(
            "the zip archive is damaged",
            where=Location(file=name),
            fix="create the zip again and upload it",
        ) from None
    members = [m for m in archive.infolist() if not m.is_dir()]
    if len(members) > MAX_FILES:
        raise InputError(
            f"the archive holds {len(members)} files (more than {MAX_FILES})",
            where=Location(file=name),
            fix="upload fewer years at a time",
        )
    if sum(m.file_size for m in members) > limit:
        raise InputError(
            "the archive is larger than the upload limit once unpacked",
            where=Location(file=name),
            fix="upload fewer years at a time",
        )
    count = 0
    for m in members:
        path = PurePosixPath(m.filename.replace("\\", "/"))
        if path.is_absolute() or ".." in path.parts:
            raise InputError(
                f"the archive has an unsafe path '{m.filename}'",
                where=Location(file=name),
                fix="zip the council's folder itself",
            )
        if (
            path.name.startswith(".")
            or "__MACOSX" in path.parts
            or path.suffix.lower() not in DATA_SUFFIXES
        ):
            continue
        content = archive.read(m)
        check_content(str(path), content)
        target = dest.joinpath(*path.parts[:-1], _safe_name(path.name))
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(content)
        count += 1
    if count == 0:
        raise InputError(
            "the archive holds no .csv, .xlsx or .xml files",
            where=Location(file=name),
            fix="zip the folder holding the council's return files",
        )
    return count


def _other_councils(dest: Path, council: str | None) -> list[str]:
    """Council folders in the upload that are not the uploader's own council."""
    others = []
    for folder in dest.rglob("*"):
        found = find_council(folder.name, required=False) if folder.is_dir() else None
        if found is not None and found.name != council:
            others.append(found.name)
    return sorted(set(others))


def stage(
    files: list[Incoming], dest: Path, *, year: int | None, limit: int, council: str | None = None
) -> str:
    """Check and write the uploaded files under ``dest``; return the hash of their content.

    An archive holding another council's folder is refused: users upload their own council's data.
    """
    if not files:
        raise InputError(
            "no files were uploaded", fix="choose the return files (or a zip of them) and upload"
        )
    if len(files) > MAX_FILES:
        raise InputError(
            f"{len(files)} files were uploaded (more than {MAX_FILES})", fix="upload fewer files"
        )
    for f in files:
        check_content(f.name, f.data)
    loose = [f for f in files if not f.name.lower().endswith(".zip")]
    if loose and year is None:
        raise InputError(
            "the collection year of the uploaded files was not given",
            where=Location(field="collection year"),
            fix="choose the collection year (e.g. 2024 for April 2023 to March 2024), or upload a zip "
            "with one folder per year",
        )
    digest = hashlib.sha256()
    dest.mkdir(parents=True, exist_ok=True)
    try:
        for f in sorted(files, key=lambda f: f.name):
            digest.update(f"{year}|{f.name}".encode() + b"\x00" + hashlib.sha256(f.data).digest())
            if f.name.lower().endswith(".zip"):
                _extract_zip(f.name, f.data, dest, limit)
            else:
                target = dest / str(year) / _safe_name(f.name)
                target.parent.mkdir(parents=True, exist_ok=True)
                target.write_bytes(f.data)
        others = _other_councils(dest, council)
        if others:
            raise AccessDeniedError(
                f"the upload holds returns of {', '.join(others)}, not only {council}",
                fix=f"upload only {council}'s own returns",
            )
    except Exception:
        shutil.rmtree(dest, ignore_errors=True)
        raise
    return digest.hexdigest()[:32]


def stage_csv(files: list[Incoming], dest: Path, *, what: str) -> str:
    """Check uploaded CSV files (``what`` names them in messages, e.g. "EHCP records") and write them
    side by side under ``dest``; return the hash of their content."""
    if not files:
        raise InputError(
            "no files were uploaded", fix=f"choose the {what} file (.csv) and upload it"
        )
    if len(files) > MAX_FILES:
        raise InputError(
            f"{len(files)} files were uploaded (more than {MAX_FILES})", fix="upload fewer files"
        )
    for f in files:
        suffix = Path(f.name).suffix.lower()
        if suffix != ".csv":
            raise InputError(
                f"'{suffix or 'no extension'}' files are not {what}",
                where=Location(file=f.name),
                fix=f"save the {what} as CSV (comma-separated text, UTF-8) and upload that",
            )
        check_content(f.name, f.data)
    digest = hashlib.sha256()
    dest.mkdir(parents=True, exist_ok=True)
    for f in sorted(files, key=lambda f: f.name):
        digest.update(f.name.encode() + b"\x00" + hashlib.sha256(f.data).digest())
        (dest / _safe_name(f.name)).write_bytes(f.data)
    return digest.hexdigest()[:32]


async def uploaded_text(upload, *, limit: int, what: str) -> str | None:
    """The text of an optional uploaded YAML file (a FastAPI ``UploadFile``), or None when none was chosen.
    ``what`` names it in messages ("capacity", "grant")."""
    if upload is None or not upload.filename:
        return None
    raw = await upload.read(limit + 1)
    try:
        return raw[:limit].decode("utf-8")
    except UnicodeDecodeError:
        raise ParameterError(
            f"the {what} file is not UTF-8 text",
            where=Location(file=upload.filename),
            fix="save it as a plain-text .yaml file",
        ) from None
