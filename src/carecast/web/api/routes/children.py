"""Children in care now: the council's own child-level list, for that council's users only."""

from __future__ import annotations

import polars as pl
from fastapi import APIRouter, Request

from carecast.schema import load_categories
from carecast.web import summaries
from carecast.web.datastore import CouncilData, load_council
from carecast.web.deps import CurrentUser, DbDep, SettingsDep
from carecast.web.templating import render

router = APIRouter(tags=["children"])


def children_table(data: CouncilData) -> pl.DataFrame:
    """One row per child in care on the data's last day, with their current placement."""
    as_of = summaries.data_end(data.episodes)
    labels = load_categories().categories
    current = summaries.in_care_on(data.episodes, as_of)
    return (current.sort("child_id", "decom").unique("child_id", keep="last")
            .with_columns(((pl.lit(as_of) - pl.col("dob")).dt.total_days() / 365.25).floor().cast(pl.Int32).alias("age"),
                          pl.col("category").replace_strict(labels, default=pl.col("category")).alias("category_label"))
            .sort("child_id")
            .select(pl.col("child_id").alias("Child"), pl.col("age").alias("Age"),
                    pl.col("category_label").alias("Placement category"),
                    pl.col("decom").alias("Placement start"), pl.col("period_start").alias("In care since"),
                    pl.col("place").alias("PLACE"), pl.col("place_provider").alias("Provider"),
                    pl.col("in_area").alias("In area"), pl.col("distance_miles").alias("Distance (miles)")))


@router.get("/children")
def children_page(request: Request, db: DbDep, settings: SettingsDep, user: CurrentUser):
    user.require_child_level(user.council or "another council")
    data = load_council(db, settings.data_dir, user.council)
    return render(request, "children.html", {"council": user.council, "table": children_table(data),
                                             "as_of": summaries.data_end(data.episodes)})


@router.get("/api/councils/{council}/children")
def children_api(council: str, db: DbDep, settings: SettingsDep, user: CurrentUser) -> dict:
    user.require_child_level(council)
    data = load_council(db, settings.data_dir, council)
    table = children_table(data)
    return {"council": council, "as_of": summaries.data_end(data.episodes).isoformat(),
            "children": table.with_columns(pl.col(pl.Date).cast(pl.Utf8)).to_dicts()}
