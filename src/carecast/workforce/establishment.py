"""The staffing establishment a council uploads, checked row by row, and the cited role defaults.

One row per team and role (CSV or XLSX)::

    team, role, established_fte, employed_fte, agency_fte[, cases, caseload_target, works_with,
    annual_cost, agency_premium]

or ``fte`` and ``agency_share`` (31.7% or 0.317) in place of ``employed_fte`` and ``agency_fte``.
``established_fte`` is the funded posts; posts neither employed nor covered by agency are vacant.
``works_with`` (children in care, care leavers, children in need) says which forecast a team's
cases follow. Roles, their yearly cost, agency premium and caseload target are in
``workforce.yaml`` (a row's own ``annual_cost`` or ``agency_premium`` replaces the role's).
A bad row (unknown role, a negative FTE, an agency share over 100%) is refused with the file,
row, column and fix; nothing is dropped silently.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import polars as pl

from carecast.errors import InputError, Location, ParameterError
from carecast.parameters import ParameterTree, load, shipped
from carecast.plumbing import tables

WORKS_WITH = ("children in care", "care leavers", "children in need", "")
REQUIRED = ("team", "role")


@dataclass(frozen=True)
class Role:
    role: str
    label: str
    annual_cost: float
    agency_premium: float
    caseload_target: float


@dataclass(frozen=True)
class WorkforcePolicy:
    roles: dict[str, Role]
    target_agency_share: float
    national_agency_share: float
    source: str
    tree: ParameterTree


def workforce_policy(path: str | Path | None = None) -> WorkforcePolicy:
    """Role costs, premiums and targets from the council's file or the shipped cited defaults."""
    tree = (
        shipped("carecast.workforce", "workforce.yaml")
        if path is None
        else load(path, "workforce policy")
    )
    roles = {}
    for role in tree.children("roles"):
        p = f"roles.{role}"
        premium = tree.value(f"{p}.agency_premium")
        if not isinstance(premium, int | float) or not 0 <= premium <= 1:
            raise ParameterError(
                f"the agency premium of {role} is '{premium}', not a share",
                fix="give e.g. 0.12 for 12%",
                where=Location(file=tree.source, field=f"{p}.agency_premium"),
            )
        roles[role] = Role(
            role,
            role.replace("_", " ").capitalize(),
            float(tree.value(f"{p}.annual_cost")),
            float(premium),
            float(tree.value(f"{p}.caseload_target")),
        )
    return WorkforcePolicy(
        roles,
        float(tree.value("targets.agency_share")),
        float(tree.value("targets.national_agency_share")),
        tree.source,
        tree,
    )


def _number(value: object, where: Location, what: str, *, share: bool = False) -> float | None:
    text = "" if value is None else str(value).strip().replace(",", "").replace("£", "")
    if text == "":
        return None
    percent = share and text.endswith("%")
    try:
        number = float(text.rstrip("%")) / (100 if percent else 1)
    except ValueError:
        raise InputError(
            f"{what} '{value}' is not a number",
            where=where,
            fix="give a plain number" + (" or a percentage such as 31.7%" if share else ""),
        ) from None
    if number < 0:
        raise InputError(
            f"{what} is {number:g}: it cannot be negative",
            where=where,
            fix=f"give 0 or more for {what}",
        )
    if share and number > 1:
        raise InputError(
            f"{what} is {number:.0%}: a share cannot be over 100%",
            where=where,
            fix="give the agency share of this row's staff, e.g. 31.7% or 0.317",
        )
    return number


def read_establishment(path: Path, policy: WorkforcePolicy) -> pl.DataFrame:
    """The establishment, one checked row per team and role, with costs and targets filled from the roles."""
    table = tables.read_table(path, what="staffing establishment", row_column="_row")
    frame = table.frame.rename(
        {c: c.strip().lower().replace(" ", "_") for c in table.frame.columns if c != "_row"}
    )
    name = str(path)
    missing = [c for c in REQUIRED if c not in frame.columns]
    share_form = "agency_share" in frame.columns
    needed = ("fte", "agency_share") if share_form else ("employed_fte", "agency_fte")
    missing += [c for c in needed if c not in frame.columns]
    if missing:
        raise InputError(
            f"the establishment has no column(s) {missing}",
            where=Location(file=name, row=1),
            fix="give team, role, established_fte, employed_fte, agency_fte (or fte and agency_share); "
            "`carecast workforce template` writes an example",
        )
    labels = {r.label.lower(): k for k, r in policy.roles.items()} | {k: k for k in policy.roles}
    rows = []
    for rec in frame.iter_rows(named=True):
        row = int(rec["_row"])

        def at(column: str, row: int = row) -> Location:
            return Location(file=name, row=row, column=column)

        role = labels.get(str(rec["role"] or "").strip().lower().replace(" ", "_")) or labels.get(
            str(rec["role"] or "").strip().lower()
        )
        if role is None:
            raise InputError(
                f"'{rec['role']}' is not a role carecast knows",
                where=at("role"),
                fix=f"use one of: {', '.join(r.label for r in policy.roles.values())} "
                "(or add the role to the workforce policy file)",
            )
        if share_form:
            fte = _number(rec["fte"], at("fte"), "FTE") or 0.0
            share = (
                _number(rec["agency_share"], at("agency_share"), "agency share", share=True) or 0.0
            )
            agency, employed = fte * share, fte * (1 - share)
        else:
            employed = _number(rec["employed_fte"], at("employed_fte"), "employed FTE") or 0.0
            agency = _number(rec["agency_fte"], at("agency_fte"), "agency FTE") or 0.0
        established = _number(rec.get("established_fte"), at("established_fte"), "established FTE")
        established = employed + agency if established is None else established
        works = str(rec.get("works_with") or "").strip().lower()
        if works not in WORKS_WITH:
            raise InputError(
                f"works_with '{rec.get('works_with')}' is not known",
                where=at("works_with"),
                fix="write children in care, care leavers, children in need, or leave it blank",
            )
        r = policy.roles[role]
        cost = _number(rec.get("annual_cost"), at("annual_cost"), "annual cost")
        premium = _number(
            rec.get("agency_premium"), at("agency_premium"), "agency premium", share=True
        )
        target = _number(rec.get("caseload_target"), at("caseload_target"), "caseload target")
        rows.append(
            {
                "team": str(rec["team"] or "").strip() or "(no team)",
                "role": role,
                "role_label": r.label,
                "established_fte": established,
                "employed_fte": employed,
                "agency_fte": agency,
                "vacant_fte": max(established - employed - agency, 0.0),
                "over_establishment_fte": max(employed + agency - established, 0.0),
                "cases": _number(rec.get("cases"), at("cases"), "cases"),
                "caseload_target": target if target is not None else (r.caseload_target or None),
                "works_with": works,
                "annual_cost": cost if cost is not None else r.annual_cost,
                "agency_premium": premium if premium is not None else r.agency_premium,
                "row": row,
            }
        )
    if not rows:
        raise InputError(
            "the establishment has no rows",
            where=Location(file=name),
            fix="give one row per team and role",
        )
    return pl.DataFrame(rows, schema_overrides={"cases": pl.Float64, "caseload_target": pl.Float64})
