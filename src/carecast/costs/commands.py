"""``carecast costs ...`` and ``carecast budget ...``: thin commands over carecast.costs."""

from __future__ import annotations

import datetime as dt
import warnings
from pathlib import Path

import polars as pl
import typer
from rich.console import Console
from rich.table import Table

from carecast.costs.budget import history as hist
from carecast.costs.budget.decomposition import (
    decompose_spend_change,
    load_decomposition_inputs,
    spend_years_from_actuals,
    uprating_ratio,
)
from carecast.costs.budget.inputs import load_plan, read_actions, read_ledger
from carecast.costs.budget.outturn import (
    StartersLeavers,
    monitor,
    starters_leavers_from_forecast,
    starters_leavers_run_rate,
)
from carecast.costs.budget.placements import (
    cost_placements,
    placements_from_episodes,
    read_register,
)
from carecast.costs.budget.report import history_report, monitoring_report
from carecast.costs.budget.whatif import (
    at_neighbours_mix,
    at_neighbours_rate,
    move_children,
    rescaled_note,
)
from carecast.costs.budget.whole import (
    AFTERCARE_SIMULATIONS,
    WholeBudgetInputs,
    forecast_lines,
    needs_forecast,
)
from carecast.costs.historic import actual_costs
from carecast.costs.mix import derive_cost_mix, mix_frame
from carecast.costs.unit_costs import defaults_text, load_unit_costs
from carecast.errors import ParameterError
from carecast.outputs import Report, Section, run_metadata, write_report
from carecast.outputs.periods import label_coverage
from carecast.schema import financial_year_label

console = Console(stderr=True)
stdout = Console()

costs_app = typer.Typer(help="Unit costs and historic placement cost.", no_args_is_help=True)
budget_app = typer.Typer(help="Budget monitoring: forecast outturn, variance, movement, decomposition, what-ifs.",
                         no_args_is_help=True)


def _date(text: str, field: str) -> dt.date:
    from carecast.forecast.commands import parse_date

    value = parse_date(text, field)
    assert value is not None
    return value


def _episodes(path: Path, council: str | None = None) -> pl.DataFrame:
    from carecast.forecast.commands import load_episodes

    return load_episodes(path, council, None)


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
def costs_defaults(out: Path = typer.Option(..., "--out", help="Where to write the editable unit costs YAML.")) -> None:
    """Write the shipped, cited unit costs file for editing."""
    out.write_text(defaults_text(), encoding="utf-8")
    console.print(f"Wrote {out}: edit the values (keep every cost group), then pass it as --costs.")


@costs_app.command("check")
def costs_check(path: Path = typer.Argument(..., help="Unit costs YAML to validate.")) -> None:
    """Validate a unit costs file as a whole and show the weekly cost of each group today."""
    uc = load_unit_costs(path)
    today = dt.date.today()
    df = pl.DataFrame({"cost_group": uc.groups, "weekly_cost": [uc.weekly_cost(g, today) for g in uc.groups]})
    stdout.print(_money_table(f"{path}: valid. Weekly unit costs on {today:%d/%m/%Y}", df, ["weekly_cost"]))


@costs_app.command("actual")
def costs_actual(
    episodes: Path = typer.Argument(..., help="Folder of SSDA903 returns, or cleaned episodes .parquet/.csv."),
    costs: Path | None = typer.Option(None, "--costs", help="Unit costs YAML (default: shipped cited costs)."),
    council: str | None = typer.Option(None, "--council", help="One council of a regional folder."),
    out: Path = typer.Option(..., "--out", help="Output file: .xlsx, .json, .csv or .html."),
) -> None:
    """Historic placement cost by financial year and cost group (days × weekly cost / 7)."""
    eps = _episodes(episodes, council)
    uc = load_unit_costs(costs)
    actual = actual_costs(eps, uc)
    mix = derive_cost_mix(eps.filter(pl.col("cost_group").is_not_null()))

    meta = run_metadata(command="costs actual", inputs=[p for p in (episodes, costs) if p],
                        parameters={"unit_costs": uc.as_dict(), "council": council})
    report = Report("Historic placement cost", meta, [
        Section("Cost by financial year", text="Days in each placement (start up to the day of leaving; open "
                "placements to the end of the data) × weekly unit cost of its cost group / 7, split at 1 April.",
                tables={"by_financial_year": label_coverage(actual.by_financial_year),
                        "by_cost_group": label_coverage(actual.by_financial_year_cost_group)},
                notes=[f"Left out: {r['episodes']} episode(s), {r['reason']}" for r in actual.excluded.iter_rows(named=True)]
                + ["Years marked 'no' under 'Whole year covered' are only partly covered by the returns supplied (episodes "
                   "before the first return are only those still open then), so their cost is undercounted."]),
        Section("Cost mix", text="Share of each category's child-days in each cost group (last 3 years).",
                tables={"cost_mix": mix_frame(mix)}),
    ], primary_table="by_financial_year")
    _written(write_report(report, out))
    stdout.print(_money_table("Placement cost by financial year", actual.by_financial_year.drop("fy"), ["cost"]))


def _forecast(eps: pl.DataFrame, plan, as_of: dt.date, simulations: int, seed: int | None):
    """The demand forecast from the monitoring date to just past 31 March, notes printed."""
    from carecast.forecast.region import forecast_councils

    fy_end = plan.bounds[1]
    with console.status(f"Forecasting starters and leavers ({simulations} simulations)..."), \
            warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        region = forecast_councils(eps, start=as_of, horizon_years=((fy_end - as_of).days + 14) / 365.25,
                                   n_sims=simulations, seed=seed)
    for w in caught:
        console.print(f"[yellow]Note:[/] {w.message}", highlight=False)
    return region.combined


def _starters_leavers(eps: pl.DataFrame | None, plan, placements, uc, as_of: dt.date, result) -> StartersLeavers | None:
    if eps is None:
        return None
    if result is None:
        return starters_leavers_run_rate(eps, plan, uc, as_of=as_of)
    fy_end = plan.bounds[1]
    costed = cost_placements(placements, uc, as_of=as_of, fy_start=plan.bounds[0], fy_end=fy_end)
    mix = derive_cost_mix(eps.filter(pl.col("cost_group").is_not_null()), end=as_of)
    return starters_leavers_from_forecast(result.dates_, list(result.categories), result.sim_counts_, plan, costed,
                                          uc, as_of=as_of, category_cost_mix=mix)


@budget_app.command("outturn")
def budget_outturn(
    budget: Path = typer.Option(..., "--budget", help="Budget YAML: lines, budgets, cost groups, stated total."),
    as_of: str = typer.Option(..., "--as-of", help="Monitoring date (actuals up to and including it)."),
    register: Path | None = typer.Option(None, "--register", help="Placement register CSV/XLSX."),
    episodes: Path | None = typer.Option(None, "--episodes", help="SSDA903 folder or cleaned episodes file "
                                         "(placements, and the history for starters and leavers)."),
    ledger: Path | None = typer.Option(None, "--ledger", help="Ledger CSV/XLSX: line, actual_to_date, committed_to_year_end."),
    actions: Path | None = typer.Option(None, "--actions", help="Management actions CSV/XLSX/YAML."),
    costs: Path | None = typer.Option(None, "--costs", help="Unit costs YAML (default: shipped cited costs)."),
    simulations: int = typer.Option(0, "--simulations", help="Forecast starters/leavers with this many simulations "
                                    "(needs --episodes); 0 = run-rate of the last 26 weeks."),
    seed: int = typer.Option(20, "--seed", help="Random seed for the simulations (same seed, same figures)."),
    establishment: Path | None = typer.Option(None, "--establishment", help="Staffing establishment CSV/XLSX, for a "
                                              "line with `forecast: staffing` (carecast workforce)."),
    workforce_policy: Path | None = typer.Option(None, "--workforce-policy", help="Role costs and premiums YAML."),
    allowance_policy: Path | None = typer.Option(None, "--allowance-policy", help="Allowance policy YAML, for a "
                                                 "line with `forecast: allowances` (carecast allowances)."),
    allowance_cohort: Path | None = typer.Option(None, "--allowance-cohort", help="Today's paid allowance cohort CSV/XLSX."),
    leavers_policy: Path | None = typer.Option(None, "--leavers-policy", help="Care leavers YAML, for a line with "
                                               "`forecast: leaving_care` (carecast leavers)."),
    save: bool = typer.Option(False, "--save", help="Save this month in the store and explain movement from the last saved month."),
    db: str | None = typer.Option(None, "--db", help="Store URL (default: CARECAST_DATABASE_URL or ./carecast.sqlite)."),
    with_placements: bool = typer.Option(False, "--with-placements", help="Add the placement-level sheet (child "
                                         "identifiers: for internal use, not committee papers)."),
    out: Path = typer.Option(..., "--out", help="Output file: .xlsx (committee table), .html (with trend), .json, .csv."),
) -> None:
    """Forecast outturn, variance and movement per budget line (the monthly monitoring report)."""
    when = _date(as_of, "--as-of")
    plan = load_plan(budget)
    uc = load_unit_costs(costs)
    if register is None and episodes is None:
        raise ParameterError("no placements given", fix="pass --register FILE or --episodes DIR")
    eps = _episodes(episodes, plan.council or None) if episodes is not None else None
    fy_start, fy_end = plan.bounds
    placements = read_register(register) if register is not None else placements_from_episodes(
        eps, start=fy_start, end=fy_end, as_of=when)
    whole = WholeBudgetInputs(establishment, workforce_policy, allowance_policy, allowance_cohort, leavers_policy)
    whole.check(plan, eps is not None)
    led = read_ledger(ledger, plan) if ledger else None
    acts = read_actions(actions, plan) if actions else None
    sims = simulations if simulations > 0 else (AFTERCARE_SIMULATIONS if needs_forecast(plan) else 0)
    result = _forecast(eps, plan, when, sims, seed) if eps is not None and sims > 0 else None
    sl = _starters_leavers(eps, plan, placements, uc, when, result if simulations > 0 else None)
    with console.status("Forecasting staffing, allowances and leaving care..."):
        lines = forecast_lines(plan, whole, as_of=when, episodes=eps, forecast=result, seed=seed)
    m = monitor(plan, placements, uc, as_of=when, ledger=led, actions=acts, starters_leavers=sl, line_forecasts=lines)
    summary = moves = history = quarters = saved = None
    if save:
        council = plan.council or "(unnamed)"
        m.council = council
        prev = hist.previous_run(council, plan.financial_year, when, db)
        run_id = hist.save_monitoring(m, db)
        console.print(f"Saved monitoring run {run_id} for {council} {financial_year_label(plan.financial_year)}")
        if prev is not None:
            before, now = hist.load_snapshot(prev, db), hist.load_snapshot(run_id, db)
            moves = hist.movement(before, now)
            summary = hist.movement_summary(before, now, moves)
        history = hist.line_history(council, plan.financial_year, db)
        saved = hist.runs(council, plan.financial_year, db)
        quarters = hist.quarter_on_quarter(saved)
    meta = run_metadata(command="budget outturn", inputs=[p for p in (budget, register, episodes, ledger, actions, costs,
                                                                   establishment, workforce_policy, allowance_policy,
                                                                   allowance_cohort, leavers_policy) if p],
                        parameters={"as_of": when.isoformat(), "simulations": simulations, "saved": save,
                                    **m.assumptions}, seed=seed)
    report = monitoring_report(m, metadata=meta, summary=summary, moves=moves, history=history, runs=saved,
                               quarters=quarters, include_placements=with_placements)
    _written(write_report(report, out))
    committee = report.sections[0].tables["committee"]
    stdout.print(_money_table(f"Forecast outturn at {when:%d/%m/%Y}",
                              committee.select("line", "budget", "forecast_outturn", "variance", "movement_gbp"),
                              ["budget", "forecast_outturn", "variance", "movement_gbp"]))
    for note in report.sections[0].notes:
        console.print(("[bold red]" if note.startswith("CHECK") else "") + note, highlight=False)


@budget_app.command("example")
def budget_example(out: Path = typer.Option(..., "--out", help="Folder to write the example inputs to.")) -> None:
    """Write example monitoring inputs (Lewisham 2018-19: budget, T9 register, ledger, actions)."""
    from importlib import resources

    import yaml

    out.mkdir(parents=True, exist_ok=True)
    examples = resources.files("carecast.costs").joinpath("data/examples")
    for name in ("budget.yaml", "ledger.csv", "actions.csv", "README.txt", "budget_whole.yaml", "ledger_whole.csv"):
        (out / name).write_text(examples.joinpath(name).read_text("utf-8"), encoding="utf-8")
    staff = resources.files("carecast.workforce").joinpath("data/example_establishment.csv")
    (out / "establishment.csv").write_text(staff.read_text("utf-8"), encoding="utf-8")
    seed = yaml.safe_load(resources.files("carecast.costs").joinpath("data/lewisham_t9.yaml").read_text("utf-8"))
    rows = ["child,placement_type,provider,weekly_cost,start,planned_end,funding_social_care,funding_health,funding_education"]
    for group, spec in seed["placements"].items():
        rows += [f"{group[:3].upper()}{i:03d},{group},,{spec['weekly']},2017-09-01,,1,0,0" for i in range(spec["children"])]
    (out / "register.csv").write_text("\n".join(rows) + "\n", encoding="utf-8")
    console.print(f"Wrote example inputs to {out} (see {out / 'README.txt'})")


@budget_app.command("history")
def budget_history(
    council: str = typer.Option(..., "--council", help="Council name as saved."),
    year: str = typer.Option(..., "--year", help="Financial year, e.g. 2024-25 or 2024."),
    db: str | None = typer.Option(None, "--db", help="Store URL."),
    out: Path = typer.Option(..., "--out", help="Output file: .html (trend chart), .xlsx, .json, .csv."),
) -> None:
    """Forecast-outturn trend through the year and quarter-on-quarter change, from saved months."""
    report = history_report(council, _fy(year), db)
    runs = report.tables()["runs"]
    _written(write_report(report, out))
    stdout.print(_money_table("Saved months", runs, ["budget_total", "outturn_total"]))


@budget_app.command("decompose")
def budget_decompose(
    inputs: Path | None = typer.Option(None, "--inputs", help="YAML with from:/to: years (children, weekly_cost, "
                                       "child_population, price_index, optional by_group)."),
    episodes: Path | None = typer.Option(None, "--episodes", help="Or: SSDA903 folder / cleaned episodes, costed "
                                         "at --costs, between --from and --to."),
    from_year: str | None = typer.Option(None, "--from", help="First financial year, e.g. 2019-20 (with --episodes)."),
    to_year: str | None = typer.Option(None, "--to", help="Second financial year (with --episodes)."),
    population_ratio: float = typer.Option(1.0, "--population-ratio", help="Child population in --to ÷ in --from."),
    price_ratio: float | None = typer.Option(None, "--price-ratio", help="Price index in --to ÷ in --from "
                                             "(default with --episodes: the unit costs' own uprating)."),
    costs: Path | None = typer.Option(None, "--costs", help="Unit costs YAML (with --episodes)."),
    out: Path = typer.Option(..., "--out", help="Output file."),
) -> None:
    """Split the change in placement spend into more children, mix/unit cost, inflation and population."""
    if inputs is not None:
        y0, y1, meta_in = load_decomposition_inputs(inputs)
    elif episodes is not None and from_year and to_year:
        unit_costs = load_unit_costs(costs)
        actual = actual_costs(_episodes(episodes), unit_costs)
        if price_ratio is None:  # the uprating the costing itself applied is price inflation, not unit cost
            price_ratio = uprating_ratio(unit_costs, actual.by_financial_year_cost_group, _fy(from_year), _fy(to_year))
        y0, y1 = spend_years_from_actuals(actual.by_financial_year_cost_group, _fy(from_year), _fy(to_year),
                                          population_ratio=population_ratio, price_ratio=price_ratio)
        meta_in = {"population_ratio": population_ratio, "price_ratio": price_ratio, "costs": str(costs or "defaults")}
    else:
        raise ParameterError("nothing to decompose", fix="pass --inputs FILE, or --episodes DIR --from YEAR --to YEAR")
    d = decompose_spend_change(y0, y1)
    meta = run_metadata(command="budget decompose", inputs=[p for p in (inputs, episodes, costs) if p], parameters=meta_in)
    report = Report(f"Spend decomposition {y0.label} → {y1.label}", meta, [
        Section("Drivers of the change in spend", text=f"Spend {y0.label} £{y0.spend:,.0f} → {y1.label} "
                f"£{y1.spend:,.0f} (children × average weekly cost × 52).", tables={"drivers": d}),
    ], primary_table="drivers")
    _written(write_report(report, out))
    stdout.print(_money_table("Drivers", d.with_columns((pl.col("share") * 100).round(1).alias("share_%")).drop("share"),
                              ["amount_gbp"]))


def _fy(text: str) -> int:
    try:
        return int(str(text).replace("/", "-").split("-")[0])
    except ValueError:
        raise ParameterError(f"'{text}' is not a financial year", fix="write it as 2024-25 or 2024") from None


@budget_app.command("whatif-rate")
def whatif_rate(
    rate: float = typer.Option(..., "--rate", help="Our children looked after per 10,000 children."),
    neighbours: float = typer.Option(..., "--neighbours", help="Statistical neighbours' rate per 10,000."),
    population: float = typer.Option(..., "--population", help="Children aged 0-17 in the area."),
    spend: float = typer.Option(..., "--spend", help="Placement spend this year (forecast), £."),
    children: float | None = typer.Option(None, "--children", help="Children looked after now (default from rate)."),
    out: Path = typer.Option(..., "--out", help="Output file."),
) -> None:
    """Children and spend at the statistical neighbours' rate of children in care."""
    w = at_neighbours_rate(rate, neighbours, population, placement_spend=spend, children=children)
    meta = run_metadata(command="budget whatif-rate", parameters=w.frame().to_dicts()[0])
    report = Report("What if: statistical neighbours' rate", meta, [Section("At neighbours' rate", tables={"whatif": w.frame()})])
    _written(write_report(report, out))
    stdout.print(f"{w.fewer_children:,.1f} fewer children; saving £{w.saving:,.0f} a year "
                 f"at £{w.annual_cost_per_child:,.0f} per child")


@budget_app.command("whatif-move")
def whatif_move(
    children: float = typer.Option(..., "--children", help="Number of children moved."),
    from_group: str = typer.Option(..., "--from", help="Cost group moved from (e.g. external_residential)."),
    to_group: str = typer.Option(..., "--to", help="Cost group moved to (e.g. ifa, in_house_fostering)."),
    on: str | None = typer.Option(None, "--on", help="Price date (default today)."),
    costs: Path | None = typer.Option(None, "--costs", help="Unit costs YAML."),
    out: Path = typer.Option(..., "--out", help="Output file."),
) -> None:
    """Saving from moving N children between placement types (per child per year and in total)."""
    when = _date(on, "--on") if on else dt.date.today()
    df = move_children(children, from_group, to_group, load_unit_costs(costs), on=when)
    meta = run_metadata(command="budget whatif-move", inputs=[costs] if costs else [], parameters=df.to_dicts()[0])
    _written(write_report(Report("What if: move children", meta, [Section("Move", tables={"whatif": df})]), out))
    r = df.row(0, named=True)
    stdout.print(f"Saving £{r['saving_per_child_per_year']:,.0f} per child per year; £{r['saving_per_year']:,.0f} in total")


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
            raise ParameterError(f"'{part}' in {option} is not group=number", fix=f"write {option} as ifa=198,in_house_fostering=168")
    return out


@budget_app.command("whatif-mix")
def whatif_mix(
    children: str = typer.Option(..., "--children", help="Children now by cost group: ifa=198,in_house_fostering=168,..."),
    shares: str = typer.Option(..., "--neighbour-shares", help="Neighbours' shares by cost group: external_residential=0.124,..."),
    weekly: str | None = typer.Option(None, "--weekly", help="Own weekly costs by group (default: unit costs)."),
    on: str | None = typer.Option(None, "--on", help="Price date (default today)."),
    costs: Path | None = typer.Option(None, "--costs", help="Unit costs YAML."),
    out: Path = typer.Option(..., "--out", help="Output file."),
) -> None:
    """Annual cost of today's children placed in the statistical neighbours' mix."""
    when = _date(on, "--on") if on else dt.date.today()
    df = at_neighbours_mix(_pairs(children, "--children"), _pairs(shares, "--neighbour-shares"), load_unit_costs(costs),
                           on=when, weekly=_pairs(weekly, "--weekly"))
    meta = run_metadata(command="budget whatif-mix", inputs=[costs] if costs else [],
                        parameters={"children": children, "neighbour_shares": shares, "weekly": weekly, "on": str(when)})
    note = rescaled_note(df)
    _written(write_report(Report("What if: neighbours' placement mix", meta,
                                 [Section("Mix", tables={"whatif": df}, notes=[note] if note else [])]), out))
    if note:
        stdout.print(f"[yellow]Note:[/] {note}", highlight=False)
    stdout.print(_money_table("At neighbours' mix", df.select("cost_group", "children_now", "children_at_neighbours_mix",
                                                              "annual_cost_now", "annual_cost_at_mix", "saving_per_year"),
                              ["annual_cost_now", "annual_cost_at_mix", "saving_per_year"]))


def register(app: typer.Typer) -> None:
    app.add_typer(costs_app, name="costs")
    app.add_typer(budget_app, name="budget")
