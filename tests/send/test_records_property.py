"""Whatever rows come in, every one is kept, dropped or merged: nothing is lost silently."""

import datetime as dt

import polars as pl
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from carecast.send.records import clean_records

DATES = st.one_of(
    st.none(),
    st.sampled_from(["", "31/04/2019", "not a date"]),
    st.dates(dt.date(1985, 1, 1), dt.date(2024, 3, 1)).map(lambda d: d.strftime("%d/%m/%Y")),
)
ROW = st.fixed_dictionaries(
    {
        "child_id": st.sampled_from(["A", "B", "C", "", None]),
        "dob": DATES,
        "plan_start": DATES,
        "plan_end": DATES,
        "setting_start": DATES,
        "setting_end": DATES,
        "setting": st.sampled_from(["mainstream", "INMSS", "special", "hospital", "", None]),
        "primary_need": st.sampled_from(["ASD", "semh", "zzz", None]),
        "annual_cost": st.sampled_from([None, "120000", "-5", "lots"]),
    }
)


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(ROW, min_size=1, max_size=25))
def test_read_equals_kept_plus_dropped_plus_merged(rows):
    raw = pl.DataFrame(rows, schema={k: pl.Utf8 for k in rows[0]}).with_columns(
        pl.lit("Lewisham").alias("council"),
        pl.int_range(pl.len(), dtype=pl.Int64).alias("uid"),
        pl.lit("f.csv").alias("source_file"),
        pl.int_range(2, pl.len() + 2, dtype=pl.Int64).alias("source_row"),
    )
    data = clean_records(raw, data_end=dt.date(2024, 3, 31))
    t = data.quality.totals()
    assert t["read"] == len(rows)
    assert t["kept"] + t["dropped"] + t["merged"] == t["read"]
    assert data.records.height == t["kept"]
    r = data.records
    bday26 = pl.date(pl.col("dob").dt.year() + 26, pl.col("dob").dt.month(), 1) + pl.duration(
        days=pl.col("dob").dt.day().cast(pl.Int64) - 1
    )
    assert r.filter(pl.coalesce("setting_end", "data_end") > bday26).height == 0  # nobody over 25
    assert r.filter(pl.col("setting_end") <= pl.col("setting_start")).height == 0
    assert r.filter(pl.col("plan_end") < pl.col("plan_start")).height == 0
    assert (
        r.filter(
            ~pl.col("setting").is_in(
                [
                    "mainstream",
                    "resourced",
                    "special",
                    "inmss",
                    "fe_college",
                    "alternative",
                    "other",
                ]
            )
        ).height
        == 0
    )
