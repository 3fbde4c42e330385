"""Budget monitoring: forecast outturn per budget line, variance, movement, decomposition, what-ifs.

A month's monitoring::

    plan = load_plan("budget.yaml")
    placements = read_register("register.csv")          # or placements_from_episodes(episodes, ...)
    m = monitor(plan, placements, load_unit_costs(), as_of=date, ledger=read_ledger(...),
                actions=read_actions(...), starters_leavers=starters_leavers_from_forecast(...))
    run_id = save_monitoring(m)                         # store: SQLite by default, or PostgreSQL
    report = monitoring_report(m, metadata=..., summary=movement_summary(prev, snapshot_of(m)))

Saved months: :func:`runs`, :func:`line_history`, :func:`history_report` (the trend page).
"""

from carecast.costs.budget.decomposition import (
    SpendYear,
    decompose_spend_change,
    spend_years_from_actuals,
)
from carecast.costs.budget.history import (
    line_history,
    load_snapshot,
    movement,
    movement_summary,
    previous_run,
    quarter_on_quarter,
    runs,
    save_monitoring,
    snapshot_of,
)
from carecast.costs.budget.inputs import (
    BudgetPlan,
    load_plan,
    parse_plan,
    read_actions,
    read_ledger,
)
from carecast.costs.budget.outturn import (
    Monitoring,
    StartersLeavers,
    monitor,
    starters_leavers_from_forecast,
    starters_leavers_run_rate,
)
from carecast.costs.budget.placements import placements_from_episodes, read_register
from carecast.costs.budget.report import committee_table, history_report, monitoring_report
from carecast.costs.budget.whatif import at_neighbours_mix, at_neighbours_rate, move_children

__all__ = [
    "BudgetPlan",
    "Monitoring",
    "SpendYear",
    "StartersLeavers",
    "at_neighbours_mix",
    "at_neighbours_rate",
    "committee_table",
    "decompose_spend_change",
    "history_report",
    "line_history",
    "load_plan",
    "load_snapshot",
    "monitor",
    "monitoring_report",
    "move_children",
    "movement",
    "movement_summary",
    "parse_plan",
    "placements_from_episodes",
    "previous_run",
    "quarter_on_quarter",
    "read_actions",
    "read_ledger",
    "read_register",
    "runs",
    "save_monitoring",
    "snapshot_of",
    "spend_years_from_actuals",
    "starters_leavers_from_forecast",
    "starters_leavers_run_rate",
]
