"""Conventions every shipped parameter file keeps (PolicyEngine's code-health tests, for carecast).

A figure in a report has to say what it is and where it came from, so every parameter has a label
(what people read), a unit and a reference with a title. New parameter files are found by shape,
so one cannot be added without being read through :mod:`carecast.parameters`.
"""

from __future__ import annotations

from importlib import resources

import pytest
import yaml

from carecast.parameters import SHIPPED, shipped

PARAMETERS = [
    (f"{pkg}/{name}", path, p)
    for pkg, name in SHIPPED
    for path, p in shipped(pkg, name).parameters.items()
]


@pytest.mark.parametrize(
    ("file", "path", "param"), PARAMETERS, ids=[f"{f}:{p}" for f, p, _ in PARAMETERS]
)
def test_every_parameter_has_a_label_a_unit_and_a_reference(file, path, param):
    assert param.label and param.label.strip(), f"{file}: {path} has no label"
    assert "_" not in param.label, f"{file}: {path}'s label {param.label!r} reads like an id"
    assert param.unit and param.unit.strip(), f"{file}: {path} has no unit"
    assert param.references and all(r.title.strip() for r in param.references), (
        f"{file}: {path} has no reference"
    )


def test_there_are_parameters_in_every_shipped_file():
    for pkg, name in SHIPPED:
        assert len(shipped(pkg, name)) > 0, f"{pkg}/{name} has no parameters"


def _looks_like_parameters(doc: object) -> bool:
    def is_param(node: object) -> bool:
        return (
            isinstance(node, dict)
            and ("value" in node or "values" in node)
            and "description" in node
        )

    def walk(node: object) -> bool:
        return isinstance(node, dict) and any(is_param(v) or walk(v) for v in node.values())

    return walk(doc)


def test_every_cited_parameter_file_is_read_through_the_parameter_tree():
    shipped_files = {(pkg, name) for pkg, name in SHIPPED}
    root = resources.files("carecast")
    found = []
    for package in root.iterdir():
        data = package / "data"
        if not data.is_dir():
            continue
        for f in data.iterdir():
            if f.name.endswith(".yaml") and _looks_like_parameters(
                yaml.safe_load(f.read_text("utf-8"))
            ):
                found.append((f"carecast.{package.name}", f.name))
    assert found and set(found) <= shipped_files, (
        f"add to carecast.parameters.SHIPPED: {set(found) - shipped_files}"
    )
