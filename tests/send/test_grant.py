import datetime as dt

import numpy as np
import pytest

from carecast.errors import ParameterError
from carecast.send.grant import Grant, high_needs_position, load_grant
from carecast.send.params import AnnualCosts


def flat_costs(**per):
    base = dict.fromkeys(
        ("mainstream", "resourced", "special", "inmss", "fe_college", "alternative", "other"), 0.0
    )
    return AnnualCosts(base | per, {}, dt.date(2024, 4, 1), 0.0, "test")


def year_of_months(fy=2024, value=10.0, n_sims=1):
    dates = [dt.date(fy + (m + 3) // 12, (m + 3) % 12 + 1, 1) for m in range(13)]  # April to April
    counts = np.zeros((n_sims, 13, 7))
    counts[:, :, 2] = value  # special
    return dates, counts


def test_hand_computed_position_one_year():
    dates, counts = year_of_months()
    grant = Grant(
        allocation={2024: 200_000},
        transfers_in={"schools_block": {2024: 5_000}},
        opening_cumulative_deficit=1_000,
        threshold=10_000,
    )
    settings = ("mainstream", "resourced", "special", "inmss", "fe_college", "alternative", "other")
    pos = high_needs_position(dates, settings, counts, grant, flat_costs(special=22_000))
    row = pos.table.row(0, named=True)
    # 10 plans every day of the year at £22,000 a year (a day costs 22,000 / 365.25)
    assert row["financial_year"] == "2024-25"
    assert row["plan_cost_p50"] == pytest.approx(220_000 * 365 / 365.25, rel=1e-9)
    assert row["in_year_deficit_p50"] == pytest.approx(row["spend_p50"] - 200_000 - 5_000)
    assert row["deficit_pct_of_allocation_p50"] == pytest.approx(
        (row["spend_p50"] - 200_000) / 2_000
    )
    assert row["cumulative_deficit_p50"] == pytest.approx(1_000 + row["in_year_deficit_p50"])
    assert pos.threshold_year.row(0, named=True)["probability_reached_by_year"] == 1.0


def test_allocation_grows_after_the_last_given_year():
    g = Grant(allocation={2024: 100.0}, allocation_growth=0.1)
    assert g.allocation_for([2024, 2025, 2026]).tolist() == pytest.approx([100, 110, 121])


def test_bad_grant_file_names_the_field(tmp_path):
    p = tmp_path / "g.yaml"
    p.write_text("allocation: {2024: 1}\ntransfers_in: {lottery: {2024: 5}}\n")
    with pytest.raises(ParameterError) as e:
        load_grant(p)
    assert "lottery" in str(e.value) and str(p) in str(e.value)


def test_grant_text_names_the_line_and_field():
    from carecast.send.grant import parse_grant

    with pytest.raises(ParameterError) as e:
        parse_grant(
            "allocation: {2024: 1000}\nallocation_growth: 0.02\ntransfers_in:\n  lottery: {2024: 5}\n",
            "grant",
        )
    assert (e.value.where.row, e.value.where.field) == (
        4,
        "transfers_in",
    ) and "lottery" in e.value.message
    with pytest.raises(ParameterError) as e:
        parse_grant("allocation: {2024: 1000}\nthreshold: [\n", "grant")
    assert "not valid YAML" in e.value.message and e.value.where.row is not None and e.value.fix
    grant = parse_grant("allocation: {2024: 1000}\nthreshold: 5000\n", "grant")
    assert grant.allocation == {2024: 1000.0} and grant.threshold == 5000
