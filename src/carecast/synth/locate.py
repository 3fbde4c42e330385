"""Where each placement is: a provider from the register, or a carer's postcode in some council.

A placement's location class (own council / elsewhere in its region / outside its region) is
drawn from ``placements.location`` by category and by whether the placing council is in London;
then a provider (weighted by places) or a council and a postcode in its pool is picked from that
class. Rows are grouped by (placing council, class) so the work is one sort plus a small loop
over groups, never a loop over children.
"""

from __future__ import annotations

import numpy as np

from carecast.synth.draw import categorical
from carecast.synth.geography import Geography
from carecast.synth.params import Params
from carecast.synth.providers import OWNERS, TYPES, Register

CLASSES = ("own", "region", "out")
LA = OWNERS.index("local_authority")


def location_class(
    rng: np.random.Generator,
    params: Params,
    geo: Geography,
    council: np.ndarray,
    key: np.ndarray,
    keys: list[str],
) -> np.ndarray:
    """Class index (0 own, 1 region, 2 out) per row; ``key`` indexes ``keys`` (location table rows)."""
    table = params["placements.location"]
    probs = np.array(
        [[[table[area][k][c] for c in CLASSES] for k in keys] for area in ("london", "other")]
    )
    area = np.where(geo.is_london[council], 0, 1)
    flat = probs.reshape(-1, len(CLASSES))
    return categorical(rng, flat, area * len(keys) + key)


def _candidates(geo: Geography, c: int, cls: int, host: np.ndarray) -> np.ndarray:
    """Boolean over ``host`` (council indices): in class ``cls`` relative to council ``c``."""
    same_region = geo.region[host] == geo.region[c]
    if cls == 0:
        return host == c
    if cls == 1:
        return same_region & (host != c)
    return ~same_region


def _grouped(council: np.ndarray, cls: np.ndarray):
    """Yield (council, class, row indices) for each (council, class) present."""
    if not len(council):
        return
    key = council.astype(np.int64) * len(CLASSES) + cls
    order = np.argsort(key, kind="stable")
    sk = key[order]
    bounds = np.flatnonzero(np.r_[True, sk[1:] != sk[:-1], True])
    for a, b in zip(bounds[:-1], bounds[1:], strict=False):
        k = int(sk[a])
        yield k // len(CLASSES), k % len(CLASSES), order[a:b]


def pick_providers(
    rng: np.random.Generator,
    geo: Geography,
    reg: Register,
    council: np.ndarray,
    cls: np.ndarray,
    ptype: str,
    *,
    owner_la: bool | None = None,
) -> np.ndarray:
    """A provider index per row of type ``ptype`` in the row's class (falling back outward), by places."""
    ok = reg.type == TYPES.index(ptype)
    if owner_la is not None:
        ok &= (reg.owner == LA) == owner_la
    pool = np.flatnonzero(ok)
    out = np.full(len(council), -1, np.int64)
    for c, k, rows in _grouped(council, cls):
        for kk in (k, *range(k + 1, len(CLASSES)), *range(k)):
            cand = pool[_candidates(geo, c, kk, reg.host[pool])]
            if len(cand):
                break
        else:
            cand = pool
        w = np.cumsum(reg.places[cand].astype(float))
        out[rows] = cand[
            np.minimum(
                np.searchsorted(w / w[-1], rng.random(len(rows)), side="right"), len(cand) - 1
            )
        ]
    return out


def pick_councils(
    rng: np.random.Generator, geo: Geography, council: np.ndarray, cls: np.ndarray
) -> np.ndarray:
    """A host council per row in the row's class (uniform among candidates; own council if none)."""
    all_councils = np.arange(len(geo.councils))
    out = council.copy()
    for c, k, rows in _grouped(council, cls):
        cand = all_councils[_candidates(geo, c, k, all_councils)]
        if len(cand):
            out[rows] = cand[(rng.random(len(rows)) * len(cand)).astype(np.int64)]
    return out


def region_ifa(
    rng: np.random.Generator, geo: Geography, reg: Register, host: np.ndarray
) -> np.ndarray:
    """An IFA (provider index) registered in the region of each carer's council."""
    ifa = np.flatnonzero(reg.type == TYPES.index("ifa"))
    out = np.full(len(host), -1, np.int64)
    host_region = geo.region[host]
    for r in np.unique(host_region):
        rows = np.flatnonzero(host_region == r)
        cand = ifa[geo.region[reg.host[ifa]] == r]
        cand = cand if len(cand) else ifa
        out[rows] = cand[(rng.random(len(rows)) * len(cand)).astype(np.int64)]
    return out
