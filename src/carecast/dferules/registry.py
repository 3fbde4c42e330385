"""Where each rule's implementation is registered under its DfE code.

A rule is a function of a :class:`~carecast.dferules.context.Context` returning the flagged row
numbers per table (``{"episodes": Series of _row}``). When the DfE changed a rule in some year,
each version is registered with the years it applies to, so one code maps to the right version
for the ruleset being run.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import polars as pl

from carecast.dferules.context import Context

Flags = dict[str, pl.Series]
RuleFunc = Callable[[Context], Flags]


@dataclass(frozen=True)
class Implementation:
    code: str
    func: RuleFunc
    first_year: int
    last_year: int


_REGISTRY: dict[str, list[Implementation]] = {}


def rule(
    code: str, *, first_year: int = 0, last_year: int = 9999
) -> Callable[[RuleFunc], RuleFunc]:
    """Register ``func`` as DfE rule ``code`` for collection years first_year..last_year."""

    def register(func: RuleFunc) -> RuleFunc:
        versions = _REGISTRY.setdefault(code, [])
        for other in versions:
            if other.first_year <= last_year and first_year <= other.last_year:
                raise ValueError(f"rule {code} registered twice for overlapping years")
        versions.append(Implementation(code, func, first_year, last_year))
        return func

    return register


def implementation(code: str, year: int) -> Implementation | None:
    """The version of rule ``code`` that applies to collection ``year``, if carecast has one."""
    _load_rules()
    for impl in _REGISTRY.get(code, []):
        if impl.first_year <= year <= impl.last_year:
            return impl
    return None


def _load_rules() -> None:
    """Import the rule modules (each registers its rules when imported)."""
    import carecast.dferules.rules  # noqa: F401
