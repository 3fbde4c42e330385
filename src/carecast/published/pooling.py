"""Partial pooling (empirical Bayes) of each council's rate toward its region's and England's.

A council's mean of a few yearly rates is noisy; the spread of those means across councils is
partly real difference and partly that noise. With ``v`` a council mean's sampling variance
(pooled within-council variance / years) and ``tau²`` the between-council variance left after
the noise (method of moments, floored at a small positive number), the posterior mean is
``w·own + (1-w)·region`` with ``w = tau²/(tau²+v)`` and posterior variance ``w·v``: a council
with a steady series keeps its own rate, a noisy one borrows from its region. Region means are
pooled toward England the same way, so a small region is not taken at its word either.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

FLOOR = 1e-6


@dataclass(frozen=True)
class Pooled:
    mean: np.ndarray  # posterior mean per council
    var: np.ndarray  # posterior variance per council
    weight: np.ndarray  # weight on the council's own mean


def _shrink(
    own: np.ndarray, v: np.ndarray, groups: np.ndarray, target: dict
) -> tuple[np.ndarray, np.ndarray]:
    out, w = own.copy(), np.ones_like(own)
    for g in np.unique(groups):
        i = groups == g
        tau2 = (
            max(float(np.var(own[i], ddof=1)) - float(v[i].mean()), FLOOR) if i.sum() > 1 else FLOOR
        )
        w[i] = tau2 / (tau2 + v[i])
        out[i] = w[i] * own[i] + (1 - w[i]) * target[g]
    return out, w


def pool(values: np.ndarray, regions: np.ndarray) -> Pooled:
    """Pool the rows of ``values`` (councils x years, NaN allowed) toward region and England."""
    n = np.isfinite(values).sum(1)
    own = np.nanmean(values, axis=1)
    within = np.nanvar(values, axis=1, ddof=1) if values.shape[1] > 1 else np.zeros(len(own))
    s2 = float(np.nanmean(within[n > 1])) if (n > 1).any() else float(np.nanvar(own))
    v = s2 / np.maximum(n, 1)
    names = np.unique(regions)
    reg_mean = np.array([own[regions == r].mean() for r in names])
    reg_v = np.array(
        [
            np.var(own[regions == r], ddof=1) / (regions == r).sum()
            if (regions == r).sum() > 1
            else s2
            for r in names
        ]
    )
    england = float(own.mean())
    reg_post, _ = _shrink(reg_mean, reg_v, np.zeros(len(names)), {0: england})
    target = dict(zip(names, reg_post, strict=True))
    mean, w = _shrink(own, v, regions, target)
    return Pooled(mean, w * v, w)
