"""Domain errors, and the one place that maps them to CLI exit codes and HTTP statuses.

A user error (a file we cannot read, a bad parameter) is raised as a subclass of
:class:`CarecastError` with a plain-English message that names the file, row, column or field and
says what to do. The CLI prints the message (never a traceback) and exits with ``exit_code``; the
web layer answers with ``http_status``. Programming errors stay ordinary exceptions.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass
class Location:
    """Where in the user's input a problem is: any of file, row (1-based, header = row 1), column, field."""

    file: str | None = None
    row: int | None = None
    column: str | None = None
    field: str | None = None

    def describe(self) -> str:
        parts = []
        if self.file:
            parts.append(f"file {self.file}")
        if self.row is not None:
            parts.append(f"row {self.row}")
        if self.column:
            parts.append(f"column {self.column}")
        if self.field:
            parts.append(f"field {self.field}")
        return ", ".join(parts)


class CarecastError(Exception):
    """Base class for errors a user can fix. ``fix`` says how."""

    exit_code = 1
    http_status = 400

    def __init__(self, message: str, *, fix: str | None = None, where: Location | None = None):
        self.message = message
        self.fix = fix
        self.where = where
        super().__init__(self.render())

    def render(self) -> str:
        text = self.message
        if self.where is not None and self.where.describe():
            text = f"{self.where.describe()}: {text}"
        if self.fix:
            text = f"{text}\n  What to do: {self.fix}"
        return text


class InputError(CarecastError):
    """The input cannot be used at all (missing, empty, unreadable, wrong shape). Exit code 2."""

    exit_code = 2
    http_status = 422


class ParameterError(CarecastError):
    """A parameter, scenario or configuration file is invalid. Exit code 2."""

    exit_code = 2
    http_status = 422


class NotFoundError(CarecastError):
    """Something the user named does not exist (a council, a saved run). Exit code 3."""

    exit_code = 3
    http_status = 404


class InsufficientDataError(CarecastError):
    """The data is readable but too thin for the requested analysis. Exit code 4."""

    exit_code = 4
    http_status = 422


class AccessDeniedError(CarecastError):
    """The user may not see or change this. Exit code 5."""

    exit_code = 5
    http_status = 403
