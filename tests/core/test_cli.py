"""The CLI maps user errors to messages and exit codes, never tracebacks."""

import subprocess
import sys

import pytest


def _run(*args):
    return subprocess.run(
        [sys.executable, "-m", "carecast.cli", *args], capture_output=True, text=True, timeout=120
    )


def test_version_and_help():
    res = _run("--version")
    assert res.returncode == 0 and res.stdout.startswith("carecast ")
    res = _run("--help")
    assert res.returncode == 0 and "Usage" in res.stdout


def test_unknown_command_is_a_usage_error_without_traceback():
    res = _run("no-such-command")
    assert res.returncode == 2
    assert "Traceback" not in res.stderr


def test_capability_list_names_exactly_the_commands_each_registers():
    """main() imports only the named command's capability, found through CAPABILITIES: a command
    missing from that list would only appear in --help, never run on its own."""
    import importlib

    import typer

    from carecast.cli import CAPABILITIES

    for module, commands in CAPABILITIES.items():
        app = typer.Typer()
        importlib.import_module(module).register(app)
        names = [c.name or c.callback.__name__.replace("_", "-") for c in app.registered_commands]
        names += [g.name for g in app.registered_groups]
        assert sorted(names) == sorted(commands), module


@pytest.mark.parametrize(
    ("command", "heavy", "shown"),
    [
        ("synth", ("fastapi", "sqlalchemy", "scipy"), "synth"),
        # a forecast loads scipy, plotly, numba or dask only when a run needs them (never for one council's
        # JSON or Excel report): imports are most of a one-council forecast's time
        (
            "forecast",
            ("fastapi", "sqlalchemy", "scipy", "plotly", "numba", "dask", "distributed"),
            "--simulations",
        ),
    ],
)
def test_a_command_imports_only_its_own_capability(command, heavy, shown):
    code = (
        f"import sys; sys.argv = ['carecast', '{command}', '--help']\n"
        "from carecast import cli\n"
        "try:\n    cli.main()\nexcept SystemExit:\n    pass\n"
        f"print(sorted(m for m in {heavy!r} if m in sys.modules))"
    )
    res = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert res.returncode == 0, res.stderr
    assert res.stdout.strip().splitlines()[-1] == "[]"
    assert shown in res.stdout
