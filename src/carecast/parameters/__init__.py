"""One parameter tree: every cited parameter file of carecast, read one way.

``shipped("carecast.forecast", "model.yaml")`` gives the defaults a capability ships; ``load(path)``
reads a council's file of the same shape; ``tree.override(data, source)`` applies a subset.
Each parameter carries its label, unit and references and its values keyed by the date they
take effect (``tree.value("cost_groups.ifa.weekly_cost", at=date)``). The format is documented
in :mod:`carecast.parameters.load`; ``tests/code_health`` checks every shipped file against it.
"""

from carecast.parameters.load import SHIPPED, document, load, parse, parse_text, shipped
from carecast.parameters.tree import ALWAYS, DatedValue, Parameter, ParameterTree, Reference

__all__ = [
    "ALWAYS",
    "SHIPPED",
    "DatedValue",
    "Parameter",
    "ParameterTree",
    "Reference",
    "document",
    "load",
    "parse",
    "parse_text",
    "shipped",
]
