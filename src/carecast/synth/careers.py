"""Children and their whole care histories, simulated as arrays.

The simulation works in whole days (day numbers since 1970-01-01) in four steps, each vectorised
over all children at once:

1. **Entrants**: Poisson counts per (year, council, single year of age) from the child population,
   the age-dependent entry rates and the yearly trend; plus UASC and remand entrants.
2. **Periods of care**: each period follows a route (home, adoption, SGO, long-term, other, UASC,
   remand) that sets its log-normal length and its REC; periods stop at the 18th birthday
   (ageing out). Children who go home may come back (a loop over period number).
3. **Episodes**: within a period, legal changes (L1/L2 → C1 → C2, V2 → C1, E1 before adoption)
   and placement moves (a Poisson process; a loop over move number) split the period into
   episodes; RNE says what changed (S, L, P, T, B, U).
4. **Placements**: each start or move draws a category from the age-specific mix, then PLACE and
   PLACE_PROVIDER codes, then a location (see ``locate``).

Short breaks (LS V3/V4) are a separate small stream of disabled children (``short_breaks``).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import numpy as np

from carecast.plumbing.constants import DAYS_PER_YEAR
from carecast.schema import load_categories
from carecast.schema.ssda903 import spec_for_year, year_range
from carecast.schema.years import financial_year_starts
from carecast.synth import locate
from carecast.synth.draw import (
    BANDS,
    add_years,
    band_of,
    categorical,
    codes_and_probs,
    draw_codes,
    ffill_index,
    group_starts,
    lognormal_days,
    share_table,
    uniform_days,
)
from carecast.synth.geography import Geography
from carecast.synth.params import Params
from carecast.synth.providers import TYPES, Register

CATS = tuple(load_categories().category_ids)
LOC_KEYS = (
    "residential_in_house",
    "residential_external",
    "fostering_in_house",
    "fostering_ifa",
    "kinship",
    "supported",
    "secure",
    "other",
    "adoption",
)
ROUTES = ("home", "adoption", "sgo", "long_term", "other", "uasc", "remand")
NORMAL, UASC, REMAND, SHORT_BREAK = 0, 1, 2, 3
ADOPTION = len(CATS)  # pseudo-category index for placed-for-adoption episodes
EPOCH = dt.date(1970, 1, 1)


def day(d: dt.date) -> int:
    return (d - EPOCH).days


@dataclass
class Children:
    council: np.ndarray  # council index (geography)
    dob: np.ndarray  # day number
    sex: np.ndarray  # 1 / 2
    kind: np.ndarray  # NORMAL, UASC, REMAND (first entry), SHORT_BREAK
    home_pc: np.ndarray  # postcode index


@dataclass
class Episodes:
    """One row per episode (all of history, before slicing into returns)."""

    child: np.ndarray
    period: np.ndarray  # global period number
    decom: np.ndarray
    dec: np.ndarray  # day number; may lie after the data end (open then)
    rne: np.ndarray
    ls: np.ndarray
    cin: np.ndarray
    place: np.ndarray
    provider: np.ndarray
    rec: np.ndarray
    rpc: np.ndarray  # REASON_PLACE_CHANGE or None
    pl_pc: np.ndarray  # postcode index
    prov: np.ndarray  # register index of the provider (URN), -1 if none

    @staticmethod
    def concat(parts: list[Episodes]) -> Episodes:
        return Episodes(
            **{
                f: np.concatenate([getattr(p, f) for p in parts])
                for f in Episodes.__dataclass_fields__
            }
        )


@dataclass
class Simulation:
    children: Children
    episodes: Episodes
    population: dict[
        tuple[int, int], float
    ]  # (placing council index, collection year) -> children 0-17


# ----------------------------------------------------------------------------------------- entrants


def _fy_days(years: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """First day and length in days of financial years (numbered by start year)."""
    start = financial_year_starts(years).astype(np.int64)  # days since 1970-01-01, as day()
    end = financial_year_starts(np.asarray(years) + 1).astype(np.int64)
    return start, end - start


def entry_shock_path(rng, sd: float, persistence: float, shape: tuple[int, ...]) -> np.ndarray:
    """Monthly entry-rate multipliers along the last axis: exp(a - sd²/2) with a a stationary
    Gaussian AR(1) of standard deviation ``sd`` and month-to-month correlation ``persistence``, so
    each multiplier has mean 1. All ones (and no random numbers drawn) when ``sd`` is 0."""
    if sd <= 0:
        return np.ones(shape)
    z = rng.standard_normal(shape)
    a = np.empty(shape)
    a[..., 0] = sd * z[..., 0]
    step = sd * np.sqrt(1.0 - persistence**2)
    for m in range(1, shape[-1]):  # one step per month: a few hundred months
        a[..., m] = persistence * a[..., m - 1] + step * z[..., m]
    return np.exp(a - sd * sd / 2)


def _council_trends(rng, params: Params, n: int) -> np.ndarray:
    """Each council's yearly entry trend: drawn from ``entries.trend_range`` when given, else the
    one ``entries.trend`` (no random numbers drawn, so default outputs are unchanged)."""
    span = list(params["entries.trend_range"] or [])
    if span:
        return rng.uniform(float(span[0]), float(span[1]), n)
    return np.full(n, float(params["entries.trend"]))


def _entry_multipliers(
    rng, params: Params, n_councils: int, n_years: int, shared: np.ndarray | None
) -> np.ndarray | None:
    """Monthly entry multipliers (council, year, month of the financial year): the regional shock
    (``shared``, one path for every council generated together) times each council's own; None
    when both shocks are 0."""
    persistence = float(params["entries.shock_persistence"])
    if shared is None:
        shared = entry_shock_path(
            rng, float(params["entries.shock_sd"]), persistence, (n_years * 12,)
        )
    own = entry_shock_path(
        rng, float(params["entries.council_shock_sd"]), persistence, (n_councils, n_years * 12)
    )
    if float(params["entries.shock_sd"]) <= 0 and float(params["entries.council_shock_sd"]) <= 0:
        return None
    return (shared[None, :] * own).reshape(n_councils, n_years, 12)


def regional_entry_shock(rng, params: Params, first_year: int, last_year: int) -> np.ndarray:
    """The regional shock's monthly multipliers over every financial year :func:`simulate`
    covers (burn-in included), to share one path between chunks of councils."""
    n_years = last_year - (first_year - 1 - int(params["entries.burn_in_years"]))
    return entry_shock_path(
        rng,
        float(params["entries.shock_sd"]),
        float(params["entries.shock_persistence"]),
        (n_years * 12,),
    )


def _entrants(
    rng,
    params: Params,
    geo: Geography,
    placing: np.ndarray,
    pop0: np.ndarray,
    mult: np.ndarray,
    first_year: int,
    last_year: int,
    shared_shock: np.ndarray | None = None,
):
    """Arrays (council, entry day, dob, kind) of first entries to care, burn-in included.

    With entry shocks, a (year, council)'s Poisson mean is scaled by the year's mean monthly
    multiplier and entry days fall in months in proportion to the multipliers: the same law as
    Poisson counts month by month at the shocked rate."""
    burn = int(params["entries.burn_in_years"])
    fys = np.arange(first_year - 1 - burn, last_year)  # financial years simulated
    growth = float(params["population.annual_growth"])
    rel = fys - (first_year - 1)
    trend = (1 + _council_trends(rng, params, len(placing))[None, :]) ** rel[
        :, None
    ]  # (year, council)
    months = _entry_multipliers(rng, params, len(placing), len(fys), shared_shock)
    shock = np.ones((len(fys), len(placing))) if months is None else months.mean(axis=2).T
    pop = pop0[None, :] * (1 + growth) ** rel[:, None]  # (year, council)
    rate = np.array(
        [params["entries.rate_per_10k"][BANDS[b]] for b in band_of(np.arange(18) + 0.5)]
    )
    lam = (
        (pop[:, :, None] / 18.0)
        * rate[None, None, :]
        / 1e4
        * mult[None, :, None]
        * (trend * shock)[:, :, None]
    )
    counts = rng.poisson(lam)
    y_i, c_i, a_i = np.nonzero(counts)
    reps = counts[y_i, c_i, a_i]
    y_i, c_i, age = np.repeat(y_i, reps), np.repeat(c_i, reps), np.repeat(a_i, reps)
    kind = np.where(
        (age >= 10) & (rng.random(len(age)) < params["remand.share_of_entries"]), REMAND, NORMAL
    )

    # UASC: per (year, council), ages from their own distribution
    uasc_rate = params["uasc.rate_per_10k"]
    lon = geo.is_london[placing]
    ulam = (
        pop * np.where(lon, uasc_rate["london"], uasc_rate["other"])[None, :] / 1e4 * trend * shock
    )
    ucount = rng.poisson(ulam)
    uy, uc = np.nonzero(ucount)
    ureps = ucount[uy, uc]
    uy, uc = np.repeat(uy, ureps), np.repeat(uc, ureps)
    ages, probs = codes_and_probs(params["uasc.age"])
    uage = ages.astype(int)[categorical(rng, probs, n=len(uy))]

    y_i = np.concatenate([y_i, uy])
    c_i = np.concatenate([c_i, uc])
    age = np.concatenate([age, uage])
    kind = np.concatenate([kind, np.full(len(uy), UASC)])
    start0, length = _fy_days(fys)
    if months is None:
        within = rng.random(len(y_i))
    else:  # month in proportion to the (council, year)'s multipliers, then a day within it
        month = categorical(rng, months.reshape(-1, 12), c_i * len(fys) + y_i)
        within = (month + rng.random(len(y_i))) / 12
    entry = start0[y_i] + (within * length[y_i]).astype(np.int64)
    dob = entry - np.floor((age + rng.random(len(age)) * 0.999) * DAYS_PER_YEAR).astype(np.int64)
    return placing[c_i], entry, dob, kind


# ------------------------------------------------------------------------------------------ periods


def _outcomes(rng, params: Params, start, dob, kind):
    """Route, end day and REC of periods starting on ``start``."""
    n = len(start)
    band = band_of((start - dob) / DAYS_PER_YEAR)
    mix = share_table(params["routes.mix"], BANDS, ROUTES)
    route = categorical(rng, mix, band)
    route = np.where(
        kind == UASC, ROUTES.index("uasc"), np.where(kind == REMAND, ROUTES.index("remand"), route)
    )
    spec = params["routes.duration_days"]
    med = np.array([spec[r]["median"] for r in ROUTES], float)[route]
    sig = np.array([spec[r]["sigma"] for r in ROUTES], float)[route]
    end = start + lognormal_days(rng, med, sig, n)
    b18 = add_years(dob, 18)
    aged_out = end >= b18
    end = np.maximum(np.minimum(end, b18), start + 1)
    rec = np.empty(n, dtype=object)
    recs = params["routes.rec"]
    for r, name in enumerate(ROUTES):
        rows = np.flatnonzero(route == r)
        rec[rows] = draw_codes(rng, recs[name], len(rows))
    older = np.isin(route, [ROUTES.index(r) for r in ("long_term", "other", "uasc")]) & (
        end >= add_years(dob, 16)
    )
    rows = np.flatnonzero(older & ~aged_out)
    rec[rows] = draw_codes(rng, params["routes.rec_at_16_17"], len(rows))
    rows = np.flatnonzero(aged_out)
    rec[rows] = draw_codes(rng, params["routes.rec_at_18"], len(rows))
    return route, end, _sgo_codes_of_the_year(rec, end), aged_out


# Before the SGO split (schema/data/ssda903.yaml) special guardianship was E43 (former foster
# carers) or E44 (other carers); the later codes are folded back for periods ending earlier.
_SGO_BEFORE_SPLIT = {"E45": "E43", "E46": "E43", "E47": "E44", "E48": "E44"}


def _sgo_codes_of_the_year(rec: np.ndarray, end: np.ndarray) -> np.ndarray:
    """REC codes as the return for the year each period ended would hold them."""
    first, last = year_range()
    split = next(
        (y for y in range(first, last + 1) if "E45" in spec_for_year(y).code_lists["rec"]), first
    )
    early = end < day(dt.date(split - 1, 4, 1))
    for new, old in _SGO_BEFORE_SPLIT.items():
        rec[early & (rec == new)] = old
    return rec


def _periods(rng, params: Params, council, entry, dob, kind, data_end_day: int):
    """All periods of care: first entries plus re-entries after going home."""
    n_child = len(entry)
    child = np.arange(n_child)
    start, pkind = entry, kind
    out = {k: [] for k in ("child", "start", "end", "route", "rec", "kind")}
    b18 = add_years(dob, 18)
    for _ in range(4):
        route, end, rec, aged_out = _outcomes(rng, params, start, dob[child], pkind)
        for k, v in (
            ("child", child),
            ("start", start),
            ("end", end),
            ("route", route),
            ("rec", rec),
            ("kind", pkind),
        ):
            out[k].append(v)
        gap = lognormal_days(
            rng,
            params["routes.reentry_gap_days"]["median"],
            params["routes.reentry_gap_days"]["sigma"],
            len(end),
        )
        back = (
            (route == ROUTES.index("home"))
            & ~aged_out
            & (rng.random(len(end)) < params["routes.reentry_probability"])
            & (end + gap < np.minimum(b18[child] - 30, data_end_day))
        )
        child, start = child[back], (end + gap)[back]
        pkind = np.full(len(child), NORMAL)
        if not len(child):
            break
    return {k: np.concatenate(v) for k, v in out.items()}


# ----------------------------------------------------------------------------------------- episodes

LS_CODES = np.array(["C1", "C2", "V2", "L1", "L2", "E1", "J1", "V3", "V4"], dtype=object)
_LS = {c: i for i, c in enumerate(LS_CODES)}


def _legal_events(rng, params: Params, per, band):
    """(period, t, LS index) of every legal status (start included) and adoption timings."""
    n = len(per["start"])
    D = per["end"] - per["start"]
    kind, route = per["kind"], per["route"]
    adopt = route == ROUTES.index("adoption")
    init = share_table(params["legal.initial"], BANDS, list(LS_CODES))
    ls0 = categorical(rng, init, band)
    ls0 = np.where(adopt & (ls0 == _LS["V2"]), _LS["C1"], ls0)
    ls0 = np.where(kind == UASC, _LS["V2"], np.where(kind == REMAND, _LS["J1"], ls0))

    em = params["legal.emergency_to_next"]
    m1 = np.isin(ls0, [_LS["L1"], _LS["L2"]])
    t1 = uniform_days(rng, em["min_days"], em["max_days"], n)
    s1 = np.where(adopt | (rng.random(n) < em["to_c1_share"]), _LS["C1"], _LS["V2"])
    cur = np.where(m1, s1, ls0)
    tprev = np.where(m1, t1, 0)

    s20 = params["legal.section20_to_c1"]
    s20_share = np.array([s20["share"][r] for r in ROUTES], float)[route]
    m2 = (cur == _LS["V2"]) & (kind == NORMAL) & (rng.random(n) < s20_share)
    t2 = tprev + uniform_days(rng, s20["min_days"], s20["max_days"], n)
    cur = np.where(m2, _LS["C1"], cur)
    tprev = np.where(m2, t2, tprev)

    lo, hi = params["legal.interim_to_full_days"]
    m3 = cur == _LS["C1"]
    t3 = tprev + uniform_days(rng, lo, hi, n)

    at = params["legal.adoption_timing"]
    t4 = D - uniform_days(rng, at["e1_days"][0], at["e1_days"][1], n)
    t4 = np.where(t4 < 1, np.maximum(1, D // 3), t4)
    m4 = adopt & (D >= 3)
    # with a placement order coming, earlier steps that would land on or after it do not happen
    m1 &= ~(m4 & (t1 >= t4))
    m2 &= ~(m4 & (t2 >= t4))
    m3 &= ~(m4 & (t3 >= t4))
    tA = D - uniform_days(rng, at["placed_days"][0], at["placed_days"][1], n)
    tA = np.where(tA <= t4, t4 + (D - t4) // 2, tA)
    mA = m4 & (tA > t4) & (tA < D)
    same_carer = rng.random(n) < at["same_carer_share"]

    pid = np.arange(n)
    parts = [(pid, np.zeros(n, np.int64), ls0)]
    for m, t, s in (
        (m1, t1, s1),
        (m2, t2, np.full(n, _LS["C1"])),
        (m3, t3, np.full(n, _LS["C2"])),
        (m4, t4, np.full(n, _LS["E1"])),
    ):
        keep = m & (t >= 1) & (t < D)
        parts.append((pid[keep], t[keep], s[keep]))
    legal = tuple(np.concatenate(x) for x in zip(*parts, strict=True))
    adopt_place = (pid[mA], tA[mA], np.where(same_carer[mA], 2, 1))
    limit = np.where(mA, tA, D)
    return legal, adopt_place, limit


def _move_events(rng, params: Params, band, limit):
    """(period, t) of placement moves: a Poisson process per period, stopped at ``limit``."""
    rate = np.array([params["moves.rate_per_year"][b] for b in BANDS], float)[band]
    pid = np.arange(len(band))
    t = np.zeros(len(band), np.int64)
    out_p, out_t = [], []
    for _ in range(int(params["moves.max_moves"])):
        t = t + np.ceil(rng.exponential(DAYS_PER_YEAR / rate)).astype(np.int64)
        alive = t < limit[pid]
        pid, t, rate = pid[alive], t[alive], rate[alive]
        if not len(pid):
            break
        out_p.append(pid)
        out_t.append(t)
    if not out_p:
        return np.zeros(0, np.int64), np.zeros(0, np.int64)
    return np.concatenate(out_p), np.concatenate(out_t)


def _draw_placements(
    rng,
    params: Params,
    geo: Geography,
    reg: Register,
    council,
    home_pc,
    age,
    kind,
    adopt_kind,
    has_inhouse,
):
    """PLACE, PLACE_PROVIDER, postcode index and provider index for each placement start."""
    n = len(age)
    band = band_of(age)
    cat = categorical(rng, share_table(params["placements.mix"], BANDS, CATS), band)
    u_rows = ["10-15", "10-15", "10-15", "10-15", "16-17"]
    ucat = categorical(rng, share_table(params["placements.uasc_mix"], u_rows, CATS), band)
    rcat = categorical(
        rng, share_table({"r": params["remand.placement"]}, ["r"], CATS), np.zeros(n, np.int64)
    )
    cat = np.where(kind == UASC, ucat, np.where(kind == REMAND, rcat, cat))
    cat = np.where(adopt_kind > 0, ADOPTION, cat)
    inh, ext = CATS.index("residential_in_house"), CATS.index("residential_external")
    cat = np.where((cat == inh) & ~has_inhouse[council], ext, cat)

    place = np.empty(n, dtype=object)
    provider = np.empty(n, dtype=object)
    codes = params["placements.codes"]
    for ci, name in enumerate(CATS):
        rows = np.flatnonzero(cat == ci)
        place[rows] = draw_codes(rng, codes[name]["place"], len(rows))
        provider[rows] = draw_codes(rng, codes[name]["provider"], len(rows))
    rows = np.flatnonzero(cat == ADOPTION)
    place[rows] = np.where(adopt_kind[rows] == 2, "A5", "A6")
    provider[rows] = draw_codes(rng, params["placements.adoption_provider"], len(rows))

    pl_pc = np.full(n, -1, np.int64)
    prov = np.full(n, -1, np.int64)
    names = [*CATS, "adoption"]
    key = np.array(
        [LOC_KEYS.index(names[c]) if names[c] in LOC_KEYS else 0 for c in range(len(names))]
    )[cat]
    cls = locate.location_class(rng, params, geo, council, key, list(LOC_KEYS))
    for name, ptype, owner_la in (
        ("residential_external", "childrens_home", False),
        ("residential_in_house", "childrens_home", True),
        ("supported", "supported", None),
        ("secure", "secure", None),
    ):
        rows = np.flatnonzero(cat == CATS.index(name))
        picked = locate.pick_providers(
            rng, geo, reg, council[rows], cls[rows], ptype, owner_la=owner_la
        )
        pl_pc[rows] = reg.postcode[picked]
        prov[rows] = picked
    carers = np.isin(
        cat, [CATS.index(c) for c in ("fostering_in_house", "fostering_ifa", "kinship", "other")]
    ) | (cat == ADOPTION)
    rows = np.flatnonzero(carers)
    host = locate.pick_councils(rng, geo, council[rows], cls[rows])
    pl_pc[rows] = geo.random_postcode(rng, host)
    ifa = np.flatnonzero(cat[rows] == CATS.index("fostering_ifa"))
    prov[rows[ifa]] = locate.region_ifa(rng, geo, reg, host[ifa])
    rows = np.flatnonzero(cat == CATS.index("placed_with_parents"))
    pl_pc[rows] = home_pc[rows]
    return place, provider, pl_pc, prov


def _episodes(
    rng,
    params: Params,
    geo: Geography,
    reg: Register,
    kids: Children,
    per: dict,
    has_inhouse: np.ndarray,
) -> Episodes:
    """Split every period into episodes and give each one its legal status and placement."""
    n = len(per["start"])
    dob = kids.dob[per["child"]]
    band = band_of((per["start"] - dob) / DAYS_PER_YEAR)
    (lp, lt, ls), (ap, at, akind), limit = _legal_events(rng, params, per, band)
    mp, mt = _move_events(rng, params, band, limit)
    pid = np.concatenate([lp, np.arange(n), mp, ap])
    t = np.concatenate([lt, np.zeros(n, np.int64), mt, at])
    is_legal = np.concatenate([np.ones(len(lp), bool), np.zeros(n + len(mp) + len(ap), bool)])
    ls_ev = np.concatenate([ls, np.full(n + len(mp) + len(ap), -1)])
    is_place = np.concatenate([np.zeros(len(lp), bool), np.ones(n + len(mp) + len(ap), bool)])
    pkind = np.concatenate([np.zeros(len(lp) + n + len(mp), np.int64), akind])

    order = np.lexsort((t, pid))
    pid, t, is_legal, ls_ev, is_place, pkind = (
        a[order] for a in (pid, t, is_legal, ls_ev, is_place, pkind)
    )
    first = group_starts(pid * (1 << 20) + t)
    starts = np.flatnonzero(first)
    pid, t = pid[starts], t[starts]
    is_legal = np.logical_or.reduceat(is_legal, starts)
    ls_ev = np.maximum.reduceat(ls_ev, starts)
    is_place = np.logical_or.reduceat(is_place, starts)
    pkind = np.maximum.reduceat(pkind, starts)

    child = per["child"][pid]
    council = kids.council[child]
    age = (per["start"][pid] + t - kids.dob[child]) / DAYS_PER_YEAR
    prow = np.flatnonzero(is_place)
    place = np.empty(len(pid), dtype=object)
    provider = np.empty(len(pid), dtype=object)
    pl_pc = np.full(len(pid), -1, np.int64)
    prov = np.full(len(pid), -1, np.int64)
    (place[prow], provider[prow], pl_pc[prow], prov[prow]) = _draw_placements(
        rng,
        params,
        geo,
        reg,
        council[prow],
        kids.home_pc[child[prow]],
        age[prow],
        per["kind"][pid[prow]],
        pkind[prow],
        has_inhouse,
    )

    # same-carer adoption keeps the previous carer's postcode
    period_first = group_starts(pid)
    pidx = ffill_index(is_place)
    prev = np.r_[0, pidx[:-1]]
    same = np.flatnonzero(pkind == 2)
    pl_pc[same] = pl_pc[prev[same]]
    # a move that happens to draw the very same placement is no move at all
    identical = (
        is_place
        & ~period_first
        & (place == place[prev])
        & (provider == provider[prev])
        & (pl_pc == pl_pc[prev])
        & (prov == prov[prev])
    )
    is_place &= ~identical
    keep = is_place | is_legal
    idx = np.flatnonzero(keep)
    pid, t, is_legal, ls_ev, is_place, pkind, child = (
        a[idx] for a in (pid, t, is_legal, ls_ev, is_place, pkind, child)
    )
    place, provider, pl_pc, prov = (a[idx] for a in (place, provider, pl_pc, prov))
    pidx = ffill_index(is_place)
    place, provider, pl_pc, prov = (a[pidx] for a in (place, provider, pl_pc, prov))
    ls_code = LS_CODES[ls_ev[ffill_index(is_legal)]]

    period_first = group_starts(pid)
    last = np.r_[pid[1:] != pid[:-1], True]
    rne = np.select(
        [
            period_first,
            is_legal & is_place & (pkind == 2),
            is_legal & is_place,
            is_legal,
            pkind == 2,
        ],
        ["S", "U", "T", "L", "B"],
        default="P",
    ).astype(object)
    decom = per["start"][pid] + t
    dec = np.where(last, per["end"][pid], np.r_[decom[1:], 0])
    rec = np.where(last, per["rec"][pid], "X1").astype(object)
    next_is_move = np.r_[is_place[1:], False] & ~last
    rpc = np.full(len(pid), None, dtype=object)
    rows = np.flatnonzero(next_is_move)
    rpc[rows] = draw_codes(rng, params["moves.reason_place_change"], len(rows))

    cin_by_period = draw_codes(rng, params["cin.mix"], n)
    special = params["cin.special"]
    cin_by_period = np.where(
        per["kind"] == UASC,
        special["uasc"],
        np.where(per["kind"] == REMAND, special["remand"], cin_by_period),
    )
    return Episodes(
        child=child,
        period=pid,
        decom=decom,
        dec=dec,
        rne=rne,
        ls=ls_code,
        cin=cin_by_period[pid].astype(object),
        place=place,
        provider=provider,
        rec=rec,
        rpc=rpc,
        pl_pc=pl_pc,
        prov=prov,
    )


# ------------------------------------------------------------------------------------- short breaks


def _short_breaks(
    rng,
    params: Params,
    geo: Geography,
    reg: Register,
    placing,
    pop0,
    first_year,
    last_year,
    has_inhouse,
    period_offset: int,
):
    """Children on short breaks and their V3 (one episode per stay) or V4 (one per agreement) episodes."""
    burn = 5
    fys = np.arange(first_year - 1 - burn, last_year)
    rel = fys - (first_year - 1)
    pop = pop0[None, :] * (1 + params["population.annual_growth"]) ** rel[:, None]
    lam = pop * (13 / 18) * params["short_breaks.rate_per_10k"] / 1e4
    cnt = rng.poisson(lam)
    yi, ci = np.nonzero(cnt)
    reps = cnt[yi, ci]
    yi, ci = np.repeat(yi, reps), np.repeat(ci, reps)
    m = len(yi)
    council = placing[ci]
    s0, length = _fy_days(fys)
    start = s0[yi] + (rng.random(m) * length[yi]).astype(np.int64)
    dob = start - np.floor((rng.integers(5, 18, m) + rng.random(m) * 0.999) * DAYS_PER_YEAR).astype(
        np.int64
    )
    svc = params["short_breaks.service_days"]
    stop = np.minimum(
        start + lognormal_days(rng, svc["median"], svc["sigma"], m), add_years(dob, 18)
    )
    stop = np.maximum(stop, start + 8)
    v3 = rng.random(m) < params["short_breaks.v3_share"]
    home_pc = geo.random_postcode(rng, council)

    # the child's short-break placement: the council's own unit if it has one, else in-house carers
    use_unit = (
        rng.random(m) < params["short_breaks.placement"]["residential_in_house"]
    ) & has_inhouse[council]
    unit = locate.pick_providers(
        rng, geo, reg, council, np.zeros(m, np.int64), "childrens_home", owner_la=True
    )
    pl_pc = np.where(use_unit, reg.postcode[np.maximum(unit, 0)], geo.random_postcode(rng, council))
    prov = np.where(use_unit, unit, -1)
    place = np.where(use_unit, "K2", "U6").astype(object)

    # V3: stays in equal slots of the service window, one per slot, never overlapping
    span = stop - start
    nb = np.where(
        v3,
        np.minimum(
            rng.poisson(span / DAYS_PER_YEAR * params["short_breaks.breaks_per_year"]) + 1,
            span // 8,
        ),
        1,
    )
    ep_child = np.repeat(np.arange(m), nb)
    j = np.arange(len(ep_child)) - np.repeat(np.cumsum(nb) - nb, nb)
    width = (span // nb)[ep_child]
    lo, hi = params["short_breaks.break_days"]
    stay = uniform_days(rng, lo, hi, len(ep_child))
    decom = (
        start[ep_child]
        + j * width
        + (rng.random(len(ep_child)) * np.maximum(width - stay - 1, 1)).astype(np.int64)
    )
    dec = np.where(v3[ep_child], decom + stay, stop[ep_child])
    e = len(ep_child)
    eps = Episodes(
        child=ep_child,
        period=period_offset + np.arange(e),
        decom=decom,
        dec=dec,
        rne=np.full(e, "S", dtype=object),
        ls=np.where(v3[ep_child], "V3", "V4").astype(object),
        cin=np.full(e, params["cin.special"]["short_break"], dtype=object),
        place=place[ep_child],
        provider=np.full(e, "PR1", dtype=object),
        rec=draw_codes(rng, params["short_breaks.rec"], e),
        rpc=np.full(e, None, dtype=object),
        pl_pc=pl_pc[ep_child],
        prov=prov[ep_child],
    )
    kids = Children(
        council=council,
        dob=dob,
        sex=np.where(rng.random(m) < params["entries.male_share"], 1, 2),
        kind=np.full(m, SHORT_BREAK),
        home_pc=home_pc,
    )
    return kids, eps


# ------------------------------------------------------------------------------------------ simulate


def populations(rng, params: Params, geo: Geography, placing: np.ndarray) -> np.ndarray:
    """Child population (0-17) of each placing council in the first collection year."""
    over = params["population.overrides"]
    lo_l, hi_l = params["population.london_range"]
    lo_o, hi_o = params["population.other_range"]
    u = rng.random(len(placing))
    pop = np.where(geo.is_london[placing], lo_l + u * (hi_l - lo_l), lo_o + u * (hi_o - lo_o))
    for i, c in enumerate(placing):
        name = geo.councils[c].name
        if name in over:
            pop[i] = float(over[name])
    return np.round(pop)


def simulate(
    rng: np.random.Generator,
    params: Params,
    geo: Geography,
    reg: Register,
    placing: np.ndarray,
    first_year: int,
    last_year: int,
    shared_shock: np.ndarray | None = None,
) -> Simulation:
    """Every child and episode of the ``placing`` councils (geography indices), from the burn-in
    to the last year's end. Councils only share the register, the postcodes and the regional
    entry shock (``shared_shock``, from :func:`regional_entry_shock`), so large runs can simulate
    a few councils at a time."""
    data_end_day = day(dt.date(last_year, 3, 31))
    pop0 = populations(rng, params, geo, placing)
    mult = np.exp(rng.normal(0.0, params["entries.council_spread"], len(placing)))
    fixed = params["entries.council_multipliers"]
    for i, c in enumerate(placing):
        mult[i] = float(fixed.get(geo.councils[c].name, mult[i]))
    n_councils = len(geo.councils)
    has_inhouse = np.zeros(n_councils, bool)
    has_inhouse[
        reg.host[(reg.owner == locate.LA) & (reg.type == TYPES.index("childrens_home"))]
    ] = True

    council, entry, dob, kind = _entrants(
        rng, params, geo, placing, pop0, mult, first_year, last_year, shared_shock
    )
    male = np.where(kind == UASC, params["uasc.male_share"], params["entries.male_share"])
    kids = Children(
        council=council,
        dob=dob,
        sex=np.where(rng.random(len(dob)) < male, 1, 2),
        kind=kind,
        home_pc=geo.random_postcode(rng, council),
    )
    per = _periods(rng, params, council, entry, dob, kind, data_end_day)
    eps = _episodes(rng, params, geo, reg, kids, per, has_inhouse)

    sb_kids, sb_eps = _short_breaks(
        rng,
        params,
        geo,
        reg,
        placing,
        pop0,
        first_year,
        last_year,
        has_inhouse,
        period_offset=len(per["start"]),
    )
    sb_eps.child = sb_eps.child + len(kids.dob)
    kids = Children(
        **{
            f: np.concatenate([getattr(kids, f), getattr(sb_kids, f)])
            for f in Children.__dataclass_fields__
        }
    )
    eps = Episodes.concat([eps, sb_eps])
    growth = params["population.annual_growth"]
    population = {
        (int(c), y): float(pop0[i] * (1 + growth) ** (y - first_year))
        for i, c in enumerate(placing)
        for y in range(first_year, last_year + 1)
    }
    return Simulation(children=kids, episodes=eps, population=population)
