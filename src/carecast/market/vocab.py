"""The shared vocabulary of commissioning: provision types, needs, Ofsted judgements, urgency,
refusal reasons (``data/vocabulary.yaml``), with alias lookup so files in the wild can say
"Children's Home", "K2" or "residential" and mean the same thing.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache
from importlib import resources

import polars as pl
import yaml


def alias_key(text: str) -> str:
    """Comparison key for an alias: lower case, apostrophes, spaces, hyphens, slashes, underscores removed."""
    return re.sub(r"[\s'’\-_/.]", "", str(text).lower())


@dataclass(frozen=True)
class Terms:
    """One list of terms: ids in file order, their labels, and alias → id."""

    name: str
    labels: dict[str, str]
    aliases: dict[str, str]
    extra: dict[str, dict]

    @property
    def ids(self) -> list[str]:
        return list(self.labels)

    def lookup(self, text: str | None) -> str | None:
        """The id ``text`` names, or None."""
        if text is None:
            return None
        return self.aliases.get(alias_key(text))

    def normalise_expr(self, expr: pl.Expr) -> pl.Expr:
        """Vectorised :meth:`lookup` over a text column (unknown → null)."""
        key = expr.cast(pl.Utf8).str.to_lowercase().str.replace_all(r"[\s'’\-_/.]", "")
        return key.replace_strict(self.aliases, default=None, return_dtype=pl.Utf8)

    def describe(self) -> str:
        return ", ".join(self.ids)


def _terms(name: str, doc: dict) -> Terms:
    labels, aliases, extra = {}, {}, {}
    for tid, spec in doc.items():
        labels[tid] = spec.get("label", tid)
        extra[tid] = spec
        for a in [tid, spec.get("label", tid), *spec.get("aliases", [])]:
            aliases[alias_key(a)] = tid
    return Terms(name, labels, aliases, extra)


@dataclass(frozen=True)
class Vocabulary:
    types: Terms
    needs: Terms
    ratings: Terms
    urgency: Terms
    refusal_reasons: Terms


@cache
def vocabulary() -> Vocabulary:
    """The vocabulary shipped in ``market/data/vocabulary.yaml``."""
    doc = yaml.safe_load(
        resources.files("carecast.market").joinpath("data/vocabulary.yaml").read_text("utf-8")
    )
    return Vocabulary(
        **{
            k: _terms(k, doc[k])
            for k in ("types", "needs", "ratings", "urgency", "refusal_reasons")
        }
    )
