"""Sufficiency: forecast demand per placement category against the capacity a council (or a
region) has, the gap per financial year at p50 and p90, and the capacity plan that closes it.

* :mod:`capacity` — foster households, in-house homes, block contracts (YAML), pooled for a region;
* :mod:`gap` — the gap per category and year at p50/p90 and the plan that closes it;
* :mod:`demand` — monthly demand bands from a forecast's (or scenario's) simulations;
* :mod:`region` — provider-register places in a region and the complex-adolescents question;
* :mod:`assess` — all of it end to end for a council or a group of councils.
"""

from carecast.sufficiency.assess import SufficiencyRun, assess, assess_region
from carecast.sufficiency.capacity import (
    Beds,
    Capacity,
    FosterHouseholds,
    combine_capacity,
    load_capacity,
    parse_capacity,
    with_scenario,
)
from carecast.sufficiency.gap import SufficiencyResult, sufficiency_gap

__all__ = [
    "Beds",
    "Capacity",
    "FosterHouseholds",
    "SufficiencyResult",
    "SufficiencyRun",
    "assess",
    "assess_region",
    "combine_capacity",
    "load_capacity",
    "parse_capacity",
    "sufficiency_gap",
    "with_scenario",
]
