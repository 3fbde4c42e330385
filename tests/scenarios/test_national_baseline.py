"""The CCN national baseline (DOMAIN.md §5.2) reproduced from published counts."""

import numpy as np
import pytest

from carecast.scenarios import ccn_national_baseline, compound_growth, linear_trend


def test_national_baseline_against_ccn_2022():
    """CCN 2022: 80,080 children in 2020 → between 86,000 (linear 2011-2020) and 95,000
    (2017-2020 average growth compounded) in 2025. Our upper bound from the DfE counts is
    94,150 — 0.9% under the report's rounded 95,000; the report does not give its unrounded figure."""
    b = ccn_national_baseline()
    assert b.counts[-1] == 80080 and b.years[0] == 2011
    assert b.lower_2025 == pytest.approx(86_000, rel=0.01)
    assert b.upper_2025 == pytest.approx(95_000, rel=0.015)
    assert b.lower_2025 < b.upper_2025


def test_linear_trend_is_exact_on_a_line():
    years = [2015, 2016, 2017, 2018]
    assert linear_trend(years, [100, 110, 120, 130], [2020])[0] == pytest.approx(150)


def test_compound_growth_uses_average_rate_since_the_given_year():
    got = compound_growth([2018, 2019, 2020], [100, 110, 121], [2022], since=2018)[0]
    assert got == pytest.approx(121 * 1.1**2)
    assert np.isclose(compound_growth([2019, 2020], [50, 50], [2030], since=2019)[0], 50)
