import datetime as dt
import warnings

import pytest

from carecast.send import SendModel, synthetic


@pytest.fixture(scope="session")
def synth():
    return synthetic(1, (2015, 2024), seed=1)


@pytest.fixture(scope="session")
def fitted(synth):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return SendModel().fit(synth.records, start=dt.date(2024, 3, 31), data_start=synth.data_start)
