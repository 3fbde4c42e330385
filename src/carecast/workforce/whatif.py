"""Staffing cost, caseloads and what-ifs on an establishment, each with its arithmetic in words.

Yearly cost of a row = employed FTE × employed yearly cost + agency FTE × employed yearly cost ×
(1 + agency premium); vacant posts cost nothing until filled. What-ifs:

* **agency share to s**: every row's agency FTE shrinks by the same proportion so that the whole
  establishment's agency share is s; the FTE moved become employees, saving their premium.
* **caseload target t**: workers needed = cases ÷ t in every team that holds cases; the extra (or
  fewer) FTE cost the row's current mix of employed and agency staff.
* **children in care as forecast**: the cases of teams working with children in care (or care
  leavers) grow as the forecast's children in care (or care leavers) do; the extra workers needed
  (against today's need at the same target) follow through each team's caseload target.
"""

from __future__ import annotations

from dataclasses import dataclass

import polars as pl

FTE = pl.col("employed_fte") + pl.col("agency_fte")
ROW_COST = pl.col("employed_fte") * pl.col("annual_cost") + pl.col("agency_fte") * pl.col(
    "annual_cost"
) * (1 + pl.col("agency_premium"))


@dataclass(frozen=True)
class WhatIf:
    """One what-if: its name, the change in yearly cost (negative = saving), the arithmetic, the rows."""

    name: str
    change_gbp: float
    arithmetic: str
    detail: pl.DataFrame

    def row(self) -> dict:
        return {
            "what_if": self.name,
            "change_in_yearly_cost_gbp": self.change_gbp,
            "arithmetic": self.arithmetic,
        }


def signed_money(amount: float) -> str:
    """ "+£1,234" / "−£1,234": a change in cost as people write it."""
    return f"{'−' if amount < 0 else '+'}£{abs(amount):,.0f}"


def yearly_cost(est: pl.DataFrame) -> float:
    return float(est.select(ROW_COST.sum()).item())


def agency_share(est: pl.DataFrame) -> float:
    total = est.select(FTE.sum()).item()
    return float(est["agency_fte"].sum() / total) if total else 0.0


def by_team_and_role(est: pl.DataFrame) -> pl.DataFrame:
    """FTE, agency share, premium, vacancies and yearly cost per team and role, with a total row."""
    rows = est.select(
        "team",
        pl.col("role_label").alias("role"),
        "established_fte",
        "employed_fte",
        "agency_fte",
        "vacant_fte",
        (pl.col("agency_fte") / FTE).fill_nan(0.0).alias("agency_share"),
        "agency_premium",
        ROW_COST.alias("yearly_cost_gbp"),
        (pl.col("agency_fte") * pl.col("annual_cost") * pl.col("agency_premium")).alias(
            "agency_premium_cost_gbp"
        ),
    )
    total = rows.select(
        pl.lit("Total").alias("team"),
        pl.lit("").alias("role"),
        *[pl.col(c).sum() for c in ("established_fte", "employed_fte", "agency_fte", "vacant_fte")],
        pl.lit(agency_share(est)).alias("agency_share"),
        (
            pl.col("agency_premium_cost_gbp").sum() / (est["agency_fte"] * est["annual_cost"]).sum()
        ).alias("agency_premium"),
        pl.col("yearly_cost_gbp").sum(),
        pl.col("agency_premium_cost_gbp").sum(),
    )
    return pl.concat([rows, total])


def caseloads(est: pl.DataFrame) -> pl.DataFrame:
    """Per team holding cases: workers, cases per worker against the target, workers needed."""
    held = est.filter(
        pl.col("cases").is_not_null()
        & pl.col("caseload_target").is_not_null()
        & (pl.col("caseload_target") > 0)
    )
    return held.select(
        "team",
        pl.col("role_label").alias("role"),
        "cases",
        FTE.alias("workers_fte"),
        (pl.col("cases") / FTE).alias("cases_per_worker"),
        "caseload_target",
        (pl.col("cases") / pl.col("caseload_target")).alias("workers_needed_fte"),
        (pl.col("cases") / pl.col("caseload_target") - FTE).alias("workers_short_fte"),
    )


def agency_to(est: pl.DataFrame, target: float) -> WhatIf:
    """Move agency FTE to employed, every row in the same proportion, until the share is ``target``."""
    now = agency_share(est)
    name = (
        f"Agency share to {target:.0%}"
        if target * 100 == round(target * 100)
        else f"Agency share to {target:.1%}"
    )
    if now <= target:
        return WhatIf(
            name,
            0.0,
            f"the agency share is already {now:.1%}, at or below {target:.1%}: no change",
            est.head(0),
        )
    factor = 1 - target / now
    detail = est.select(
        "team",
        pl.col("role_label").alias("role"),
        "annual_cost",
        "agency_premium",
        (pl.col("agency_fte") * factor).alias("fte_moved"),
    ).with_columns(
        (pl.col("fte_moved") * pl.col("annual_cost") * pl.col("agency_premium")).alias("saving_gbp")
    )
    moved, saving = float(detail["fte_moved"].sum()), float(detail["saving_gbp"].sum())
    base = float((detail["fte_moved"] * detail["annual_cost"]).sum())
    total = float(est.select(FTE.sum()).item())
    arithmetic = (
        f"{total:,.1f} FTE × ({now:.1%} − {target:.1%}) = {moved:,.1f} FTE move from agency to employed; "
        f"their employed cost £{base:,.0f} a year × average agency premium {saving / base:.1%} "
        f"= £{saving:,.0f} a year saved"
    )
    return WhatIf(name, -saving, arithmetic, detail)


def _need(
    est: pl.DataFrame,
    cases: pl.Expr,
    target: pl.Expr,
    name: str,
    how: str,
    baseline: pl.Expr = FTE,
    baseline_words: str = "in post",
) -> WhatIf:
    """Workers needed for ``cases`` at ``target`` per worker against ``baseline`` (default: the FTE
    in post), costed at each row's current mix."""
    held = est.filter(pl.col("cases").is_not_null() & (target > 0).fill_null(False))
    mix_cost = pl.col("annual_cost") * (
        1 + pl.col("agency_premium") * (pl.col("agency_fte") / FTE).fill_nan(0.0)
    )
    detail = held.select(
        "team",
        pl.col("role_label").alias("role"),
        cases.alias("cases"),
        target.alias("caseload_target"),
        baseline.alias("workers_fte"),
        (cases / target).alias("workers_needed_fte"),
        (cases / target - baseline).alias("change_fte"),
        mix_cost.alias("cost_per_fte_gbp"),
    ).with_columns((pl.col("change_fte") * pl.col("cost_per_fte_gbp")).alias("change_in_cost_gbp"))
    change = float(detail["change_in_cost_gbp"].sum())
    fte = float(detail["change_fte"].sum())
    parts = "; ".join(
        f"{r['team']} {r['role'].lower()}: {r['cases']:,.0f} cases ÷ {r['caseload_target']:g} = "
        f"{r['workers_needed_fte']:,.1f} FTE vs {r['workers_fte']:,.1f} {baseline_words}"
        for r in detail.iter_rows(named=True)
    )
    arithmetic = (
        f"{how}: {parts}. Net {fte:+,.1f} FTE at each team's cost per FTE (employed cost plus the premium "
        f"on its agency share) = {signed_money(change)} a year"
    )
    return WhatIf(name, change, arithmetic, detail)


SOCIAL_WORK_ROLES = (
    "social_worker",
    "senior_practitioner",
)  # the 15-17 cases per social worker targets


def caseload_target(
    est: pl.DataFrame, target: float, roles: tuple[str, ...] = SOCIAL_WORK_ROLES
) -> WhatIf:
    """Every team's social workers (``roles``) holding cases staffed to ``target`` cases per worker."""
    return _need(
        est.filter(pl.col("role").is_in(list(roles))),
        pl.col("cases"),
        pl.lit(float(target)),
        f"Caseload target {target:g}",
        f"social workers of every team holding cases at {target:g} cases each",
    )


def as_forecast(est: pl.DataFrame, growth: dict[str, float], label: str) -> WhatIf:
    """Teams' cases grown by ``growth[works_with]`` (e.g. children in care as forecast ÷ today)."""
    factor = pl.col("works_with").replace_strict(growth, default=1.0, return_dtype=pl.Float64)
    how = "cases grown as forecast (" + ", ".join(f"{k} × {v:.3f}" for k, v in growth.items()) + ")"
    following = est.filter(pl.col("works_with").is_in(list(growth)))
    return _need(
        following,
        pl.col("cases") * factor,
        pl.col("caseload_target"),
        label,
        how,
        baseline=pl.col("cases") / pl.col("caseload_target"),
        baseline_words="needed today",
    )
