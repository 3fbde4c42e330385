"""Upload a council's SSDA903 returns: checked, staged, loaded in the background with progress,
then the data-quality report shown inline. Loading is done by ``carecast.ingest.load_returns``."""

from __future__ import annotations

import secrets
import shutil
from typing import Annotated, Any

import polars as pl
from fastapi import APIRouter, File, Form, Request, UploadFile

from carecast.errors import AccessDeniedError
from carecast.store import session_scope
from carecast.web import audit
from carecast.web.access import Principal
from carecast.web.datastore import current_dataset, keep_directory, save_dataset
from carecast.web.deps import CurrentUser, DbDep, JobsDep, SettingsDep
from carecast.web.jobs import Progress
from carecast.web.settings import Settings
from carecast.web.templating import render
from carecast.web.uploads import Incoming, stage

router = APIRouter(tags=["uploads"])
POSTCODE_LOOKUP = "postcodes.csv"  # an ONSPD-form lookup uploaded with the returns gives distances


def quality_summary(quality: Any) -> dict[str, Any]:
    """What is kept with the data set: totals and the per-year summary (no child identifiers)."""
    return {"totals": quality.totals(), "summary": quality.summary().with_columns(pl.col(pl.Date).cast(pl.Utf8)).to_dicts()}


def load_upload(settings: Settings, user: Principal, staged, content_hash: str, progress: Progress) -> dict:
    """The background part: read and clean with the loader, store the tables, audit the upload."""
    from carecast.services.ingest import ValidateRequest, run_validate

    progress(0.1, "Reading and checking the returns")
    lookups = sorted(staged.rglob(POSTCODE_LOOKUP))
    try:
        keep_directory(staged, settings.data_dir)
        request = ValidateRequest.build(source=staged, council=user.council,
                                        postcodes=lookups[0] if lookups else None)
        run = run_validate(request, command="web upload", coverage={"councils": [user.council]}, record_paths=False,
                           progress=lambda fraction, message: progress(0.1 + 0.6 * fraction, message))
    finally:
        shutil.rmtree(staged, ignore_errors=True)
    loaded = run.loaded
    others = sorted(set(loaded.episodes["council"].unique().to_list()) - {user.council})
    if others:
        raise AccessDeniedError(f"the upload holds returns of {', '.join(others)}, not only {user.council}",
                                fix=f"upload only {user.council}'s own returns")
    progress(0.8, "Saving the cleaned tables")
    report = run.report
    with session_scope(settings.database_url) as db:
        current = current_dataset(db, user.council)
        if current is None or current.content_hash != content_hash:
            save_dataset(db, settings.data_dir, council=user.council, uploaded_by=user.email,
                         content_hash=content_hash, episodes=loaded.episodes, children=loaded.children,
                         quality=quality_summary(loaded.quality))
        audit.record(db, "upload", user=user, council=user.council, content_hash=content_hash,
                     episodes=loaded.episodes.height, children=loaded.children.height,
                     **loaded.quality.totals())
    return {"report": report, "totals": loaded.quality.totals(), "episodes": loaded.episodes.height,
            "children": loaded.children.height}


@router.get("/upload")
def upload_page(request: Request, db: DbDep, user: CurrentUser):
    user.require(user.may_upload, "upload returns")
    return render(request, "upload.html", {"current": current_dataset(db, user.council),
                                           "max_mb": request.app.state.settings.max_upload_mb})


@router.post("/upload")
async def upload(request: Request, settings: SettingsDep, jobs: JobsDep, user: CurrentUser,
                 files: Annotated[list[UploadFile], File()],
                 collection_year: Annotated[int | None, Form(ge=2000, le=2100)] = None):
    user.require(user.may_upload, "upload returns")
    incoming = [Incoming(name=f.filename or "unnamed", data=await f.read()) for f in files]
    staged = settings.data_dir / "uploads" / secrets.token_hex(8)
    content_hash = stage(incoming, staged, year=collection_year, limit=settings.max_upload_bytes,
                         council=user.council)
    job = jobs.submit(kind="upload", key=f"upload|{user.council}|{content_hash}|{secrets.token_hex(4)}",
                      council=user.council, owner_id=user.id, cache=False,
                      work=lambda progress: load_upload(settings, user, staged, content_hash, progress))
    return render(request, "partials/job_progress.html", {"job": job})
