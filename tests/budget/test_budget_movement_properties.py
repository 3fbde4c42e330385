"""Property: month-to-month reasons always add up exactly to each line's change in forecast outturn."""

import datetime as dt

import numpy as np
import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from carecast.costs.budget.history import movement, snapshot_of
from carecast.costs.budget.inputs import Action, Actions, parse_plan
from carecast.costs.budget.outturn import StartersLeavers, monitor
from carecast.costs.budget.placements import PLACEMENT_COLUMNS
from carecast.costs.unit_costs import default_unit_costs

from .budget_fixtures import ALL_GROUPS

PLAN = parse_plan(
    {
        "financial_year": 2024,
        "lines": {
            "fostering": {"budget": 1e6, "cost_groups": ["ifa", "in_house_fostering", "kinship"]},
            "other": {
                "budget": 1e6,
                "cost_groups": [
                    g for g in ALL_GROUPS if g not in ("ifa", "in_house_fostering", "kinship")
                ],
            },
        },
    },
    "b.yaml",
)
FY0 = dt.date(2024, 4, 1)
FLAT = default_unit_costs().with_weekly(
    {g: 700 for g in ALL_GROUPS}, dt.date(2000, 4, 1), inflation=0.0
)


def frame(rows):
    return pl.DataFrame(rows, schema=PLACEMENT_COLUMNS, orient="row")


def row(i, group, weekly, start, end):
    return (
        f"p{i}",
        f"c{i}",
        group,
        "P",
        weekly,
        FY0 + dt.timedelta(days=start),
        None if end is None else FY0 + dt.timedelta(days=end),
        1.0,
        0.0,
        0.0,
        i + 2,
    )


@settings(max_examples=20, deadline=None)
@given(st.integers(0, 2**31), st.integers(1, 25))
def test_reasons_add_up_to_movement(seed, n):
    flat_costs = FLAT
    rng = np.random.default_rng(seed)
    groups = ["ifa", "in_house_fostering", "external_residential", "semi_independent"]
    base = []
    for i in range(n):
        start = int(rng.integers(-300, 150))
        end = None if rng.random() < 0.6 else start + int(rng.integers(1, 400))
        weekly = None if rng.random() < 0.3 else float(rng.integers(300, 5000))
        base.append(row(i, groups[rng.integers(0, 4)], weekly, start, end))
    nxt = []
    for r in base:
        u = rng.random()
        if u < 0.15:
            continue  # disappears from the list
        r = list(r)
        if u < 0.35 and r[4] is not None:
            r[4] = r[4] + float(rng.integers(-200, 400))  # re-priced
        elif u < 0.55:
            r[6] = FY0 + dt.timedelta(days=int(rng.integers(190, 400)))  # new end date
        nxt.append(tuple(r))
    nxt += [
        row(100 + k, groups[rng.integers(0, 4)], 900.0, int(rng.integers(185, 200)), None)
        for k in range(rng.integers(0, 3))
    ]
    acts0 = Actions([Action("a", "fostering", "o", dt.date(2024, 12, 1), 10_000)])
    acts1 = Actions(
        [
            Action(
                "a",
                "fostering",
                "o",
                dt.date(2025, 1, 1 + int(rng.integers(0, 20))),
                10_000,
                "planned" if rng.random() < 0.5 else "delivered",
            )
        ]
    )
    m0 = monitor(
        PLAN,
        frame(base),
        flat_costs,
        as_of=dt.date(2024, 9, 30),
        actions=acts0,
        starters_leavers=StartersLeavers({"fostering": np.array([rng.normal(0, 1000)])}, "x"),
    )
    m1 = monitor(
        PLAN,
        frame(nxt),
        flat_costs,
        as_of=dt.date(2024, 10, 31),
        actions=acts1,
        starters_leavers=StartersLeavers({"other": np.array([rng.normal(0, 1000)])}, "x"),
    )
    moves = movement(snapshot_of(m0), snapshot_of(m1))
    assert "other" not in moves["reason"].to_list()
    change = dict(
        zip(
            m1.lines["line"],
            m1.lines["forecast_outturn"] - m0.lines["forecast_outturn"],
            strict=True,
        )
    )
    for line, amount in change.items():
        assert moves.filter(pl.col("line") == line)["amount"].sum() == pytest.approx(
            amount, abs=0.01
        )
