"""Children in care now: the council's own child-level list, for that council's users only."""

from __future__ import annotations

import polars as pl
from fastapi import APIRouter, Request

from carecast.web import summaries
from carecast.web.datastore import load_council
from carecast.web.deps import CurrentUser, DbDep, SettingsDep
from carecast.web.templating import render
from carecast.web.views import children_table

router = APIRouter(tags=["children"])


@router.get("/children")
def children_page(request: Request, db: DbDep, settings: SettingsDep, user: CurrentUser):
    user.require_child_level(user.council or "another council")
    data = load_council(db, settings.data_dir, user.council)
    return render(
        request,
        "children.html",
        {
            "council": user.council,
            "table": children_table(data),
            "as_of": summaries.data_end(data.episodes),
        },
    )


@router.get("/api/councils/{council}/children")
def children_api(council: str, db: DbDep, settings: SettingsDep, user: CurrentUser) -> dict:
    user.require_child_level(council)
    data = load_council(db, settings.data_dir, council)
    table = children_table(data)
    return {
        "council": council,
        "as_of": summaries.data_end(data.episodes).isoformat(),
        "children": table.with_columns(pl.col(pl.Date).cast(pl.Utf8)).to_dicts(),
    }
