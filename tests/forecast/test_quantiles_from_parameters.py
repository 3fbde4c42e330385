"""Band quantiles come from one place: ``quantiles`` in ``forecast/data/model.yaml``.

Editing them once broke ``BAND_NAMES`` (five modules hard-wired p5-p95); now the names are derived
from the quantiles a model was given, so a council's copy of model.yaml with other quantiles gives
a forecast with those band columns, in the summary, the JSON and the report.
"""

from __future__ import annotations

import re
from importlib import resources

import pytest

from carecast.errors import ParameterError
from carecast.forecast import DemandModel
from carecast.forecast.params import defaults, from_tree
from carecast.forecast.report import central_bands
from carecast.forecast.result import BAND_NAMES, band_names
from carecast.parameters import load


def test_the_default_band_names_are_the_yaml_quantiles():
    assert BAND_NAMES == tuple(f"p{q * 100:g}" for q in defaults().quantiles)
    assert band_names((0.025, 0.5, 0.975)) == ("p2.5", "p50", "p97.5")


@pytest.mark.filterwarnings("ignore::carecast.forecast.model.SparseDataWarning")
def test_a_copied_model_yaml_with_other_quantiles_gives_those_band_columns(tmp_path, known_process):
    text = resources.files("carecast.forecast").joinpath("data/model.yaml").read_text("utf-8")
    edited, n = re.subn(
        r"value: \[0\.05, 0\.25, 0\.5, 0\.75, 0\.95\]", "value: [0.1, 0.5, 0.9]", text
    )
    assert n == 1
    copy = tmp_path / "model.yaml"
    copy.write_text(edited, "utf-8")
    mine = from_tree(load(copy))
    assert mine.quantiles == (0.1, 0.5, 0.9)

    res = (
        DemandModel(quantiles=mine.quantiles)
        .fit(known_process)
        .simulate(horizon_years=1, n_sims=30, seed=1)
    )
    summary = res.summary()
    assert [c for c in summary.columns if c.startswith("p")] == ["p10", "p50", "p90"]
    total = summary.filter(summary["breakdown"] == "total")
    assert (total["p10"] <= total["p50"]).all() and (total["p50"] <= total["p90"]).all()
    assert set(res.payload()["total"][0]) == {"date", "mean", "p10", "p50", "p90"}
    assert central_bands(summary.columns) == [("p10", "p90", "80% band")]


def test_quantiles_that_are_not_increasing_fractions_are_refused_before_fitting():
    with pytest.raises(ParameterError, match="increasing fractions"):
        DemandModel(quantiles=(0.5, 0.1))
    with pytest.raises(ParameterError, match="increasing fractions"):
        DemandModel(quantiles=(0.0, 0.5))
