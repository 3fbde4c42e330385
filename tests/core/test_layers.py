"""The layers stay layers: front ends call services, services call libraries.

Read from the source (every import, also those inside functions): only ``cli.py`` imports a
``commands`` module; a web route imports no other route and no ``commands`` module; the web
package has no import cycle.
"""

import ast

from tests.paths import REPO

SRC = REPO / "src"
PACKAGE = SRC / "carecast"


def _module(path) -> str:
    return ".".join(path.relative_to(SRC).with_suffix("").parts).removesuffix(".__init__")


FILES = {_module(p): p for p in PACKAGE.rglob("*.py")}


def _imports(path) -> set[str]:
    """The carecast modules a file imports: ``from carecast.web import cache`` is carecast.web.cache,
    ``from carecast.web.deps import DbDep`` is carecast.web.deps."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            submodules = {f"{node.module}.{alias.name}" for alias in node.names} & set(FILES)
            found |= submodules or {node.module}
    return {name for name in found if name.startswith("carecast")}


MODULES = {name: _imports(path) for name, path in FILES.items()}


def _is_commands(name: str) -> bool:
    return name.split(".")[-1] == "commands"


def test_only_the_cli_imports_command_modules():
    offenders = {
        m: sorted(i for i in imports if _is_commands(i))
        for m, imports in MODULES.items()
        if m != "carecast.cli"
    }
    assert {m: i for m, i in offenders.items() if i} == {}


def test_web_routes_import_no_route_and_no_command_module():
    routes = "carecast.web.api.routes"
    offenders = {
        m: sorted(i for i in imports if i.startswith(f"{routes}.") or _is_commands(i))
        for m, imports in MODULES.items()
        if m.startswith(f"{routes}.")
    }
    assert {m: i for m, i in offenders.items() if i} == {}


def test_the_web_package_has_no_import_cycle():
    web = {
        m: {i for i in imports if i in MODULES and i.startswith("carecast.web") and i != m}
        for m, imports in MODULES.items()
        if m.startswith("carecast.web")
    }

    def cycle_from(start: str) -> list[str] | None:
        stack = [(start, [start])]
        while stack:
            node, path = stack.pop()
            for nxt in web.get(node, ()):
                if nxt == start:
                    return [*path, nxt]
                if nxt not in path:
                    stack.append((nxt, [*path, nxt]))
        return None

    cycles = [c for m in web if (c := cycle_from(m))]
    assert cycles == []


def test_the_check_sees_the_imports_it_is_about():
    """Guard against a vacuous pass: the CLI's registry and a route's dependencies are seen."""
    assert any(
        i.startswith("carecast.web.deps") for i in MODULES["carecast.web.api.routes.forecast"]
    )
    assert "carecast.services.forecast" in MODULES["carecast.forecast.commands"]
