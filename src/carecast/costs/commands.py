"""``carecast costs ...`` and ``carecast budget ...``: thin commands over carecast.costs."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import polars as pl
import typer
from rich.console import Console
from rich.table import Table

from carecast.costs.budget.whatif import (
    at_neighbours_mix,
    at_neighbours_rate,
    move_children,
    rescaled_note,
)
from carecast.costs.unit_costs import defaults_text, load_unit_costs
from carecast.errors import ParameterError
from carecast.outputs import Report, Section, run_metadata, write_report
from carecast.schema import financial_year_label
from carecast.services.budget import BudgetOutturnRequest
from carecast.services.inputs import required_date

console = Console(stderr=True)
stdout = Console()

OUTTURN = BudgetOutturnRequest.model_fields  # the defaults live on the request, once
costs_app = typer.Typer(help="Unit costs and historic placement cost.", no_args_is_help=True)
budget_app = typer.Typer(
    help="Budget monitoring: forecast outturn, variance, movement, decomposition, what-ifs.",
    no_args_is_help=True,
)


def _money_table(title: str, df: pl.DataFrame, money: list[str]) -> Table:
    table = Table(title=title)
    for c in df.columns:
        table.add_column(c, justify="right" if c in money else "left")
    for row in df.iter_rows(named=True):
        table.add_row(*[_cell(row[c], c in money) for c in df.columns])
    return table


def _cell(value, money: bool) -> str:
    if value is None:
        return ""
    if money:
        return f"−£{-value:,.0f}" if value < 0 else f"£{value:,.0f}"
    return str(value)


def _written(paths: list[Path]) -> None:
    for p in paths:
        console.print(f"Wrote {p}")


@costs_app.command("defaults")
def costs_defaults(
    out: Path = typer.Option(..., "--out", help="Where to write the editable unit costs YAML."),
) -> None:
    """Write the shipped, cited unit costs file for editing."""
    out.write_text(defaults_text(), encoding="utf-8")
    console.print(f"Wrote {out}: edit the values (keep every cost group), then pass it as --costs.")


@costs_app.command("check")
def costs_check(path: Path = typer.Argument(..., help="Unit costs YAML to validate.")) -> None:
    """Validate a unit costs file as a whole and show the weekly cost of each group today."""
    uc = load_unit_costs(path)
    today = dt.date.today()
    df = pl.DataFrame(
        {"cost_group": uc.groups, "weekly_cost": [uc.weekly_cost(g, today) for g in uc.groups]}
    )
    stdout.print(
        _money_table(f"{path}: valid. Weekly unit costs on {today:%d/%m/%Y}", df, ["weekly_cost"])
    )


@costs_app.command("actual")
def costs_actual(
    episodes: Path = typer.Argument(
        ..., help="Folder of SSDA903 returns, or cleaned episodes .parquet/.csv."
    ),
    costs: Path | None = typer.Option(
        None, "--costs", help="Unit costs YAML (default: shipped cited costs)."
    ),
    council: str | None = typer.Option(None, "--council", help="One council of a regional folder."),
    out: Path = typer.Option(..., "--out", help="Output file: .xlsx, .json, .csv or .html."),
) -> None:
    """Historic placement cost by financial year and cost group (days × weekly cost / 7)."""
    from carecast.services.costs import CostsRequest, run_costs

    run = run_costs(CostsRequest.build(source=episodes, costs=costs, council=council))
    _written(write_report(run.report, out))
    stdout.print(
        _money_table(
            "Placement cost by financial year", run.actual.by_financial_year.drop("fy"), ["cost"]
        )
    )


@budget_app.command("outturn")
def budget_outturn(
    budget: Path = typer.Option(
        ..., "--budget", help="Budget YAML: lines, budgets, cost groups, stated total."
    ),
    as_of: str = typer.Option(
        ..., "--as-of", help="Monitoring date (actuals up to and including it)."
    ),
    register: Path | None = typer.Option(None, "--register", help="Placement register CSV/XLSX."),
    episodes: Path | None = typer.Option(
        None,
        "--episodes",
        help="SSDA903 folder or cleaned episodes file "
        "(placements, and the history for starters and leavers).",
    ),
    ledger: Path | None = typer.Option(
        None, "--ledger", help="Ledger CSV/XLSX: line, actual_to_date, committed_to_year_end."
    ),
    actions: Path | None = typer.Option(
        None, "--actions", help="Management actions CSV/XLSX/YAML."
    ),
    costs: Path | None = typer.Option(
        None, "--costs", help="Unit costs YAML (default: shipped cited costs)."
    ),
    simulations: int = typer.Option(
        OUTTURN["simulations"].default,
        "--simulations",
        help="Forecast starters/leavers with this many simulations "
        "(needs --episodes); 0 = run-rate of the last 26 weeks.",
    ),
    seed: int = typer.Option(
        OUTTURN["seed"].default,
        "--seed",
        help="Random seed for the simulations (same seed, same figures).",
    ),
    establishment: Path | None = typer.Option(
        None,
        "--establishment",
        help="Staffing establishment CSV/XLSX, for a "
        "line with `forecast: staffing` (carecast workforce).",
    ),
    workforce_policy: Path | None = typer.Option(
        None, "--workforce-policy", help="Role costs and premiums YAML."
    ),
    allowance_policy: Path | None = typer.Option(
        None,
        "--allowance-policy",
        help="Allowance policy YAML, for a line with `forecast: allowances` (carecast allowances).",
    ),
    allowance_cohort: Path | None = typer.Option(
        None, "--allowance-cohort", help="Today's paid allowance cohort CSV/XLSX."
    ),
    leavers_policy: Path | None = typer.Option(
        None,
        "--leavers-policy",
        help="Care leavers YAML, for a line with `forecast: leaving_care` (carecast leavers).",
    ),
    save: bool = typer.Option(
        False,
        "--save",
        help="Save this month in the store and explain movement from the last saved month.",
    ),
    db: str | None = typer.Option(
        None, "--db", help="Store URL (default: CARECAST_DATABASE_URL or ./carecast.sqlite)."
    ),
    with_placements: bool = typer.Option(
        False,
        "--with-placements",
        help="Add the placement-level sheet (child "
        "identifiers: for internal use, not committee papers).",
    ),
    out: Path = typer.Option(
        ..., "--out", help="Output file: .xlsx (committee table), .html (with trend), .json, .csv."
    ),
) -> None:
    """Forecast outturn, variance and movement per budget line (the monthly monitoring report)."""
    from carecast.services.budget import run_budget_outturn

    request = BudgetOutturnRequest.build(
        as_of=required_date(as_of, "--as-of"),
        budget=budget,
        register_file=register,
        episodes=episodes,
        ledger=ledger,
        actions=actions,
        costs=costs,
        simulations=simulations,
        seed=seed,
        save=save,
        db=db,
        with_placements=with_placements,
        establishment=establishment,
        workforce_policy=workforce_policy,
        allowance_policy=allowance_policy,
        allowance_cohort=allowance_cohort,
        leavers_policy=leavers_policy,
    )
    with console.status("Monitoring..."):
        run = run_budget_outturn(request)
    report, when = run.report, request.as_of
    if run.saved_run is not None:
        m = run.monitoring
        console.print(
            f"Saved monitoring run {run.saved_run} for {m.council} {financial_year_label(m.financial_year)}"
        )
    _written(write_report(report, out))
    committee = report.sections[0].tables["committee"]
    stdout.print(
        _money_table(
            f"Forecast outturn at {when:%d/%m/%Y}",
            committee.select("line", "budget", "forecast_outturn", "variance", "movement_gbp"),
            ["budget", "forecast_outturn", "variance", "movement_gbp"],
        )
    )
    for note in report.sections[0].notes:
        console.print(("[bold red]" if note.startswith("CHECK") else "") + note, highlight=False)


@budget_app.command("example")
def budget_example(
    out: Path = typer.Option(..., "--out", help="Folder to write the example inputs to."),
) -> None:
    """Write example monitoring inputs (Lewisham 2018-19: budget, T9 register, ledger, actions)."""
    from importlib import resources

    import yaml

    out.mkdir(parents=True, exist_ok=True)
    examples = resources.files("carecast.costs").joinpath("data/examples")
    for name in (
        "budget.yaml",
        "ledger.csv",
        "actions.csv",
        "README.txt",
        "budget_whole.yaml",
        "ledger_whole.csv",
    ):
        (out / name).write_text(examples.joinpath(name).read_text("utf-8"), encoding="utf-8")
    staff = resources.files("carecast.workforce").joinpath("data/example_establishment.csv")
    (out / "establishment.csv").write_text(staff.read_text("utf-8"), encoding="utf-8")
    seed = yaml.safe_load(
        resources.files("carecast.costs").joinpath("data/lewisham_t9.yaml").read_text("utf-8")
    )
    rows = [
        "child,placement_type,provider,weekly_cost,start,planned_end,funding_social_care,funding_health,funding_education"
    ]
    for group, spec in seed["placements"].items():
        rows += [
            f"{group[:3].upper()}{i:03d},{group},,{spec['weekly']},2017-09-01,,1,0,0"
            for i in range(spec["children"])
        ]
    (out / "register.csv").write_text("\n".join(rows) + "\n", encoding="utf-8")
    console.print(f"Wrote example inputs to {out} (see {out / 'README.txt'})")


@budget_app.command("history")
def budget_history(
    council: str = typer.Option(..., "--council", help="Council name as saved."),
    year: str = typer.Option(..., "--year", help="Financial year, e.g. 2024-25 or 2024."),
    db: str | None = typer.Option(None, "--db", help="Store URL."),
    out: Path = typer.Option(
        ..., "--out", help="Output file: .html (trend chart), .xlsx, .json, .csv."
    ),
) -> None:
    """Forecast-outturn trend through the year and quarter-on-quarter change, from saved months."""
    from carecast.services.budget import BudgetHistoryRequest, run_budget_history

    report = run_budget_history(
        BudgetHistoryRequest.build(council=council, financial_year=_fy(year), db=db)
    )
    runs = report.tables()["runs"]
    _written(write_report(report, out))
    stdout.print(_money_table("Saved months", runs, ["budget_total", "outturn_total"]))


@budget_app.command("decompose")
def budget_decompose(
    inputs: Path | None = typer.Option(
        None,
        "--inputs",
        help="YAML with from:/to: years (children, weekly_cost, "
        "child_population, price_index, optional by_group).",
    ),
    episodes: Path | None = typer.Option(
        None,
        "--episodes",
        help="Or: SSDA903 folder / cleaned episodes, costed at --costs, between --from and --to.",
    ),
    from_year: str | None = typer.Option(
        None, "--from", help="First financial year, e.g. 2019-20 (with --episodes)."
    ),
    to_year: str | None = typer.Option(
        None, "--to", help="Second financial year (with --episodes)."
    ),
    population_ratio: float = typer.Option(
        1.0, "--population-ratio", help="Child population in --to ÷ in --from."
    ),
    price_ratio: float | None = typer.Option(
        None,
        "--price-ratio",
        help="Price index in --to ÷ in --from "
        "(default with --episodes: the unit costs' own uprating).",
    ),
    costs: Path | None = typer.Option(None, "--costs", help="Unit costs YAML (with --episodes)."),
    out: Path = typer.Option(..., "--out", help="Output file."),
) -> None:
    """Split the change in placement spend into more children, mix/unit cost, inflation and population."""
    from carecast.services.budget import BudgetDecomposeRequest, run_budget_decompose

    request = BudgetDecomposeRequest.build(
        inputs=inputs,
        episodes=episodes,
        from_year=_fy(from_year) if from_year else None,
        to_year=_fy(to_year) if to_year else None,
        population_ratio=population_ratio,
        price_ratio=price_ratio,
        costs=costs,
    )
    run = run_budget_decompose(request)
    _written(write_report(run.report, out))
    d = run.drivers
    stdout.print(
        _money_table(
            "Drivers",
            d.with_columns((pl.col("share") * 100).round(1).alias("share_%")).drop("share"),
            ["amount_gbp"],
        )
    )


def _fy(text: str) -> int:
    try:
        return int(str(text).replace("/", "-").split("-")[0])
    except ValueError:
        raise ParameterError(
            f"'{text}' is not a financial year", fix="write it as 2024-25 or 2024"
        ) from None


@budget_app.command("whatif-rate")
def whatif_rate(
    rate: float = typer.Option(
        ..., "--rate", help="Our children looked after per 10,000 children."
    ),
    neighbours: float = typer.Option(
        ..., "--neighbours", help="Statistical neighbours' rate per 10,000."
    ),
    population: float = typer.Option(..., "--population", help="Children aged 0-17 in the area."),
    spend: float = typer.Option(..., "--spend", help="Placement spend this year (forecast), £."),
    children: float | None = typer.Option(
        None, "--children", help="Children looked after now (default from rate)."
    ),
    out: Path = typer.Option(..., "--out", help="Output file."),
) -> None:
    """Children and spend at the statistical neighbours' rate of children in care."""
    w = at_neighbours_rate(rate, neighbours, population, placement_spend=spend, children=children)
    meta = run_metadata(command="budget whatif-rate", parameters=w.frame().to_dicts()[0])
    report = Report(
        "What if: statistical neighbours' rate",
        meta,
        [Section("At neighbours' rate", tables={"whatif": w.frame()})],
    )
    _written(write_report(report, out))
    stdout.print(
        f"{w.fewer_children:,.1f} fewer children; saving £{w.saving:,.0f} a year "
        f"at £{w.annual_cost_per_child:,.0f} per child"
    )


@budget_app.command("whatif-move")
def whatif_move(
    children: float = typer.Option(..., "--children", help="Number of children moved."),
    from_group: str = typer.Option(
        ..., "--from", help="Cost group moved from (e.g. external_residential)."
    ),
    to_group: str = typer.Option(
        ..., "--to", help="Cost group moved to (e.g. ifa, in_house_fostering)."
    ),
    on: str | None = typer.Option(None, "--on", help="Price date (default today)."),
    costs: Path | None = typer.Option(None, "--costs", help="Unit costs YAML."),
    out: Path = typer.Option(..., "--out", help="Output file."),
) -> None:
    """Saving from moving N children between placement types (per child per year and in total)."""
    when = required_date(on, "--on") if on else dt.date.today()
    df = move_children(children, from_group, to_group, load_unit_costs(costs), on=when)
    meta = run_metadata(
        command="budget whatif-move", inputs=[costs] if costs else [], parameters=df.to_dicts()[0]
    )
    _written(
        write_report(
            Report("What if: move children", meta, [Section("Move", tables={"whatif": df})]), out
        )
    )
    r = df.row(0, named=True)
    stdout.print(
        f"Saving £{r['saving_per_child_per_year']:,.0f} per child per year; £{r['saving_per_year']:,.0f} in total"
    )


def _pairs(text: str | None, option: str) -> dict[str, float]:
    """``"ifa=198,in_house_fostering=168"`` → {"ifa": 198.0, ...}."""
    out: dict[str, float] = {}
    for part in (text or "").split(","):
        if not part.strip():
            continue
        key, sep, value = part.partition("=")
        try:
            out[key.strip()] = float(value)
        except ValueError:
            sep = ""
        if not sep:
            raise ParameterError(
                f"'{part}' in {option} is not group=number",
                fix=f"write {option} as ifa=198,in_house_fostering=168",
            )
    return out


@budget_app.command("whatif-mix")
def whatif_mix(
    children: str = typer.Option(
        ..., "--children", help="Children now by cost group: ifa=198,in_house_fostering=168,..."
    ),
    shares: str = typer.Option(
        ...,
        "--neighbour-shares",
        help="Neighbours' shares by cost group: external_residential=0.124,...",
    ),
    weekly: str | None = typer.Option(
        None, "--weekly", help="Own weekly costs by group (default: unit costs)."
    ),
    on: str | None = typer.Option(None, "--on", help="Price date (default today)."),
    costs: Path | None = typer.Option(None, "--costs", help="Unit costs YAML."),
    out: Path = typer.Option(..., "--out", help="Output file."),
) -> None:
    """Annual cost of today's children placed in the statistical neighbours' mix."""
    when = required_date(on, "--on") if on else dt.date.today()
    df = at_neighbours_mix(
        _pairs(children, "--children"),
        _pairs(shares, "--neighbour-shares"),
        load_unit_costs(costs),
        on=when,
        weekly=_pairs(weekly, "--weekly"),
    )
    meta = run_metadata(
        command="budget whatif-mix",
        inputs=[costs] if costs else [],
        parameters={
            "children": children,
            "neighbour_shares": shares,
            "weekly": weekly,
            "on": str(when),
        },
    )
    note = rescaled_note(df)
    _written(
        write_report(
            Report(
                "What if: neighbours' placement mix",
                meta,
                [Section("Mix", tables={"whatif": df}, notes=[note] if note else [])],
            ),
            out,
        )
    )
    if note:
        stdout.print(f"[yellow]Note:[/] {note}", highlight=False)
    stdout.print(
        _money_table(
            "At neighbours' mix",
            df.select(
                "cost_group",
                "children_now",
                "children_at_neighbours_mix",
                "annual_cost_now",
                "annual_cost_at_mix",
                "saving_per_year",
            ),
            ["annual_cost_now", "annual_cost_at_mix", "saving_per_year"],
        )
    )


def register(app: typer.Typer) -> None:
    app.add_typer(costs_app, name="costs")
    app.add_typer(budget_app, name="budget")
