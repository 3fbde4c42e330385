"""``carecast synth --like-england``: synthetic councils with the published sizes of real ones.

Each synthetic council imitates a real council (its name and codes): its child population is the
ONS estimate, and its entry-rate multiplier is set so its children looked after on 31 March of
the last collection year land near the DfE's published figure. The multiplier is found from one
pilot simulation of a large London and a large non-London council at multiplier 1: the stock
per 10,000 children these parameters give (children not seeking asylum scale with the
multiplier, asylum-seeking ones do not), so::

    multiplier = (published stock - asylum-seeking stock) / (stock per 10,000 at 1 x children / 10,000)

Asked for a number of councils, it takes them evenly across England's size distribution
(smallest to largest), so a handful already spans a Rutland and a Kent.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import polars as pl

from carecast.errors import ParameterError
from carecast.schema import find_council
from carecast.synth.careers import SHORT_BREAK, UASC, day, simulate
from carecast.synth.geography import build_geography
from carecast.synth.params import Params, load_params
from carecast.synth.providers import build_register

PILOT = ("Lewisham", "Kent")  # one London, one not: UASC rates differ
PILOT_POPULATION = 600_000  # large, so the pilot's own noise is ~1%
MULTIPLIER_RANGE = (0.1, 10.0)


@dataclass(frozen=True)
class LikeEngland:
    councils: list[str]  # carecast names of the councils imitated
    overrides: dict  # synth parameter overrides (population and entry multipliers)
    imitated: pl.DataFrame  # name, ons_code, dfe_number, published stock, population, multiplier


def published_councils(folder: Path, year: int) -> pl.DataFrame:
    """Councils' published 31 March stock and starts in ``year`` (or the latest year before it)
    and child population, matched to carecast's councils by ONS code."""
    from carecast.published import load

    p = load(folder)
    cla = p.cla.filter(
        pl.col("level") == "Council",
        pl.col("outcome").str.starts_with("used"),
        pl.col("year") <= year,
    )
    at = int(cla["year"].max())
    flows = cla.filter(pl.col("year") == at).pivot(
        "measure", index=["ons_code", "dfe_number"], values="value"
    )
    pop = p.population.filter(pl.col("level") == "Council", pl.col("year") == at).select(
        "dfe_number", pl.col("value").alias("population")
    )
    out = flows.join(pop, on="dfe_number").drop_nulls(["stock", "population"])
    names = [getattr(find_council(code, required=False), "name", None) for code in out["ons_code"]]
    return out.with_columns(pl.Series("name", names), pl.lit(at).alias("year")).drop_nulls("name")


def _pilot(p: Params, first: int, last: int, seed: int) -> dict[bool, tuple[float, float]]:
    """Per London (True) / not: (stock per 10,000 not seeking asylum, asylum-seeking per 10,000)
    on 31 March ``last`` at an entry multiplier of 1."""
    names = list(PILOT)
    growth = float(p["population.annual_growth"])
    start = PILOT_POPULATION / (1 + growth) ** (last - first)
    pilot = load_params(
        {
            **{k: p[k] for k in p.overridden},
            "population.overrides": {n: start for n in names},
            "entries.council_multipliers": {n: 1.0 for n in names},
        }
    )
    rng = np.random.default_rng(seed)
    geo = build_geography(rng, [find_council(n) for n in names], pilot)
    reg = build_register(rng, geo, pilot, dt.date(last, 3, 31))
    sim = simulate(rng, pilot, geo, reg, geo.placing, first, last)
    end = day(dt.date(last, 3, 31))
    eps, kids = sim.episodes, sim.children
    open_ = (eps.decom <= end) & (eps.dec > end)
    out = {}
    for c in geo.placing:
        london = bool(geo.is_london[c])
        child = np.unique(eps.child[open_ & (kids.council[eps.child] == c)])
        kind = kids.kind[child]
        per = PILOT_POPULATION / 1e4
        own = ((kind != UASC) & (kind != SHORT_BREAK)).sum()
        out[london] = (float(own / per), float((kind == UASC).sum() / per))
    return out


def like_england(
    folder: Path,
    councils: int | str,
    years: tuple[int, int],
    seed: int,
    params: str | Path | None = None,
) -> LikeEngland:
    """The councils to simulate and the parameter overrides that make them like England's."""
    first, last = years
    table = published_councils(Path(folder), last).sort("stock")
    if isinstance(councils, str) and not councils.strip().isdigit():
        wanted = {find_council(n.strip()).name for n in councils.split(",") if n.strip()}
        table = table.filter(pl.col("name").is_in(wanted))
    else:
        n = int(councils)
        if not 1 <= n <= table.height:
            raise ParameterError(
                f"--councils {n} with --like-england", fix=f"ask for 1 to {table.height} councils"
            )
        table = table[np.unique(np.round(np.linspace(0, table.height - 1, n)).astype(int))]
    p = load_params(params)
    base = _pilot(p, first, last, seed)
    london = np.array([find_council(nm).is_london for nm in table["name"]])
    per = table["population"].to_numpy() / 1e4
    own = np.array([base[bool(x)][0] for x in london])
    uasc = np.array([base[bool(x)][1] for x in london])
    mult = np.clip((table["stock"].to_numpy() - uasc * per) / (own * per), *MULTIPLIER_RANGE)
    growth = float(p["population.annual_growth"])
    start_pop = table["population"].to_numpy() / (1 + growth) ** (last - first)
    names = table["name"].to_list()
    overrides = {k: p[k] for k in p.overridden}
    overrides["population.overrides"] = dict(zip(names, np.round(start_pop).tolist(), strict=True))
    overrides["entries.council_multipliers"] = dict(zip(names, mult.round(4).tolist(), strict=True))
    imitated = table.select(
        "name", "ons_code", "dfe_number", "year", "stock", "starts", "population"
    ).with_columns(pl.Series("entry_multiplier", mult))
    return LikeEngland(names, overrides, imitated)
