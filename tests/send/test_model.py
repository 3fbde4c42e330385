"""Hand-computable cases of the SEND model, and what it learns from synthetic data."""

import datetime as dt
import warnings

import numpy as np
import polars as pl
import pytest

from carecast.send import PLAN_COLUMNS, SendModel, send_space
from carecast.send.model import send_history


def records(rows, data_end=dt.date(2024, 3, 31)):
    frame = pl.DataFrame(
        rows,
        schema=[
            "child_id",
            "dob",
            "plan_start",
            "plan_end",
            "setting",
            "setting_start",
            "setting_end",
        ],
        orient="row",
    )
    return (
        frame.with_columns(
            pl.lit("Lewisham").alias("council"),
            pl.lit("ASD").alias("primary_need"),
            pl.lit(data_end).alias("data_end"),
            pl.lit("").alias("repairs"),
        )
        .select(
            [
                pl.col(c)
                if c in frame.columns or c in ("council", "primary_need", "data_end", "repairs")
                else pl.lit(None).alias(c)
                for c in PLAN_COLUMNS
            ]
        )
        .cast(PLAN_COLUMNS)
    )


D = dt.date


def test_history_reads_moves_ceasing_and_open_plans():
    r = records(
        [
            (
                "A",
                D(2012, 1, 1),
                D(2020, 1, 1),
                D(2023, 1, 1),
                "mainstream",
                D(2020, 1, 1),
                D(2021, 9, 1),
            ),
            ("A", D(2012, 1, 1), D(2020, 1, 1), D(2023, 1, 1), "special", D(2021, 9, 1), None),
            ("B", D(2012, 1, 1), D(2020, 1, 1), None, "inmss", D(2020, 1, 1), None),
        ]
    )
    h = send_history(r, data_start=D(2019, 1, 1)).episodes.sort("child_id", "decom")
    assert h.get_column("event").to_list() == ["special", "exit:ceased", None]
    assert h.get_column("end").to_list() == [D(2021, 9, 1), D(2023, 1, 1), None]
    assert (
        h.get_column("bday18").to_list() == [D(2038, 1, 1)] * 3
    )  # the engine's leaving day: 26th birthday


def test_state_space_is_ages_0_to_25_by_setting():
    sp = send_space()
    assert sp.age_labels[0] == "0" and sp.age_labels[-1] == "25" and sp.leaving_age == 26
    assert sp.n_states == 26 * 7 and sp.destinations[-1] == "exit:ceased"


def test_cease_rate_is_occurrences_over_exposure():
    # 10 children aged 8 in mainstream all through 2021-2023; 2 plans cease on 1 Jan 2023.
    rows = []
    for i in range(10):
        end = D(2023, 1, 1) if i < 2 else None
        rows.append((f"C{i}", D(2013, 6, 1), D(2019, 1, 1), end, "mainstream", D(2019, 1, 1), None))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        m = SendModel(window_years=2, prior_days=1e-9).fit(
            records(rows, D(2023, 12, 31)), start=D(2023, 12, 31), data_start=D(2019, 1, 1)
        )
    exposure = m.engine.exposure_.sum()
    assert (
        exposure
        == 8 * (D(2023, 12, 31) - D(2021, 12, 31)).days + 2 * (D(2023, 1, 1) - D(2021, 12, 31)).days
    )
    rates = m.move_rates_by_age()
    total_ceased = rates.get_column("ceased").sum()
    assert total_ceased == 2
    assert rates.get_column("ceased").sum() / (exposure / 365.25) == pytest.approx(
        float((rates["ceased"].sum()) / rates["plan_years"].sum())
    )


def test_every_plan_has_ceased_by_the_26th_birthday():
    # one young person turning 26 on 1 July 2024 with an open plan; no new plans in the window
    r = records([("Y", D(1998, 7, 1), D(2016, 1, 1), None, "fe_college", D(2016, 1, 1), None)])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        m = SendModel(window_years=1).fit(r, start=D(2024, 3, 31), data_start=D(2016, 1, 1))
        fc = m.simulate(horizon_years=2, n_sims=50, seed=1)
    months = np.asarray(fc.month_dates, dtype="datetime64[D]")
    totals = fc.totals()
    assert totals[:, months >= np.datetime64("2024-07-01")].max() == 0
    assert totals[:, 0].min() <= 1


def test_moves_cluster_at_phase_transfer_ages(fitted):
    rates = fitted.move_rates_by_age().filter(pl.col("age").is_between(3, 19))
    transfer = rates.filter(pl.col("age").is_in([4, 10, 15, 18]))["move_rate"].to_numpy()
    other = rates.filter(~pl.col("age").is_in([4, 10, 15, 18]))["move_rate"].to_numpy()
    assert transfer.min() > 3 * np.median(other)


def test_forecast_bands_are_ordered_and_start_at_the_actual(fitted, synth):
    fc = fitted.simulate(horizon_years=2, n_sims=100, seed=3)
    total = fc.summary().filter(pl.col("breakdown") == "total")
    assert (total["p5"] <= total["p50"]).all() and (total["p50"] <= total["p95"]).all()
    actual = synth.records.filter(
        (pl.col("setting_start") <= D(2024, 3, 31))
        & (pl.coalesce("setting_end", pl.lit(D(9999, 1, 1))) > D(2024, 3, 31))
    ).height
    assert total["mean"][0] == actual
    by_setting = fc.summary().filter(
        pl.col("breakdown") == "setting", pl.col("date") == total["date"][-1]
    )
    assert by_setting["mean"].sum() == pytest.approx(total["mean"][-1])


def test_same_seed_same_numbers(fitted):
    a = fitted.simulate(horizon_years=1, n_sims=20, seed=7).totals()
    b = fitted.simulate(horizon_years=1, n_sims=20, seed=7).totals()
    assert np.array_equal(a, b)


def test_new_plans_per_10000_children(fitted, synth):
    pop = synth.population.filter(pl.col("year") == 2023).select("age", "population")
    t = fitted.new_plans_by_age(pop)
    row = t.filter(pl.col("age") == 7).row(0, named=True)
    assert row["per_10000_children"] == pytest.approx(
        row["new_plans_per_year"] / row["population"] * 10_000
    )
    assert t["new_plans"].sum() == fitted.engine.entrant_age_days_.size


def test_cohort_ratio_projection_of_published_counts_hand_case():
    from carecast.send.aggregate import project_counts

    # 100 plans at every age, unchanged between two censuses: ratios are 1, so the projection stays at 100 per age
    ages = list(range(26))
    counts = pl.DataFrame(
        {
            "council": "X",
            "year": [2023] * 26 + [2024] * 26,
            "age": ages * 2,
            "setting": "special",
            "plans": 100,
        }
    ).cast({"year": pl.Int32, "age": pl.Int32})
    years, settings, sims = project_counts(counts, years_ahead=2, n_sims=400, seed=1)
    assert years == [2025, 2026]
    assert sims[:, :, :, settings.index("special")].sum(axis=2).mean() == pytest.approx(
        2600, rel=0.01
    )
    assert sims[:, :, :, settings.index("inmss")].sum() == 0


def test_records_are_complete_from_the_first_end_in_them():
    from carecast.services.send import complete_from

    day = dt.date
    records = pl.DataFrame(
        {"plan_end": [None, day(2021, 3, 1), None], "setting_end": [day(2021, 1, 5), None, None]},
        schema={"plan_end": pl.Date, "setting_end": pl.Date},
    )
    assert complete_from(records) == day(2021, 1, 5)
    assert complete_from(records.with_columns(pl.lit(None, pl.Date).alias("setting_end"))) == day(
        2021, 3, 1
    )
    assert complete_from(records.clear()) is None
