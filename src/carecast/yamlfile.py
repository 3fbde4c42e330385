"""Reading a user's YAML file (parameters, costs, budgets, capacity, scenarios' neighbours) once, one way.

A missing file or broken YAML is a :class:`~carecast.errors.ParameterError` that names the file,
the line where the YAML broke, and the fix — so every command reports it the same way.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

from carecast.errors import Location, ParameterError


def read_yaml(path: str | Path, what: str, *, missing_fix: str = "check the path") -> Any:
    """Parse ``path``; ``what`` names the kind of file in messages ("unit costs", "capacity")."""
    p = Path(path)
    if not p.is_file():
        raise ParameterError(f"{what} file {p} does not exist", fix=missing_fix, where=Location(file=str(p)))
    return parse_yaml_text(p.read_text("utf-8"), f"{what} file {p}", str(p))


def parse_yaml_text(text: str, what: str, source: str) -> Any:
    """Parse YAML a user typed or uploaded (e.g. on a web page); ``what`` names it in messages ("the grant"),
    ``source`` is where the message says it is."""
    try:
        return yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        raise ParameterError(
            f"{what} is not valid YAML: {getattr(exc, 'problem', None) or exc}",
            fix="fix the YAML syntax on that line (indentation, colons, quotes)",
            where=Location(file=source, row=mark.line + 1 if mark else None),
        ) from None
