"""Synthetic geography: which councils, and a pool of well-formed postcodes around each one.

Every council in the reference list (``carecast.schema.councils()``) gets a postcode area of its
own (two letters, the first its initial), districts scattered around its centroid and a pool of
postcodes in them, so children's homes, carers and family homes can be placed anywhere in
England. When more councils are asked for than the reference list holds, extra ones with
deterministic synthetic names are made up (``Synthetic Council 001`` ...), spread over England.
"""

from __future__ import annotations

import string
from dataclasses import dataclass

import numpy as np
import polars as pl

from carecast.errors import Location, ParameterError
from carecast.plumbing.geo import Point, distance_miles
from carecast.schema import Council, councils, find_council
from carecast.synth.params import Params

# Synthetic geography is drawn on the councils that report from 2023 (the 2023-24 boundaries, and
# Cumbria, which reported until then); councils abolished earlier exist only for older returns.
GEOGRAPHY_FROM_YEAR = 2023
# Letters real postcodes use: area letters (first / second) and the inward unit letters.
_AREA_FIRST = [c for c in string.ascii_uppercase if c not in "QVX"]
_AREA_SECOND = [c for c in string.ascii_uppercase if c not in "IJZ"]
_UNIT = np.array(list("ABDEFGHJLNPQRSTUWXYZ"))
_DISTRICTS = 12
_KM_PER_DEG_LAT = 111.2


def _synthetic_councils(n: int) -> list[Council]:
    """``n`` made-up councils on a grid over England, ten to a synthetic region."""
    out = []
    for i in range(1, n + 1):
        row, col = divmod(i - 1, 12)
        out.append(
            Council(
                name=f"Synthetic Council {i:03d}",
                ons_code=f"E99{i:06d}",
                dfe_number=str(9000 + i),
                region=f"Synthetic Region {(i - 1) // 10 + 1}",
                london_area=None,
                partnership=None,
                lat=50.9 + 0.3 * (row % 13),
                lon=-2.9 + 0.3 * col,
            )
        )
    return out


def select_councils(spec: int | str | list[str] | tuple[str, ...], params: Params) -> list[Council]:
    """The placing councils: the first ``spec`` in the default order, or the named ones."""
    if isinstance(spec, str):
        spec = (
            int(spec)
            if spec.strip().lstrip("+-").isdigit()
            else [s.strip() for s in spec.split(",") if s.strip()]
        )
    if isinstance(spec, int):
        if spec < 1:
            raise ParameterError(
                f"asked for {spec} councils",
                where=Location(field="councils"),
                fix="ask for at least 1 council, or name them (e.g. 'Lewisham,Southwark')",
            )
        known = [c for c in councils() if c.end_year is None or c.end_year >= GEOGRAPHY_FROM_YEAR]
        first = [find_council(n) for n in params["councils.default_order"]]
        london = [c for c in known if c.is_london and c not in first and c.name != "City of London"]
        rest = [c for c in known if c not in first and c not in london]
        order = first + london + rest
        if spec > len(order):
            order += _synthetic_councils(spec - len(order))
        return order[:spec]
    if not spec:
        raise ParameterError(
            "no councils were named",
            where=Location(field="councils"),
            fix="name at least one council, e.g. 'Lewisham,Southwark', or give a number",
        )
    chosen: list[Council] = []
    for name in spec:
        c = find_council(name)
        if c not in chosen:
            chosen.append(c)
    return chosen


@dataclass(frozen=True)
class Geography:
    """All councils that can host placements (placing ones included) and their postcode pools.

    Arrays are indexed by council position in ``councils`` and by postcode position in the pool.
    """

    councils: tuple[Council, ...]
    placing: np.ndarray  # indices (into councils) of the councils whose returns are written
    region: np.ndarray  # region number per council
    is_london: np.ndarray
    pc_start: np.ndarray  # first pool index of each council's postcodes
    pc_size: np.ndarray
    pc_council: np.ndarray  # council index of each postcode
    pcds: np.ndarray  # "SE6 4AB" form
    pcd: np.ndarray  # 7-character ONSPD form
    lat: np.ndarray
    lon: np.ndarray

    def random_postcode(self, rng: np.random.Generator, council_idx: np.ndarray) -> np.ndarray:
        """One postcode index drawn uniformly from each given council's pool."""
        return self.pc_start[council_idx] + (
            rng.random(len(council_idx)) * self.pc_size[council_idx]
        ).astype(np.int64)

    def miles(self, a: np.ndarray, b: np.ndarray) -> np.ndarray:
        """Great-circle distance in miles between postcode indices ``a`` and ``b``."""
        return distance_miles(Point(self.lat[a], self.lon[a]), Point(self.lat[b], self.lon[b]))

    def postcode_table(self, used: np.ndarray) -> pl.DataFrame:
        """ONSPD-form lookup (pcd, pcds, oslaua, lat, long) of the given postcode indices."""
        idx = np.unique(used)
        ons = np.array([c.ons_code for c in self.councils])
        return pl.DataFrame(
            {
                "pcd": self.pcd[idx],
                "pcds": self.pcds[idx],
                "oslaua": ons[self.pc_council[idx]],
                "lat": np.round(self.lat[idx], 6),
                "long": np.round(self.lon[idx], 6),
            }
        ).sort("pcds")


def _area_codes(universe: list[Council]) -> list[str]:
    """A unique two-letter postcode area per council, its initial first where possible."""
    used: set[str] = set()
    codes = []
    all_codes = [a + b for a in _AREA_FIRST for b in _AREA_SECOND]
    for c in universe:
        initial = next((ch for ch in c.name.upper() if ch in _AREA_FIRST), "A")
        code = next((initial + b for b in _AREA_SECOND if initial + b not in used), None)
        if code is None:
            code = next(x for x in all_codes if x not in used)
        used.add(code)
        codes.append(code)
    return codes


def build_geography(rng: np.random.Generator, placing: list[Council], params: Params) -> Geography:
    """The council universe (reference list plus any synthetic placing councils) and its postcodes."""
    universe = [c for c in councils() if c.end_year is None or c.end_year >= GEOGRAPHY_FROM_YEAR]
    universe += [c for c in placing if c not in universe]
    index = {c.name: i for i, c in enumerate(universe)}
    regions = {r: k for k, r in enumerate(dict.fromkeys(c.region for c in universe))}
    n_pc = int(params["geography.postcodes_per_council"])
    radius = params["geography.radius_km"]
    areas = _area_codes(universe)

    n = len(universe)
    lat0 = np.array([c.lat for c in universe])
    lon0 = np.array([c.lon for c in universe])
    is_london = np.array([c.is_london for c in universe])
    rad = np.where(is_london, radius["london"], radius["other"])

    pc_council = np.repeat(np.arange(n), n_pc)
    district = rng.integers(1, _DISTRICTS + 1, size=n * n_pc)
    # unique (district, unit) per council: sample unit numbers without replacement per council
    units_per_district = 10 * len(_UNIT) ** 2
    unit_no = np.concatenate(
        [rng.choice(units_per_district, n_pc, replace=False) for _ in range(n)]
    )
    district_centre = rng.normal(0.0, 1.0, size=(n, _DISTRICTS + 1, 2)) * rad[:, None, None]
    centre = district_centre[pc_council, district]
    jitter = rng.normal(0.0, 0.4, size=(n * n_pc, 2))
    km = centre + jitter
    lat = lat0[pc_council] + km[:, 0] / _KM_PER_DEG_LAT
    lon = lon0[pc_council] + km[:, 1] / (_KM_PER_DEG_LAT * np.cos(np.radians(lat0[pc_council])))

    # the inward code comes from the unit number, unique within a council; areas are unique per council
    digit, rest = np.divmod(unit_no, len(_UNIT) ** 2)
    l1, l2 = np.divmod(rest, len(_UNIT))
    outward = np.char.add(np.array(areas)[pc_council], district.astype(str))
    inward = np.char.add(np.char.add(digit.astype(str), _UNIT[l1]), _UNIT[l2])
    pcds = np.char.add(np.char.add(outward, " "), inward)
    pcd = np.char.add(np.char.ljust(outward, 4), inward)
    return Geography(
        councils=tuple(universe),
        placing=np.array([index[c.name] for c in placing]),
        region=np.array([regions[c.region] for c in universe]),
        is_london=is_london,
        pc_start=np.arange(n) * n_pc,
        pc_size=np.full(n, n_pc),
        pc_council=pc_council,
        pcds=pcds.astype(object),
        pcd=pcd.astype(object),
        lat=lat,
        lon=lon,
    )
