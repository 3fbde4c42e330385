"""The finance officer's own inputs: budget lines, ledger figures and planned management actions.

**Budget file** (YAML), validated as a whole::

    council: Lewisham
    financial_year: 2018-19          # or 2018 (the year it starts)
    units: millions                  # pounds (default) | thousands | millions
    stated_total: 41.6               # the total printed on the budget report; checked, not trusted
    lines:
      placements: {label: Children's placements, budget: 22.6, cost_groups: [ifa, ...]}
      staffing:   {label: Staffing, budget: 10.5}

A line with ``cost_groups`` is forecast from placements; any other line needs a row in the
**ledger file** (CSV/XLSX: ``line, actual_to_date, committed_to_year_end`` in the same units),
which may also give the general-ledger actual of a placement line (the gap to the placement-level
figure is then shown). **Actions** (CSV/XLSX/YAML: ``name, line, owner, start, annual_saving,
status`` with status planned | delivered | dropped) are the named, dated, owned savings deducted
from the forecast pro rata from their start date.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import polars as pl
import yaml

from carecast.errors import InputError, Location, ParameterError
from carecast.plumbing import tables
from carecast.schema import financial_year_bounds, load_categories
from carecast.yamlfile import read_yaml

_UNITS = {"pounds": 1.0, "thousands": 1e3, "millions": 1e6}
_PLAN_KEYS = {"council", "financial_year", "units", "stated_total", "lines", "description"}
_LINE_KEYS = {"label", "budget", "cost_groups", "description", "forecast"}
# Lines forecast by a capability other than placements: the name a line's ``forecast:`` gives.
FORECASTS = {
    "staffing": "the establishment (carecast workforce)",
    "allowances": "special guardianship, adoption and child arrangements allowances (carecast allowances)",
    "leaving_care": "care leavers 18-25 (carecast leavers)",
}
ACTION_STATUSES = ("planned", "delivered", "dropped")


@dataclass(frozen=True)
class BudgetLine:
    line: str
    label: str
    budget: float  # pounds
    cost_groups: tuple[str, ...] = ()
    forecast: str | None = (
        None  # one of FORECASTS: forecast by that capability, not from commitments
    )

    @property
    def is_placements(self) -> bool:
        return bool(self.cost_groups)


@dataclass(frozen=True)
class BudgetPlan:
    council: str
    financial_year: int
    lines: tuple[BudgetLine, ...]
    stated_total: float | None  # pounds
    source: str
    units: str = "pounds"

    @property
    def bounds(self) -> tuple[dt.date, dt.date]:
        return financial_year_bounds(self.financial_year)

    def line_of_group(self) -> dict[str, str]:
        return {g: ln.line for ln in self.lines for g in ln.cost_groups}

    def totals_check(self) -> pl.DataFrame:
        """Do the lines add up to the stated total? One row per check, ``ok`` false when not."""
        lines_total = sum(ln.budget for ln in self.lines)
        rows = []
        if self.stated_total is not None:
            diff = lines_total - self.stated_total
            rows.append(
                {
                    "check": "budget lines add up to the stated total",
                    "expected_gbp": self.stated_total,
                    "found_gbp": lines_total,
                    "difference_gbp": diff,
                    "ok": abs(diff) < 0.5,
                    "note": ""
                    if abs(diff) < 0.5
                    else f"{Path(self.source).name}: the lines sum to £{lines_total:,.0f} but the stated total is "
                    f"£{self.stated_total:,.0f} (difference {'−' if diff < 0 else '+'}£{abs(diff):,.0f}); "
                    "correct the line or the total",
                }
            )
        return pl.DataFrame(
            rows,
            schema={
                "check": pl.Utf8,
                "expected_gbp": pl.Float64,
                "found_gbp": pl.Float64,
                "difference_gbp": pl.Float64,
                "ok": pl.Boolean,
                "note": pl.Utf8,
            },
        )

    def as_dict(self) -> dict[str, Any]:
        return {
            "council": self.council,
            "financial_year": self.financial_year,
            "source": self.source,
            "stated_total": self.stated_total,
            "lines": {
                ln.line: {
                    "budget": ln.budget,
                    "cost_groups": list(ln.cost_groups),
                    "forecast": ln.forecast,
                }
                for ln in self.lines
            },
        }


def _pfail(source: str, key: str, message: str, fix: str) -> ParameterError:
    return ParameterError(message, fix=fix, where=Location(file=source, field=key))


def _number(source: str, key: str, value: Any, scale: float) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise _pfail(
            source, key, f"'{value}' is not a number", "give a plain number (no £ sign or commas)"
        )
    return float(value) * scale


def _fy(source: str, value: Any) -> int:
    text = str(value).strip()
    try:
        if "-" in text or "/" in text:
            return int(text.replace("/", "-").split("-")[0])
        return int(text)
    except ValueError:
        raise _pfail(
            source,
            "financial_year",
            f"'{value}' is not a financial year",
            "write it as 2024-25 or 2024",
        ) from None


def parse_plan(data: Any, source: str) -> BudgetPlan:
    """Validate a budget document as a whole and return it."""
    if not isinstance(data, dict):
        raise _pfail(
            source,
            "(top level)",
            "the file is not a YAML mapping",
            "see `carecast budget --help` for the shape",
        )
    unknown = set(data) - _PLAN_KEYS
    if unknown:
        raise _pfail(
            source,
            ", ".join(sorted(unknown)),
            f"unknown key(s) {sorted(unknown)}",
            f"allowed keys are {sorted(_PLAN_KEYS)}",
        )
    for key in ("financial_year", "lines"):
        if key not in data:
            raise _pfail(source, key, f"missing '{key}'", f"add '{key}:'")
    units = str(data.get("units", "pounds")).lower()
    if units not in _UNITS:
        raise _pfail(source, "units", f"unknown units '{units}'", f"use one of {list(_UNITS)}")
    scale = _UNITS[units]
    groups = load_categories().cost_groups
    lines, seen = [], {}
    if not isinstance(data["lines"], dict) or not data["lines"]:
        raise _pfail(
            source,
            "lines",
            "no budget lines",
            "give one entry per line: `staffing: {budget: 10.5}`",
        )
    for name, entry in data["lines"].items():
        key = f"lines.{name}"
        if not isinstance(entry, dict):
            entry = {"budget": entry}
        bad = set(entry) - _LINE_KEYS
        if bad:
            raise _pfail(
                source,
                key,
                f"unknown key(s) {sorted(bad)}",
                f"allowed keys are {sorted(_LINE_KEYS)}",
            )
        if "budget" not in entry:
            raise _pfail(source, key, "no budget", "add `budget: <amount>`")
        cg = entry.get("cost_groups") or []
        if isinstance(cg, str):
            cg = [cg]
        for g in cg:
            if g not in groups:
                raise _pfail(
                    source,
                    f"{key}.cost_groups",
                    f"unknown cost group '{g}'",
                    f"use cost groups from {list(groups)}",
                )
            if g in seen:
                raise _pfail(
                    source,
                    f"{key}.cost_groups",
                    f"cost group '{g}' is already mapped to line '{seen[g]}'",
                    "map each cost group to exactly one budget line",
                )
            seen[g] = name
        forecast = entry.get("forecast")
        if forecast is not None and (forecast not in FORECASTS or cg):
            raise _pfail(
                source,
                f"{key}.forecast",
                f"'{forecast}' is not a forecast carecast makes for a line"
                + (" with cost groups" if cg else ""),
                f"use one of {sorted(FORECASTS)} (placement lines are forecast from their cost_groups)",
            )
        lines.append(
            BudgetLine(
                str(name),
                str(entry.get("label", name)),
                _number(source, f"{key}.budget", entry["budget"], scale),
                tuple(cg),
                forecast,
            )
        )
    stated = data.get("stated_total")
    return BudgetPlan(
        council=str(data.get("council", "")),
        financial_year=_fy(source, data["financial_year"]),
        lines=tuple(lines),
        stated_total=None if stated is None else _number(source, "stated_total", stated, scale),
        source=source,
        units=units,
    )


def load_plan(path: str | Path) -> BudgetPlan:
    return parse_plan(read_yaml(path, "budget"), str(path))


def read_table(path: Path, what: str) -> pl.DataFrame:
    """A user's table (CSV, XLSX or a YAML list of rows), every value as text for checking."""
    if not path.exists():
        raise InputError(f"{what} file {path} does not exist", fix="check the path")
    suffix = path.suffix.lower()
    if suffix in (".csv", ".xlsx", ".xlsm", ".ods"):
        return tables.read_table(path, what=what, fix="save it as CSV (UTF-8), XLSX or YAML").frame
    if suffix in (".yaml", ".yml"):
        try:
            rows = yaml.safe_load(path.read_text("utf-8")) or []
            return pl.DataFrame(
                [{k: None if v is None else str(v) for k, v in r.items()} for r in rows]
            )
        except (yaml.YAMLError, AttributeError, UnicodeDecodeError) as exc:
            raise InputError(
                f"cannot read {what} file {path}: {exc}",
                fix="save it as CSV (UTF-8), XLSX or YAML (a list of rows)",
            ) from None
    raise InputError(
        f"{what} file {path} is not CSV, XLSX or YAML", fix="save it as .csv, .xlsx or .yaml"
    )


@dataclass(frozen=True)
class LedgerEntry:
    actual_to_date: float
    committed_to_year_end: float | None


def read_ledger(path: str | Path, plan: BudgetPlan) -> dict[str, LedgerEntry]:
    """Ledger figures per line (in the plan's units), checked against the plan's lines."""
    p = Path(path)
    df = read_table(p, "ledger")
    need = {"line", "actual_to_date"}
    if not need <= set(df.columns):
        raise InputError(
            f"the ledger file has no column(s) {sorted(need - set(df.columns))}",
            where=Location(file=str(p)),
            fix="give columns line, actual_to_date, committed_to_year_end",
        )
    scale = _UNITS[plan.units]
    names = {ln.line for ln in plan.lines}
    out = {}
    for i, row in enumerate(df.iter_rows(named=True), start=2):
        if row["line"] not in names:
            raise InputError(
                f"ledger line '{row['line']}' is not a line of the budget file {plan.source}",
                where=Location(file=str(p), row=i, column="line"),
                fix=f"use one of {sorted(names)}",
            )
        try:
            actual = float(str(row["actual_to_date"]).replace(",", "").replace("£", "")) * scale
            comm = row.get("committed_to_year_end")
            committed = (
                None
                if comm in (None, "")
                else float(str(comm).replace(",", "").replace("£", "")) * scale
            )
        except ValueError:
            raise InputError(
                "ledger amounts must be numbers",
                where=Location(file=str(p), row=i),
                fix="give plain numbers in the budget file's units",
            ) from None
        out[row["line"]] = LedgerEntry(actual, committed)
    return out


@dataclass(frozen=True)
class Action:
    """A named, dated, owned saving. ``start`` is when the saving begins to accrue."""

    name: str
    line: str
    owner: str
    start: dt.date
    annual_saving: float
    status: str = "planned"

    def in_year_saving(self, as_of: dt.date, fy_end: dt.date) -> float:
        """Saving still to come this year: pro rata from max(start, the day after as_of) to 31 March."""
        if self.status != "planned":
            return 0.0
        first = max(self.start, as_of + dt.timedelta(days=1))
        days = (fy_end - first).days + 1
        return max(days, 0) / 365.0 * self.annual_saving


@dataclass
class Actions:
    items: list[Action] = field(default_factory=list)

    def frame(self, as_of: dt.date, fy_end: dt.date) -> pl.DataFrame:
        return pl.DataFrame(
            [
                {
                    "action": a.name,
                    "line": a.line,
                    "owner": a.owner,
                    "start": a.start,
                    "status": a.status,
                    "annual_saving": a.annual_saving,
                    "in_year_saving": a.in_year_saving(as_of, fy_end),
                }
                for a in self.items
            ],
            schema={
                "action": pl.Utf8,
                "line": pl.Utf8,
                "owner": pl.Utf8,
                "start": pl.Date,
                "status": pl.Utf8,
                "annual_saving": pl.Float64,
                "in_year_saving": pl.Float64,
            },
        )


def read_actions(path: str | Path, plan: BudgetPlan) -> Actions:
    """Management actions, every row checked (line known, dated, owned, saving a number)."""
    p = Path(path)
    df = read_table(p, "actions")
    need = ["name", "line", "owner", "start", "annual_saving"]
    missing = [c for c in need if c not in df.columns]
    if missing:
        raise InputError(
            f"the actions file has no column(s) {missing}",
            where=Location(file=str(p)),
            fix="give columns name, line, owner, start, annual_saving, status",
        )
    names = {ln.line for ln in plan.lines}
    scale = _UNITS[plan.units]
    items = []
    for i, row in enumerate(df.iter_rows(named=True), start=2):
        where = Location(file=str(p), row=i)
        if row["line"] not in names:
            raise InputError(
                f"action '{row['name']}' is on line '{row['line']}', which is not in the budget file",
                where=where,
                fix=f"use one of {sorted(names)}",
            )
        if not (row.get("owner") or "").strip():
            raise InputError(
                f"action '{row['name']}' has no owner",
                where=where,
                fix="name who is accountable for the saving",
            )
        try:
            start = dt.date.fromisoformat(str(row["start"]).strip()[:10])
        except ValueError:
            raise InputError(
                f"action '{row['name']}' start '{row['start']}' is not a date",
                where=where,
                fix="write dates as YYYY-MM-DD",
            ) from None
        try:
            saving = float(str(row["annual_saving"]).replace(",", "").replace("£", "")) * scale
        except ValueError:
            raise InputError(
                f"action '{row['name']}' saving '{row['annual_saving']}' is not a number",
                where=where,
                fix="give the full-year saving as a plain number",
            ) from None
        status = (row.get("status") or "planned").strip().lower()
        if status not in ACTION_STATUSES:
            raise InputError(
                f"action '{row['name']}' has status '{status}'",
                where=where,
                fix=f"use one of {list(ACTION_STATUSES)}",
            )
        items.append(
            Action(str(row["name"]), row["line"], row["owner"].strip(), start, saving, status)
        )
    return Actions(items)
