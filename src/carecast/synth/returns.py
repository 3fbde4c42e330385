"""Slice the simulated histories into yearly SSDA903 returns, as the 903 CSV files hold them.

Collection year N covers 1 April N-1 to 31 March N (``carecast.schema.years``). A year's
episodes file holds every episode open at any time in that year, so an episode still open on 31
March appears again in the next return, with DEC and REC blank in the earlier one. The header file
lists the children with an episode in that return; the UASC file those of them who came as UASC.

Everything here is in the files' own terms: upper-case 903 column names, codes as strings, dates as
``dd/mm/YYYY``. Internal columns start with an underscore and are dropped when writing.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import polars as pl

from carecast.plumbing.constants import DAYS_PER_YEAR
from carecast.schema import collection_year_bounds
from carecast.synth.careers import UASC, Simulation, day
from carecast.synth.draw import add_years, draw_codes, lookup, text_frame
from carecast.synth.geography import Geography
from carecast.synth.params import Params

HEADER_COLUMNS = ("CHILD", "SEX", "DOB", "ETHNIC", "UPN", "MOTHER", "MC_DOB")
EPISODE_COLUMNS_903 = (
    "CHILD",
    "DECOM",
    "RNE",
    "LS",
    "CIN",
    "PLACE",
    "PLACE_PROVIDER",
    "DEC",
    "REC",
    "REASON_PLACE_CHANGE",
    "HOME_POST",
    "PL_POST",
    "URN",
)
UASC_COLUMNS = ("CHILD", "SEX", "DOB", "DUC")
DATE_FORMAT = "%d/%m/%Y"
_UPN_CHECK = np.array(list("ABCDEFGHJKLMNPQRTUVWXYZ"))


@dataclass
class ChildRecords:
    """Per-child identity fields, indexed like ``Simulation.children``."""

    cid: np.ndarray  # CHILD as a number (seven digits), unique within a council
    ethnic: np.ndarray
    upn: pl.Series  # Unique Pupil Number (Utf8)
    mc_dob: np.ndarray  # day number of the child's own baby's birth, -1 if none

    def child_id(self, idx: np.ndarray) -> pl.Series:
        """CHILD of the given children, as text."""
        return pl.Series("CHILD", self.cid[idx]).cast(pl.Utf8)


def year_end_day(years: np.ndarray) -> np.ndarray:
    """Day number of 31 March of each collection year (vectorised)."""
    march = (np.asarray(years, np.int64) - 1970).astype("datetime64[Y]").astype("datetime64[M]") + 2
    return (march.astype("datetime64[D]") + 30).astype(np.int64)


def _upn(rng: np.random.Generator, la_number: np.ndarray, dob: np.ndarray) -> pl.Series:
    """13-character Unique Pupil Numbers with a valid check letter (DfE algorithm)."""
    n = len(dob)
    year = (dob.astype("datetime64[D]").astype("datetime64[Y]").astype(int) + 1970 + 5) % 100
    digits = np.concatenate(
        [
            np.stack([(la_number // 100) % 10, (la_number // 10) % 10, la_number % 10], axis=1),
            rng.integers(0, 10, size=(n, 4)),
            np.stack([year // 10, year % 10], axis=1),
            rng.integers(0, 10, size=(n, 3)),
        ],
        axis=1,
    )
    check = (digits * np.arange(2, 14)).sum(axis=1) % 23
    number = digits @ (10 ** np.arange(11, -1, -1, dtype=np.int64))
    return lookup(_UPN_CHECK, check) + pl.Series(number).cast(pl.Utf8).str.zfill(12)


def child_records(
    rng: np.random.Generator, params: Params, geo: Geography, sim: Simulation, data_end_day: int
) -> ChildRecords:
    kids = sim.children
    n = len(kids.dob)
    cid = np.zeros(n, np.int64)
    order = np.argsort(kids.council, kind="stable")
    bounds = np.flatnonzero(np.r_[True, kids.council[order][1:] != kids.council[order][:-1], True])
    for a, b in zip(bounds[:-1], bounds[1:], strict=False):
        ids = rng.choice(9_000_000, b - a, replace=False) + 1_000_000
        cid[order[a:b]] = ids
    eth = params["ethnicity.london"], params["ethnicity.other"], params["ethnicity.uasc"]
    ethnic = np.where(
        geo.is_london[kids.council], draw_codes(rng, eth[0], n), draw_codes(rng, eth[1], n)
    )
    ethnic = np.where(kids.kind == UASC, draw_codes(rng, eth[2], n), ethnic).astype(object)
    la = np.array([int(c.dfe_number) % 1000 for c in geo.councils])[kids.council]
    b14 = add_years(kids.dob, 14)
    latest = np.minimum(add_years(kids.dob, 18), data_end_day)
    mother = (kids.sex == 2) & (latest > b14) & (rng.random(n) < params["mothers.share"])
    mc_dob = np.where(
        mother, b14 + (rng.random(n) * np.maximum(latest - b14, 1)).astype(np.int64), -1
    )
    return ChildRecords(cid=cid, ethnic=ethnic, upn=_upn(rng, la, kids.dob), mc_dob=mc_dob)


def _fmt(days: pl.Expr) -> pl.Expr:
    return days.cast(pl.Int32).cast(pl.Date).dt.strftime(DATE_FORMAT)


def episode_text(
    sim: Simulation, geo: Geography, recs: ChildRecords, urns: np.ndarray
) -> pl.DataFrame:
    """The 903 text fields of every simulated episode (row i = episode i), built once and gathered."""
    e = sim.episodes
    return text_frame(
        {
            "CHILD": recs.child_id(e.child),
            "RNE": e.rne,
            "LS": e.ls,
            "CIN": e.cin,
            "PLACE": e.place,
            "PLACE_PROVIDER": e.provider,
            "REC": e.rec,
            "REASON_PLACE_CHANGE": e.rpc,
            "HOME_POST": lookup(geo.pcds, sim.children.home_pc[e.child]),
            "PL_POST": lookup(geo.pcds, e.pl_pc),
            "URN": lookup(urns, e.prov),
        }
    )


def return_rows(
    sim: Simulation, geo: Geography, recs: ChildRecords, text: pl.DataFrame, years: range
) -> pl.DataFrame:
    """One row per (collection year, episode open in that year), in 903 terms plus internal columns.

    Internal columns: ``_council`` (name), ``_year``, ``_ep`` (episode index), ``_child`` (child
    index), ``_decom_day``/``_dec_day`` (day numbers; -1 = blank), ``_copy`` (why the row is
    there: "return", or the defect that added it).
    """
    e = sim.episodes
    names = np.array([c.name for c in geo.councils], dtype=object)
    parts = []
    for y in years:
        lo, hi = (day(d) for d in collection_year_bounds(y))
        idx = np.flatnonzero((e.decom <= hi) & (e.dec >= lo))
        parts.append((np.full(len(idx), y), idx))
    year = np.concatenate([p[0] for p in parts]).astype(np.int32)
    ep = np.concatenate([p[1] for p in parts])
    child = e.child[ep]
    year_end = year_end_day(year)
    closed = e.dec[ep] <= year_end
    meta = text_frame(
        {
            "_council": lookup(names, sim.children.council[child]),
            "_cidx": sim.children.council[child],
            "_cid": recs.cid[child],
            "_year": year,
            "_ep": ep,
            "_child": child,
            "_decom_day": e.decom[ep],
            "_dec_day": np.where(closed, e.dec[ep], -1),
        }
    )
    shut = pl.col("_dec_day") >= 0
    return pl.concat([meta, text[ep]], how="horizontal").with_columns(
        _fmt(pl.col("_decom_day")).alias("DECOM"),
        pl.when(shut).then(_fmt(pl.col("_dec_day"))).alias("DEC"),
        pl.when(shut).then(pl.col("REC")).alias("REC"),
        pl.when(shut).then(pl.col("REASON_PLACE_CHANGE")).alias("REASON_PLACE_CHANGE"),
        pl.lit("return").alias("_copy"),
    )


def header_rows(
    episode_rows: pl.DataFrame, sim: Simulation, geo: Geography, recs: ChildRecords
) -> pl.DataFrame:
    """The header table of each return, in file order: every child with an episode row in it."""
    kids = sim.children
    key = np.unique(
        episode_rows["_child"].to_numpy().astype(np.int64) * 10_000
        + episode_rows["_year"].to_numpy()
    )
    child, year = key // 10_000, key % 10_000
    order = np.lexsort((recs.cid[child], year, kids.council[child]))
    child, year = child[order], year[order].astype(np.int32)
    names = np.array([c.name for c in geo.councils], dtype=object)
    keys = text_frame(
        {
            "_council": lookup(names, kids.council[child]),
            "_cidx": kids.council[child],
            "_year": year,
            "_child": child,
            "_cid": recs.cid[child],
        }
    )
    year_end = year_end_day(year)
    age_end = (year_end - kids.dob[child]) / DAYS_PER_YEAR
    girl = kids.sex[child] == 2
    mc = recs.mc_dob[child]
    is_mother = girl & (mc >= 0) & (mc <= year_end)
    return (
        keys.with_columns(
            recs.child_id(child),
            pl.Series("SEX", kids.sex[child]).cast(pl.Utf8),
            pl.Series("_dob", kids.dob[child]),
            lookup(recs.ethnic, child).alias("ETHNIC"),
            pl.when(pl.Series(age_end < 5))
            .then(pl.lit("UN1"))
            .otherwise(recs.upn.gather(child))
            .alias("UPN"),
            pl.when(pl.Series(girl))
            .then(pl.Series(is_mother).cast(pl.Int8).cast(pl.Utf8))
            .alias("MOTHER"),
            pl.Series("_mc", np.where(is_mother, mc, -1)),
        )
        .with_columns(
            _fmt(pl.col("_dob")).alias("DOB"),
            pl.when(pl.col("_mc") >= 0).then(_fmt(pl.col("_mc"))).alias("MC_DOB"),
        )
        .drop("_dob", "_mc")
    )


def uasc_rows(header: pl.DataFrame, sim: Simulation) -> pl.DataFrame:
    """The UASC table of each return: UASC children in it; DUC (18th birthday) once it has passed."""
    kids = sim.children
    child = header["_child"].to_numpy()
    keep = kids.kind[child] == UASC
    sub = header.filter(pl.Series(keep))
    child = sub["_child"].to_numpy()
    duc = add_years(kids.dob[child], 18)
    year_end = year_end_day(sub["_year"].to_numpy())
    return (
        sub.select("_council", "_year", "_child", "CHILD", "SEX", "DOB")
        .with_columns(pl.Series("_duc", np.where(duc <= year_end, duc, -1)))
        .with_columns(pl.when(pl.col("_duc") >= 0).then(_fmt(pl.col("_duc"))).alias("DUC"))
        .drop("_duc")
    )
