"""Shared small synthetic data sets (generated once per test session)."""

from __future__ import annotations

import pytest

from carecast.synth import SynthResult, generate


@pytest.fixture(scope="session")
def small(tmp_path_factory) -> SynthResult:
    """Two London boroughs, four collection years, defects on."""
    return generate(
        tmp_path_factory.mktemp("synth_small"),
        councils=["Lewisham", "Southwark"],
        years=(2019, 2022),
        seed=7,
    )


@pytest.fixture(scope="session")
def calibrated(tmp_path_factory) -> SynthResult:
    """Three boroughs with no council-to-council spread and no re-entries, so rates are checkable."""
    return generate(
        tmp_path_factory.mktemp("synth_calibrated"),
        councils=3,
        years=(2017, 2022),
        seed=11,
        params={"entries.council_spread": 0.0, "routes.reentry_probability": 0.0},
        defects=False,
    )
