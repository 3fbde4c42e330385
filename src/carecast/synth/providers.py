"""The synthetic provider register: children's homes, fostering agencies, supported and secure.

Providers are hosted in every council of the geography (not only the placing ones), so London
councils can place children in Kent or Shropshire as they do (DOMAIN.md §5.1). Counts, sizes,
ratings, registrations and prices come from ``params.yaml`` (``providers.*``).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import numpy as np
import polars as pl

from carecast.synth.draw import draw_codes
from carecast.synth.geography import Geography
from carecast.synth.params import Params

TYPES = ("childrens_home", "ifa", "supported", "secure")
OWNERS = ("private", "voluntary", "local_authority")
_AGE_RANGES = {
    "childrens_home": ["8-17", "10-17", "11-17", "12-17"],
    "ifa": ["0-17"],
    "supported": ["16-17"],
    "secure": ["10-17"],
}
_NAME_A = [
    "Oak",
    "Willow",
    "Cedar",
    "Harbour",
    "Meadow",
    "Brook",
    "Beacon",
    "Ash",
    "Elm",
    "Hazel",
    "Rowan",
    "Linden",
    "Orchard",
    "Heath",
    "Summit",
    "Bridge",
    "Haven",
    "Maple",
    "Birch",
    "Larch",
]
_NAME_B = {
    "childrens_home": "House",
    "ifa": "Fostering",
    "supported": "Supported Living",
    "secure": "Secure Centre",
}


@dataclass(frozen=True)
class Register:
    """Providers as parallel arrays (for vectorised picks) and as the written table."""

    type: np.ndarray  # index into TYPES
    owner: np.ndarray  # index into OWNERS
    host: np.ndarray  # council index
    postcode: np.ndarray  # postcode index
    places: np.ndarray
    urn: np.ndarray  # "SC123456"
    table: pl.DataFrame


def build_register(
    rng: np.random.Generator, geo: Geography, params: Params, data_end: dt.date
) -> Register:
    """Draw every council's providers; in-house homes only for a share of councils."""
    n = len(geo.councils)
    inner = np.array([c.london_area == "Inner" for c in geo.councils])
    homes_mean = params["providers.homes_per_council"]
    mean = np.where(
        inner,
        homes_mean["inner_london"],
        np.where(geo.is_london, homes_mean["outer_london"], homes_mean["other"]),
    )
    inh = params["providers.in_house_share"]
    has_inh = rng.random(n) < inh["share"]
    counts = {
        ("childrens_home", "external"): rng.poisson(mean),
        ("childrens_home", "in_house"): np.where(
            has_inh, rng.integers(inh["min_homes"], inh["max_homes"] + 1, n), 0
        ),
        ("ifa", "external"): rng.poisson(params["providers.ifa_per_council"], n),
        ("supported", "external"): rng.poisson(params["providers.supported_per_council"], n),
    }
    # every region needs at least one IFA so regional carers have an agency
    for r in np.unique(geo.region):
        members = np.flatnonzero(geo.region == r)
        if counts[("ifa", "external")][members].sum() == 0:
            counts[("ifa", "external")][members[0]] = 1
    secure_hosts = rng.choice(
        np.flatnonzero(~geo.is_london), size=int(params["providers.secure_homes"])
    )
    hosts, types, owners = [], [], []
    for (kind, ownership), cnt in counts.items():
        h = np.repeat(np.arange(n), cnt)
        hosts.append(h)
        types.append(np.full(len(h), TYPES.index(kind)))
        if ownership == "in_house":
            owners.append(np.full(len(h), OWNERS.index("local_authority")))
        else:
            owners.append(np.where(rng.random(len(h)) < 0.8, 0, 1))
    hosts.append(secure_hosts)
    types.append(np.full(len(secure_hosts), TYPES.index("secure")))
    owners.append(np.full(len(secure_hosts), OWNERS.index("local_authority")))
    host = np.concatenate(hosts)
    ptype = np.concatenate(types)
    owner = np.concatenate(owners)
    m = len(host)

    pph = params["providers.places_per_home"]
    home_places = 1 + rng.poisson(np.where(geo.is_london[host], pph["london"], pph["other"]) - 1)
    places = np.select(
        [ptype == 0, ptype == 1, ptype == 2],
        [home_places, rng.integers(20, 150, m), rng.integers(4, 30, m)],
        default=rng.integers(6, 25, m),
    )
    postcode = geo.random_postcode(rng, host)
    urn = np.char.add("SC", (rng.choice(900_000, m, replace=False) + 100_000).astype(str)).astype(
        object
    )

    ofsted = params["providers.ofsted"]
    rating = np.where(
        geo.is_london[host],
        draw_codes(rng, ofsted["london"], m),
        draw_codes(rng, ofsted["other"], m),
    )
    days_ago = rng.integers(30, 3 * 365, m)
    rating_date = [data_end - dt.timedelta(days=int(d)) for d in days_ago]
    needs = params["providers.needs"]
    accepted = np.stack([rng.random(m) < p for p in needs.values()], axis=1)
    need_names = np.array(list(needs), dtype=object)
    registration = [";".join(need_names[row]) or None for row in accepted]
    type_names = np.array(TYPES, dtype=object)[ptype]
    age_range = [
        _AGE_RANGES[t][int(k) % len(_AGE_RANGES[t])]
        for t, k in zip(type_names, rng.integers(0, 4, m), strict=True)
    ]
    price_spec = params["providers.weekly_price"]
    med = np.array([price_spec[t]["median"] for t in TYPES], float)[ptype]
    sig = np.array([price_spec[t]["sigma"] for t in TYPES], float)[ptype]
    price = np.round(med * np.exp(rng.normal(0, 1, m) * sig)).astype(np.int64)
    names = [geo.councils[h].name for h in host]
    label = [
        f"{_NAME_A[i % len(_NAME_A)]} {_NAME_B[t]} ({hn})"
        if o != 2
        else f"{hn} Council {_NAME_B[t]} {i % 97 + 1}"
        for i, (t, o, hn) in enumerate(zip(type_names, owner, names, strict=True))
    ]
    table = pl.DataFrame(
        {
            "urn": urn,
            "name": label,
            "type": type_names,
            "owner": np.array(OWNERS, dtype=object)[owner],
            "host_council": names,
            "host_ons_code": [geo.councils[h].ons_code for h in host],
            "postcode": geo.pcds[postcode],
            "places": places.astype(np.int64),
            "ofsted_rating": rating,
            "ofsted_date": rating_date,
            "registration": registration,
            "age_range": age_range,
            "weekly_price": price,
        },
        schema_overrides={"ofsted_date": pl.Date},
    )
    return Register(
        type=ptype, owner=owner, host=host, postcode=postcode, places=places, urn=urn, table=table
    )
