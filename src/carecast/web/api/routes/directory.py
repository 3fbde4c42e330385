"""Directory of provision and matching (``carecast.market``): the region's homes, and a ranked
shortlist for a strengths-based referral. Provider data is not about children, so every user sees
the directory; council users and commissioners run matches."""

from __future__ import annotations

from importlib import resources
from typing import Annotated

import yaml
from fastapi import APIRouter, Form, Request

from carecast.errors import InputError, Location
from carecast.web import audit
from carecast.web.access import Principal, Role
from carecast.web.datastore import current_directory
from carecast.web.deps import CurrentUser, DbDep, SettingsDep
from carecast.web.templating import render

router = APIRouter(tags=["directory"])


def _may_match(user: Principal) -> bool:
    return user.may_run or user.role == Role.COMMISSIONER


def _template() -> str:
    return (resources.files("carecast.market") / "data" / "referral_template.yaml").read_text(
        "utf-8"
    )


@router.get("/directory")
def directory_page(request: Request, settings: SettingsDep, user: CurrentUser):
    directory = current_directory(settings.data_dir)
    return render(
        request,
        "directory.html",
        {
            "directory": directory,
            "summary": directory.summary(),
            "template": _template(),
            "may_match": _may_match(user),
        },
    )


@router.post("/directory/match")
def directory_match(
    request: Request,
    db: DbDep,
    settings: SettingsDep,
    user: CurrentUser,
    referral: Annotated[str, Form(max_length=20_000)],
):
    from carecast.market import parse_referral
    from carecast.services.market import MatchRequest, run_match

    user.require(_may_match(user), "run matches")
    try:
        doc = yaml.safe_load(referral)
    except yaml.YAMLError as exc:
        raise InputError(
            f"the referral is not valid YAML: {exc}",
            where=Location(field="referral"),
            fix="keep the layout of the example: one 'field: value' per line",
        ) from None
    result = run_match(
        MatchRequest.build(referral=parse_referral(doc, source="referral")),
        directory=current_directory(settings.data_dir),
        command="web match",
    ).result
    audit.record(
        db,
        "run",
        user=user,
        council=user.council,
        kind="matching",
        shortlisted=result.shortlist.height,
        considered=result.homes_considered,
    )
    return render(request, "partials/match_result.html", {"result": result})
