"""``generate()``: simulate councils' care histories and write them as SSDA903 returns.

Output layout (``out_dir``)::

    <council>/<collection year>/header.csv, episodes.csv, uasc.csv   # 903 CSV, dd/mm/YYYY
    postcodes.csv    # ONSPD form: pcd, pcds, oslaua, lat, long (every postcode used)
    providers.csv    # provider register (children's homes, IFAs, supported, secure)
    README.txt       # what this is, the seed and the parameters

The returned :class:`SynthResult` holds the truth (clean tables, before defects) and the list of
planted defects, so a loader can be tested against what it should have found.
"""

from __future__ import annotations

import datetime as dt
import shutil
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import polars as pl
import yaml

import carecast
from carecast.benchmark.synthetic import synthetic_panel, write_panel
from carecast.errors import InputError, Location, ParameterError
from carecast.plumbing.episodes import in_care_on
from carecast.schema import collection_year_bounds
from carecast.synth.careers import day, regional_entry_shock, simulate
from carecast.synth.defects import (
    KINDS,
    PlantedDefect,
    plant_episode_defects,
    plant_header_defects,
    resolve,
)
from carecast.synth.geography import Geography, build_geography, select_councils
from carecast.synth.params import Params, load_params
from carecast.synth.providers import Register, build_register
from carecast.synth.returns import (
    EPISODE_COLUMNS_903,
    HEADER_COLUMNS,
    UASC_COLUMNS,
    child_records,
    episode_text,
    header_rows,
    return_rows,
    uasc_rows,
)
from carecast.synth.truth import provenance, truth_tables

README_MARK = "carecast synthetic SSDA903 data"
# Councils simulated together: councils share only the register and postcodes, so simulating a
# few at a time bounds memory for England-sized runs. Fixed, so results do not depend on machine.
COUNCILS_PER_CHUNK = 12
Progress = Callable[[str, int, int], None]


@dataclass
class SynthResult:
    """What ``generate`` wrote, and the truth behind it.

    ``children`` and ``episodes`` follow ``CHILDREN_COLUMNS`` / ``EPISODE_COLUMNS`` and are clean
    (before defects); ``defects`` lists every flaw planted in the files, with file and row.
    """

    path: Path
    councils: list[str]
    years: tuple[int, int]
    seed: int
    params: Params
    children: pl.DataFrame
    episodes: pl.DataFrame
    defects: list[PlantedDefect]
    providers: pl.DataFrame
    postcodes: pl.DataFrame
    population: pl.DataFrame  # council, collection_year, population (children 0-17)
    rows_written: dict[str, int] = field(default_factory=dict)

    def defects_frame(self) -> pl.DataFrame:
        schema = {
            "kind": pl.Utf8,
            "council": pl.Utf8,
            "year": pl.Int32,
            "file": pl.Utf8,
            "row": pl.Int64,
            "column": pl.Utf8,
            "child": pl.Utf8,
            "value": pl.Utf8,
            "expected": pl.Utf8,
            "detail": pl.Utf8,
        }
        return pl.DataFrame([d.as_dict() for d in self.defects], schema=schema)

    def summary(self) -> pl.DataFrame:
        """Per council: children, episodes, and children looked after (not short breaks) per 10,000
        on 31 March of the last year."""
        end = dt.date(self.years[1], 3, 31)
        in_care = (
            self.episodes.filter(~pl.col("is_short_break") & in_care_on(end))
            .group_by("council")
            .agg(pl.col("child_id").n_unique().alias("looked_after_31_march"))
        )
        pop = self.population.filter(pl.col("collection_year") == self.years[1]).select(
            "council", "population"
        )
        return (
            self.episodes.group_by("council")
            .agg(pl.col("child_id").n_unique().alias("children"), pl.len().alias("episodes"))
            .join(in_care, on="council", how="left")
            .join(pop, on="council", how="left")
            .with_columns(
                (pl.col("looked_after_31_march") / pl.col("population") * 1e4)
                .round(1)
                .alias("per_10k")
            )
            .sort("council")
        )


def parse_years(years: tuple[int, int] | str) -> tuple[int, int]:
    """``(2015, 2024)`` or ``"2015-2024"`` (or one year) → checked (first, last) collection years."""
    if isinstance(years, str):
        parts = years.replace("–", "-").split("-")
        try:
            nums = [int(p) for p in parts if p.strip()]
        except ValueError:
            nums = []
        if len(nums) not in (1, 2) or len(parts) > 2:
            raise ParameterError(
                f"'{years}' is not a range of collection years",
                where=Location(field="years"),
                fix="give first-last collection years, e.g. 2015-2024",
            )
        years = (nums[0], nums[-1])
    first, last = int(years[0]), int(years[1])
    if first > last:
        raise ParameterError(
            f"the years run backwards (first year {first} is after last year {last})",
            where=Location(field="years"),
            fix=f"give the earlier year first, e.g. {last}-{first}",
        )
    if first < 2000 or last > 2100:
        raise ParameterError(
            f"years {first}-{last} are outside 2000-2100",
            where=Location(field="years"),
            fix="give collection years such as 2015-2024",
        )
    return first, last


def _prepare_out(out: Path) -> None:
    """Use an empty or new folder, or replace a previous synth output; never touch anything else."""
    if out.exists() and not out.is_dir():
        raise InputError(
            f"{out} is a file, not a folder",
            where=Location(file=str(out)),
            fix="give a folder for the synthetic returns",
        )
    if out.is_dir() and any(out.iterdir()):
        readme = out / "README.txt"
        if not (
            readme.is_file() and readme.read_text("utf-8", errors="replace").startswith(README_MARK)
        ):
            raise InputError(
                f"the folder {out} is not empty and was not written by carecast synth",
                where=Location(file=str(out)),
                fix="give a new or empty folder",
            )
        for child in out.iterdir():
            if child.is_dir() and any(
                p.name == "episodes.csv" for p in child.glob("*/episodes.csv")
            ):
                shutil.rmtree(child)
            elif child.name in ("README.txt", "postcodes.csv", "providers.csv"):
                child.unlink()
    out.mkdir(parents=True, exist_ok=True)


def _write_returns(
    out: Path, councils: list[str], years: range, tables: dict[str, tuple[pl.DataFrame, tuple]]
) -> dict[str, int]:
    """One folder per council and year with the three files (column names only if no rows)."""
    parts = {
        name: frame.partition_by("_council", "_year", as_dict=True)
        for name, (frame, _) in tables.items()
    }
    counts = dict.fromkeys(tables, 0)
    for council in councils:
        for y in years:
            folder = out / council / str(y)
            folder.mkdir(parents=True, exist_ok=True)
            for name, (_, columns) in tables.items():
                part = parts[name].get((council, y))
                frame = (
                    part.select(columns)
                    if part is not None
                    else pl.DataFrame(schema=dict.fromkeys(columns, pl.Utf8))
                )
                frame.write_csv(folder / f"{name}.csv")
                counts[name] += frame.height
    return counts


def _readme(result: SynthResult, params: Params, defects: bool) -> str:
    kinds = {k: 0 for k in KINDS}
    for d in result.defects:
        kinds[d.kind] += 1
    lines = [
        f"{README_MARK} — NOT REAL CHILDREN",
        "",
        "Made-up SSDA903 (children looked after) returns for testing and demonstrating carecast.",
        f"Generated by carecast {carecast.__version__} with",
        f'  carecast synth --councils "{",".join(result.councils)}" --years {result.years[0]}-{result.years[1]} '
        f"--seed {result.seed}{'' if defects else ' --no-defects'}"
        + (" --params FILE (the overrides listed below)" if params.overridden else ""),
        "",
        "Layout:",
        "  <council>/<collection year>/header.csv, episodes.csv, uasc.csv  (903 CSV, dates dd/mm/YYYY;",
        "    collection year N covers 1 April N-1 to 31 March N; open episodes repeat in later returns)",
        "  postcodes.csv  ONSPD-form lookup (pcd, pcds, oslaua, lat, long) of every postcode used;",
        "                 the postcodes are synthetic, clustered around each council's centroid",
        "  panel.xlsx     council x financial-year spend and demand panel for `carecast benchmark`",
        "  providers.csv  provider register (Ofsted URN, host council, postcode, places, rating,",
        "                 registration, age range, weekly price at 2017-18 prices)",
        "",
        f"Rows written: {result.rows_written}",
        f"Children: {result.children.height}; episodes (clean truth): {result.episodes.height}",
        "",
        "Planted defects (the loader should find these; the truth does not contain them):",
        *[f"  {k}: {v}" for k, v in kinds.items()],
        "",
        f"Parameters (defaults: carecast/synth/data/params.yaml; overridden: {list(params.overridden) or 'none'}):",
        yaml.safe_dump(params.values(), sort_keys=False, allow_unicode=True, width=100),
    ]
    return "\n".join(lines)


@dataclass
class _Chunk:
    """What one group of councils contributes to the result."""

    children: pl.DataFrame
    episodes: pl.DataFrame
    defects: list[PlantedDefect]
    population: pl.DataFrame
    counts: dict[str, int]
    postcodes: np.ndarray  # postcode indices used


def _chunk(
    rng: np.random.Generator,
    p: Params,
    geo: Geography,
    reg: Register,
    placing: np.ndarray,
    yrs: range,
    defects: bool,
    out: Path,
    shared_shock: np.ndarray | None = None,
) -> _Chunk:
    """Simulate a few councils, write their returns, and keep only their truth."""
    data_end_day = day(dt.date(yrs[-1], 3, 31))
    sim = simulate(rng, p, geo, reg, placing, yrs[0], yrs[-1], shared_shock)
    recs = child_records(rng, p, geo, sim, data_end_day)
    text = episode_text(sim, geo, recs, reg.urn)
    rows, header, uasc, planted = _build_returns(rng, p, sim, geo, recs, text, yrs, defects)
    children, episodes = truth_tables(
        sim,
        geo,
        recs,
        text,
        day(collection_year_bounds(yrs[0])[0]),
        data_end_day,
        provenance(rows, len(sim.episodes.decom)),
    )
    counts = _write_returns(
        out,
        [geo.councils[c].name for c in placing],
        yrs,
        {
            "header": (header, HEADER_COLUMNS),
            "episodes": (rows, EPISODE_COLUMNS_903),
            "uasc": (uasc, UASC_COLUMNS),
        },
    )
    population = pl.DataFrame(
        [
            {"council": geo.councils[c].name, "collection_year": y, "population": round(v)}
            for (c, y), v in sim.population.items()
        ],
        schema={"council": pl.Utf8, "collection_year": pl.Int32, "population": pl.Int64},
    )
    used = np.unique(np.concatenate([sim.children.home_pc, sim.episodes.pl_pc]))
    return _Chunk(children, episodes, planted, population, counts, used)


def _build_returns(
    rng: np.random.Generator,
    p: Params,
    sim,
    geo,
    recs,
    text: pl.DataFrame,
    yrs: range,
    defects: bool,
) -> tuple[pl.DataFrame, pl.DataFrame, pl.DataFrame, list[PlantedDefect]]:
    """Episode, header and UASC rows of every return, in file order, with defects planted."""
    rows = (
        return_rows(sim, geo, recs, text, yrs)
        .with_row_index("_rid")
        .with_columns(pl.col("_rid").cast(pl.Int64))
    )
    pending = []
    if defects:
        rows, pending = plant_episode_defects(rng, p, rows, yrs[-1])
    rows = rows.sort("_cidx", "_year", "_cid", "_decom_day", "_rid").with_columns(
        (pl.int_range(pl.len()).over("_cidx", "_year") + 2).alias("_line")
    )
    header = header_rows(rows, sim, geo, recs)
    header = header.with_row_index("_rid").with_columns(pl.col("_rid").cast(pl.Int64))
    uasc = uasc_rows(header, sim)
    dropped = header.clear()
    if defects:
        kept, hpending = plant_header_defects(rng, p, header, rows.height)
        dropped = header.join(kept.select("_rid"), on="_rid", how="anti")
        header, pending = kept, pending + hpending
    return rows, header, uasc, resolve(pending, rows, dropped)


def generate(
    out_dir: str | Path,
    *,
    councils: int | str | list[str] = 6,
    years: tuple[int, int] | str = (2015, 2024),
    seed: int = 0,
    params: str | Path | Mapping[str, Any] | Params | None = None,
    defects: bool = True,
    progress: Progress | None = None,
) -> SynthResult:
    """Simulate ``councils`` over collection ``years`` and write their 903 returns to ``out_dir``.

    Parameters
    ----------
    councils : a number (taken in ``councils.default_order``, then the rest of England, then
        synthetic names), or council names (a list or a comma-separated string).
    years : first and last collection year, e.g. ``(2015, 2024)`` or ``"2015-2024"``.
    seed : seeds the one random generator; the same arguments give byte-identical files.
    params : overrides of ``data/params.yaml`` (a YAML file, or a dict of dotted paths).
    defects : plant realistic flaws in the files (recorded in ``SynthResult.defects``).
    progress : called as ``progress(stage, done, total)``.

    Examples
    --------
    >>> res = generate("/tmp/demo", councils=["Lewisham"], years=(2020, 2021), seed=1)  # doctest: +SKIP
    >>> res.episodes.height > 0  # doctest: +SKIP
    True
    """
    if isinstance(seed, bool) or not isinstance(seed, int | np.integer) or seed < 0:
        raise ParameterError(
            f"seed {seed!r} is not a whole number >= 0",
            where=Location(field="seed"),
            fix="give a seed such as 0 or 42",
        )
    p = load_params(params)
    first, last = parse_years(years)
    chosen = select_councils(councils, p)
    out = Path(out_dir)
    _prepare_out(out)

    def step(stage: str, done: int, total: int) -> None:
        if progress:
            progress(stage, done, total)

    rng = np.random.default_rng(int(seed))
    geo = build_geography(rng, chosen, p)
    data_end = dt.date(last, 3, 31)
    reg = build_register(rng, geo, p, data_end)
    yrs = range(first, last + 1)
    names = [c.name for c in chosen]
    parts: list[_Chunk] = []
    # one regional entry shock for every chunk, from its own stream (none drawn when it is 0)
    shared = regional_entry_shock(
        np.random.default_rng(np.random.SeedSequence(int(seed), spawn_key=(1,))), p, first, last
    )
    stage = "simulating and writing councils"
    step(stage, 0, len(chosen))
    # chunks in name order, so the chunks' sorted truth tables concatenate into a sorted whole
    by_name = geo.placing[np.argsort([c.name for c in chosen], kind="stable")]
    for start in range(0, len(chosen), COUNCILS_PER_CHUNK):
        placing = by_name[start : start + COUNCILS_PER_CHUNK]
        parts.append(_chunk(rng, p, geo, reg, placing, yrs, defects, out, shared))
        step(stage, min(start + COUNCILS_PER_CHUNK, len(chosen)), len(chosen))

    used = np.concatenate([reg.postcode, *[c.postcodes for c in parts]])
    postcodes = geo.postcode_table(used)
    postcodes.write_csv(out / "postcodes.csv")
    reg.table.with_columns(pl.col("ofsted_date").dt.strftime("%d/%m/%Y")).write_csv(
        out / "providers.csv"
    )
    # the council x year spend/demand panel for `carecast benchmark`, on financial years (start year)
    write_panel(synthetic_panel(names, (first - 1, last - 1), int(seed)), out / "panel.xlsx")
    counts = {k: sum(c.counts[k] for c in parts) for k in parts[0].counts}
    result = SynthResult(
        path=out,
        councils=names,
        years=(first, last),
        seed=int(seed),
        params=p,
        children=pl.concat([c.children for c in parts], rechunk=False),
        episodes=pl.concat([c.episodes for c in parts], rechunk=False),
        defects=[d for c in parts for d in c.defects],
        providers=reg.table,
        postcodes=postcodes,
        population=pl.concat([c.population for c in parts]),
        rows_written=counts,
    )
    (out / "README.txt").write_text(_readme(result, p, defects), "utf-8")
    step("writing lookups and README", 1, 1)
    return result
