"""Scenarios: named levers applied to a copy of the baseline forecast, compared with the same seeds.

* :mod:`levers` — the lever types (reduce entries, raise exits, step down, fostering mix, cap
  stays, unit costs, capacity) with ramp-up from a start date;
* :mod:`model` — scenario files (YAML), validated whole with file/line/fix messages, combinable;
* :mod:`national` — the CCN national baseline (linear trend and compounded growth);
* :mod:`effects` — levers as per-step arrays the forecast engine applies;
* :mod:`run` — scenarios simulated with the same seeds, costed, and the net saving with its band.
"""

from carecast.scenarios.levers import LEVER_TYPES
from carecast.scenarios.model import Scenario, load_scenario, parse_scenario
from carecast.scenarios.national import ccn_national_baseline, compound_growth, linear_trend
from carecast.scenarios.run import ScenarioComparison, ScenarioRun, run_scenarios

__all__ = [
    "LEVER_TYPES",
    "Scenario",
    "ScenarioComparison",
    "ScenarioRun",
    "ccn_national_baseline",
    "compound_growth",
    "linear_trend",
    "load_scenario",
    "parse_scenario",
    "run_scenarios",
]
