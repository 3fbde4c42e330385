"""The DfE's SSDA903 validation rules as a data-driven rule set (issue 15, item 4).

The rule lists (code, message, fields, tables) per collection year are data (``data/``, from the
DfE validator, see NOTICE.md); each rule is implemented here in vectorised Polars and registered
under its DfE code. ``run_rules`` checks a return against its year's list, so a council can use
carecast as its pre-submission check.
"""

from carecast.dferules.engine import run_rules
from carecast.dferules.result import RuleOutcome, RulesResult

__all__ = ["run_rules", "RuleOutcome", "RulesResult"]
