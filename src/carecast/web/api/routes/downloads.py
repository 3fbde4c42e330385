"""Downloads of every table as Excel, CSV or JSON, written by ``carecast.outputs.write_report``.

Each download is recorded in the audit log (who, which table, which format, which council).
"""

from __future__ import annotations

import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Literal

from fastapi import APIRouter, Request
from fastapi.responses import Response
from starlette.background import BackgroundTask

from carecast.errors import NotFoundError
from carecast.outputs import Report, Section, run_metadata, write_report
from carecast.web import audit
from carecast.web.access import Principal
from carecast.web.datastore import load_council
from carecast.web.deps import CurrentUser, DbDep, JobsDep, SettingsDep
from carecast.web.jobs import owned_job
from carecast.web.templating import render
from carecast.web.views import children_table, costs_for, overview_context, snapshot_report

router = APIRouter(tags=["downloads"])
Format = Literal["xlsx", "csv", "json"]
MEDIA = {
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "csv": "text/csv",
    "json": "application/json",
}


def _overview_report(db, settings, user: Principal) -> Report:
    ctx = overview_context(db, settings, user)
    if ctx["empty"]:
        raise NotFoundError("there is no data to download yet", fix="upload returns first")
    if ctx["mode"] == "council":
        section = Section(
            title=f"{ctx['council']}: children in care on {ctx['as_of']:%d/%m/%Y}",
            tables={
                "by_category": ctx["categories"],
                "by_location": ctx["location"],
                "trend": ctx["trend"],
            },
        )
        coverage = {"councils": [ctx["council"]], "as_of": ctx["as_of"].isoformat()}
    else:
        section = Section(
            title=f"{ctx['scope']}: children in care by council",
            tables={"by_council": ctx["table"]},
            notes=[ctx["note"]],
        )
        coverage = {"councils": ctx["table"]["Council"].to_list() if ctx["table"].height else []}
    return Report(
        title="Children in care overview",
        sections=[section],
        metadata=run_metadata(command="web overview", coverage=coverage),
    )


def _children_report(db, settings, user: Principal) -> Report:
    user.require_child_level(user.council or "another council")
    data = load_council(db, settings.data_dir, user.council)
    return Report(
        title=f"{user.council}: children in care",
        primary_table="children",
        sections=[
            Section(
                title="Children in care",
                tables={"children": children_table(data)},
                notes=["Child-level data: keep inside the council."],
            )
        ],
        metadata=run_metadata(
            command="web children",
            coverage={"councils": [user.council], "dataset": data.content_hash},
        ),
    )


def _snapshot_report(db, settings, user: Principal) -> Report:
    return snapshot_report(db, settings, user)[0]


TABLES: dict[str, tuple[str, Callable[..., Report], Callable[[Principal], bool]]] = {
    "overview": (
        "Children in care: by category, location and trend",
        _overview_report,
        lambda u: True,
    ),
    "children": (
        "Children in care now, one row per child (council users only)",
        _children_report,
        lambda u: u.sees_child_level,
    ),
    "snapshot": (
        "Placement snapshot: location, distance and quality",
        _snapshot_report,
        lambda u: True,
    ),
    "costs": ("Placement cost by financial year and cost group", costs_for, lambda u: u.may_run),
}


def report_response(report: Report, name: str, fmt: Format) -> Response:
    """Write the report with the shared writers into a temporary folder and send the file."""
    folder = Path(tempfile.mkdtemp(prefix="carecast-dl-"))
    files = write_report(report, folder / f"{name}.{fmt}")
    path = files[0]

    def _cleanup() -> None:
        for f in folder.iterdir():
            f.unlink()
        folder.rmdir()

    return Response(
        path.read_bytes(),
        media_type=MEDIA[fmt],
        headers={"Content-Disposition": f'attachment; filename="{path.name}"'},
        background=BackgroundTask(_cleanup),
    )


@router.get("/downloads")
def downloads_page(request: Request, user: CurrentUser):
    tables = [(name, title) for name, (title, _b, allowed) in TABLES.items() if allowed(user)]
    return render(request, "downloads.html", {"tables": tables})


@router.get("/downloads/{name}.{fmt}")
def download(
    name: str, fmt: Format, db: DbDep, settings: SettingsDep, user: CurrentUser
) -> Response:
    if name not in TABLES:
        raise NotFoundError(
            f"there is no table called '{name}'", fix="choose one on the Downloads page"
        )
    report = TABLES[name][1](db, settings, user)
    audit.record(db, "export", user=user, council=user.council, table=name, format=fmt)
    return report_response(report, f"carecast-{name}", fmt)


@router.get("/downloads/run/{job_id}.{fmt}")
def download_run(job_id: str, fmt: Format, db: DbDep, jobs: JobsDep, user: CurrentUser) -> Response:
    """The full report of a finished run (forecast, scenario ...), as Excel, CSV or JSON."""
    job = owned_job(jobs, job_id, user)
    report = job.result.get("report") if isinstance(job.result, dict) else None
    if job.status != "done" or report is None:
        raise NotFoundError("that run has no report to download yet", fix="wait for it to finish")
    audit.record(
        db, "export", user=user, council=job.council, table=job.kind, format=fmt, run=job.key
    )
    return report_response(report, f"carecast-{job.kind}", fmt)
