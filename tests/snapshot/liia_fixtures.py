"""Hand-made inputs that reproduce the Pan-London Snapshot's published figures.

Source: "London children, London lives" (LIIA 2022), as recorded in
../shared/reference/seed_figures.yaml ``pan_london_snapshot`` (copied below so the tests do not
depend on files outside the repository). The report's figures come from different bases (e.g. its
568 externally provided places vs its 13.5/25.7 places per borough), so the fixture is built to
satisfy all of them at once: 568 external + 109 in-house London places = 677 = 14 x 13.5 + 19 x 25.7.
"""

from __future__ import annotations

import polars as pl

from .snapshot_builders import build, register

SEED = {
    "residential_placements": 790,
    "placed_outside_london": 532,
    "external_home_places_in_london": 568,
    "places_used_by_london_boroughs": 201,
    "places_per_borough": {"inner": 13.5, "outer": 25.7},
    "places_per_home": {"london": 4.9, "outside_london": 5.2},
    "utilisation_range": (0.83, 0.0),  # "ranging from 83% to 0%"
    "host_reach_max": ("Redbridge", 14),
    "ofsted": {
        "london_n": 109,
        "outside_n": 403,
        "outstanding": {"london": 0.07, "outside": 0.21},
        "requires_improvement": {"london": 0.20, "outside": 0.13},
    },
    "cohort_by_type": {
        "residential_external": {
            "n": 772,
            "mean_age": 14.8,
            "not_white_british": 0.75,
            "male": 0.58,
        },
        "residential_in_house": {
            "n": 63,
            "mean_age": 16.0,
            "not_white_british": 0.62,
            "male": 0.62,
        },
        "fostering_in_house": {
            "n": 2679,
            "mean_age": 11.7,
            "not_white_british": 0.73,
            "male": 0.53,
        },
        "fostering_ifa": {"n": 3271, "mean_age": 12.4, "not_white_british": 0.76, "male": 0.55},
    },
    # group: boroughs, % in borough, % in London out of borough, London LAs used, YP per LA
    "typology": {
        1: (4, 0.12, 0.45, 1.5, 1.2),
        2: (11, 0.21, 0.16, 4.3, 2.9),
        3: (6, 0.20, 0.23, 4.8, 2.8),
        4: (8, 0.03, 0.25, 4.5, 1.5),
        5: (3, 0.0, 0.0, 0, 0),
    },
}

# London external children's homes: host -> (homes, places per home, places used by London boroughs)
LONDON_EXTERNAL = {
    "Lambeth": (10, 5, 28),
    "Lewisham": (10, 5, 28),
    "Southwark": (6, 5, 25),
    "Hackney": (2, 5, 0),
    "Redbridge": (20, 5, 28),
    "Croydon": (20, 5, 28),
    "Bromley": (20, 5, 28),
    "Havering": (16, 5, 25),
    "Enfield": (12, 4, 11),
}
# In-house homes: host -> (homes, places per home, own children placed there)
LONDON_IN_HOUSE = {"Camden": (7, 7, 28), "Barnet": (10, 6, 29)}
# Residential placements outside London by host (the report's eight most frequent first)
OUT_OF_LONDON = {
    "Hampshire": 60,
    "Essex": 55,
    "Kent": 55,
    "Shropshire": 45,
    "Cambridgeshire": 40,
    "Telford and Wrekin": 40,
    "Norfolk": 36,
    "Cumbria": 35,
    "Surrey": 34,
    "Hertfordshire": 34,
    "West Sussex": 33,
    "East Sussex": 33,
    "Medway": 32,
}
OUT_HOME_SIZES = (5, 5, 5, 5, 6)  # five homes per host outside London: 5.2 places per home
PLACERS = [
    "Lambeth",
    "Lewisham",
    "Southwark",
    "Hackney",
    "Islington",
    "Wandsworth",
    "Westminster",
    "Tower Hamlets",
    "Greenwich",
    "Croydon",
    "Bromley",
    "Barnet",
    "Ealing",
    "Enfield",
    "Brent",
    "Newham",
    "Haringey",
    "Hillingdon",
    "Hounslow",
    "Sutton",
]


def pan_london() -> tuple[pl.DataFrame, pl.DataFrame, pl.DataFrame]:
    """Residential placements by London boroughs plus the provider register (episodes, children, register)."""
    homes, specs = [], []
    turn = 0
    for host, (n_homes, size, used) in LONDON_EXTERNAL.items():
        urns = [f"L{host[:3].upper()}{i}" for i in range(n_homes)]
        homes += [{"urn": u, "council": host, "places": size} for u in urns]
        # Redbridge is used by 14 boroughs (2 each); other hosts by a few boroughs
        placers = (
            [p for p in PLACERS if p != "Redbridge"][:14]
            if host == "Redbridge"
            else PLACERS[turn : turn + 4]
        )
        turn = (turn + 4) % 16
        for i in range(used):
            specs.append(
                {"council": placers[i % len(placers)], "host": host, "urn": urns[i % n_homes]}
            )
    for host, (n_homes, size, used) in LONDON_IN_HOUSE.items():
        urns = [f"I{host[:3].upper()}{i}" for i in range(n_homes)]
        homes += [
            {"urn": u, "council": host, "places": size, "sector": "Local authority"} for u in urns
        ]
        specs += [
            {
                "council": host,
                "host": host,
                "urn": urns[i % n_homes],
                "category": "residential_in_house",
            }
            for i in range(used)
        ]
    for k, (host, n) in enumerate(OUT_OF_LONDON.items()):
        urns = [f"O{k:02d}{i}" for i in range(len(OUT_HOME_SIZES))]
        homes += [
            {"urn": u, "council": host, "places": s}
            for u, s in zip(urns, OUT_HOME_SIZES, strict=True)
        ]
        specs += [
            {"council": PLACERS[(k + i) % len(PLACERS)], "host": host, "urn": urns[i % len(urns)]}
            for i in range(n)
        ]
    # children in family placements, to show the residential cohort is picked out of all placements
    specs += [
        {"council": p, "host": p, "category": "fostering_in_house", "n": 10, "age": 9.0}
        for p in PLACERS
    ]
    episodes, children = build(specs)
    return episodes, children, register(homes)


# Typology: per council (in own area, in London out of area, out of London, London host councils used,
# children looked after, of whom in in-house homes). Built so each group's means match the report's.
TYPOLOGY_COUNCILS = {
    1: [(0, 1, 0, 1, 400, 0), (1, 0, 5, 1, 400, 0), (1, 0, 8, 1, 400, 0), (1, 4, 0, 3, 400, 0)],
    2: [
        (2, 6, 15, 7, 100, 2),
        (3, 2, 24, 2, 100, 3),
        (4, 2, 21, 3, 100, 2),
        (5, 8, 26, 7, 100, 5),
        (6, 3, 24, 3, 100, 6),
        (6, 4, 0, 5, 100, 3),
        (6, 9, 13, 7, 100, 6),
        (7, 0, 23, 1, 100, 7),
        (7, 4, 29, 4, 100, 2),
        (8, 1, 27, 2, 100, 8),
        (10, 8, 30, 6, 100, 10),
    ],
    3: [
        (2, 11, 9, 6, 200, 0),
        (4, 2, 19, 2, 200, 0),
        (5, 8, 29, 4, 200, 0),
        (6, 8, 22, 4, 200, 0),
        (9, 4, 18, 5, 200, 0),
        (10, 8, 10, 8, 200, 0),
    ],
    4: [
        (0, 4, 10, 2, 200, 0),
        (0, 4, 11, 3, 200, 0),
        (0, 15, 19, 8, 200, 0),
        (1, 2, 20, 2, 200, 0),
        (1, 3, 9, 3, 200, 0),
        (1, 6, 11, 6, 200, 0),
        (1, 7, 27, 7, 200, 0),
        (1, 7, 28, 5, 200, 0),
    ],
    5: [(0, 0, 10, 0, 100, 0)] * 3,
}


def typology_inputs(london: list[str]) -> tuple[pl.DataFrame, pl.DataFrame, dict[str, int]]:
    """Episodes and children for 32 boroughs laid out as TYPOLOGY_COUNCILS; returns the intended groups."""
    specs, intended = [], {}
    names = iter(london)
    for group, rows in TYPOLOGY_COUNCILS.items():
        for in_area, oob, out, hosts, lac, in_house in rows:
            council = next(names)
            intended[council] = group
            others = [c for c in london if c != council][: hosts - (1 if in_area else 0)]
            if in_house:
                specs.append(
                    {
                        "council": council,
                        "host": council,
                        "category": "residential_in_house",
                        "n": in_house,
                    }
                )
            if in_area - in_house:
                specs.append({"council": council, "host": council, "n": in_area - in_house})
            for i in range(oob):
                specs.append({"council": council, "host": others[i % len(others)]})
            if out:
                specs.append({"council": council, "host": "Kent", "n": out})
            residential = in_area + oob + out
            specs.append(
                {
                    "council": council,
                    "host": council,
                    "category": "fostering_in_house",
                    "n": lac - residential,
                }
            )
    episodes, children = build(specs)
    return episodes, children, intended
