"""Several councils: warnings raised while fitting in worker processes reach the caller."""

import datetime as dt

import numpy as np
import polars as pl
import pytest

from carecast.forecast import DemandModel, SparseDataWarning, forecast_councils

from .conftest import make_episodes

START = dt.date(2023, 4, 1)


def _council(name: str) -> pl.DataFrame:
    """Four children in in-house fostering since 2019: every other category is empty."""
    base = {
        "decom": dt.date(2019, 1, 1),
        "dob": dt.date(2010, 6, 1),
        "category": "fostering_in_house",
    }
    rows = [base | {"child_id": f"{name}-{i}"} for i in range(4)]
    rows[0] |= {"dec": dt.date(2021, 4, 1), "rec": "E4A"}
    return make_episodes(rows, data_end=START, council=name)


@pytest.mark.parametrize("workers", [1, 2])
def test_sparse_data_warnings_reach_the_caller_from_every_worker(workers):
    episodes = pl.concat([_council("Aville"), _council("Beeton")])
    with pytest.warns(SparseDataWarning) as caught:
        forecast_councils(
            episodes, horizon_years=1, n_sims=5, seed=1, workers=workers, keep_councils=False
        )
    messages = " ".join(str(w.message) for w in caught if w.category is SparseDataWarning)
    assert "Aville" in messages and "Beeton" in messages


def test_a_region_keeps_each_council_at_monthly_resolution_with_the_same_tables():
    """Per-council results drop their step arrays (England's 150 councils would not fit in memory)
    but give the same monthly bands as the full result, and costing one fails loudly."""
    from carecast.costs import default_unit_costs, project_costs
    from carecast.errors import InputError

    episodes = pl.concat([_council("Aville"), _council("Beeton")])
    with pytest.warns(SparseDataWarning):
        region = forecast_councils(episodes, horizon_years=1, n_sims=8, seed=3, workers=1)
    kept = region.results["Aville"]
    assert kept.sim_counts_.shape == (8, 0, len(kept.categories)) and kept.sim_days_.size == 0
    assert kept.sim_month_states_.shape[:2] == (8, len(kept.month_dates_))
    seed = np.random.SeedSequence(3).generate_state(2).tolist()[0]  # Aville's, the first council
    with pytest.warns(SparseDataWarning):
        alone = (
            DemandModel(compiled=True)
            .fit(_council("Aville"), start=START)
            .simulate(horizon_years=1, n_sims=8, seed=seed)
        )
    assert alone.summary().equals(kept.summary())
    assert region.combined.sim_counts_.shape[1] == len(region.combined.dates_)
    with pytest.raises(InputError):
        project_costs(kept.dates_, list(kept.categories), kept.sim_counts_, default_unit_costs())
