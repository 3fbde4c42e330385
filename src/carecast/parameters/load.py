"""Reading a parameter file into a :class:`~carecast.parameters.tree.ParameterTree`, validated.

The file format (every shipped parameter file is in it; ``tests/code_health`` keeps them so)::

    description: What the file holds.            # optional, file level
    reference: A citation for every parameter    # optional default for parameters without one
    references:                                  # optional named references
      ccn_2022: {title: "...", file: seeds/x.txt, section: "..."}
    some_group:                                  # groups nest; a dotted path names a parameter
      label: Placement costs                     # a group may have a label and a description
      weekly_cost:                               # a parameter: a mapping with value or values
        description: One sentence.
        label: Weekly cost                       # what people read
        unit: currency-GBP per week
        reference: ccn_2022                      # a name above, a citation, or {title, link}
        values:                                  # keyed by the date each value takes effect
          2017-04-01: {value: 431, reference: ccn_2022, note: why}
        # or, for a value that does not change:  value: 431
        metadata: {uprating: annual_inflation}   # anything else a capability needs

Unknown keys are refused with the file, the line, the key and the fix; so are dates that are not
dates. What a value may be (a share, a list of categories) is checked by the capability reading it.
"""

from __future__ import annotations

import datetime as dt
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any

from carecast.errors import Location, ParameterError
from carecast.parameters.tree import ALWAYS, DatedValue, Parameter, ParameterTree, Reference
from carecast.yamlfile import YamlDocument, parse_yaml_document, read_yaml_document

FILE_KEYS = ("description", "reference", "references", "metadata")
GROUP_KEYS = ("description", "label", "metadata")
PARAMETER_KEYS = (
    "description",
    "label",
    "unit",
    "period",
    "reference",
    "value",
    "values",
    "note",
    "metadata",
)
VALUE_KEYS = ("value", "reference", "note")
REFERENCE_KEYS = ("title", "link", "file", "section")

# Every cited parameter file carecast ships, as (package, file under its data/ folder).
SHIPPED: tuple[tuple[str, str], ...] = (
    ("carecast.forecast", "model.yaml"),
    ("carecast.costs", "unit_costs.yaml"),
    ("carecast.snapshot", "parameters.yaml"),
    ("carecast.market", "matching.yaml"),
    ("carecast.market", "riskpool.yaml"),
    ("carecast.sufficiency", "plan.yaml"),
    ("carecast.sufficiency", "regional.yaml"),
    ("carecast.send", "send.yaml"),
    ("carecast.benchmark", "analysis.yaml"),
    ("carecast.synth", "params.yaml"),
    ("carecast.ingest", "parameters.yaml"),
    ("carecast.aftercare", "allowances.yaml"),
    ("carecast.aftercare", "leavers.yaml"),
    ("carecast.workforce", "workforce.yaml"),
)


def load(
    path: str | Path, what: str = "parameters", *, missing_fix: str = "check the path"
) -> ParameterTree:
    """Read and validate the parameter file at ``path``; ``what`` names it in messages."""
    return parse(read_yaml_document(path, what, missing_fix=missing_fix))


def parse_text(text: str, source: str, what: str = "the parameters") -> ParameterTree:
    """Validate parameter YAML typed or uploaded (e.g. on a web page)."""
    return parse(parse_yaml_document(text, what, source))


@cache
def shipped(package: str, name: str) -> ParameterTree:
    """The cited defaults shipped as ``<package>/data/<name>`` (``shipped("carecast.forecast",
    "model.yaml")``), read once per process."""
    return parse(document(package, name))


def document(package: str, name: str) -> YamlDocument:
    """The parsed YAML of a shipped file (with lines), for readers that need more than values."""
    source = f"{package.replace('.', '/')}/data/{name}"
    text = resources.files(package).joinpath(f"data/{name}").read_text("utf-8")
    return parse_yaml_document(text, source, source)


def parse(doc: YamlDocument) -> ParameterTree:
    """Validate a parsed parameter document as a whole and return its tree."""
    data = doc.data
    if not isinstance(data, dict):
        raise ParameterError(
            "the file is not a YAML mapping of parameter names",
            where=Location(file=doc.source),
            fix="write one `name: {value: ..., unit: ..., reference: ...}` per parameter",
        )
    references: dict[str, Reference] = {}
    for name, spec in (data.get("references") or {}).items():
        references[str(name)] = _reference(doc, ("references", name), spec, {})
    default_ref = data.get("reference")
    params: dict[str, Parameter] = {}
    _group(doc, (), data, FILE_KEYS, references, default_ref, params)
    return ParameterTree(
        source=doc.source,
        parameters=params,
        description=data.get("description"),
        metadata=data.get("metadata") or {},
        references=references,
    )


def _fail(doc: YamlDocument, path: tuple[Any, ...], message: str, fix: str) -> ParameterError:
    return ParameterError(
        message,
        fix=fix,
        where=Location(file=doc.source, row=doc.line(path), field=".".join(map(str, path)) or None),
    )


def _is_parameter(node: Any) -> bool:
    return isinstance(node, dict) and ("value" in node or "values" in node)


def _group(
    doc: YamlDocument,
    path: tuple[Any, ...],
    node: dict,
    reserved: tuple[str, ...],
    references: dict[str, Reference],
    default_ref: Any,
    out: dict[str, Parameter],
) -> None:
    for key, child in node.items():
        here = (*path, key)
        if key in reserved:
            continue
        if _is_parameter(child):
            out[".".join(map(str, here))] = _parameter(doc, here, child, references, default_ref)
        elif isinstance(child, dict) and child:
            _group(doc, here, child, GROUP_KEYS, references, default_ref, out)
        else:
            name = ".".join(map(str, here))
            raise _fail(
                doc,
                here,
                f"'{name}' is neither a parameter nor a group of parameters",
                f"write it as `{key}: {{value: ..., unit: ..., reference: ...}}`"
                + (
                    f"; a group may also have {list(GROUP_KEYS)}"
                    if path
                    else f"; the file may also have {list(FILE_KEYS)}"
                ),
            )


def _parameter(
    doc: YamlDocument,
    path: tuple[Any, ...],
    node: dict,
    references: dict[str, Reference],
    default_ref: Any,
) -> Parameter:
    unknown = [k for k in node if k not in PARAMETER_KEYS]
    if unknown:
        raise _fail(
            doc,
            (*path, unknown[0]),
            f"unknown key '{unknown[0]}' in parameter '{'.'.join(map(str, path))}'",
            f"allowed keys are {list(PARAMETER_KEYS)}; put anything else under `metadata:`",
        )
    if "value" in node and "values" in node:
        raise _fail(
            doc,
            path,
            "a parameter has either 'value' or 'values', not both",
            "keep `values:` (dated) or `value:` (in effect throughout)",
        )
    values = (
        _dated(doc, path, node["values"])
        if "values" in node
        else (DatedValue(ALWAYS, node["value"]),)
    )
    ref = node.get("reference", default_ref)
    cited = [] if ref is None else [_reference(doc, (*path, "reference"), ref, references)]
    for v in values:
        if v.reference is not None:
            cited.append(
                _reference(doc, (*path, "values", v.effective.isoformat()), v.reference, references)
            )
    for text in ("label", "description", "unit", "period"):
        if node.get(text) is not None and not isinstance(node[text], str | int | float):
            raise _fail(doc, (*path, text), f"'{text}' must be text", f"write `{text}: <text>`")
    metadata = node.get("metadata") or {}
    if not isinstance(metadata, dict):
        raise _fail(
            doc,
            (*path, "metadata"),
            "'metadata' must be a mapping",
            "write `metadata: {name: value}`",
        )
    return Parameter(
        path=".".join(map(str, path)),
        values=values,
        label=node.get("label"),
        description=_text(node.get("description")),
        unit=_text(node.get("unit")),
        period=node.get("period"),
        references=tuple(dict.fromkeys(cited)),
        metadata=metadata,
    )


def _text(x: Any) -> str | None:
    return None if x is None else str(x).strip()


def _dated(doc: YamlDocument, path: tuple[Any, ...], values: Any) -> tuple[DatedValue, ...]:
    if not isinstance(values, dict) or not values:
        raise _fail(
            doc, (*path, "values"), "no dated values", "give at least one `YYYY-MM-DD: value` entry"
        )
    out = []
    for when, item in values.items():
        here = (*path, "values", when)
        day = when.date() if isinstance(when, dt.datetime) else when
        if not isinstance(day, dt.date):
            try:
                day = dt.date.fromisoformat(str(when))
            except ValueError:
                raise _fail(
                    doc,
                    here,
                    f"'{when}' is not a date",
                    "key each value by the date it takes effect, YYYY-MM-DD",
                ) from None
        if isinstance(item, dict):
            unknown = [k for k in item if k not in VALUE_KEYS]
            if unknown:
                raise _fail(
                    doc, here, f"unknown key(s) {unknown}", f"allowed keys are {list(VALUE_KEYS)}"
                )
            if "value" not in item:
                raise _fail(doc, here, "no 'value'", "add `value: <number>`")
            out.append(DatedValue(day, item["value"], item.get("reference"), item.get("note")))
        else:
            out.append(DatedValue(day, item))
    return tuple(sorted(out, key=lambda v: v.effective))


def _reference(
    doc: YamlDocument, path: tuple[Any, ...], spec: Any, named: dict[str, Reference]
) -> Reference:
    if isinstance(spec, str):
        return named.get(spec, Reference(title=spec.strip()))
    if isinstance(spec, dict):
        unknown = [k for k in spec if k not in REFERENCE_KEYS]
        if unknown or not spec.get("title"):
            raise _fail(
                doc,
                path,
                f"a reference needs a 'title' (and may have {list(REFERENCE_KEYS[1:])})",
                "write `reference: {title: ..., link: ...}` or a citation as text",
            )
        return Reference(**{k: str(v) for k, v in spec.items()})
    raise _fail(
        doc,
        path,
        "a reference must be a citation or {title, link}",
        "write `reference: <citation>`",
    )
