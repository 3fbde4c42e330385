"""Placement categories and cost groups, and the (PLACE, PLACE_PROVIDER, LS) rules that assign them.

The default rules live in ``schema/data/categories.yaml``; a council can pass its own file. The
rules compile to one vectorised Polars ``when/then`` chain, so classifying millions of episodes is
a single expression.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from importlib import resources
from pathlib import Path

import polars as pl
import yaml

from carecast.errors import Location, ParameterError
from carecast.yamlfile import read_yaml

_RULE_KEYS = {"place", "provider", "ls_prefix", "category", "cost_group"}


@dataclass(frozen=True)
class AgeBand:
    label: str
    lower: int
    upper: int


@dataclass(frozen=True)
class PlacementCategories:
    """Category and cost-group definitions plus the ordered rules that map episodes onto them."""

    categories: dict[str, str]  # id -> label
    cost_groups: dict[str, str]  # id -> label
    rules: tuple[dict, ...]
    age_bands: tuple[AgeBand, ...]
    source: str

    @property
    def category_ids(self) -> list[str]:
        return list(self.categories)

    @property
    def age_band_labels(self) -> list[str]:
        return [b.label for b in self.age_bands]

    def _match(self, rule: dict, place: str, provider: str, ls: str) -> pl.Expr:
        cond = pl.lit(True)
        if rule["place"] != "*":
            cond = cond & pl.col(place).is_in(list(rule["place"]))
        if rule["provider"] != "*":
            cond = cond & pl.col(provider).is_in(list(rule["provider"]))
        if rule.get("ls_prefix"):
            ls_cond = pl.lit(False)
            for prefix in rule["ls_prefix"]:
                ls_cond = ls_cond | pl.col(ls).fill_null("").str.starts_with(prefix)
            cond = cond & ls_cond
        return cond

    def _chain(self, field: str, place: str, provider: str, ls: str) -> pl.Expr:
        expr: pl.Expr | None = None
        for rule in self.rules:
            cond = self._match(rule, place, provider, ls)
            expr = (
                pl.when(cond).then(pl.lit(rule[field]))
                if expr is None
                else expr.when(cond).then(pl.lit(rule[field]))
            )
        assert expr is not None  # load_categories guarantees at least one rule
        return expr.otherwise(pl.lit(None, dtype=pl.Utf8))

    def category_expr(
        self, place: str = "place", provider: str = "place_provider", ls: str = "ls"
    ) -> pl.Expr:
        """Expression giving the placement category of each row."""
        return self._chain("category", place, provider, ls)

    def cost_group_expr(
        self, place: str = "place", provider: str = "place_provider", ls: str = "ls"
    ) -> pl.Expr:
        """Expression giving the cost group of each row."""
        return self._chain("cost_group", place, provider, ls)

    def classify(self, episodes: pl.DataFrame, **cols: str) -> pl.DataFrame:
        """Add ``category`` and ``cost_group`` columns to an episodes table."""
        return episodes.with_columns(
            self.category_expr(**cols).alias("category"),
            self.cost_group_expr(**cols).alias("cost_group"),
        )

    def age_band_expr(self, age_years: str | pl.Expr) -> pl.Expr:
        """Expression mapping an age in (fractional) years to its age-band label; null outside 0-18."""
        col = pl.col(age_years) if isinstance(age_years, str) else age_years
        expr: pl.Expr | None = None
        for b in self.age_bands:
            cond = (col >= b.lower) & (col < b.upper)
            expr = (
                pl.when(cond).then(pl.lit(b.label))
                if expr is None
                else expr.when(cond).then(pl.lit(b.label))
            )
        assert expr is not None
        return expr.otherwise(pl.lit(None, dtype=pl.Utf8))


def _fail(source: str, key: str, message: str, fix: str) -> ParameterError:
    return ParameterError(message, fix=fix, where=Location(file=source, field=key))


def parse_categories(data: dict, source: str) -> PlacementCategories:
    """Validate a categories document as a whole before returning it."""
    if not isinstance(data, dict):
        raise _fail(
            source,
            "(top level)",
            "the file is not a YAML mapping",
            "start from the default categories.yaml",
        )
    for key in ("categories", "cost_groups", "rules", "age_bands"):
        if key not in data:
            raise _fail(
                source,
                key,
                f"missing section '{key}'",
                f"add a '{key}:' section (see the default file)",
            )
    cats = {k: (v or {}).get("label", k) for k, v in data["categories"].items()}
    groups = {k: (v or {}).get("label", k) for k, v in data["cost_groups"].items()}
    rules = []
    for i, rule in enumerate(data["rules"], start=1):
        where = f"rules[{i}]"
        unknown = set(rule) - _RULE_KEYS
        if unknown:
            raise _fail(
                source,
                where,
                f"unknown key(s) {sorted(unknown)}",
                f"allowed keys are {sorted(_RULE_KEYS)}",
            )
        for key in ("place", "provider", "category", "cost_group"):
            if key not in rule:
                raise _fail(
                    source, where, f"rule has no '{key}'", f"give '{key}' (use \"*\" for any)"
                )
        if rule["category"] not in cats:
            raise _fail(
                source,
                where,
                f"category '{rule['category']}' is not defined",
                f"use one of {list(cats)}",
            )
        if rule["cost_group"] not in groups:
            raise _fail(
                source,
                where,
                f"cost group '{rule['cost_group']}' is not defined",
                f"use one of {list(groups)}",
            )
        rules.append(rule)
    if not rules or rules[-1]["place"] != "*" or rules[-1]["provider"] != "*":
        raise _fail(
            source,
            "rules",
            'the last rule must catch everything (place: "*", provider: "*")',
            "end the rules with a catch-all rule mapping to 'other'",
        )
    bands = tuple(
        AgeBand(str(b["label"]), int(b["lower"]), int(b["upper"])) for b in data["age_bands"]
    )
    for a, b in zip(bands, bands[1:], strict=False):
        if a.upper != b.lower:
            raise _fail(
                source,
                "age_bands",
                f"age bands '{a.label}' and '{b.label}' leave a gap or overlap",
                "make each band's upper bound the next band's lower bound",
            )
    return PlacementCategories(cats, groups, tuple(rules), bands, source)


def load_categories(path: str | Path | None = None) -> PlacementCategories:
    """Load placement categories from ``path``, or the shipped defaults when ``path`` is None."""
    if path is None:
        return _default_categories()
    return parse_categories(read_yaml(path, "categories"), str(path))


@cache
def _default_categories() -> PlacementCategories:
    text = resources.files("carecast.schema").joinpath("data/categories.yaml").read_text("utf-8")
    return parse_categories(yaml.safe_load(text), "carecast/schema/data/categories.yaml")


def age_band_expr(age_years: str | pl.Expr) -> pl.Expr:
    """Age-band label expression using the default bands (0, 1-4, 5-9, 10-15, 16-17)."""
    return _default_categories().age_band_expr(age_years)
