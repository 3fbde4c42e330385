"""High needs (SEND): EHC plans by age and setting, their cost against the high-needs block, levers.

* :mod:`records` — child-level EHCP records (SEN2 shape): validation and a data-quality report;
* :mod:`aggregate` — the published form (plans by age and setting per January census);
* :mod:`model` — the children's-care demand engine run on the SEND state space (setting × age
  0-25, plans ceasing, ageing to 25), with bands and backtests;
* :mod:`grant` — annual costs per setting, very-high-cost placements, the high-needs block,
  transfers in, in-year and cumulative deficits;
* :mod:`levers` — SEND scenario levers; :mod:`overlap` — children also looked after or in need;
* :mod:`synthetic` — synthetic records with the trends of the Under pressure report.
"""

from carecast.send.aggregate import census_counts, load_aggregate
from carecast.send.grant import Grant, deficit_pct, high_needs_position, load_grant, pct_change
from carecast.send.model import SendModel, send_backtest, send_space
from carecast.send.params import default_annual_costs, send_params
from carecast.send.records import PLAN_COLUMNS, SendData, load_ehcp
from carecast.send.synthetic import SendSynth, synthetic

__all__ = [
    "PLAN_COLUMNS",
    "Grant",
    "SendData",
    "SendModel",
    "SendSynth",
    "census_counts",
    "default_annual_costs",
    "deficit_pct",
    "high_needs_position",
    "load_aggregate",
    "load_ehcp",
    "load_grant",
    "pct_change",
    "send_backtest",
    "send_params",
    "send_space",
    "synthetic",
]
