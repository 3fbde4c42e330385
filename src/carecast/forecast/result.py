"""What a forecast returns: simulated and expected counts on the step and month grids, and history.

Arrays for downstream models (costs, sufficiency) are kept whole; tables for people are built on
demand. Bands are empirical quantiles across simulations, at the ``quantiles`` of
``forecast/data/model.yaml`` (p5, p25, p50, p75, p95) unless a model is given others.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import polars as pl

from carecast.errors import ParameterError
from carecast.forecast.params import defaults


def band_name(q: float) -> str:
    """The column name of quantile ``q``: 0.05 -> "p5", 0.025 -> "p2.5"."""
    return f"p{round(q * 100, 6):g}"


def band_names(quantiles: tuple[float, ...] | None = None) -> tuple[str, ...]:
    """Band column names for ``quantiles`` (default: ``quantiles`` in ``forecast/data/model.yaml``)."""
    return tuple(band_name(q) for q in (quantiles or defaults().quantiles))


# The default bands, derived from model.yaml (the one place quantiles are set).
BAND_NAMES = band_names()


def band_table(
    sims: np.ndarray, quantiles: tuple[float, ...] | None = None
) -> dict[str, np.ndarray]:
    """Mean and quantile bands over the first axis (simulations) of ``sims``."""
    q = quantiles or defaults().quantiles
    out = {"mean": sims.mean(axis=0)}
    values = np.quantile(sims, q, axis=0)
    for name, v in zip(band_names(q), values, strict=True):
        out[name] = v
    return out


# Per-simulation arrays of whole children, stored at the narrowest integer type that holds them.
COUNT_ARRAYS = (
    "sim_counts_",
    "sim_age_counts_",
    "sim_month_states_",
    "sim_entrants_",
    "sim_prevented_",
)


def compact_counts(counts: np.ndarray) -> np.ndarray:
    """Counts of children as int16 when every value fits (a council's counts always do), else int32.

    A council's five-year forecast holds ~27 MB of per-simulation arrays at 1,000 simulations;
    int16 halves the counts, which matters when a region keeps every council's result and when
    results travel back from workers. Sums over simulations, steps or cells widen by themselves
    (NumPy sums small integers in the platform integer); :func:`ForecastResult.combine` widens
    before adding councils and narrows the total again.
    """
    if counts.dtype.kind not in "iu" or counts.size == 0:
        return counts
    low, high = int(counts.min()), int(counts.max())
    for dtype in (np.int16, np.int32):
        info = np.iinfo(dtype)
        if info.min <= low and high <= info.max:
            return counts if counts.dtype == dtype else counts.astype(dtype)
    return counts.astype(np.int64)


@dataclass
class ForecastResult:
    """The projection of one council (or the sum of several) from ``start``.

    Attributes
    ----------
    dates_ : step dates (weekly by default); ``sim_counts_[s, k, c]`` children in category c on
        ``dates_[k]`` in simulation s; ``sim_age_counts_[s, k, a]`` the same by age band;
        ``sim_days_[s, k, c]`` person-days in care in category c from ``dates_[k]`` to the next step
        (what a weekly cost multiplies); ``expected_[k, a, c]`` the deterministic expected path.
    month_dates_ : the start and the same day of each later month; ``sim_month_states_[s, m, a, c]``.
    history_ : actual children in care per (date, category, age band) on the same day of each month
        up to the start.
    sim_entrants_ : ``[s, k, a]`` children entering care during step k aged in band a at entry;
        ``sim_prevented_`` the entrants a scenario's levers prevented (zeros without levers).
    sim_exits_ : ``[s, k, r]`` children leaving care during step k for reason ``exit_reasons[r]``
        (the model's REC groups, then ``aged_out``: the 18th birthday).
    """

    council: str
    start: dt.date
    step_days: int
    categories: tuple[str, ...]
    age_bands: tuple[str, ...]
    dates_: list[dt.date]
    sim_counts_: np.ndarray
    sim_age_counts_: np.ndarray
    sim_days_: np.ndarray
    month_dates_: list[dt.date]
    sim_month_states_: np.ndarray
    expected_: np.ndarray
    history_: pl.DataFrame
    assumptions_: dict[str, Any] = field(default_factory=dict)
    sim_entrants_: np.ndarray | None = None
    sim_prevented_: np.ndarray | None = None
    quantiles_: tuple[float, ...] = field(default_factory=lambda: defaults().quantiles)
    exit_reasons: tuple[str, ...] = ()
    sim_exits_: np.ndarray | None = None

    def __post_init__(self) -> None:
        for name in COUNT_ARRAYS:
            value = getattr(self, name)
            if value is not None:
                setattr(self, name, compact_counts(value))

    @property
    def band_names(self) -> tuple[str, ...]:
        """The band columns of :meth:`summary` (from ``quantiles_``)."""
        return band_names(self.quantiles_)

    @property
    def n_sims(self) -> int:
        return int(self.sim_counts_.shape[0])

    def __repr__(self) -> str:
        return (
            f"<ForecastResult {self.council}: {self.n_sims} simulations, {len(self.dates_)} steps of "
            f"{self.step_days} days from {self.start:%d/%m/%Y}, {len(self.categories)} categories>"
        )

    def monthly(self) -> ForecastResult:
        """This result without its per-step arrays (counts, person-days and entrants on the step
        dates, shape (n_sims, 0, ·)): what a region keeps per council, whose tables read only the
        monthly states and the expected path. A council's five-year result drops from ~27 MB to
        ~6 MB at 1,000 simulations, so England's 150 councils fit in memory beside their sum; costing
        such a result fails loudly (no steps), never silently."""

        def dropped(a: np.ndarray | None) -> np.ndarray | None:
            return (
                None if a is None else a[:, :0].copy()
            )  # a copy: a view would keep the whole array

        return dataclasses.replace(
            self,
            sim_counts_=dropped(self.sim_counts_),
            sim_age_counts_=dropped(self.sim_age_counts_),
            sim_days_=dropped(self.sim_days_),
            sim_entrants_=dropped(self.sim_entrants_),
            sim_prevented_=dropped(self.sim_prevented_),
        )

    def expected_monthly(self) -> np.ndarray:
        """The expected path interpolated to the month dates: (n_months, n_age, n_cat)."""
        step_t = np.asarray([(d - self.start).days for d in self.dates_], float)
        month_t = np.asarray([(d - self.start).days for d in self.month_dates_], float)
        flat = self.expected_.reshape(len(self.dates_), -1)
        out = np.column_stack(
            [np.interp(month_t, step_t, flat[:, j]) for j in range(flat.shape[1])]
        )
        return out.reshape(len(self.month_dates_), *self.expected_.shape[1:])

    def _breakdowns(self) -> list[tuple[str, list[str], np.ndarray, np.ndarray]]:
        sims = self.sim_month_states_
        exp = self.expected_monthly()
        return [
            ("total", ["total"], sims.sum(axis=(2, 3))[..., None], exp.sum(axis=(1, 2))[:, None]),
            ("category", list(self.categories), sims.sum(axis=2), exp.sum(axis=1)),
            ("age_band", list(self.age_bands), sims.sum(axis=3), exp.sum(axis=2)),
        ]

    def summary(self) -> pl.DataFrame:
        """Monthly bands: one row per (date, breakdown, group) with mean, p5-p95 and the expected path."""
        frames = []
        for breakdown, groups, sims, exp in self._breakdowns():
            bands = band_table(sims.astype(np.float64), self.quantiles_)
            n_m, n_g = exp.shape
            cols: dict[str, Any] = {
                "date": np.repeat(np.asarray(self.month_dates_, dtype="datetime64[D]"), n_g),
                "breakdown": [breakdown] * (n_m * n_g),
                "group": groups * n_m,
                "expected": exp.ravel(),
            }
            for name, v in bands.items():
                cols[name] = v.ravel()
            frames.append(pl.DataFrame(cols).with_columns(pl.col("date").cast(pl.Date)))
        return pl.concat(frames).select(
            "date", "breakdown", "group", "mean", *self.band_names, "expected"
        )

    def payload(self) -> dict[str, Any]:
        """The documented JSON shape: ``total``, ``by_category``, ``by_age`` lists of monthly bands."""
        table = self.summary()

        def rows(frame: pl.DataFrame) -> list[dict[str, Any]]:
            return frame.select(
                pl.col("date").cast(pl.Utf8),
                *[pl.col(c).round(2) for c in ("mean", *self.band_names)],
            ).to_dicts()

        return {
            "total": rows(table.filter(pl.col("breakdown") == "total")),
            "by_category": {
                c: rows(table.filter((pl.col("breakdown") == "category") & (pl.col("group") == c)))
                for c in self.categories
            },
            "by_age": {
                a: rows(table.filter((pl.col("breakdown") == "age_band") & (pl.col("group") == a)))
                for a in self.age_bands
            },
        }

    def history_total(self) -> pl.DataFrame:
        return self.history_.group_by("date").agg(pl.col("children").sum()).sort("date")

    @classmethod
    def combine(cls, results: list[ForecastResult], name: str = "all councils") -> ForecastResult:
        """Sum council forecasts simulation by simulation (councils independent)."""
        if not results:
            raise ParameterError(
                "no council forecasts to combine", fix="forecast at least one council"
            )
        first = results[0]
        for r in results[1:]:
            if (r.start, r.step_days, r.n_sims, len(r.dates_), r.categories) != (
                first.start,
                first.step_days,
                first.n_sims,
                len(first.dates_),
                first.categories,
            ):
                raise ParameterError(
                    f"cannot combine {r.council} with {first.council}: different start, steps or "
                    "simulations",
                    fix="forecast every council with the same settings",
                )
        if len(results) == 1:
            return first
        history = (
            pl.concat([r.history_ for r in results])
            .group_by("date", "category", "age_band")
            .agg(pl.col("children").sum())
            .sort("date", "category", "age_band")
        )
        return cls(
            council=name,
            start=first.start,
            step_days=first.step_days,
            categories=first.categories,
            age_bands=first.age_bands,
            dates_=first.dates_,
            sim_counts_=_sum([r.sim_counts_ for r in results]),
            sim_age_counts_=_sum([r.sim_age_counts_ for r in results]),
            sim_days_=_sum([r.sim_days_ for r in results]),
            month_dates_=first.month_dates_,
            sim_month_states_=_sum([r.sim_month_states_ for r in results]),
            expected_=_sum([r.expected_ for r in results]),
            history_=history,
            assumptions_={"councils": {r.council: r.assumptions_ for r in results}},
            sim_entrants_=_sum_optional([r.sim_entrants_ for r in results]),
            sim_prevented_=_sum_optional([r.sim_prevented_ for r in results]),
            quantiles_=first.quantiles_,
            exit_reasons=first.exit_reasons,
            sim_exits_=_sum_optional([r.sim_exits_ for r in results]),
        )


def _sum(arrays: list[np.ndarray]) -> np.ndarray:
    """Sum per-council arrays into one new array (``sum()`` would allocate once per term, and a
    region combines councils' arrays of ~10 MB each many times). Counts are added as int64 (a
    council's int16 would overflow in a region) and narrowed again by the result."""
    wide = np.int64 if arrays[0].dtype.kind in "iu" else arrays[0].dtype
    total = arrays[0].astype(wide)
    for a in arrays[1:]:
        total += a
    return total


def _sum_optional(arrays: list[np.ndarray | None]) -> np.ndarray | None:
    """Sum per-council arrays that older results may not carry (then None)."""
    return None if any(a is None for a in arrays) else _sum(arrays)
