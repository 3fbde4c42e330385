"""A plausible synthetic council x year panel, so the demo and tests have one to benchmark.

Levels are drawn in the ranges Under pressure reports for London (CSC spend £230-£776 and high
needs £238-£584 per head aged 0-25; LAC 40-90 per 10,000; EHCPs growing ~8% a year; CSC budgets
roughly flat, high needs allocations growing more slowly than spend) and scaled by each council's
child population. Components add up to their totals exactly. Seeded: the same councils, years and
seed give the same panel.

To exercise the complete-series rule, when there are at least four councils one council's CSC
budget is left blank in the first year (the report had boroughs without a full series too).
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import numpy as np
import polars as pl
import xlsxwriter

from carecast.benchmark.measures import catalogue
from carecast.schema import financial_year_label, find_council

# Shares of the children looked after total (3.1.11) by line 3.1.1 ... 3.1.10, before noise.
_LAC_LINE_SHARES = np.array([0.30, 0.45, 0.06, 0.04, 0.04, 0.02, 0.02, 0.01, 0.05, 0.01])
# Other CSC lines as a multiple of the children looked after total: 3.2.1, 3.3.4, 3.4.6, 3.5.3.
_CSC_LINE_RATIOS = np.array([0.06, 0.18, 0.85, 0.10])
# High needs components' shares: mainstream top-ups, special schools, INMSS, post-16, other.
_HN_SHARES = np.array([0.25, 0.35, 0.15, 0.10, 0.15])


def synthetic_panel(
    councils: list[str], years: range | tuple[int, int] | list[int], seed: int
) -> pl.DataFrame:
    """A wide panel: columns ``council``, ``year`` (financial year start) and one per measure.

    Parameters
    ----------
    councils : names (or codes) known to :func:`carecast.schema.find_council`.
    years : financial years numbered by their start year: a ``range`` or list of years
        (``range(2014, 2018)`` is 2014-15 to 2017-18), or a ``(first, last)`` tuple, both included
        (``(2014, 2017)`` is the same four years).
    seed : seed of the numpy Generator.
    """
    names = [find_council(c).name for c in councils]
    if isinstance(years, tuple) and len(years) == 2:
        years = range(int(years[0]), int(years[1]) + 1)
    ys = np.array(sorted(set(int(y) for y in years)))
    if not names or ys.size == 0:
        raise ValueError("synthetic_panel needs at least one council and one year")
    rng = np.random.default_rng(seed)
    n, t = len(names), ys.size
    step = np.arange(t)[None, :]  # years since the first, broadcast over councils
    london = np.array([find_council(c).is_london for c in names])
    pop17 = np.where(
        london, rng.lognormal(np.log(62_000), 0.3, n), rng.lognormal(np.log(230_000), 0.35, n)
    )
    pop17 = np.where(np.array(names) == "City of London", 1_200.0, pop17)
    pop17 = pop17[:, None] * (1 + rng.normal(0.008, 0.004, n))[:, None] ** step
    pop25 = pop17 * rng.uniform(1.40, 1.55, n)[:, None]
    deprived = pop25 * rng.uniform(0.12, 0.35, n)[:, None]

    lac_rate = rng.uniform(40, 90, n)[:, None] * (1 + rng.normal(0.0, 0.04, n))[:, None] ** step
    lac = np.round(lac_rate * pop17 / 10_000)
    cp = np.round(
        rng.uniform(30, 60, n)[:, None]
        * (1 + rng.normal(0.005, 0.06, n))[:, None] ** step
        * pop17
        / 10_000
    )
    ehcps = np.round(
        pop25
        * rng.uniform(0.025, 0.04, n)[:, None]
        * (1 + rng.normal(0.08, 0.03, n))[:, None] ** step
    )

    cost_per_lac = (
        rng.uniform(40_000, 60_000, n)[:, None] * (1 + rng.normal(0.04, 0.02, n))[:, None] ** step
    )
    lac_total = lac * cost_per_lac
    shares = _LAC_LINE_SHARES * rng.uniform(0.6, 1.4, (n, _LAC_LINE_SHARES.size))
    shares /= shares.sum(axis=1, keepdims=True)
    lac_lines = np.round(lac_total[:, :, None] * shares[:, None, :])
    lac_total = lac_lines.sum(axis=2)
    ratios = _CSC_LINE_RATIOS * rng.uniform(0.7, 1.3, (n, _CSC_LINE_RATIOS.size))
    growth = (1 + rng.normal(0.02, 0.02, (n, _CSC_LINE_RATIOS.size)))[:, None, :] ** step[
        :, :, None
    ]
    other_lines = np.round(lac_total[:, :1, None] * ratios[:, None, :] * growth)
    csc_spend = lac_total + other_lines.sum(axis=2)
    csc_budget = np.round(
        csc_spend[:, :1]
        * rng.uniform(0.91, 1.01, n)[:, None]
        * (1 + rng.normal(0.015, 0.01, n))[:, None] ** step
    )

    hn_per_head = (
        rng.uniform(240, 580, n)[:, None] * (1 + rng.normal(0.045, 0.02, n))[:, None] ** step
    )
    hn_shares = _HN_SHARES * rng.uniform(0.7, 1.3, (n, _HN_SHARES.size))
    hn_shares /= hn_shares.sum(axis=1, keepdims=True)
    hn_lines = np.round((hn_per_head * pop25)[:, :, None] * hn_shares[:, None, :])
    hn_spend = hn_lines.sum(axis=2)
    hn_budget = np.round(
        hn_spend[:, :1]
        * rng.uniform(0.99, 1.05, n)[:, None]
        * (1 + rng.normal(0.03, 0.01, n))[:, None] ** step
    )

    cat = catalogue()
    columns: dict[str, np.ndarray] = {
        "csc_spend": csc_spend,
        "csc_budget": csc_budget,
        "hn_spend": hn_spend,
        "hn_budget": hn_budget,
        "lac": lac,
        "cp_plans": cp,
        "ehcps": ehcps,
        "population_0_17": np.round(pop17),
        "population_0_25": np.round(pop25),
        "deprived_0_25": np.round(deprived),
    }
    for i, mid in enumerate(cat.components("s251_3_1_11")):
        columns[mid] = lac_lines[:, :, i]
    columns["s251_3_1_11"] = lac_total
    for i, mid in enumerate(m for m in cat.components("csc_spend") if m != "s251_3_1_11"):
        columns[mid] = other_lines[:, :, i]
    for i, mid in enumerate(cat.components("hn_spend")):
        columns[mid] = hn_lines[:, :, i]
    frame = pl.DataFrame(
        {
            "council": np.repeat(names, t),
            "year": np.tile(ys, n).astype(np.int32),
            **{mid: columns[mid].reshape(-1) for mid in cat.measures if mid in columns},
        }
    )
    if n >= 4:
        gap = names[int(rng.integers(n))]
        frame = frame.with_columns(
            pl.when((pl.col("council") == gap) & (pl.col("year") == int(ys[0])))
            .then(None)
            .otherwise(pl.col("csc_budget"))
            .alias("csc_budget")
        )
    return frame


def write_panel(df: pl.DataFrame, path: str | Path) -> Path:
    """Write a wide panel as the loader reads it: XLSX (sheets ``panel`` and ``measures``) or CSV.

    Years are written as financial-year labels ("2017-18"), as councils write them.
    """
    p = Path(path)
    p.parent.mkdir(parents=True, exist_ok=True)
    out = df.with_columns(pl.col("year").map_elements(financial_year_label, return_dtype=pl.Utf8))
    if p.suffix.lower() == ".csv":
        out.write_csv(p)
        return p
    cat = catalogue()
    measures = pl.DataFrame(
        [
            {
                "measure": m.id,
                "label": m.label,
                "kind": m.kind,
                "part_of": m.part_of or "",
                "s251_line": m.s251_line or "",
                "description": m.description,
                "reference": m.reference,
            }
            for m in cat.measures.values()
            if m.id in df.columns
        ]
    )
    with xlsxwriter.Workbook(str(p)) as wb:
        # a fixed creation date keeps the file byte-identical for the same seed (synth's promise)
        wb.set_properties({"created": dt.datetime(2000, 1, 1)})
        out.write_excel(workbook=wb, worksheet="panel", autofit=True, float_precision=0)
        measures.write_excel(workbook=wb, worksheet="measures", autofit=True)
    return p
