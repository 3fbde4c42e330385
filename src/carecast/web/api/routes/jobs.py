"""Progress of background work, polled by the page every second until it finishes."""

from __future__ import annotations

import threading

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse

from carecast.web.deps import CurrentUser, JobsDep
from carecast.web.jobs import owned_job
from carecast.web.templating import render

router = APIRouter(tags=["jobs"])
_RENDER_LOCK = threading.Lock()


@router.get("/jobs/{job_id}")
def job_fragment(job_id: str, request: Request, jobs: JobsDep, user: CurrentUser):
    job = owned_job(jobs, job_id, user)
    if job.status != "done":
        return render(request, "partials/job_progress.html", {"job": job})
    with (
        _RENDER_LOCK
    ):  # a finished result never changes: render it once, even for many first viewers
        if job.rendered is None:
            job.rendered = render(
                request, f"partials/job_{job.kind}.html", {"job": job, "result": job.result}
            ).body
    return HTMLResponse(job.rendered)


@router.get("/api/jobs/{job_id}")
def job_api(job_id: str, jobs: JobsDep, user: CurrentUser) -> dict:
    job = owned_job(jobs, job_id, user)
    return {
        "id": job.id,
        "kind": job.kind,
        "status": job.status,
        "progress": round(job.progress, 3),
        "message": job.message,
        "error": job.error,
    }
