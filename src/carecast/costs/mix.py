"""Which cost groups a placement category's children are costed at.

A forecast counts children by placement *category*; prices are per *cost group*. Most categories
map to one group, but some span several (``secure`` is welfare or remand, priced £5,468 vs £2,060 a
week in London 2017-18). The mix is the share of each category's child-days in each cost group:
measured from the cleaned episodes (:func:`derive_cost_mix`) or, without data, split equally
between the groups the category rules can assign (:func:`default_cost_mix`, stated in outputs).
"""

from __future__ import annotations

import datetime as dt

import numpy as np
import polars as pl

from carecast.errors import InsufficientDataError, ParameterError
from carecast.schema import load_categories
from carecast.schema.categories import PlacementCategories

CostMix = dict[str, dict[str, float]]


def default_cost_mix(categories: PlacementCategories | None = None) -> CostMix:
    """Equal shares between the cost groups the category rules map each category to."""
    cats = categories or load_categories()
    groups: dict[str, list[str]] = {c: [] for c in cats.categories}
    for rule in cats.rules:
        if rule["cost_group"] not in groups[rule["category"]]:
            groups[rule["category"]].append(rule["cost_group"])
    return {c: {g: 1.0 / len(gs) for g in gs} for c, gs in groups.items() if gs}


def derive_cost_mix(
    episodes: pl.DataFrame,
    *,
    start: dt.date | None = None,
    end: dt.date | None = None,
    fallback: CostMix | None = None,
) -> CostMix:
    """Share of each category's child-days in each cost group, from cleaned episodes.

    Days are counted between ``start`` and ``end`` (default: the last three years of the data);
    short breaks are excluded. Categories with no days in the window keep the ``fallback`` mix
    (default: :func:`default_cost_mix`).
    """
    fallback = fallback or default_cost_mix()
    need = {"category", "cost_group", "decom", "dec", "data_end"}
    missing = need - set(episodes.columns)
    if missing:
        raise InsufficientDataError(
            f"episodes lack column(s) {sorted(missing)} needed for the cost mix",
            fix="pass cleaned episodes (carecast ingest output)",
        )
    eps = episodes
    if "is_short_break" in eps.columns:
        eps = eps.filter(~pl.col("is_short_break").fill_null(False))
    ends = eps.select(pl.coalesce("dec", "data_end").alias("e")).get_column("e")
    last = end or ends.max()
    if last is None:
        return fallback
    first = start or (last - dt.timedelta(days=3 * 365))
    days = (
        eps.with_columns(
            pl.max_horizontal(pl.col("decom"), pl.lit(first)).alias("_s"),
            pl.min_horizontal(pl.coalesce("dec", "data_end"), pl.lit(last)).alias("_e"),
        )
        .with_columns(((pl.col("_e") - pl.col("_s")).dt.total_days()).clip(0, None).alias("days"))
        .group_by("category", "cost_group")
        .agg(pl.col("days").sum())
        .filter(pl.col("days") > 0)
    )
    mix: CostMix = {c: dict(v) for c, v in fallback.items()}
    for cat, part in days.partition_by("category", as_dict=True).items():
        total = part.get_column("days").sum()
        mix[cat[0]] = {
            g: d / total
            for g, d in zip(part.get_column("cost_group"), part.get_column("days"), strict=True)
        }
    return mix


def mix_matrix(categories: list[str], groups: list[str], mix: CostMix | None) -> np.ndarray:
    """The mix as a (categories × cost groups) matrix whose rows sum to 1, validated."""
    mix = mix if mix is not None else default_cost_mix()
    out = np.zeros((len(categories), len(groups)))
    col = {g: j for j, g in enumerate(groups)}
    for i, c in enumerate(categories):
        if c not in mix:
            raise ParameterError(
                f"category '{c}' has no cost-group mix",
                fix=f"give category_cost_mix['{c}'] = {{cost_group: share}} (known categories: {sorted(mix)})",
            )
        for g, w in mix[c].items():
            if g not in col:
                raise ParameterError(
                    f"cost group '{g}' (in the mix of category '{c}') is not a cost group",
                    fix=f"use one of {groups}",
                )
            if w < 0:
                raise ParameterError(
                    f"negative share {w} for '{g}' in the mix of '{c}'", fix="shares are 0-1"
                )
            out[i, col[g]] = w
        total = out[i].sum()
        if total <= 0:
            raise ParameterError(
                f"the mix of category '{c}' has no weight", fix="give at least one positive share"
            )
        out[i] /= total
    return out


def mix_frame(mix: CostMix) -> pl.DataFrame:
    """The mix as a table (category, cost_group, share) for the assumptions sheet."""
    rows = [
        {"category": c, "cost_group": g, "share": w} for c, gs in mix.items() for g, w in gs.items()
    ]
    return pl.DataFrame(
        rows, schema={"category": pl.Utf8, "cost_group": pl.Utf8, "share": pl.Float64}
    )
