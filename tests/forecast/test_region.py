"""Several councils: warnings raised while fitting in worker processes reach the caller."""

import datetime as dt

import polars as pl
import pytest

from carecast.forecast import SparseDataWarning, forecast_councils

from .conftest import make_episodes

START = dt.date(2023, 4, 1)


def _council(name: str) -> pl.DataFrame:
    """Four children in in-house fostering since 2019: every other category is empty."""
    base = {"decom": dt.date(2019, 1, 1), "dob": dt.date(2010, 6, 1), "category": "fostering_in_house"}
    rows = [base | {"child_id": f"{name}-{i}"} for i in range(4)]
    rows[0] |= {"dec": dt.date(2021, 4, 1), "rec": "E4A"}
    return make_episodes(rows, data_end=START, council=name)


@pytest.mark.parametrize("workers", [1, 2])
def test_sparse_data_warnings_reach_the_caller_from_every_worker(workers):
    episodes = pl.concat([_council("Aville"), _council("Beeton")])
    with pytest.warns(SparseDataWarning) as caught:
        forecast_councils(episodes, horizon_years=1, n_sims=5, seed=1, workers=workers, keep_councils=False)
    messages = " ".join(str(w.message) for w in caught if w.category is SparseDataWarning)
    assert "Aville" in messages and "Beeton" in messages
