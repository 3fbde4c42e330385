"""Reading YAML a user gives (parameters, costs, scenarios, capacity, grants, referrals), one way.

A missing file, broken YAML or a value the file's model refuses is a
:class:`~carecast.errors.ParameterError` (or the error class the caller names) that says the file,
the line, the field and the fix, so every command and web page reports it the same way:

- :func:`read_yaml` / :func:`parse_yaml_text` give the plain data;
- :func:`read_yaml_document` / :func:`parse_yaml_document` also keep the composed YAML nodes, so
  :meth:`YamlDocument.line` finds the line of any key;
- :func:`validation_error` turns a pydantic ``ValidationError`` into the one message shape,
  with the line of the first problem.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml
from pydantic import ValidationError

from carecast.errors import CarecastError, Location, ParameterError

_Loader: Any = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


@dataclass(frozen=True)
class YamlDocument:
    """Parsed YAML (``data``) with its node tree (``node``), to say on which line a key is."""

    data: Any
    node: yaml.Node | None
    source: str

    def line(self, path: Sequence[str | int], skip: Collection[str] = ()) -> int | None:
        """1-based line of the value at ``path`` (keys and list indexes), or of the deepest part
        of it that exists; ``skip`` names path parts that are not keys (pydantic's union tags)."""
        current = self.node
        if current is None:
            return None
        for part in path:
            if isinstance(current, yaml.MappingNode):
                match = next((v for k, v in current.value if str(k.value) == str(part)), None)
                if match is None:
                    if part in skip:
                        continue
                    break
                current = match
            elif isinstance(current, yaml.SequenceNode) and isinstance(part, int):
                if part >= len(current.value):
                    break
                current = current.value[part]
        return current.start_mark.line + 1


def _missing(p: Path, what: str, fix: str) -> ParameterError:
    return ParameterError(f"{what} file {p} does not exist", fix=fix, where=Location(file=str(p)))


def read_yaml(path: str | Path, what: str, *, missing_fix: str = "check the path") -> Any:
    """Parse ``path``; ``what`` names the kind of file in messages ("unit costs", "capacity")."""
    return read_yaml_document(path, what, missing_fix=missing_fix).data


def read_yaml_document(
    path: str | Path, what: str, *, missing_fix: str = "check the path"
) -> YamlDocument:
    """:func:`read_yaml`, keeping the lines (see :class:`YamlDocument`)."""
    p = Path(path)
    if not p.is_file():
        raise _missing(p, what, missing_fix)
    return parse_yaml_document(p.read_text("utf-8-sig"), f"{what} file {p}", str(p))


def parse_yaml_text(text: str, what: str, source: str) -> Any:
    """Parse YAML a user typed or uploaded (e.g. on a web page); ``what`` names it in messages ("the grant"),
    ``source`` is where the message says it is."""
    return parse_yaml_document(text, what, source).data


def parse_yaml_document(text: str, what: str, source: str) -> YamlDocument:
    """:func:`parse_yaml_text`, keeping the lines (see :class:`YamlDocument`)."""
    loader = _Loader(text)
    try:
        node = loader.get_single_node()
        data = loader.construct_document(node) if node is not None else None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        raise ParameterError(
            f"{what} is not valid YAML: {getattr(exc, 'problem', None) or exc}",
            fix="fix the YAML syntax on that line (indentation, colons, quotes)",
            where=Location(file=source, row=mark.line + 1 if mark else None),
        ) from None
    except ValueError as exc:  # a scalar YAML reads as a date but is not one (2020-13-01)
        raise ParameterError(
            f"{what} has a value YAML cannot read: {exc}",
            fix="write dates as real dates, YYYY-MM-DD (or quote the text)",
            where=Location(file=source),
        ) from None
    finally:
        loader.dispose()
    return YamlDocument(data, node, source)


def _problem(err: Any, what: str) -> str:
    if err["type"] == "missing":
        return "required field is missing"
    if err["type"] == "extra_forbidden":
        return f"not {what} field (check the spelling)"
    return str(err["msg"]).removeprefix("Value error, ")


def validation_error(
    exc: ValidationError,
    *,
    source: str,
    fix: str | Callable[[Any], str],
    doc: YamlDocument | None = None,
    what: str = "a known",
    skip: Collection[str] = (),
    error: type[CarecastError] = ParameterError,
) -> CarecastError:
    """One message for a document a pydantic model refused: every problem as ``field: message``,
    located at the first one (its line when ``doc`` is given).

    ``fix`` is the advice, or a function of the first pydantic error giving it; ``what`` names the
    document in "not {what} field" ("a referral"); ``skip`` names location parts that are not
    keys in the file (a discriminated union's tags), left out of field paths and line lookups.
    Raise the result ``from None``.
    """
    errors = exc.errors()
    problems = []
    for err in errors:
        field = ".".join(str(p) for p in err["loc"] if str(p) not in skip) or "(top level)"
        problems.append(f"{field}: {_problem(err, what)}")
    first = errors[0]
    field = ".".join(str(p) for p in first["loc"] if str(p) not in skip)
    message = (
        problems[0] if len(problems) == 1 else f"{len(problems)} problems: " + "; ".join(problems)
    )
    return error(
        message,
        fix=fix(first) if callable(fix) else fix,
        where=Location(
            file=source,
            row=doc.line(tuple(first["loc"]), skip) if doc else None,
            field=field or None,
        ),
    )
