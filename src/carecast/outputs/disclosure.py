"""Disclosure control for every output that holds more than one council's data or leaves the council.

One layer, applied to all the tables of one output (or one web page) together, so a count hidden
in one table cannot be worked out from another:

* **primary suppression** — a count of 1 to 4 children is shown as "c" (as the DfE publishes);
  zero is shown (it says nothing about a child);
* **secondary suppression** — each table declares how its counts relate (:class:`Sum`: a total
  and the parts that add to it, within a row, over the rows of a group, or to a total published
  elsewhere) and which counts are the same figure in two tables (:class:`Same`). The layer then
  does what an attacker would: for every hidden cell it finds the smallest and largest value the
  published numbers allow (a linear programme, ``scipy.optimize.linprog``), and while any hidden
  cell is pinned to within ``PROTECTION`` it hides one more cell of a relation that pins it — the
  smallest non-zero part, as the ONS and DfE guidance for published tables advise, a total only
  when no part will do, so totals stay consistent with other outputs;
* **derived figures** — a share, rate or sentence (``derived``) is hidden wherever a count it was
  computed from is, and a running (cumulative) share from the first hidden row of its group on.

The result says, per table, how many cells were hidden and why (:attr:`Disclosed.notes`). A
council's own figures shown to its own users are not passed through this layer.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field

import numpy as np
import polars as pl
from scipy.optimize import linprog

from carecast.privacy import SUPPRESSED

THRESHOLD = 5  # counts 1..THRESHOLD-1 are hidden
PROTECTION = (
    1.0  # a hidden cell is safe when the published figures leave it a range at least this wide
)
WITHHELD_TEXT = "not shown: it would reveal a suppressed count"


@dataclass(frozen=True)
class Sum:
    """``total`` = the sum of ``parts`` (at least the sum when not ``complete``: an unshown rest).

    Within a row when ``by`` is None: ``parts`` are columns of one row. Otherwise ``parts`` is one
    column whose rows (those ``rows`` selects) within each ``by`` group add to ``total``. A
    ``total`` of None means the total is not in this table but is published elsewhere (a region's
    total per category, say), so it counts as known.
    """

    total: str | None
    parts: tuple[str, ...]
    complete: bool = True
    by: tuple[str, ...] | None = None
    rows: pl.Expr | None = None


@dataclass(frozen=True)
class Same:
    """The same count in two tables: ``table_a.column_a`` equals ``table_b.column_b`` on rows with
    equal ``key_a`` / ``key_b`` values (rows each side narrowed by ``rows_a`` / ``rows_b``)."""

    table_a: str
    column_a: str
    key_a: tuple[str, ...]
    table_b: str
    column_b: str
    key_b: tuple[str, ...]
    rows_a: pl.Expr | None = None
    rows_b: pl.Expr | None = None


@dataclass(frozen=True)
class TotalOf:
    """A count that is the sum of counts in another table (or other rows of its own): the row of
    ``table`` that ``row`` selects, column ``column``, = the sum of ``parts_column`` over the rows
    of ``parts_table`` that ``parts_rows`` selects (a region's pooled count = its councils' counts)."""

    table: str
    column: str
    row: pl.Expr
    parts_table: str
    parts_column: str
    parts_rows: pl.Expr | None = None


@dataclass
class Protect:
    """How one table is protected: its child-count columns, their relations, what derives from them."""

    counts: list[str]
    relations: list[Sum] = field(default_factory=list)
    derived: dict[str, tuple[str, ...]] = field(
        default_factory=dict
    )  # column -> counts of the same row
    cumulative: dict[str, tuple[str, tuple[str, ...]]] = field(
        default_factory=dict
    )  # col -> (count, group)


@dataclass
class Disclosed:
    tables: dict[str, pl.DataFrame]
    hidden: dict[str, pl.DataFrame]  # per table, a boolean frame: True where a count is hidden
    notes: list[str]


@dataclass
class _Cells:
    """Every protected count of the output as one vector, with its linear relations."""

    index: dict[tuple[str, int, str], int] = field(default_factory=dict)
    values: list[float] = field(default_factory=list)
    is_total: list[bool] = field(default_factory=list)
    unshown: list[bool] = field(
        default_factory=list
    )  # the rest of an incomplete sum: never published
    rows: list[tuple[dict[int, float], bool, float]] = field(
        default_factory=list
    )  # (coefs, equality, rhs)

    def cell(self, table: str, row: int, col: str, value, total: bool = False) -> int:
        key = (table, row, col)
        if key not in self.index:
            self.index[key] = len(self.values)
            self.values.append(float(value or 0))
            self.is_total.append(total)
            self.unshown.append(False)
        elif total:
            self.is_total[self.index[key]] = True
        return self.index[key]

    def relate(self, coefs: dict[int, float], complete: bool, rhs: float = 0.0) -> None:
        """sum(coef * cell) == rhs; when not ``complete``, an unshown rest r >= 0 makes it
        sum(coef * cell) - r == rhs. The rest is a count too (children with no recorded sex, say):
        when it is small it must not be derivable either."""
        if not complete:
            rest = len(self.values)
            self.index[("", rest, "")] = rest
            self.values.append(sum(c * self.values[v] for v, c in coefs.items()) - rhs)
            self.is_total.append(False)
            self.unshown.append(True)
            coefs = {**coefs, rest: -1.0}
        self.rows.append((coefs, True, rhs))


def _member(frame: pl.DataFrame, rows: pl.Expr | None) -> np.ndarray:
    if rows is None:
        return np.ones(frame.height, dtype=bool)
    return frame.select(rows.fill_null(False)).to_series().to_numpy()


def _groups(frame: pl.DataFrame, by: tuple[str, ...]) -> list[np.ndarray]:
    if not by:
        return [np.arange(frame.height)]
    keys = frame.select(pl.struct(list(by)).rank("dense").alias("g")).to_series().to_numpy()
    return [np.flatnonzero(keys == g) for g in np.unique(keys)]


def _add_relation(cells: _Cells, name: str, frame: pl.DataFrame, rel: Sum, threshold: int) -> None:
    if rel.by is None:
        for i, row in enumerate(
            frame.select([c for c in (rel.total, *rel.parts) if c]).iter_rows(named=True)
        ):
            coefs: dict[int, float] = defaultdict(float)
            for p in rel.parts:
                coefs[cells.cell(name, i, p, row[p])] -= 1.0
            rhs = 0.0
            if rel.total is not None:
                coefs[cells.cell(name, i, rel.total, row[rel.total], total=True)] += 1.0
            else:
                rhs = -sum(float(row[p] or 0) for p in rel.parts)
            cells.relate(dict(coefs), rel.complete, rhs)
        return
    (part,) = rel.parts
    member = _member(frame, rel.rows)
    parts = frame.get_column(part).to_list()
    totals = frame.get_column(rel.total).to_list() if rel.total else None
    for g in _groups(frame, rel.by):
        coefs = defaultdict(float)
        for i in g[member[g]]:
            coefs[cells.cell(name, int(i), part, parts[i])] -= 1.0
        if totals is None:
            known = sum(float(parts[i] or 0) for i in g[member[g]])
            if not 0 < known < threshold:  # a small total is itself hidden wherever it is published
                cells.relate(dict(coefs), rel.complete, -known)
            continue
        for i in g:  # every row of the group shows the group's total
            row_coefs = dict(coefs)
            t = cells.cell(name, int(i), rel.total, totals[i], total=True)
            row_coefs[t] = row_coefs.get(t, 0.0) + 1.0
            cells.relate(row_coefs, rel.complete)


def _add_same(cells: _Cells, frames: dict[str, pl.DataFrame], same: Same) -> None:
    a, b = frames.get(same.table_a), frames.get(same.table_b)
    if a is None or b is None:
        return
    ma, mb = _member(a, same.rows_a), _member(b, same.rows_b)
    where_b = {
        tuple(r[k] for k in same.key_b): i for i, r in enumerate(b.iter_rows(named=True)) if mb[i]
    }
    col_a, col_b = a.get_column(same.column_a).to_list(), b.get_column(same.column_b).to_list()
    for i, r in enumerate(a.select(list(same.key_a)).iter_rows(named=True)):
        j = where_b.get(tuple(r[k] for k in same.key_a))
        if ma[i] and j is not None:
            x = cells.cell(same.table_a, i, same.column_a, col_a[i])
            y = cells.cell(same.table_b, j, same.column_b, col_b[j])
            cells.relate({x: 1.0, y: -1.0}, True)


def _add_total(cells: _Cells, frames: dict[str, pl.DataFrame], link: TotalOf) -> None:
    whole, parts = frames.get(link.table), frames.get(link.parts_table)
    if whole is None or parts is None:
        return
    chosen = np.flatnonzero(_member(whole, link.row))
    if chosen.size != 1:  # the total's row is not in this output (a scope with no councils)
        return
    row = int(chosen[0])
    members = np.flatnonzero(_member(parts, link.parts_rows))
    values = parts.get_column(link.parts_column).to_list()
    coefs = {
        cells.cell(
            link.table, row, link.column, whole.get_column(link.column)[row], total=True
        ): 1.0
    }
    for i in members:
        v = cells.cell(link.parts_table, int(i), link.parts_column, values[i])
        coefs[v] = coefs.get(v, 0.0) - 1.0
    cells.relate(coefs, True)


def exposed(
    values: np.ndarray,
    hidden: np.ndarray,
    rows: list[tuple[dict[int, float], bool, float]],
    lower: np.ndarray,
    protection: float = PROTECTION,
) -> dict[int, tuple[float, float]]:
    """Hidden cells the published values pin to a range narrower than ``protection``: cell -> (min, max).

    Published cells are constants; each hidden cell is at least its ``lower`` (1 for a "c": zero is
    never hidden, so anyone reading "c" knows it is 1 or more; 0 for an unshown rest). Solved per
    connected group of hidden cells.
    """
    hid = np.flatnonzero(hidden)
    if not hid.size:
        return {}
    pos = {int(v): k for k, v in enumerate(hid)}
    parent = list(range(len(hid)))

    def find(k: int) -> int:
        while parent[k] != k:
            parent[k] = parent[parent[k]]
            k = parent[k]
        return k

    reduced = []
    for coefs, equality, rhs in rows:
        inside = {pos[v]: c for v, c in coefs.items() if v in pos and c}
        if not inside:
            continue
        known = rhs - sum(c * values[v] for v, c in coefs.items() if v not in pos)
        reduced.append((inside, equality, known))
        first = find(next(iter(inside)))
        for k in inside:
            parent[find(k)] = first
    comps: dict[int, list[int]] = defaultdict(list)
    for k in range(len(hid)):
        comps[find(k)].append(k)
    by_comp: dict[int, list] = defaultdict(list)
    for inside, equality, known in reduced:
        by_comp[find(next(iter(inside)))].append((inside, equality, known))
    out: dict[int, tuple[float, float]] = {}
    for root, members in comps.items():
        local = {k: n for n, k in enumerate(members)}
        eq_a, eq_b, ub_a, ub_b = [], [], [], []
        for inside, equality, known in by_comp.get(root, []):
            row = np.zeros(len(members))
            for k, c in inside.items():
                row[local[k]] = c
            if equality:
                eq_a.append(row)
                eq_b.append(known)
            else:  # sum(coef x) >= known  ->  -sum(coef x) <= -known
                ub_a.append(-row)
                ub_b.append(-known)
        if not eq_a and not ub_a:
            continue
        kw = {
            "A_eq": np.array(eq_a) if eq_a else None,
            "b_eq": np.array(eq_b) if eq_b else None,
            "A_ub": np.array(ub_a) if ub_a else None,
            "b_ub": np.array(ub_b) if ub_b else None,
            "bounds": [(lower[hid[k]], None) for k in members],
            "method": "highs",
        }
        for k in members:
            c = np.zeros(len(members))
            c[local[k]] = 1.0
            lo, hi = linprog(c, **kw), linprog(-c, **kw)
            if lo.status != 0 or hi.status == 3:  # infeasible (cannot happen) or unbounded above
                continue
            if hi.status == 0 and -hi.fun - lo.fun < protection:
                out[int(hid[k])] = (lo.fun, -hi.fun)
    return out


def _complement(
    cells: _Cells, hidden: np.ndarray, cell: int, by_cell: dict[int, list[int]]
) -> int | None:
    """The visible cell to hide with ``cell``: the smallest non-zero part of a relation that pins it
    (a relation it is in, or one reached through the other hidden cells it is tied to), else the
    smallest non-zero total."""
    best: tuple[bool, float, int] | None = None
    seen_cells, seen_rows, todo = {cell}, set(), [cell]
    while todo:
        for r in by_cell.get(todo.pop(), []):
            if r in seen_rows:
                continue
            seen_rows.add(r)
            for v in cells.rows[r][0]:
                if hidden[v]:
                    if v not in seen_cells:
                        seen_cells.add(v)
                        todo.append(v)
                elif cells.values[v] > 0 and not cells.unshown[v]:
                    key = (cells.is_total[v], cells.values[v], v)
                    best = key if best is None or key < best else best
    return None if best is None else best[2]


def protect(
    frames: dict[str, pl.DataFrame],
    specs: dict[str, Protect],
    links: list[Same | TotalOf] | None = None,
    *,
    threshold: int = THRESHOLD,
) -> Disclosed:
    """The tables of one output with small counts, what gives them away, and what derives from them hidden."""
    cells = _Cells()
    for name, spec in specs.items():
        if name not in frames:
            continue
        frame = frames[name]
        for col in spec.counts:
            for i, v in enumerate(frame.get_column(col).to_list()):
                cells.cell(name, i, col, v)
        for rel in spec.relations:
            _add_relation(cells, name, frame, rel, threshold)
    for link in links or []:
        if isinstance(link, Same):
            _add_same(cells, frames, link)
        else:
            _add_total(cells, frames, link)
    values, unshown = np.array(cells.values), np.array(cells.unshown, dtype=bool)
    small = (values > 0) & (values < threshold)
    hidden = small | unshown
    primary = small & ~unshown
    lower = np.where(unshown, 0.0, 1.0)
    for _ in range(len(values) + 1):
        # only a small count pinned is a disclosure: a complement worked out at 12 says nothing small
        pinned = {c: r for c, r in exposed(values, hidden, cells.rows, lower).items() if small[c]}
        if not pinned:
            break
        by_cell: dict[int, list[int]] = defaultdict(list)
        for r, (coefs, _, _) in enumerate(cells.rows):
            for v in coefs:
                by_cell[v].append(r)
        added = {
            c
            for c in (_complement(cells, hidden, cell, by_cell) for cell in pinned)
            if c is not None
        }
        if not added:
            break
        hidden[list(added)] = True
    return _publish(frames, specs, cells, hidden, primary)


def _publish(frames, specs, cells: _Cells, hidden: np.ndarray, primary: np.ndarray) -> Disclosed:
    out, masks, notes = dict(frames), {}, []
    for name, spec in specs.items():
        if name not in frames:
            continue
        frame = frames[name]
        mask = {c: np.zeros(frame.height, dtype=bool) for c in frame.columns}
        n_primary = n_secondary = 0
        for (table, i, col), v in cells.index.items():
            if table == name and hidden[v]:
                mask[col][i] = True
                n_primary += bool(primary[v])
                n_secondary += not primary[v]
        for col, inputs in spec.derived.items():
            mask[col] = mask[col] | np.logical_or.reduce([mask[c] for c in inputs])
        for col, (count, by) in spec.cumulative.items():
            for g in _groups(frame, by) if by else [np.arange(frame.height)]:
                after = np.maximum.accumulate(mask[count][g])
                mask[col][g] = mask[col][g] | after
        exprs = []
        for col in frame.columns:
            if not mask[col].any():
                continue
            text = (
                WITHHELD_TEXT
                if frame.schema[col] == pl.Utf8 and col not in spec.counts
                else SUPPRESSED
            )
            shown = pl.col(col) if frame.schema[col] == pl.Utf8 else pl.col(col).cast(pl.Utf8)
            exprs.append(
                pl.when(pl.Series(mask[col])).then(pl.lit(text)).otherwise(shown).alias(col)
            )
        out[name] = frame.with_columns(exprs) if exprs else frame
        masks[name] = pl.DataFrame({c: m for c, m in mask.items()})
        if n_primary or n_secondary:
            notes.append(
                f"{name}: {n_primary} count(s) of 1 to {THRESHOLD - 1} shown as '{SUPPRESSED}'"
                + (
                    f", and {n_secondary} more that would let them be worked out from the totals, "
                    "shares or other tables"
                    if n_secondary
                    else ""
                )
                + (
                    "; figures computed from them are hidden too."
                    if spec.derived or spec.cumulative
                    else "."
                )
            )
    return Disclosed(out, masks, notes)
