"""What every service shares: the progress callback, the frozen request base and its validation.

A service is one job (forecast, backtest, scenarios ...) run from a typed request. The CLI, the web
app and the demo build the same request and call the same service, so a default or a check lives
in one place. Requests are frozen pydantic models: options are checked (types, ranges, choices)
when the request is built, files are read and cross-checked by the service before any heavy work.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Self

from pydantic import BaseModel, ConfigDict, ValidationError
from pydantic.fields import FieldInfo

from carecast.errors import Location, ParameterError

Progress = Callable[[float, str], None]
"""``progress(fraction done 0-1, what is happening)``: Rich on the CLI, the job store on the web."""

DEFAULT_SEED = 1
"""Every job's seed unless one is given: the same command gives the same numbers."""


def quiet(_fraction: float, _message: str) -> None:
    """No progress shown."""


class Request(BaseModel):
    """Base of every job's request: immutable, unknown options rejected."""

    model_config = ConfigDict(frozen=True, extra="forbid", arbitrary_types_allowed=True)

    @classmethod
    def build(cls, **values: Any) -> Self:
        """The request from ``values``, or a :class:`ParameterError` naming the first bad option,
        what was given and what is allowed (never pydantic's own message layout)."""
        try:
            return cls(**values)
        except ValidationError as exc:
            raise _parameter_error(cls, exc) from None

    def recorded(self) -> dict[str, Any]:
        """The request as report parameters: JSON-friendly (paths and dates as text)."""
        return self.model_dump(mode="json")


def _bounds(field: FieldInfo | None) -> str | None:
    """'from 1 to 10', 'at least 1' ... from a field's numeric limits (None when it has none)."""
    limits = {
        k: getattr(m, k)
        for m in (field.metadata if field else [])
        for k in ("ge", "gt", "le", "lt")
        if getattr(m, k, None) is not None
    }
    low = (
        f"at least {limits['ge']}"
        if "ge" in limits
        else f"more than {limits['gt']}"
        if "gt" in limits
        else None
    )
    high = (
        f"at most {limits['le']}"
        if "le" in limits
        else f"less than {limits['lt']}"
        if "lt" in limits
        else None
    )
    if "ge" in limits and "le" in limits:
        return f"from {limits['ge']} to {limits['le']}"
    return " and ".join(p for p in (low, high) if p) or None


def _parameter_error(cls: type[BaseModel], exc: ValidationError) -> ParameterError:
    """The first problem as a domain error: the option, what was given, what is allowed."""
    first = exc.errors()[0]
    name = ".".join(str(p) for p in first["loc"]) or "request"
    label = name.replace("_", " ")
    given = first.get("input")
    field = cls.model_fields.get(str(first["loc"][0])) if first["loc"] else None
    default = field.default if field is not None else None
    fix = f"leave it out to use {default}" if default is not None else "check the value"
    bounds = _bounds(field)
    if bounds and first["type"] in (
        "greater_than",
        "greater_than_equal",
        "less_than",
        "less_than_equal",
    ):
        return ParameterError(
            f"{label} must be {bounds}, not {given}", where=Location(field=name), fix=fix
        )
    shown = "" if isinstance(given, dict) or given is None else f" '{given}'"
    message = first["msg"][0].lower() + first["msg"][1:]
    return ParameterError(f"{label}{shown}: {message}", where=Location(field=name), fix=fix)
