"""``carecast synth``: write synthetic SSDA903 returns (a thin layer over ``carecast.synth.generate``)."""

from __future__ import annotations

from pathlib import Path

import typer
from rich.console import Console
from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from carecast.errors import Location, ParameterError
from carecast.synth.generate import generate
from carecast.synth.params import load_params


def parse_councils(text: str) -> int | list[str]:
    """``"6"`` → 6; ``"Lewisham,Southwark"`` → names. Numbers must be at least 1."""
    text = text.strip()
    if text.lstrip("+-").isdigit():
        n = int(text)
        if n < 1:
            raise ParameterError(
                f"--councils {text}: at least one council is needed",
                where=Location(field="--councils"),
                fix="give a number of councils (e.g. 6) or names (e.g. 'Lewisham,Southwark')",
            )
        return n
    names = [s.strip() for s in text.split(",") if s.strip()]
    if not names:
        raise ParameterError(
            "--councils is empty",
            where=Location(field="--councils"),
            fix="give a number of councils (e.g. 6) or names (e.g. 'Lewisham,Southwark')",
        )
    return names


def parse_trend_range(text: str) -> list[float]:
    """``"-3,5"`` (% a year) → [-0.03, 0.05]."""
    parts = [s.strip().rstrip("%") for s in text.split(",")]
    try:
        low, high = (float(x) / 100 for x in parts)
    except ValueError:
        raise ParameterError(
            f"--trend-range {text}: not two percentages",
            where=Location(field="--trend-range"),
            fix="give the lowest and highest yearly trend in %, e.g. -3,5",
        ) from None
    return [low, high]


def moving_world(
    shock_sd: float | None,
    persistence: float | None,
    council_sd: float | None,
    trend_range: str | None,
) -> dict[str, object]:
    """Parameter overrides (dotted paths) for the options given; checked by ``load_params``."""
    out: dict[str, object] = {}
    for path, value in (
        ("entries.shock_sd", shock_sd),
        ("entries.shock_persistence", persistence),
        ("entries.council_shock_sd", council_sd),
    ):
        if value is not None:
            out[path] = value
    if trend_range is not None:
        out["entries.trend_range"] = parse_trend_range(trend_range)
    return out


def register(app: typer.Typer) -> None:
    @app.command("synth")
    def synth(
        out: Path = typer.Option(
            ...,
            "--out",
            help="Folder to write the returns to (new, empty, or a previous synth output).",
        ),
        councils: str = typer.Option(
            "6",
            "--councils",
            help="How many councils (London first), or names: 'Lewisham,Southwark'.",
        ),
        years: str = typer.Option(
            "2015-2024", "--years", help="First-last SSDA903 collection years, e.g. 2015-2024."
        ),
        seed: int = typer.Option(
            0, "--seed", help="Random seed; the same seed gives identical files."
        ),
        params: Path | None = typer.Option(
            None, "--params", help="YAML file overriding carecast/synth/data/params.yaml."
        ),
        defects: bool = typer.Option(
            True, "--defects/--no-defects", help="Plant realistic flaws for the loader to find."
        ),
        like_england: bool = typer.Option(
            False,
            "--like-england",
            help="Imitate real councils: published child populations and children looked after "
            "(with a number, councils evenly across England's sizes).",
        ),
        published: Path = typer.Option(
            Path("../shared/external/dfe-published"),
            "--published",
            help="Folder of published statistics --like-england reads.",
        ),
        entry_shock_sd: float | None = typer.Option(
            None,
            "--entry-shock-sd",
            help="Monthly entry shock shared by the councils: standard deviation of its log, e.g. 0.1.",
        ),
        entry_shock_persistence: float | None = typer.Option(
            None,
            "--entry-shock-persistence",
            help="Month-to-month correlation of the entry shocks, 0 to below 1, e.g. 0.9.",
        ),
        council_shock_sd: float | None = typer.Option(
            None,
            "--council-shock-sd",
            help="Each council's own monthly entry shock: standard deviation of its log.",
        ),
        trend_range: str | None = typer.Option(
            None,
            "--trend-range",
            help="Councils' yearly entry trends drawn from this range, in % a year, e.g. -3,5.",
        ),
    ) -> None:
        """Write realistic synthetic SSDA903 returns, a postcode lookup and a provider register."""
        console = Console()
        with Progress(
            TextColumn("{task.description}"),
            BarColumn(),
            TextColumn("{task.completed}/{task.total}"),
            TimeElapsedColumn(),
            console=console,
            transient=True,
        ) as bar:
            tasks: dict[str, int] = {}

            def progress(stage: str, done: int, total: int) -> None:
                if stage not in tasks:
                    tasks[stage] = bar.add_task(stage, total=total)
                bar.update(tasks[stage], completed=done, total=total)

            chosen, imitated = parse_councils(councils), None
            if like_england:
                from carecast.synth.england import like_england as imitate
                from carecast.synth.generate import parse_years

                plan = imitate(published, councils, parse_years(years), seed, params)
                chosen, params, imitated = plan.councils, plan.overrides, plan.imitated
            moving = moving_world(
                entry_shock_sd, entry_shock_persistence, council_shock_sd, trend_range
            )
            if moving:
                params = load_params(params, moving)
            result = generate(
                out,
                councils=chosen,
                years=years,
                seed=seed,
                params=params,
                defects=defects,
                progress=progress,
            )
        table = Table(
            title=f"Synthetic SSDA903 returns {result.years[0]}-{result.years[1]} (seed {result.seed})"
        )
        summary = result.summary()
        for col in summary.columns:
            table.add_column(col.replace("_", " "), justify="left" if col == "council" else "right")
        for row in summary.iter_rows():
            table.add_row(*[str(v) for v in row])
        console.print(table)
        if imitated is not None:
            _print_imitated(console, imitated, summary)
        console.print(
            f"Rows written: {result.rows_written}; planted defects: {len(result.defects)} "
            f"(see {out / 'README.txt'})"
        )
        console.print(f"Wrote {out}")


def _print_imitated(console: Console, imitated, summary) -> None:
    """Each synthetic council's 31 March count beside the published one it imitates."""
    import polars as pl

    both = imitated.join(
        summary.select(pl.col("council").alias("name"), "looked_after_31_march"), on="name"
    )
    table = Table(title="Councils imitated: children looked after on 31 March")
    for col in ("Council", "ONS code", "Published", "Synthetic", "Difference"):
        table.add_column(col, justify="left" if col in ("Council", "ONS code") else "right")
    for row in both.iter_rows(named=True):
        diff = row["looked_after_31_march"] / row["stock"] - 1
        table.add_row(
            row["name"],
            row["ons_code"],
            f"{row['stock']:,.0f}",
            f"{row['looked_after_31_march']:,}",
            f"{diff:+.1%}",
        )
    console.print(table)
