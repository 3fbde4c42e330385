"""High needs (``carecast.send``): upload a council's EHCP records (SEN2 shape) or published counts with
the data-quality report inline, then forecast plans and their cost against the high-needs block in the
background (cached by input hash), as ``carecast send forecast`` / ``project-counts`` do."""

from __future__ import annotations

import datetime as dt
import secrets
import shutil
from importlib import resources
from pathlib import Path
from typing import Annotated, Any, Literal

import polars as pl
from fastapi import APIRouter, File, Form, Request, UploadFile
from pydantic import BaseModel, Field, field_validator

from carecast.errors import AccessDeniedError, CarecastError, InputError, Location, ParameterError
from carecast.outputs import Report, Section, run_metadata
from carecast.plumbing.tables import read_table
from carecast.schema import find_council
from carecast.services.send import SendRequest
from carecast.store import session_scope
from carecast.web import audit
from carecast.web.access import Principal
from carecast.web.datastore import SendData, current_send_dataset, load_send, save_send_dataset
from carecast.web.deps import CurrentUser, DbDep, JobsDep, SettingsDep
from carecast.web.jobs import Progress, input_hash
from carecast.web.settings import Settings
from carecast.web.templating import render
from carecast.web.uploads import Incoming, stage_csv, uploaded_text

router = APIRouter(tags=["send"])
YAML_LIMIT = 50_000
COUNTS_COLUMNS = {"year", "age", "setting", "plans"}  # the published form; anything else is records


DEFAULTS = SendRequest.model_fields  # the same defaults as ``carecast send forecast``


class SendForm(BaseModel):
    """What a user may choose on the High needs page; limits keep one run within seconds."""

    grant: str = Field(max_length=YAML_LIMIT)
    threshold: float | None = Field(
        default=None, ge=0, le=1e11, description="cumulative deficit to watch, GBP"
    )
    levers: str = Field(default="", max_length=YAML_LIMIT)
    costs: str = Field(
        default="",
        max_length=YAML_LIMIT,
        description="annual cost per setting; blank: cited defaults",
    )
    horizon_years: int = Field(default=int(DEFAULTS["horizon_years"].default), ge=2, le=10)
    simulations: int = Field(default=DEFAULTS["simulations"].default, ge=50, le=1000)
    trend: Literal["fitted", "flat"] = DEFAULTS["trend"].default
    data_start: dt.date | None = None
    seed: int = Field(default=DEFAULTS["seed"].default, ge=0, le=2**31)

    @field_validator("threshold", mode="before")
    @classmethod
    def _pounds(cls, value: Any) -> Any:
        """Accept "£20,000,000" as typed; blank means no threshold."""
        if isinstance(value, str):
            value = value.replace("£", "").replace(",", "").strip()
            return value or None
        return value

    @field_validator("data_start", mode="before")
    @classmethod
    def _blank_date(cls, value: Any) -> Any:
        return value or None


def example_grant(council: str) -> str:
    text = (resources.files("carecast.send") / "data" / "examples" / "grant.yaml").read_text(
        "utf-8"
    )
    return text.replace("council: Synthetic SEND 1", f"council: {council}")


def example_levers() -> str:
    return (
        resources.files("carecast.send") / "data" / "examples" / "send_scenario.yaml"
    ).read_text("utf-8")


def _canonical(frame: pl.DataFrame) -> pl.DataFrame:
    names = {
        c: (found.name if (found := find_council(c, required=False)) else c)
        for c in frame.get_column("council").drop_nulls().unique().to_list()
    }
    return frame.with_columns(pl.col("council").replace(names))


def _only_own(frame: pl.DataFrame, council: str, what: str) -> None:
    others = sorted(set(frame.get_column("council").drop_nulls().unique().to_list()) - {council})
    if others:
        raise AccessDeniedError(
            f"the upload holds {what} of {', '.join(others)}, not only {council}",
            fix=f"upload only {council}'s own {what}",
        )


def _is_counts(staged: Path) -> bool:
    """Whether the upload is the published form (its header has year, age, setting and plans)."""
    columns: set[str] = set()
    for f in staged.glob("*.csv"):
        columns |= {
            c.strip().lower() for c in read_table(f, what="high-needs", shown=f.name).frame.columns
        }
    return COUNTS_COLUMNS <= columns


def _counts_quality(files: list[Path], counts: pl.DataFrame) -> tuple[dict[str, int], Report]:
    """Published counts have no row-level repairs (a bad row refuses the file, naming it); rows for the same
    council, year, age and setting are added together and counted as merged."""
    read = sum(read_table(f, what="published counts", shown=f.name).frame.height for f in files)
    totals = {
        "read": read,
        "kept": counts.height,
        "repaired": 0,
        "flagged": 0,
        "dropped": 0,
        "merged": read - counts.height,
    }
    by_year = counts.group_by("year").agg(pl.col("plans").sum()).sort("year")
    report = Report(
        title="Published EHCP counts: data-quality report",
        metadata=run_metadata(command="web send upload"),
        sections=[
            Section(
                "Summary",
                text=f"{read:,} rows read: {counts.height:,} kept, {totals['merged']:,} merged "
                "(rows repeating a council, year, age and setting are added together). "
                "Every row read is kept or merged.",
                tables={"summary": pl.DataFrame([totals]), "plans_by_year": by_year},
            )
        ],
        primary_table="summary",
    )
    return totals, report


def read_upload(
    staged: Path, council: str
) -> tuple[str, pl.DataFrame, dict[str, int], Report, int]:
    """Read the staged CSVs with the SEND loaders: (form, cleaned table, quality totals, report, children)."""
    from carecast.send import load_aggregate, load_ehcp

    files = sorted(staged.glob("*.csv"))
    if _is_counts(staged):
        if len(files) > 1:
            raise InputError(
                "published counts come as one file; several were uploaded",
                fix="upload the one counts file (year, age, setting, plans)",
            )
        try:
            table = _canonical(load_aggregate(files[0], council))
        except pl.exceptions.PolarsError as exc:
            raise InputError(
                f"{files[0].name} cannot be read as counts: {str(exc).splitlines()[0]}",
                where=Location(file=files[0].name),
                fix="save it as CSV (UTF-8) with columns year, age, setting, plans",
            ) from None
        _only_own(table, council, "counts")
        return ("counts", table, *_counts_quality(files, table), 0)
    data = load_ehcp(staged, council=council)
    _only_own(data.records, council, "EHCP records")
    report = data.quality.to_report(
        run_metadata(command="web send upload", coverage={"councils": [council]})
    )
    return "records", data.records, data.quality.totals(), report, int(data.coverage["children"])


def load_send_upload(
    settings: Settings, user: Principal, staged: Path, content_hash: str, progress: Progress
) -> dict[str, Any]:
    """The background part: read and check with the SEND loaders, store the table, audit the upload."""
    progress(0.1, "Reading and checking the file")
    try:
        form, table, totals, report, children = read_upload(staged, user.council)
    except CarecastError as exc:  # name the user's file, never the staging folder on the server
        if exc.where is not None and exc.where.file:
            exc.where.file = Path(exc.where.file).name
        raise
    finally:
        shutil.rmtree(staged, ignore_errors=True)
    if table.height == 0:
        raise InputError(
            f"none of the {totals['read']:,} rows read could be kept ({totals['dropped']:,} dropped)",
            fix="check the child id, date of birth and plan start columns (dates dd/mm/yyyy), "
            "then upload the file again",
        )
    progress(0.8, "Saving the cleaned table")
    with session_scope(settings.database_url) as db:
        current = current_send_dataset(db, user.council)
        if current is None or current.content_hash != content_hash:
            save_send_dataset(
                db,
                settings.data_dir,
                council=user.council,
                form=form,
                uploaded_by=user.email,
                content_hash=content_hash,
                table=table,
                n_children=children,
                quality={"totals": totals},
            )
        audit.record(
            db,
            "upload",
            user=user,
            council=user.council,
            kind="high_needs",
            form=form,
            content_hash=content_hash,
            rows=table.height,
            children=children,
            **totals,
        )
    return {
        "report": report,
        "totals": totals,
        "form": form,
        "children": children,
        "rows": table.height,
    }


def _grant(form: SendForm):
    from carecast.send.grant import parse_grant

    grant = parse_grant(form.grant, "grant")
    return (
        grant if form.threshold is None else grant.model_copy(update={"threshold": form.threshold})
    )


def _costs(form: SendForm):
    from carecast.send.params import parse_costs_text

    return parse_costs_text(form.costs, "costs") if form.costs.strip() else None


def _levers(form: SendForm, data: SendData):
    from carecast.send.levers import parse_send_scenario

    if not form.levers.strip():
        return None
    if data.form == "counts":
        raise ParameterError(
            "levers need child-level EHCP records; the current data are published counts",
            where=Location(file="levers"),
            fix="clear the levers, or upload the council's EHCP records (SEN2)",
        )
    return parse_send_scenario(form.levers, "levers")


def run_web_send(
    data: SendData, form: SendForm, grant, costs, scenario, progress: Progress
) -> dict[str, Any]:
    """Forecast (records) or project (counts) with the services the CLI calls, cost against the grant."""
    from carecast.services.send import SendCountsRequest, run_send, run_send_counts

    if data.form == "counts":
        request = SendCountsRequest.build(
            years_ahead=form.horizon_years,
            simulations=form.simulations,
            seed=form.seed,
            grant=grant,
            costs=costs,
        )
        run = run_send_counts(data.table, request, progress=progress)
    else:
        request = SendRequest.build(
            horizon_years=form.horizon_years,
            simulations=form.simulations,
            seed=form.seed,
            trend=form.trend,
            grant=grant,
            costs=costs,
            data_start=form.data_start,
            scenario=scenario,
        )
        run = run_send(data.table, request, progress=progress)
    return {
        "report": run.report,
        "headline": run.headline,
        "deficit": run.deficit,
        "start": run.start,
        "form": data.form,
    }


def _start(settings: Settings, jobs, user: Principal, data: SendData, form: SendForm):
    grant, costs, scenario = (
        _grant(form),
        _costs(form),
        _levers(form, data),
    )  # bad files: answered at once, inline
    key = input_hash("send", data.council, data.content_hash, form.model_dump())

    def work(progress: Progress) -> dict[str, Any]:
        out = run_web_send(data, form, grant, costs, scenario, progress)
        with session_scope(settings.database_url) as db:
            audit.record(
                db,
                "run",
                user=user,
                council=data.council,
                kind="high_needs",
                key=key,
                form=data.form,
                threshold=grant.threshold,
                scenario=scenario.scenario if scenario else "baseline",
                costs="entered on the page" if costs else "cited defaults",
                horizon_years=form.horizon_years,
                simulations=form.simulations,
                seed=form.seed,
            )
        return out

    return jobs.submit(
        kind="high_needs", key=key, council=data.council, owner_id=user.id, work=work
    )


@router.get("/send")
def send_page(request: Request, db: DbDep, user: CurrentUser):
    from carecast.send.params import default_costs_text

    user.require(user.may_run, "see high-needs (SEND) forecasts")
    return render(
        request,
        "send.html",
        {
            "council": user.council,
            "current": current_send_dataset(db, user.council),
            "form": SendForm(grant=example_grant(user.council)),
            "example_levers": example_levers(),
            "default_costs": default_costs_text(),
            "max_mb": request.app.state.settings.max_upload_mb,
        },
    )


@router.post("/send/upload")
async def send_upload(
    request: Request,
    settings: SettingsDep,
    jobs: JobsDep,
    user: CurrentUser,
    files: Annotated[list[UploadFile], File()],
):
    user.require(user.may_upload, "upload high-needs data")
    incoming = [Incoming(name=f.filename or "unnamed", data=await f.read()) for f in files]
    staged = settings.data_dir / "uploads" / secrets.token_hex(8)
    content_hash = stage_csv(incoming, staged, what="EHCP records or published counts")
    key = f"high_needs_upload|{user.council}|{content_hash}|{secrets.token_hex(4)}"
    job = jobs.submit(
        kind="high_needs_upload",
        key=key,
        council=user.council,
        owner_id=user.id,
        cache=False,
        work=lambda progress: load_send_upload(settings, user, staged, content_hash, progress),
    )
    return render(request, "partials/job_progress.html", {"job": job})


@router.post("/send")
async def send_run(
    request: Request,
    db: DbDep,
    settings: SettingsDep,
    jobs: JobsDep,
    user: CurrentUser,
    form: Annotated[SendForm, Form()],
    grant_file: Annotated[UploadFile | None, File()] = None,
    levers_file: Annotated[UploadFile | None, File()] = None,
):
    user.require(user.may_run, "run high-needs forecasts")
    grant_text = await uploaded_text(grant_file, limit=YAML_LIMIT, what="grant")
    levers_text = await uploaded_text(levers_file, limit=YAML_LIMIT, what="levers")
    form = form.model_copy(
        update={k: v for k, v in (("grant", grant_text), ("levers", levers_text)) if v is not None}
    )
    job = _start(settings, jobs, user, load_send(db, settings.data_dir, user.council), form)
    return render(request, "partials/job_progress.html", {"job": job})


@router.post("/api/send")
def send_api(
    body: SendForm, db: DbDep, settings: SettingsDep, jobs: JobsDep, user: CurrentUser
) -> dict[str, Any]:
    """Start (or reuse) a high-needs forecast of the user's council; poll ``/api/jobs/{id}``."""
    user.require(user.may_run, "run high-needs forecasts")
    job = _start(settings, jobs, user, load_send(db, settings.data_dir, user.council), body)
    return {"job": job.id, "status": job.status}


@router.get("/api/send")
def send_dataset_api(db: DbDep, user: CurrentUser) -> dict[str, Any]:
    """The user's council's current high-needs data set: form, size, quality totals (no child-level rows)."""
    user.require(user.may_run, "see high-needs (SEND) data")
    row = current_send_dataset(db, user.council)
    if row is None:
        return {"council": user.council, "dataset": None}
    return {
        "council": user.council,
        "dataset": {
            "form": row.form,
            "rows": row.n_rows,
            "children": row.n_children,
            "uploaded_at": row.uploaded_at.isoformat(),
            "quality": row.quality,
        },
    }
