"""carecast.market — commissioning: the directory of provision, referral profiles, matching,
the referral lifecycle and unmet need, and pooled risk for very-high-cost placements
(DOMAIN.md §5.1 and §5.5).

Python API (the CLI in ``commands.py`` is a thin layer over it)::

    from carecast.market import load_directory, load_referral, match
    directory = load_directory("synth-out/")          # providers.csv + postcodes.csv, or a directory CSV/XLSX
    result = match(load_referral("referral.yaml"), directory)
    result.shortlist, result.excluded, result.filters, result.weights

    from carecast.market import load_pool_data, simulate_pool
    pool = simulate_pool(load_pool_data("placements.csv", [], threshold=5000), rule="use", seed=1)
    pool.summary()
"""

from carecast.market.directory import Directory, load_directory
from carecast.market.matching import FILTERS, MatchResult, match
from carecast.market.referral import Referral, completeness, load_referral, parse_referral
from carecast.market.riskpool import PoolData, PoolResult, load_pool_data, simulate_pool
from carecast.market.settings import MatchSettings, load_settings
from carecast.market.unmet import unmet_need

__all__ = [
    "FILTERS",
    "Directory",
    "MatchResult",
    "MatchSettings",
    "PoolData",
    "PoolResult",
    "Referral",
    "completeness",
    "load_directory",
    "load_pool_data",
    "load_referral",
    "load_settings",
    "match",
    "parse_referral",
    "simulate_pool",
    "unmet_need",
]
