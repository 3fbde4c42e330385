"""Fixtures for the loader's tests."""

from __future__ import annotations

import sys

import pytest


@pytest.fixture
def run_cli(monkeypatch, capsys):
    """Run ``carecast ARGS`` in-process; return (exit code, stdout, stderr)."""
    from carecast import cli

    def run(*args: str) -> tuple[int, str, str]:
        monkeypatch.setattr(sys, "argv", ["carecast", *map(str, args)])
        monkeypatch.setenv("COLUMNS", "200")
        try:
            cli.main()
            code = 0
        except SystemExit as exc:
            code = exc.code if isinstance(exc.code, int) else 0
        out = capsys.readouterr()
        return code, out.out, out.err

    return run
