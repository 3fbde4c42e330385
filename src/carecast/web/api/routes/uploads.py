"""Upload a council's SSDA903 returns: checked, staged, loaded in the background with progress,
then the data-quality report shown inline. Loading is done by ``carecast.ingest.load_returns``."""

from __future__ import annotations

import secrets
import shutil
from typing import Annotated, Any

import polars as pl
from fastapi import APIRouter, File, Form, Request, UploadFile
from fastapi.responses import RedirectResponse

from carecast.errors import AccessDeniedError
from carecast.store import session_scope
from carecast.web import audit, history
from carecast.web.access import Principal
from carecast.web.datastore import current_dataset, keep_directory, load_council, save_dataset
from carecast.web.deps import CurrentUser, DbDep, JobsDep, SettingsDep
from carecast.web.jobs import Progress
from carecast.web.settings import Settings
from carecast.web.templating import render
from carecast.web.uploads import Incoming, stage

router = APIRouter(tags=["uploads"])
POSTCODE_LOOKUP = "postcodes.csv"  # an ONSPD-form lookup uploaded with the returns gives distances


def quality_summary(quality: Any) -> dict[str, Any]:
    """What is kept with the data set: totals and the per-year summary (no child identifiers)."""
    return {
        "totals": quality.totals(),
        "summary": quality.summary().with_columns(pl.col(pl.Date).cast(pl.Utf8)).to_dicts(),
    }


def load_upload(
    settings: Settings, user: Principal, staged, files: list[str], progress: Progress
) -> dict:
    """The background part: keep the upload's years, read the council's returns of every year of the
    new version (the upload's years from it, the others from the version before) with the loader,
    store the cleaned tables as that version and audit the upload."""
    from carecast.services.ingest import ValidateRequest, run_validate

    progress(0.05, "Keeping the uploaded years")
    lookups = sorted(staged.rglob(POSTCODE_LOOKUP))
    building = staged.with_name(staged.name + "-all")
    try:
        keep_directory(staged, settings.data_dir)
        uploaded = history.keep_years(staged, settings.data_dir, user.council)
        with session_scope(settings.database_url) as db:
            previous = current_dataset(db, user.council)
            prev_years = (previous.years or {}) if previous else {}
            before = (
                load_council(db, settings.data_dir, user.council).episodes if previous else None
            )
        years = history.merged_years(previous, uploaded)
        known = lookups[0] if lookups else settings.data_dir / "directory" / POSTCODE_LOOKUP
        request = ValidateRequest.build(
            source=history.assemble(settings.data_dir, user.council, years, building),
            council=user.council,
            postcodes=known if known.is_file() else None,
        )
        run = run_validate(
            request,
            command="web upload",
            coverage={"councils": [user.council]},
            record_paths=False,
            progress=lambda fraction, message: progress(0.1 + 0.6 * fraction, message),
        )
    finally:
        shutil.rmtree(staged, ignore_errors=True)
        shutil.rmtree(building, ignore_errors=True)
    loaded = run.loaded
    others = sorted(set(loaded.episodes["council"].unique().to_list()) - {user.council})
    if others:
        raise AccessDeniedError(
            f"the upload holds returns of {', '.join(others)}, not only {user.council}",
            fix=f"upload only {user.council}'s own returns",
        )
    progress(0.8, "Saving the cleaned tables as a new version")
    changes = {
        **history.year_changes(prev_years, uploaded),
        **history.episode_changes(before, loaded.episodes),
        # the version before was stored before years were kept: it is not merged, only rolled back to
        "earlier_years_not_kept": previous is not None and previous.years is None,
    }
    with session_scope(settings.database_url) as db:
        save_dataset(
            db,
            settings.data_dir,
            council=user.council,
            uploaded_by=user.email,
            content_hash=history.version_hash(years),
            episodes=loaded.episodes,
            children=loaded.children,
            quality=quality_summary(loaded.quality),
            years=years,
            files=files,
            changes=changes,
        )
        audit.record(
            db,
            "upload",
            user=user,
            council=user.council,
            years=sorted(uploaded),
            episodes=loaded.episodes.height,
            children=loaded.children.height,
            **{k: v for k, v in changes.items() if k.startswith("episodes_")},
            **loaded.quality.totals(),
        )
    return {
        "report": run.report,
        "totals": loaded.quality.totals(),
        "episodes": loaded.episodes.height,
        "children": loaded.children.height,
        "changes": changes,
        "years": sorted(years),
    }


@router.get("/upload")
def upload_page(request: Request, db: DbDep, user: CurrentUser):
    user.require(user.may_upload, "upload returns")
    return render(
        request,
        "upload.html",
        {
            "current": current_dataset(db, user.council),
            "versions": history.versions(db, user.council),
            "max_mb": request.app.state.settings.max_upload_mb,
        },
    )


@router.post("/upload/versions/{dataset_id}/rollback")
def roll_back(
    request: Request, settings: SettingsDep, db: DbDep, user: CurrentUser, dataset_id: int
):
    """Make an earlier version current again, as a new version (nothing is deleted)."""
    user.require(user.may_upload, "roll back returns")
    target = history.version_of(db, user.council, dataset_id)
    before = load_council(db, settings.data_dir, user.council).episodes
    after = pl.read_parquet(settings.data_dir / target.row.storage / "episodes.parquet")
    row = history.roll_back(
        db, user.council, dataset_id, by=user.email, changed=history.episode_changes(before, after)
    )
    audit.record(
        db,
        "rollback",
        user=user,
        council=user.council,
        restored_version=target.number,
        **{k: v for k, v in (row.changes or {}).items() if k.startswith("episodes_")},
    )
    return RedirectResponse("/upload", status_code=303)


@router.post("/upload")
async def upload(
    request: Request,
    settings: SettingsDep,
    jobs: JobsDep,
    user: CurrentUser,
    files: Annotated[list[UploadFile], File()],
    collection_year: Annotated[int | None, Form(ge=2000, le=2100)] = None,
):
    user.require(user.may_upload, "upload returns")
    incoming = [Incoming(name=f.filename or "unnamed", data=await f.read()) for f in files]
    staged = settings.data_dir / "uploads" / secrets.token_hex(8)
    content_hash = stage(
        incoming,
        staged,
        year=collection_year,
        limit=settings.max_upload_bytes,
        council=user.council,
    )
    names = sorted(f.name for f in incoming)
    job = jobs.submit(
        kind="upload",
        key=f"upload|{user.council}|{content_hash}|{secrets.token_hex(4)}",
        council=user.council,
        owner_id=user.id,
        cache=False,
        work=lambda progress: load_upload(settings, user, staged, names, progress),
    )
    return render(request, "partials/job_progress.html", {"job": job})
