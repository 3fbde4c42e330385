"""Realistic flaws planted in the written files (never in the truth), each recorded.

DOMAIN.md §3 lists the quirks a loader must handle. This module plants a small, configurable
number of each (``defects.per_10k_rows``; at least one of each kind when the data allows) into
the return rows just before they are written, and records every one as a :class:`PlantedDefect`
naming the file, row and column, so tests can check the loader found and handled it:

* ``duplicate_row`` — an episode row repeated in the same file;
* ``duplicate_across_returns`` — a closed episode sent again, unchanged, in the next return;
* ``late_closed`` — an episode that ended in year N left open (DEC/REC blank) in return N and
  closed in return N+1;
* ``corrected_end`` — a closed episode whose DEC is a few days out in return N, sent again with the
  right DEC in return N+1;
* ``corrected_start`` — an episode open at the end of return N with a DECOM a few days out, which
  return N+1 sends with the correct DECOM and closed;
* ``bad_code`` — an unknown code in PLACE, LS, RNE, CIN, PLACE_PROVIDER or REC;
* ``bad_date_format`` — DEC written ``dd.mm.yy``;
* ``impossible_date`` — DEC a day that does not exist (31 April);
* ``dec_before_decom`` — DEC earlier than DECOM;
* ``child_without_header`` — a child's header row missing from a return that has their episodes.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import asdict, dataclass

import numpy as np
import polars as pl

from carecast.synth.params import Params

KINDS = (
    "duplicate_row",
    "duplicate_across_returns",
    "late_closed",
    "corrected_end",
    "corrected_start",
    "bad_code",
    "bad_date_format",
    "impossible_date",
    "dec_before_decom",
    "child_without_header",
)
BAD_CODES = {
    "PLACE": "U9",
    "LS": "C9",
    "RNE": "Z",
    "CIN": "N0",
    "PLACE_PROVIDER": "PR9",
    "REC": "E99",
}
_EPOCH = dt.date(1970, 1, 1)


@dataclass(frozen=True)
class PlantedDefect:
    """One flaw in the files. ``row`` is the 1-based line (the column-name line is 1)."""

    kind: str
    council: str
    year: int
    file: str  # relative to the output folder, e.g. "Lewisham/2019/episodes.csv"
    row: int | None
    column: str | None
    child: str
    value: str | None  # what the file holds
    expected: str | None  # what the truth holds (None when the row itself is the flaw)
    detail: str

    def as_dict(self) -> dict:
        return asdict(self)


@dataclass
class _Pending:
    kind: str
    rid: int  # row id in the episode (or header) rows
    column: str | None
    value: str | None
    expected: str | None
    detail: str
    table: str = "episodes"
    other_rid: int | None = None  # the row in the next return that completes the story


def _day_str(d: int) -> str:
    return (_EPOCH + dt.timedelta(days=int(d))).strftime("%d/%m/%Y")


class _Picker:
    """Draws distinct rows so no row carries two defects."""

    def __init__(self, rng: np.random.Generator, n_rows: int):
        self.rng = rng
        self.used = np.zeros(n_rows, bool)

    def take(self, candidates: np.ndarray, k: int) -> np.ndarray:
        free = candidates[~self.used[candidates]]
        if not len(free) or k <= 0:
            return free[:0]
        pick = self.rng.choice(free, size=min(k, len(free)), replace=False)
        self.used[pick] = True
        return np.sort(pick)


def _patch(
    frame: pl.DataFrame, column: str, rids: list[int], values: list[str | None]
) -> pl.DataFrame:
    """Overwrite cells of ``column`` at rows ``rids`` (row position = ``_rid`` while planting)."""
    if not rids:
        return frame
    patched = frame[column].clone().scatter(rids, pl.Series(values, dtype=pl.Utf8))
    return frame.with_columns(patched)


def plant_episode_defects(
    rng: np.random.Generator, params: Params, rows: pl.DataFrame, last_year: int
) -> tuple[pl.DataFrame, list[_Pending]]:
    """Plant the episode-file defects; ``rows`` must carry ``_rid`` (0..n-1)."""
    rate = params["defects.per_10k_rows"]
    n = rows.height
    count = {
        k: max(1, round(float(rate.get(k, 0)) * n / 1e4)) if rate.get(k, 0) > 0 else 0
        for k in KINDS
    }
    year = rows["_year"].to_numpy()
    ep = rows["_ep"].to_numpy()
    dec_day = rows["_dec_day"].to_numpy()
    decom_day = rows["_decom_day"].to_numpy()
    rec = rows["REC"].to_numpy()
    key = ep.astype(np.int64) * 10_000 + year
    order = np.argsort(key, kind="stable")
    sorted_key = key[order]
    pos = np.minimum(np.searchsorted(sorted_key, key + 1), max(n - 1, 0))
    in_next = sorted_key[pos] == key + 1 if n else np.zeros(0, bool)
    next_row = order[pos]  # the row of the same episode in the next return (when in_next)
    pick = _Picker(rng, n)
    pending: list[_Pending] = []
    add_rows: list[tuple[int, int, str]] = []  # (rid to copy, year to put it in, why)
    closed = dec_day >= 0

    def copy_row(r: int, to_year: int, why: str) -> int:
        add_rows.append((r, to_year, why))
        return n + len(add_rows) - 1

    for r in pick.take(np.arange(n), count["duplicate_row"]):
        new = copy_row(int(r), int(year[r]), "duplicate_row")
        pending.append(
            _Pending("duplicate_row", new, None, None, None, "exact copy of the previous row")
        )
    movable = np.flatnonzero(closed & (year < last_year) & ~in_next)
    for r in pick.take(movable, count["duplicate_across_returns"]):
        new = copy_row(int(r), int(year[r]) + 1, "duplicate_across_returns")
        pending.append(
            _Pending(
                "duplicate_across_returns",
                new,
                None,
                None,
                None,
                f"closed episode from the {year[r]} return sent again unchanged",
            )
        )
    patches: dict[str, tuple[list[int], list[str | None]]] = {}

    def patch(col: str, r: int, v: str | None) -> None:
        patches.setdefault(col, ([], []))
        patches[col][0].append(int(r))
        patches[col][1].append(v)

    for r in pick.take(movable, count["late_closed"]):
        for col in ("DEC", "REC", "REASON_PLACE_CHANGE"):
            patch(col, r, None)
        new = copy_row(int(r), int(year[r]) + 1, "late_closed_correction")
        pending.append(
            _Pending(
                "late_closed",
                int(r),
                "DEC",
                None,
                _day_str(dec_day[r]),
                f"left open in the {year[r]} return although it ended on {_day_str(dec_day[r])}",
                other_rid=new,
            )
        )
    for r in pick.take(movable, count["corrected_end"]):
        shift = int(rng.choice([-7, -3, -2, -1, 1, 2, 3, 7]))
        wrong = _day_str(max(dec_day[r] + shift, decom_day[r]))
        patch("DEC", r, wrong)
        new = copy_row(int(r), int(year[r]) + 1, "corrected_end_correction")
        pending.append(
            _Pending(
                "corrected_end",
                int(r),
                "DEC",
                wrong,
                _day_str(dec_day[r]),
                f"DEC {shift:+d} days in the {year[r]} return; the {year[r] + 1} return sends it again corrected",
                other_rid=new,
            )
        )
    open_then_closed = np.flatnonzero(
        ~closed & (year < last_year) & in_next & (dec_day[next_row] >= 0)
    )
    for r in pick.take(open_then_closed, count["corrected_start"]):
        shift = int(rng.choice([-5, -4, -3, -2, -1, 1, 2, 3, 4, 5]))
        patch("DECOM", r, _day_str(decom_day[r] + shift))
        pending.append(
            _Pending(
                "corrected_start",
                int(r),
                "DECOM",
                _day_str(decom_day[r] + shift),
                _day_str(decom_day[r]),
                f"DECOM {shift:+d} days in the {year[r]} return; the {year[r] + 1} return has it right and closed",
            )
        )
    for r in pick.take(np.arange(n), count["bad_code"]):
        cols = [c for c in BAD_CODES if c != "REC" or rec[r] is not None]
        col = cols[int(rng.integers(len(cols)))]
        patch(col, r, BAD_CODES[col])
        pending.append(
            _Pending(
                "bad_code",
                int(r),
                col,
                BAD_CODES[col],
                rows[col][int(r)],
                f"{BAD_CODES[col]} is not a valid {col} code",
            )
        )
    closed_rows = np.flatnonzero(closed)
    for r in pick.take(closed_rows, count["bad_date_format"]):
        v = (_EPOCH + dt.timedelta(days=int(dec_day[r]))).strftime("%d.%m.%y")
        patch("DEC", r, v)
        pending.append(
            _Pending(
                "bad_date_format", int(r), "DEC", v, _day_str(dec_day[r]), "date written dd.mm.yy"
            )
        )
    for r in pick.take(closed_rows, count["impossible_date"]):
        y = (_EPOCH + dt.timedelta(days=int(dec_day[r]))).year
        v = f"31/{int(rng.choice([2, 4, 6, 9, 11])):02d}/{y}"
        patch("DEC", r, v)
        pending.append(
            _Pending("impossible_date", int(r), "DEC", v, _day_str(dec_day[r]), "no such day")
        )
    for r in pick.take(closed_rows, count["dec_before_decom"]):
        v = _day_str(decom_day[r] - int(rng.integers(1, 60)))
        patch("DEC", r, v)
        pending.append(
            _Pending(
                "dec_before_decom", int(r), "DEC", v, _day_str(dec_day[r]), "DEC is before DECOM"
            )
        )

    original = rows
    for col, (rids, values) in patches.items():
        rows = _patch(rows, col, rids, values)
    if add_rows:
        # copies come from the unpatched rows: a copy's source never carries another defect
        src = pl.DataFrame(
            {
                "_src": [a[0] for a in add_rows],
                "_new_year": [a[1] for a in add_rows],
                "_why": [a[2] for a in add_rows],
            },
            schema={"_src": pl.Int64, "_new_year": pl.Int32, "_why": pl.Utf8},
        )
        extra = (
            src.with_row_index("_k")
            .join(original, left_on="_src", right_on="_rid", how="left")
            .sort("_k")
            .with_columns(
                pl.col("_new_year").alias("_year"),
                pl.col("_why").alias("_copy"),
                (pl.lit(n, pl.Int64) + pl.col("_k").cast(pl.Int64)).alias("_rid"),
            )
        )
        rows = pl.concat([rows, extra.select(rows.columns)])
    return rows, pending


def plant_header_defects(
    rng: np.random.Generator, params: Params, header: pl.DataFrame, n_episode_rows: int
) -> tuple[pl.DataFrame, list[_Pending]]:
    """Drop a few children's header rows (``header`` must carry ``_rid``).

    Only children listed in more than one return lose a row, and only one row each, so the loader
    can still find their sex and date of birth in another return (as a council's analyst would).
    """
    rate = float(params["defects.per_10k_rows"].get("child_without_header", 0))
    if rate <= 0 or header.height == 0:
        return header, []
    k = max(1, round(rate * n_episode_rows / 1e4))
    child = header["_child"].to_numpy()
    _, inverse, counts = np.unique(child, return_inverse=True, return_counts=True)
    shuffled = rng.permutation(np.flatnonzero(counts[inverse] > 1))
    _, first = np.unique(child[shuffled], return_index=True)  # one row per child
    drop = rng.permutation(shuffled[first])[:k]
    gone = header[np.sort(drop)]
    pending = [
        _Pending(
            "child_without_header",
            int(r),
            None,
            None,
            None,
            "the child has episodes in this return but no header row",
            table="header",
        )
        for r in gone["_rid"].to_list()
    ]
    return header.filter(~pl.col("_rid").is_in(gone["_rid"].implode())), pending


def resolve(
    pending: list[_Pending], episodes: pl.DataFrame, dropped_header: pl.DataFrame
) -> list[PlantedDefect]:
    """Turn pending records into file/row references once the files' row order is final.

    ``episodes`` carries ``_rid``, ``_council``, ``_year``, ``CHILD`` and ``_line`` (1-based line);
    ``dropped_header`` holds the removed header rows (``_rid``, ``_council``, ``_year``, ``CHILD``).
    """
    wanted = [p.rid for p in pending if p.table == "episodes"] + [
        p.other_rid for p in pending if p.other_rid is not None
    ]
    ep = {
        r: (c, y, ch, ln)
        for r, c, y, ch, ln in episodes.filter(pl.col("_rid").is_in(wanted))
        .select("_rid", "_council", "_year", "CHILD", "_line")
        .iter_rows()
    }
    hd = {
        r: (c, y, ch)
        for r, c, y, ch in dropped_header.select("_rid", "_council", "_year", "CHILD").iter_rows()
    }
    out = []
    for p in pending:
        if p.table == "header":
            c, y, ch = hd[p.rid]
            out.append(
                PlantedDefect(
                    p.kind, c, y, f"{c}/{y}/header.csv", None, None, ch, None, None, p.detail
                )
            )
            continue
        c, y, ch, ln = ep[p.rid]
        detail = p.detail
        if p.other_rid is not None:
            c2, y2, _, ln2 = ep[p.other_rid]
            detail += f"; corrected in {c2}/{y2}/episodes.csv row {ln2}"
        out.append(
            PlantedDefect(
                p.kind, c, y, f"{c}/{y}/episodes.csv", ln, p.column, ch, p.value, p.expected, detail
            )
        )
    return out
