"""Shared fixtures: the published folder (../shared/external/dfe-published) and tiny hand-made
folders in each published layout."""

from __future__ import annotations

import pytest

from carecast.published import load
from tests.paths import EXTERNAL

PUBLISHED = EXTERNAL / "dfe-published"

NEWER = (
    "time_period,time_identifier,geographic_level,country_code,country_name,region_code,"
    "region_name,old_la_code,la_name,new_la_code,population_type,population_estimate,"
    "children_count,rate_per_10000"
)
OLDER = NEWER.replace("population_type", "population_count").replace("children_count", "number")
MEASURES = {
    "stock": "Children looked after on 31 March each year",
    "starts": "Children starting to be looked after each year",
    "ceased": "Children ceasing to be looked after each year",
}


def cla_rows(rows: list[tuple]) -> str:
    """CSV body lines: (year, dfe number, name, ons code, measure, population, count)."""
    out = []
    for year, dfe, name, ons, measure, pop, count in rows:
        out.append(
            f"{year},Reporting year,Local authority,E92000001,England,E12000004,"
            f"East Midlands,{dfe},{name},{ons},{MEASURES[measure]},{pop},{count},"
        )
    return "\n".join(out)


@pytest.fixture(scope="session")
def real():
    return load(PUBLISHED)
