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
        return SendModel().fit(
            synth.records, start=dt.date(2024, 3, 31), data_start=synth.data_start
        )


@pytest.fixture
def run_cli(monkeypatch, capsys):
    """Run ``carecast ARGS`` in this process through cli.main (exit codes and messages as from the shell)."""
    import sys

    from carecast.cli import main

    def run(*args: str) -> tuple[int, str, str]:
        monkeypatch.setattr(sys, "argv", ["carecast", *map(str, args)])
        try:
            main()
            code = 0
        except SystemExit as exc:
            code = int(exc.code or 0)
        out = capsys.readouterr()
        return code, out.out, out.err

    return run
