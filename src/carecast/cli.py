"""The ``carecast`` command line: a thin layer over each capability's Python API.

Each capability contributes its commands from ``carecast/<capability>/commands.py`` through a
``register(app)`` function. This module owns the one thing they share: turning a
:class:`~carecast.errors.CarecastError` into a plain-English message and its exit code, with no
traceback (exit codes: 0 ok, 1 other user error, 2 unusable input or parameters, 3 not found,
4 too little data, 5 not allowed, 70 internal error).
"""

from __future__ import annotations

import importlib
import os
import sys

import typer
from rich.console import Console

from carecast import __version__
from carecast.errors import CarecastError

app = typer.Typer(
    name="carecast",
    help="Placement demand, cost and sufficiency planning for children in care, from SSDA903 returns.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)

# Output going to a file or a pipe (CI logs, scripts) is not a terminal: Rich would wrap it at 80
# columns and split file paths in two. Widen it before any capability creates its console.
if not sys.stdout.isatty():
    os.environ.setdefault("COLUMNS", "200")
err = Console(stderr=True, soft_wrap=True)

# The capabilities that contribute commands, in the order they appear in --help, with the
# top-level commands each registers (a test checks this list against what they register).
CAPABILITIES: dict[str, tuple[str, ...]] = {
    "carecast.synth.commands": ("synth",),
    "carecast.ingest.commands": ("validate",),
    "carecast.snapshot.commands": ("snapshot",),
    "carecast.forecast.commands": ("forecast", "backtest"),
    "carecast.costs.commands": ("costs", "budget"),
    "carecast.scenarios.commands": ("scenario",),
    "carecast.sufficiency.commands": ("sufficiency",),
    "carecast.market.commands": ("directory", "referral", "match", "riskpool"),
    "carecast.benchmark.commands": ("benchmark",),
    "carecast.published.commands": ("published",),
    "carecast.send.commands": ("send",),
    "carecast.aftercare.commands": ("allowances", "leavers"),
    "carecast.workforce.commands": ("workforce",),
    "carecast.web.commands": ("serve", "user"),
    "carecast.demo": ("demo",),
}
_registered: set[str] = set()


def _version(value: bool) -> None:
    if value:
        typer.echo(f"carecast {__version__}")
        raise typer.Exit()


@app.callback()
def _root(
    version: bool = typer.Option(
        False, "--version", callback=_version, is_eager=True, help="Show the version and exit."
    ),
) -> None:
    """carecast: load SSDA903 returns, see placements, forecast demand and cost, plan sufficiency."""


def register(argv: list[str]) -> None:
    """Register the commands ``argv`` needs: only the named command's capability when there is
    one, else all of them (for --help and for mistyped commands, whose message lists them all).

    Importing every capability costs ~2 s (Polars, SciPy, SQLAlchemy, FastAPI); a command pays
    only for its own. Safe to call repeatedly (tests run several commands in one process)."""
    command = next((arg for arg in argv if not arg.startswith("-")), None)
    if command is None and "--version" in argv:
        return
    modules = [name for name, commands in CAPABILITIES.items() if command in commands] or list(
        CAPABILITIES
    )
    for name in modules:
        if name not in _registered:
            importlib.import_module(name).register(app)
            _registered.add(name)


def _usage_errors() -> tuple[type[Exception], ...]:
    """Argument-parsing errors: click's, and those of the click copy newer Typer versions carry."""
    import click

    errors: list[type[Exception]] = [click.ClickException]
    try:
        from typer._click.exceptions import ClickException as TyperClickException
    except ImportError:
        pass
    else:
        errors.append(TyperClickException)
    return tuple(errors)


def main() -> None:
    """Entry point: run the app, mapping user errors to messages and exit codes."""
    from carecast import logs

    logs.setup()  # warnings and worse to standard error; CARECAST_LOG_LEVEL=INFO shows every job
    try:
        register(sys.argv[1:])
        app(standalone_mode=False)
    except CarecastError as exc:
        err.print(f"[bold red]Error:[/] {exc.render()}", highlight=False)
        sys.exit(exc.exit_code)
    except typer.Exit as exc:
        sys.exit(exc.exit_code)
    except typer.Abort:
        err.print("Aborted.")
        sys.exit(130)
    except KeyboardInterrupt:
        err.print("Interrupted.")
        sys.exit(130)
    except SystemExit:
        raise
    except Exception as exc:  # usage errors from the argument parser, and genuine bugs
        if isinstance(exc, _usage_errors()):
            exc.show()
            sys.exit(exc.exit_code or 2)
        err.print(
            f"[bold red]Internal error[/] ({type(exc).__name__}): {exc}\n"
            "This is a bug in carecast, not in your data. Please report it with the command you ran."
        )
        sys.exit(70)


if __name__ == "__main__":
    main()
