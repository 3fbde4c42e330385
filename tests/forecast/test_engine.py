"""The engine's event times through time-in-care bands: the inverse of a piecewise-constant hazard."""

import numpy as np

from carecast.forecast.engine import _through_time_bands


def test_event_time_inverts_the_piecewise_hazard_across_time_in_care_bands():
    """Bands start 0, 10 and 30 days into care with hazards 0.1, 0.5 and 0.05 per day: a draw of 3
    spends 1 in the first band and 2 by day 10 + 2/0.5 = 14; a draw of 12 spends 1 + 10 by day 30
    and the last 1 by day 50; a draw of 0.5 ends in the first band at day 5."""
    lowers = np.array([10.0, 30.0, np.inf])  # each band's end, from the period start
    dur_of = np.array([0, 1, 2, 0])
    total_flat = np.array([0.1, 0.5, 0.05, 0.0])  # key = band (one simulation, one state per band)
    draw = np.array([3.0, 12.0, 0.5, 12.0])
    key = np.zeros(4, np.int64)
    next_dur = np.full(4, 10.0)
    limit = np.array([100.0, 100.0, 100.0, 20.0])  # the last child has a birthday on day 20
    end = _through_time_bands(
        np.zeros(4),
        draw,
        total_flat.take(key),
        key,
        next_dur,
        limit,
        total_flat,
        np.zeros(4),
        lowers,
        dur_of,
        mask=3,
    )
    np.testing.assert_allclose(end[:3], [14.0, 50.0, 5.0])
    assert end[3] >= 20.0  # no event before the birthday: the loop restarts there, in band 1
    np.testing.assert_array_equal(key, [1, 2, 0, 1])
    np.testing.assert_allclose(next_dur, [30.0, np.inf, 10.0, 30.0])
