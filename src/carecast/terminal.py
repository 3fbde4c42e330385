"""What the command modules share on the terminal: the consoles and a Rich bar for a service's progress."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from rich.console import Console
from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn

from carecast.services.base import Progress as ProgressCallback

console = Console(stderr=True)  # progress, notes and "Wrote ..." lines
stdout = Console()  # the result tables


@contextmanager
def progress_bar(title: str) -> Iterator[ProgressCallback]:
    """A transient bar on standard error; the service reports (fraction, message) into it."""
    with Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        TimeElapsedColumn(),
        console=console,
        transient=True,
    ) as bar:
        task = bar.add_task(title, total=1.0)

        def report(fraction: float, message: str) -> None:
            bar.update(task, completed=max(0.0, min(1.0, fraction)), description=message)

        yield report


def print_notes(notes: list[str]) -> None:
    """A job's notes (warnings from the models) with identifiers worded, as reports word them."""
    from carecast.outputs.vocabulary import prose

    for note in notes:
        console.print(f"[yellow]Note:[/] {prose(note)}", highlight=False)


def print_written(paths) -> None:
    for path in paths:
        console.print(f"Wrote {path}")
