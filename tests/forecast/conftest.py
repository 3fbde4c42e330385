"""Hand-made episode tables for the demand model's tests (conformed to the shared contract)."""

from __future__ import annotations

import datetime as dt

import numpy as np
import polars as pl
import pytest

from carecast.schema import EPISODE_COLUMNS, conform

COUNCIL = "Lewisham"
COST_GROUP = {
    "fostering_in_house": "in_house_fostering",
    "fostering_ifa": "ifa",
    "kinship": "kinship",
    "residential_in_house": "internal_residential",
    "residential_external": "external_residential",
    "supported": "semi_independent",
    "secure": "secure_welfare",
    "placed_with_parents": "placed_with_parents",
    "other": "other",
}


def make_episodes(rows: list[dict], *, data_end: dt.date, council: str = COUNCIL) -> pl.DataFrame:
    """Episodes from dicts with child_id, decom, dob, category and optionally dec, rec, flags."""
    frame = pl.DataFrame(
        [
            {
                "council": council,
                "rec": None,
                "dec": None,
                "is_short_break": False,
                "is_uasc": False,
                **r,
            }
            for r in rows
        ],
        schema_overrides={"dec": pl.Date, "rec": pl.Utf8},
    )
    frame = frame.with_columns(
        pl.lit(data_end).alias("data_end"),
        pl.col("category").replace_strict(COST_GROUP, default=None).alias("cost_group"),
    )
    return conform(frame, EPISODE_COLUMNS)


def process_council(
    *,
    seed: int,
    start: dt.date,
    years: float,
    entries_per_year: float,
    exit_per_year: float,
    move_per_year: float,
    categories: list[str],
    council: str = COUNCIL,
) -> pl.DataFrame:
    """Episodes from a known constant-hazard process (children aged 0-12 at entry, so few reach 18).

    Each child enters at a uniform time, in a uniformly chosen category, then moves to another
    category at ``move_per_year`` and leaves at ``exit_per_year``; open at the end = censored.
    """
    rng = np.random.default_rng(seed)
    horizon = years * 365.25
    n = rng.poisson(entries_per_year * years)
    rows = []
    for i in range(n):  # test fixture: a small, readable event loop is clearer than vectorising
        t = rng.uniform(0, horizon)
        dob = start + dt.timedelta(days=int(t) - int(rng.uniform(0, 12) * 365.25))
        cat = categories[rng.integers(len(categories))]
        while True:
            tau = rng.exponential(365.25 / (exit_per_year + move_per_year))
            decom = start + dt.timedelta(days=int(t))
            if t + tau >= horizon:
                rows.append({"child_id": f"c{i}", "decom": decom, "dob": dob, "category": cat})
                break
            dec = start + dt.timedelta(days=int(t + tau))
            if dec <= decom:
                t += 1.0
                continue
            if rng.random() < exit_per_year / (exit_per_year + move_per_year):
                rows.append(
                    {
                        "child_id": f"c{i}",
                        "decom": decom,
                        "dec": dec,
                        "rec": "E4A",
                        "dob": dob,
                        "category": cat,
                    }
                )
                break
            rows.append(
                {
                    "child_id": f"c{i}",
                    "decom": decom,
                    "dec": dec,
                    "rec": "X1",
                    "dob": dob,
                    "category": cat,
                }
            )
            cat = [c for c in categories if c != cat][rng.integers(len(categories) - 1)]
            t = float((dec - start).days)
    return make_episodes(rows, data_end=start + dt.timedelta(days=int(horizon)), council=council)


@pytest.fixture(scope="session")
def known_process() -> pl.DataFrame:
    return process_council(
        seed=3,
        start=dt.date(2015, 4, 1),
        years=8,
        entries_per_year=120,
        exit_per_year=0.8,
        move_per_year=0.4,
        categories=["fostering_in_house", "fostering_ifa", "residential_external"],
    )
