"""Small vectorised random draws shared by the generator's modules."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
import polars as pl

BANDS = ("0", "1-4", "5-9", "10-15", "16-17")
_BAND_UPPER = np.array([1, 5, 10, 16])


def band_of(age_years: np.ndarray) -> np.ndarray:
    """Age-band index (0 = "0" ... 4 = "16-17") of fractional ages in years."""
    return np.minimum(np.searchsorted(_BAND_UPPER, age_years, side="right"), len(BANDS) - 1)


def categorical(
    rng: np.random.Generator,
    probs: np.ndarray,
    group: np.ndarray | None = None,
    n: int | None = None,
) -> np.ndarray:
    """Index drawn for each row from ``probs`` (1-D), or from ``probs[group]`` (one row per group)."""
    cum = np.cumsum(np.asarray(probs, float), axis=-1)
    if group is None:
        u = rng.random(n if n is not None else 1)
        return np.minimum(np.searchsorted(cum / cum[-1], u, side="right"), len(cum) - 1)
    u = rng.random(len(group))
    rows = cum[group]
    return np.minimum((u[:, None] * rows[:, -1:] >= rows).sum(axis=1), cum.shape[-1] - 1)


def share_table(
    table: Mapping[str, Mapping[str, float]], rows: Sequence[str], cols: Sequence[str]
) -> np.ndarray:
    """A (rows × cols) probability matrix from a nested share table, zero where a column is absent."""
    return np.array([[float(table[r].get(c, 0.0)) for c in cols] for r in rows])


def codes_and_probs(table: Mapping[str, float]) -> tuple[np.ndarray, np.ndarray]:
    return np.array(list(table), dtype=object), np.array(list(table.values()), float)


def draw_codes(rng: np.random.Generator, table: Mapping[str, float], n: int) -> np.ndarray:
    """``n`` codes drawn from a {code: share} table."""
    codes, probs = codes_and_probs(table)
    return codes[categorical(rng, probs, n=n)]


def lognormal_days(
    rng: np.random.Generator, median: np.ndarray | float, sigma: np.ndarray | float, n: int
) -> np.ndarray:
    """Whole days (at least 1) from a log-normal with the given median and log-sd."""
    return np.maximum(1, np.round(median * np.exp(sigma * rng.standard_normal(n)))).astype(np.int64)


def uniform_days(
    rng: np.random.Generator, lo: float | np.ndarray, hi: float | np.ndarray, n: int
) -> np.ndarray:
    return np.floor(lo + rng.random(n) * (np.asarray(hi) - np.asarray(lo) + 1)).astype(np.int64)


def add_years(days: np.ndarray, years: int) -> np.ndarray:
    """Day numbers (since 1970-01-01) moved on by whole calendar years (29 Feb → 1 Mar)."""
    d = days.astype("datetime64[D]")
    month = d.astype("datetime64[M]")
    return (
        (month + 12 * years).astype("datetime64[D]") + (d - month.astype("datetime64[D]"))
    ).astype(np.int64)


def group_starts(keys: np.ndarray) -> np.ndarray:
    """Boolean: row starts a new run of equal ``keys`` (keys sorted)."""
    first = np.ones(len(keys), bool)
    first[1:] = keys[1:] != keys[:-1]
    return first


def ffill_index(has_value: np.ndarray) -> np.ndarray:
    """For each row, the index of the latest row at or before it with ``has_value`` (first row must have one)."""
    idx = np.where(has_value, np.arange(len(has_value)), 0)
    return np.maximum.accumulate(idx)


def lookup(vocab: np.ndarray, idx: np.ndarray) -> pl.Series:
    """Strings ``vocab[idx]`` as a Polars series, gathered in Rust; ``idx`` -1 gives null."""
    idx = np.asarray(idx, np.int64)
    out = pl.Series(np.asarray(vocab, dtype=object).tolist(), dtype=pl.Utf8).gather(
        np.maximum(idx, 0)
    )
    return out.scatter(np.flatnonzero(idx < 0), None) if (idx < 0).any() else out


def text_frame(columns: dict[str, np.ndarray | pl.Series]) -> pl.DataFrame:
    """A Polars frame from NumPy columns; object columns (str or None) become Utf8 with nulls."""
    data = {}
    for name, arr in columns.items():
        if isinstance(arr, pl.Series):
            data[name] = arr.alias(name)
        elif np.asarray(arr).dtype == object:
            data[name] = pl.Series(name, np.asarray(arr).tolist(), dtype=pl.Utf8)
        else:
            data[name] = pl.Series(name, np.asarray(arr))
    return pl.DataFrame(data)
