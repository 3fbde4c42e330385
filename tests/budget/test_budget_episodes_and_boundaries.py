"""Monitoring from cleaned episodes (18th birthdays, run-rate starters) and 31 March / 1 April edges."""

import datetime as dt

import polars as pl
import pytest

from carecast.costs.budget.inputs import parse_plan
from carecast.costs.budget.outturn import monitor, starters_leavers_run_rate
from carecast.costs.budget.placements import placements_from_episodes
from carecast.errors import ParameterError

from .budget_fixtures import ALL_GROUPS

PLAN = parse_plan(
    {
        "council": "Testshire",
        "financial_year": 2024,
        "lines": {"placements": {"budget": 1e6, "cost_groups": ALL_GROUPS}},
    },
    "b.yaml",
)


def eps(rows):
    cols = ["child_id", "decom", "dec", "dob", "cost_group", "is_short_break"]
    return pl.DataFrame([dict(zip(cols, r, strict=True)) for r in rows]).with_columns(
        pl.lit("Testshire").alias("council"), pl.lit(dt.date(2025, 3, 31)).alias("data_end")
    )


def test_open_episode_stops_at_18th_birthday_and_short_breaks_are_not_placements(flat_costs):
    e = eps(
        [
            (
                "a",
                dt.date(2023, 1, 1),
                None,
                dt.date(2007, 1, 10),
                "ifa",
                False,
            ),  # 18 on 10 Jan 2025
            ("b", dt.date(2024, 6, 1), None, dt.date(2015, 1, 1), "ifa", True),
            ("c", dt.date(2022, 1, 1), dt.date(2024, 3, 1), dt.date(2015, 1, 1), "ifa", False),
        ]
    )  # ended before FY
    p = placements_from_episodes(e, start=dt.date(2024, 4, 1), end=dt.date(2025, 3, 31))
    assert p["child_id"].to_list() == ["a"]
    m = monitor(PLAN, p, flat_costs, as_of=dt.date(2024, 9, 30))
    assert m.lines["forecast_outturn"][0] == pytest.approx(
        100 * (dt.date(2025, 1, 10) - dt.date(2024, 4, 1)).days
    )


def test_run_rate_continues_net_growth_to_year_end(flat_costs):
    as_of = dt.date(2024, 9, 30)
    starts = [
        as_of - dt.timedelta(weeks=k) for k in range(1, 14)
    ]  # 13 new IFA children in the last 26 weeks
    e = eps([(f"n{i}", d, None, dt.date(2015, 1, 1), "ifa", False) for i, d in enumerate(starts)])
    sl = starters_leavers_run_rate(e, PLAN, flat_costs, as_of=as_of, weeks=26)
    days = (dt.date(2025, 3, 31) - as_of).days
    assert sl.mean("placements") == pytest.approx(0.5 / 7 * days * (days + 1) / 2 * 100)
    assert "run-rate" in sl.method


@pytest.mark.parametrize(
    "as_of,to_date,committed",
    [
        (dt.date(2024, 4, 1), 1, 364),  # first day of the year: one day actual
        (dt.date(2025, 3, 31), 365, 0),  # last day: everything is actual, nothing committed
    ],
)
def test_financial_year_edges(flat_costs, as_of, to_date, committed):
    e = eps([("a", dt.date(2023, 1, 1), None, dt.date(2015, 1, 1), "ifa", False)])
    p = placements_from_episodes(e, start=dt.date(2024, 4, 1), end=dt.date(2025, 3, 31))
    m = monitor(PLAN, p, flat_costs, as_of=as_of)
    row = m.lines.row(0, named=True)
    assert (row["actual_to_date"], row["commitments"]) == pytest.approx(
        (100 * to_date, 100 * committed)
    )


def test_monitoring_date_outside_the_year_is_refused(flat_costs):
    e = eps([("a", dt.date(2023, 1, 1), None, dt.date(2015, 1, 1), "ifa", False)])
    p = placements_from_episodes(e, start=dt.date(2024, 4, 1), end=dt.date(2025, 3, 31))
    with pytest.raises(ParameterError, match="outside financial year 2024"):
        monitor(PLAN, p, flat_costs, as_of=dt.date(2025, 4, 1))


def test_rerunning_a_past_month_uses_only_what_was_known_then(flat_costs):
    e = eps(
        [
            (
                "a",
                dt.date(2023, 1, 1),
                dt.date(2024, 11, 1),
                dt.date(2015, 1, 1),
                "ifa",
                False,
            ),  # ends after as_of
            ("b", dt.date(2024, 10, 1), None, dt.date(2015, 1, 1), "ifa", False),
        ]
    )  # starts after as_of
    p = placements_from_episodes(
        e, start=dt.date(2024, 4, 1), end=dt.date(2025, 3, 31), as_of=dt.date(2024, 9, 30)
    )
    assert p["child_id"].to_list() == ["a"] and p["end"].to_list() == [
        dt.date(2033, 1, 1)
    ]  # reopened: runs to 18
    m = monitor(PLAN, p, flat_costs, as_of=dt.date(2024, 9, 30))
    assert m.lines["forecast_outturn"][0] == pytest.approx(100 * 365)
