"""``carecast workforce``: a thin command over :mod:`carecast.workforce.run`."""

from __future__ import annotations

from importlib import resources
from pathlib import Path

import typer
from rich.console import Console
from rich.table import Table

from carecast.errors import Location, ParameterError
from carecast.outputs import write_report
from carecast.workforce.run import DEFAULT_CASELOAD_TARGET, WorkforceRequest, run_workforce
from carecast.workforce.whatif import signed_money

console = Console(stderr=True)
stdout = Console()


def _template(out: Path | None) -> None:
    """Write the example establishment and the cited workforce policy beside it."""
    if out is None:
        raise ParameterError(
            "no file to write the example establishment to",
            where=Location(field="out"),
            fix="give --out staff.csv",
        )
    data = resources.files("carecast.workforce").joinpath("data")
    out.write_text(data.joinpath("example_establishment.csv").read_text("utf-8"), "utf-8")
    policy = out.with_name("workforce.yaml")
    policy.write_text(data.joinpath("workforce.yaml").read_text("utf-8"), "utf-8")
    console.print(
        f"Wrote the example establishment to {out} and the role costs and premiums to {policy}"
    )


def workforce(
    what: str | None = typer.Argument(
        None, help="'template' to write an example establishment and the policy."
    ),
    establishment: Path | None = typer.Option(
        None,
        "--establishment",
        help="Establishment CSV/XLSX: team, role, "
        "established_fte, employed_fte, agency_fte [, cases, caseload_target, "
        "works_with, annual_cost, agency_premium].",
    ),
    policy: Path | None = typer.Option(
        None, "--policy", help="Workforce YAML: role costs, premiums, targets."
    ),
    agency_share: float | None = typer.Option(
        None,
        "--agency-share",
        help="What-if agency share, e.g. 0.11 (default: the policy's target, the best in London).",
    ),
    caseload: float = typer.Option(
        DEFAULT_CASELOAD_TARGET, "--caseload-target", help="What-if cases per worker."
    ),
    returns: Path | None = typer.Option(
        None,
        "--returns",
        help="SSDA903 returns: adds the what-if 'children in care "
        "as forecast' (teams' cases grow as children in care and care leavers do).",
    ),
    council: str | None = typer.Option(
        None, "--council", help="One council of a regional folder of returns."
    ),
    years: float = typer.Option(1.0, "--years", help="How far ahead 'as forecast' looks (years)."),
    out: Path | None = typer.Option(
        None, "--out", help="Output file: .xlsx, .html, .json or .csv."
    ),
) -> None:
    """Staffing: FTE by team and role, agency share and premium, vacancies, caseloads and what-ifs."""
    if what == "template":
        _template(out)
        return
    if what is not None:
        raise ParameterError(
            f"unknown argument '{what}'",
            fix="use `carecast workforce template --out staff.csv` or "
            "`carecast workforce --establishment staff.csv --out F`",
        )
    if establishment is None or out is None:
        raise ParameterError(
            "the establishment and the output file are both needed",
            where=Location(field="establishment"),
            fix="give --establishment staff.csv --out workforce.xlsx",
        )
    request = WorkforceRequest(
        establishment,
        policy,
        agency_share,
        caseload,
        inputs=tuple(str(p) for p in (establishment, policy) if p is not None),
    )
    growth = None
    if returns is not None:
        from carecast.services.inputs import load_returns_folder
        from carecast.workforce.run import forecast_growth

        with console.status("Loading returns..."):
            loaded = load_returns_folder(returns, council)
        with console.status("Forecasting children in care and care leavers..."):
            growth = forecast_growth(loaded.episodes, years=years, oc3=loaded.tables.get("oc3"))
    result = run_workforce(
        request, growth, f"Children in care as forecast ({years:g} year{'s' if years != 1 else ''})"
    )
    for written in write_report(result.report, out):
        console.print(f"Wrote {written}")
    table = Table(title=f"Workforce what-ifs (yearly cost £{result.yearly_cost:,.0f})")
    table.add_column("What-if")
    table.add_column("Change in yearly cost", justify="right")
    for w in result.what_ifs:
        table.add_row(w.name, signed_money(w.change_gbp))
    stdout.print(table)
    for w in result.what_ifs:
        console.print(f"{w.name}: {w.arithmetic}", highlight=False)


def register(app: typer.Typer) -> None:
    app.command("workforce")(workforce)
