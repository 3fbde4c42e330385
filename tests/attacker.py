"""An attacker for published tables: recover hidden ("c") counts from everything else an output shows.

Written apart from :mod:`carecast.outputs.disclosure` on purpose: the relations here are what a
reader of the published tables knows from their headings and notes (totals add up; a share times
its denominator is its count; a cumulative share is a running sum of shares; the same council's
count appears in two tables; a sentence quotes a count), not what the code declared.

For each hidden cell the attacker solves two linear programmes (``scipy.optimize.linprog``): the
smallest and largest value the published numbers allow, with every hidden count at least 1 (zero
is never hidden). A cell is recovered when the range is narrower than 1; :meth:`Attack.disclosed`
keeps those recovered below 5, the small counts suppression exists to protect (a cell hidden only
to protect another and worked out at 12 says nothing about a small group of children).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

import numpy as np
import polars as pl
from scipy.optimize import linprog

HIDDEN = "c"


def _number(v) -> float | None:
    if v is None or v == HIDDEN:
        return None
    if isinstance(v, bool):
        return float(v)
    if isinstance(v, int | float):
        return float(v) if np.isfinite(v) else None
    try:
        return float(v)
    except ValueError:
        return None


def _is_share(column: str) -> bool:
    return column.endswith("_pct") or "share" in column


def _decimals(v) -> int:
    text = repr(float(v)) if not isinstance(v, str) else v
    return len(text.split(".")[1]) if "." in text and "e" not in text else 12


@dataclass
class Attack:
    """Published tables and the linear relations a reader knows hold between their cells."""

    tables: dict[str, pl.DataFrame]
    var: dict[tuple[str, int, str], int] = field(default_factory=dict)
    eq: list[tuple[dict, float]] = field(default_factory=list)  # sum(c x) == rhs
    ge: list[tuple[dict, float]] = field(default_factory=list)  # sum(c x) >= rhs

    def term(self, table: str, row: int, col: str) -> tuple[int | None, float]:
        """(variable, 0) for a hidden cell, (None, value) for a published one."""
        value = self.tables[table].get_column(col)[row]
        n = _number(value)
        if n is not None:
            return None, n
        key = (table, row, col)
        self.var.setdefault(key, len(self.var))
        return self.var[key], 0.0

    def _add(self, terms: list[tuple[float, str, int, str]], rhs: float, equality: bool) -> None:
        coefs: dict[int, float] = {}
        for coef, table, row, col in terms:
            v, value = self.term(table, row, col)
            if v is None:
                rhs -= coef * value
            else:
                coefs[v] = coefs.get(v, 0.0) + coef
        if coefs:
            (self.eq if equality else self.ge).append((coefs, rhs))

    def _rows(self, table: str, rows: pl.Expr | None) -> list[int]:
        df = self.tables[table].with_row_index("__i")
        return (df.filter(rows) if rows is not None else df).get_column("__i").to_list()

    def row_sum(
        self, table: str, total: str, parts: list[str], complete: bool = True, rows=None
    ) -> None:
        """total = sum(parts) in each row (>= when the parts leave out something unshown)."""
        for i in self._rows(table, rows):
            self._add(
                [(1.0, table, i, total), *[(-1.0, table, i, p) for p in parts]], 0.0, complete
            )

    def group_sum(self, table: str, total: str, part: str, by: list[str], rows=None) -> None:
        """Each row's ``total`` = the sum of ``part`` over the group's rows that ``rows`` selects."""
        df = self.tables[table].with_row_index("__i")
        chosen = set(self._rows(table, rows))
        for _, g in df.group_by(by, maintain_order=True):
            idx = g.get_column("__i").to_list()
            for i in idx:
                self._add(
                    [(1.0, table, i, total), *[(-1.0, table, j, part) for j in idx if j in chosen]],
                    0.0,
                    True,
                )

    def share(self, table: str, share: str, num: list[str], den: list[str], rows=None) -> None:
        """share x sum(den) = sum(num), to the share's published precision."""
        for i in self._rows(table, rows):
            s = _number(self.tables[table].get_column(share)[i])
            if (
                s is None
            ):  # a hidden share over a published denominator: count = share x denominator
                dens = [_number(self.tables[table].get_column(c)[i]) for c in den]
                if all(d is not None for d in dens):
                    self._add(
                        [*[(1.0, table, i, c) for c in num], (-sum(dens), table, i, share)],
                        0.0,
                        True,
                    )
                continue
            e = 0.5 * 10 ** -_decimals(self.tables[table].get_column(share)[i])
            for bound, sign in ((s + e, 1.0), (s - e, -1.0)):  # num <= (s+e) den ; num >= (s-e) den
                terms = [(-sign, table, i, c) for c in num] + [
                    (sign * bound, table, i, c) for c in den
                ]
                self._add(terms, 0.0, False)

    def cumulative(self, table: str, cum: str, count: str, den: str, by: list[str]) -> None:
        """cum_k x den = sum of count over rows 1..k of the group (a running share)."""
        df = self.tables[table].with_row_index("__i")
        for _, g in df.group_by(by, maintain_order=True):
            idx = g.get_column("__i").to_list()
            for k, i in enumerate(idx):
                s = _number(self.tables[table].get_column(cum)[i])
                if s is None:
                    continue
                e = 0.5 * 10 ** -_decimals(self.tables[table].get_column(cum)[i])
                for bound, sign in ((s + e, 1.0), (s - e, -1.0)):
                    terms = [(-sign, table, j, count) for j in idx[: k + 1]] + [
                        (sign * bound, table, i, den)
                    ]
                    self._add(terms, 0.0, False)

    def same(
        self,
        a: str,
        col_a: str,
        key_a: list[str],
        b: str,
        col_b: str,
        key_b: list[str],
        rows_a=None,
        rows_b=None,
    ) -> None:
        """The same count in two tables, matched on key columns."""
        left = self.tables[a].with_row_index("__i")
        left = left.filter(rows_a) if rows_a is not None else left
        right = self.tables[b].with_row_index("__j")
        right = right.filter(rows_b) if rows_b is not None else right
        pairs = left.select("__i", *key_a).join(
            right.select("__j", *key_b), left_on=key_a, right_on=key_b
        )
        for i, j in pairs.select("__i", "__j").iter_rows():
            self._add([(1.0, a, i, col_a), (-1.0, b, j, col_b)], 0.0, True)

    def total_of(
        self, table: str, col: str, row: pl.Expr, parts_table: str, parts_col: str, parts_rows
    ) -> None:
        """The one row of ``table`` that ``row`` selects holds the sum of ``parts_col`` over rows of another."""
        (i,) = self._rows(table, row)
        self._add(
            [
                (1.0, table, i, col),
                *[(-1.0, parts_table, j, parts_col) for j in self._rows(parts_table, parts_rows)],
            ],
            0.0,
            True,
        )

    def mean_of(
        self,
        table: str,
        col: str,
        n_col: str,
        row: pl.Expr,
        parts_table: str,
        parts_col: str,
        parts_rows,
    ) -> None:
        """A mean over rows of another table: n x mean = the sum (to the mean's precision)."""
        (i,) = self._rows(table, row)
        m = _number(self.tables[table].get_column(col)[i])
        n = _number(self.tables[table].get_column(n_col)[i])
        if m is None or n is None:
            return
        e = 0.5 * 10 ** -_decimals(self.tables[table].get_column(col)[i]) * n
        parts = [(1.0, parts_table, j, parts_col) for j in self._rows(parts_table, parts_rows)]
        self._add(parts, m * n - e, False)
        self._add([(-c, t, j, k) for c, t, j, k in parts], -(m * n + e), False)

    def quoted(self, table: str, text: str, count: str, pattern: str) -> None:
        """A sentence in column ``text`` quotes ``count`` as the first number ``pattern`` captures."""
        for i, t in enumerate(self.tables[table].get_column(text).to_list()):
            m = re.search(pattern, t or "")
            if m:
                self._add([(1.0, table, i, count)], float(m.group(1)), True)

    def disclosed(self, threshold: int = 5) -> dict[tuple[str, int, str], tuple[float, float]]:
        """Recovered cells whose value is a small count (1 to threshold - 1)."""
        return {k: r for k, r in self.recovered().items() if r[1] < threshold}

    def recovered(self) -> dict[tuple[str, int, str], tuple[float, float]]:
        """Hidden cells pinned to a range narrower than 1: cell -> (min, max)."""
        n = len(self.var)
        if not n:
            return {}

        def matrix(rows):
            a = np.zeros((len(rows), n))
            for r, (coefs, _) in enumerate(rows):
                for v, c in coefs.items():
                    a[r, v] = c
            return a, np.array([rhs for _, rhs in rows])

        shares = {v for (_, _, col), v in self.var.items() if _is_share(col)}
        kw = {"bounds": [(0, 1) if v in shares else (1, None) for v in range(n)], "method": "highs"}
        if self.eq:
            kw["A_eq"], kw["b_eq"] = matrix(self.eq)
        if self.ge:
            a, b = matrix(self.ge)
            kw["A_ub"], kw["b_ub"] = -a, -b
        out = {}
        for key, v in self.var.items():
            if v in shares:  # a share is a means to a count, not the secret itself
                continue
            c = np.zeros(n)
            c[v] = 1
            lo, hi = linprog(c, **kw), linprog(-c, **kw)
            assert lo.status in (0, 3) and hi.status in (0, 3), (key, lo.message, hi.message)
            if lo.status == 0 and hi.status == 0 and -hi.fun - lo.fun < 1 - 1e-7:
                out[key] = (lo.fun, -hi.fun)
        return out
