"""``carecast demo``: the main job end to end on synthetic data, for a first look.

generate a synthetic region (carecast.synth) → validate and clean the returns (carecast.ingest)
→ snapshot where children live on the last day of the data (carecast.snapshot) → forecast
demand with bands and cost it by financial year (carecast.forecast + carecast.costs) → benchmark
one council's spend against the others (carecast.benchmark), then an index page linking every
report. Each step calls the same Python API the commands use.
"""

from __future__ import annotations

import datetime as dt
import html
import time
from pathlib import Path

import typer
from rich.console import Console

from carecast import __version__
from carecast.outputs import write_report
from carecast.outputs.vocabulary import prose

console = Console(soft_wrap=True)

DEFAULT_COUNCILS = 6
DEFAULT_YEARS = "2017-2024"


def run_demo(
    out: Path,
    *,
    councils: int = DEFAULT_COUNCILS,
    years: str = DEFAULT_YEARS,
    seed: int = 3,
    simulations: int = 500,
    horizon_years: float = 5,
) -> Path:
    """Run the whole job into ``out`` and return the index page."""
    from carecast.services.benchmark import BenchmarkRequest, run_benchmark
    from carecast.services.forecast import ForecastRequest, run_forecast
    from carecast.services.ingest import ValidateRequest, run_validate
    from carecast.services.snapshot import SnapshotRequest, run_snapshot
    from carecast.synth import generate

    data, reports = out / "data", out / "reports"
    reports.mkdir(parents=True, exist_ok=True)
    links: list[tuple[str, str, str]] = []
    timings: list[tuple[str, float]] = []

    def step(label: str):
        console.print(f"[bold]→ {label}[/]")
        return time.perf_counter()

    t = step(
        f"Generating synthetic returns for {councils} councils, collection years {years} (seed {seed})"
    )
    synth = generate(data, councils=councils, years=years, seed=seed)
    timings.append(("generate", time.perf_counter() - t))

    t = step("Validating and cleaning the returns")
    validated = run_validate(
        ValidateRequest.build(source=data, postcodes=data / "postcodes.csv"),
        command="demo: validate",
    )
    loaded, quality = validated.loaded, validated.report
    write_report(quality, reports / "data-quality.html")
    write_report(quality, reports / "data-quality.xlsx")
    links.append(
        (
            "Data quality",
            "reports/data-quality.html",
            "What was read, kept, repaired, dropped or merged, by council, year and rule.",
        )
    )
    timings.append(("validate", time.perf_counter() - t))

    data_end = loaded.episodes.get_column("data_end").max()
    assert isinstance(data_end, dt.date)
    t = step(f"Snapshot of placements on {data_end:%d/%m/%Y}")
    snap_report = run_snapshot(
        SnapshotRequest.build(
            date=data_end, source=data, region="london", providers=data / "providers.csv"
        ),
        tables=(loaded.episodes, loaded.children),
    ).report
    write_report(snap_report, reports / "snapshot.html")
    write_report(snap_report, reports / "snapshot.xlsx")
    links.append(
        (
            "Placement snapshot",
            "reports/snapshot.html",
            "Where the region's children live, how far from home, and how London's homes are used.",
        )
    )
    timings.append(("snapshot", time.perf_counter() - t))

    t = step(
        f"Forecasting {horizon_years:g} years ahead with {simulations} simulations per council, with costs"
    )
    forecast = run_forecast(
        ForecastRequest.build(
            source=data, horizon_years=horizon_years, simulations=simulations, seed=seed
        ),
        episodes=loaded.episodes,
    )
    for note in forecast.notes:
        console.print(f"  [yellow]note:[/] {prose(note)}", highlight=False)
    fc_report = forecast.report
    write_report(fc_report, reports / "forecast.html")
    write_report(fc_report, reports / "forecast.xlsx")
    links.append(
        (
            "Forecast and cost",
            "reports/forecast.html",
            "Children in care by category with bands, and cost by financial year.",
        )
    )
    links.append(
        (
            "Forecast workbook (Excel)",
            "reports/forecast.xlsx",
            "The same numbers for finance: summary by financial year, monthly bands, assumptions.",
        )
    )
    timings.append(("forecast", time.perf_counter() - t))

    t = step(f"Benchmarking {synth.councils[0]}'s spend and demand against the other councils")
    bench = run_benchmark(
        BenchmarkRequest.build(panel=(data / "panel.xlsx",), council=synth.councils[0])
    ).report
    write_report(bench, reports / "benchmark.html")
    write_report(bench, reports / "benchmark.xlsx")
    links.append(
        (
            "Spend and demand benchmarking",
            "reports/benchmark.html",
            f"{synth.councils[0]} against the other councils: deficits, spend per head, drivers (the Under pressure method).",
        )
    )
    timings.append(("benchmark", time.perf_counter() - t))

    index = out / "index.html"
    index.write_text(_index_html(links, synth.councils, years, seed, timings), encoding="utf-8")
    return index


def _index_html(links, councils, years, seed, timings) -> str:
    items = "\n".join(
        f'<li><a href="{html.escape(href)}">{html.escape(name)}</a> — {html.escape(desc)}</li>'
        for name, href, desc in links
    )
    took = ", ".join(f"{k} {v:.1f}s" for k, v in timings)
    return f"""<!doctype html><html lang="en-GB"><head><meta charset="utf-8"><title>carecast demo</title>
<style>body{{font-family:Segoe UI,Arial,sans-serif;max-width:900px;margin:2rem auto;color:#1b1b1b}}
h1{{color:#1F3864}} li{{margin:.6rem 0}} a{{color:#1d4f91;font-weight:600}} .note{{color:#555}}</style></head>
<body><main><h1>carecast demo</h1>
<p>Synthetic data for {len(councils)} councils ({html.escape(", ".join(councils))}), collection years {html.escape(years)}, seed {seed}.
No real child is in this data.</p><ul>{items}</ul>
<p class="note">carecast {__version__}. Steps: {took}.</p></main></body></html>"""


def register(app: typer.Typer) -> None:
    @app.command("demo")
    def demo(
        out: Path = typer.Option(
            Path("demo-output"), "--out", help="Folder to write the data and reports into."
        ),
        councils: int = typer.Option(
            DEFAULT_COUNCILS, "--councils", min=1, help="How many councils to generate."
        ),
        years: str = typer.Option(
            DEFAULT_YEARS, "--years", help="Collection years, e.g. 2017-2024."
        ),
        seed: int = typer.Option(3, "--seed", help="Random seed."),
        simulations: int = typer.Option(
            500, "--simulations", min=10, help="Forecast simulations per council."
        ),
    ) -> None:
        """Run the main job end to end on synthetic data and write reports you can open."""
        index = run_demo(out, councils=councils, years=years, seed=seed, simulations=simulations)
        console.print(f"\n[bold green]Done.[/] Open [bold]{index.resolve()}[/] in a browser.")
