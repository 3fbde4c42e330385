import datetime as dt

import polars as pl
import pytest

from carecast.costs.unit_costs import default_unit_costs
from carecast.send import PLAN_COLUMNS
from carecast.send.overlap import overlap

D = dt.date


def test_children_both_looked_after_and_on_a_plan_with_combined_cost():
    recs = pl.DataFrame(
        {
            "council": "Lewisham",
            "child_id": ["A", "B", "C", "D"],
            "dob": D(2010, 1, 1),
            "primary_need": "SEMH",
            "plan_start": D(2020, 1, 1),
            "setting": ["special", "mainstream", "inmss", "special"],
            "setting_start": D(2020, 1, 1),
            "annual_cost": [None, None, 150000.0, None],
            "data_end": D(2024, 3, 31),
        }
    ).with_columns(
        pl.lit(None, pl.Date).alias("setting_end"), pl.lit(None, pl.Date).alias("plan_end")
    )
    recs = recs.select(
        [pl.col(c) if c in recs.columns else pl.lit(None).alias(c) for c in PLAN_COLUMNS]
    ).cast(PLAN_COLUMNS)
    eps = pl.DataFrame(
        {
            "council": "Lewisham",
            "child_id": ["A", "C", "X", "Y"],
            "decom": D(2023, 1, 1),
            "dec": [None, None, None, D(2023, 6, 1)],
            "category": "fostering_ifa",
            "cost_group": "ifa",
            "is_short_break": False,
        }
    )
    on = D(2024, 1, 15)
    o = overlap(
        recs,
        eps,
        on,
        children_in_need=pl.DataFrame({"council": "Lewisham", "child_id": ["A", "B", "Z", "W"]}),
    )
    s = o.summary.row(0, named=True)
    assert (s["plans"], s["looked_after"], s["looked_after_with_plan"]) == (4, 3, 2)
    assert s["pct_looked_after_with_plan"] == pytest.approx(200 / 3)
    assert s["pct_in_need_with_plan"] == pytest.approx(50.0)
    ifa_year = default_unit_costs().weekly_cost("ifa", on) * 365.25 / 7
    assert s["csc_cost_of_both"] == pytest.approx(2 * ifa_year)
    assert s["send_cost_of_both"] == pytest.approx(22000 + 150000)
    assert s["combined_cost_of_both"] == pytest.approx(2 * ifa_year + 172000)
    assert "child_id" not in o.children.columns
