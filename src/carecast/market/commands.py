"""CLI for commissioning: ``directory``, ``match``, ``referral`` and ``riskpool`` (thin over the API)."""

from __future__ import annotations

from pathlib import Path

import typer
from rich.console import Console
from rich.table import Table

from carecast.outputs import write_report
from carecast.plumbing.dates import parse_date
from carecast.services.market import RISKPOOL_SEED, match_directory

console = Console()
OUT = typer.Option(
    None, "--out", help="Write the result to this file (.xlsx, .csv, .json or .html)."
)
DB = typer.Option(
    None, "--db", help="Database URL (default: CARECAST_DATABASE_URL, else ./carecast.sqlite)."
)
POSTCODES = typer.Option(
    None, "--postcodes", help="ONS postcode directory extract (pcds, oslaua, lat, long)."
)


def _store(db: str | None) -> str:
    """The store, its schema brought up to date once per process."""
    from carecast.store import open_store

    return open_store(db)


def _written(paths) -> None:
    for p in paths:
        console.print(f"wrote [bold]{p}[/]")


def _table(title: str, df, limit: int = 15) -> None:
    t = Table(title=title, show_lines=False)
    for c in df.columns:
        t.add_column(c, overflow="fold")
    for row in df.head(limit).iter_rows():
        t.add_row(
            *["" if v is None else (f"{v:,.1f}" if isinstance(v, float) else str(v)) for v in row]
        )
    console.print(t)
    if df.height > limit:
        console.print(f"... and {df.height - limit} more rows (see --out)")


def register(app: typer.Typer) -> None:
    directory_app = typer.Typer(
        help="Directory of provision: check, import into the store, export.", no_args_is_help=True
    )
    referral_app = typer.Typer(
        help="Referral lifecycle: check, record (with its shortlist), offers, refusals, placement, unmet need.",
        no_args_is_help=True,
    )
    app.add_typer(directory_app, name="directory")
    app.add_typer(referral_app, name="referral")

    @directory_app.command("check")
    def directory_check(
        path: Path = typer.Argument(
            ..., help="Directory CSV/XLSX, or a folder with directory.csv or providers.csv"
        ),
        postcodes: Path | None = POSTCODES,
        out: Path | None = OUT,
    ) -> None:
        """Validate a directory without storing it: counts of homes kept, rows rejected and repaired, and why."""
        from carecast.market.directory import load_directory
        from carecast.market.reports import directory_report

        d = load_directory(path, postcodes=postcodes)
        s = d.summary()
        console.print(
            f"{s['rows_read']} rows read: {s['homes_kept']} homes kept, {s['rows_rejected']} rejected, {s['rows_repaired']} repaired"
        )
        _ignored(d)
        _table("Issues by reason", d.issue_counts())
        if out:
            _written(
                write_report(
                    directory_report(d, command="carecast directory check", inputs=d.sources), out
                )
            )

    @directory_app.command("import")
    def directory_import(
        path: Path = typer.Argument(..., help="Directory CSV/XLSX, or a folder"),
        postcodes: Path | None = POSTCODES,
        db: str | None = DB,
        out: Path | None = OUT,
    ) -> None:
        """Validate a directory and upsert its homes (by URN) into the store; log the import."""
        from carecast.market.directory import load_directory
        from carecast.market.reports import directory_report
        from carecast.market.store import save_directory

        d = load_directory(path, postcodes=postcodes)
        import_id = save_directory(d, _store(db))
        s = d.summary()
        console.print(
            f"import {import_id}: {s['homes_kept']} homes stored, {s['rows_rejected']} rows rejected, "
            f"{s['rows_repaired']} repaired (of {s['rows_read']})"
        )
        _ignored(d)
        _table("Issues by reason", d.issue_counts())
        if out:
            _written(
                write_report(
                    directory_report(d, command="carecast directory import", inputs=d.sources), out
                )
            )

    @directory_app.command("export")
    def directory_export(
        out: Path = typer.Option(
            ..., "--out", help="File to write (.csv or .xlsx re-import as they are)."
        ),
        db: str | None = DB,
    ) -> None:
        """Export the stored directory in carecast's directory format (with feedback and a column guide)."""
        from carecast.market.reports import directory_report
        from carecast.market.store import load_stored_directory

        d = load_stored_directory(_store(db))
        _written(
            write_report(directory_report(d, command="carecast directory export", inputs=[]), out)
        )

    @directory_app.command("columns")
    def directory_columns() -> None:
        """The directory format: each column, the other names accepted for it, and what it means."""
        from carecast.market.directory import column_docs

        _table("Directory columns", column_docs(), limit=100)

    @app.command("match")
    def match_cmd(
        referral: Path = typer.Argument(..., help="Referral profile (.yaml or .json)"),
        directory: Path | None = typer.Option(
            None, "--directory", help="Directory file or folder (default: the store)"
        ),
        postcodes: Path | None = POSTCODES,
        weights: Path | None = typer.Option(
            None, "--weights", help="YAML overriding market/data/matching.yaml"
        ),
        on: str | None = typer.Option(None, "--on", help="Date of the search (default: today)"),
        db: str | None = DB,
        out: Path | None = OUT,
    ) -> None:
        """Rank homes for a referral: hard filters first, then a transparent weighted score."""
        from carecast.market.referral import load_referral
        from carecast.services.market import MatchRequest, run_match

        request = MatchRequest.build(
            referral=load_referral(referral),
            referral_file=referral,
            directory=directory,
            postcodes=postcodes,
            weights=weights,
            on=parse_date(on, "--on"),
            db=db,
        )
        run = run_match(request)
        _show_match(run.result)
        if out:
            _written(write_report(run.report, out))

    @referral_app.command("check")
    def referral_check(
        referral: Path = typer.Argument(..., help="Referral profile (.yaml or .json)"),
    ) -> None:
        """Validate a referral and list what a provider would still ask before accepting."""
        from carecast.market.referral import completeness, load_referral

        r = load_referral(referral)
        gaps = completeness(r)
        if not gaps:
            console.print("The referral answers everything a provider usually asks.")
        for g in gaps:
            console.print(f"- [bold]{g['field']}[/]: {g['question']}")

    @referral_app.command("template")
    def referral_template(
        out: Path = typer.Option(..., "--out", help="Where to write the commented example (.yaml)"),
    ) -> None:
        """Write a commented, complete example referral profile to start from."""
        from importlib import resources

        out.write_text(
            resources.files("carecast.market")
            .joinpath("data/referral_template.yaml")
            .read_text("utf-8"),
            encoding="utf-8",
        )
        console.print(f"wrote [bold]{out}[/]")

    @referral_app.command("record")
    def referral_record_cmd(
        referral: Path = typer.Argument(..., help="Referral profile (.yaml or .json)"),
        directory: Path | None = typer.Option(
            None, "--directory", help="Directory file or folder (default: the store)"
        ),
        postcodes: Path | None = POSTCODES,
        weights: Path | None = typer.Option(
            None, "--weights", help="YAML overriding the matching defaults"
        ),
        on: str | None = typer.Option(
            None, "--on", help="Date referred (default: referral's referred_on, else today)"
        ),
        db: str | None = DB,
        out: Path | None = OUT,
    ) -> None:
        """Record a referral in the store with the shortlist matching gives it."""
        from carecast.market.matching import match
        from carecast.market.referral import load_referral
        from carecast.market.reports import match_report
        from carecast.market.store import record_referral, referral_record

        r = load_referral(referral)
        d = match_directory(directory, postcodes, db)
        day = parse_date(on, "--on")
        result = match(r, d, weights=weights, on=day)
        reference = record_referral(r, result, _store(db), on=day)
        status = referral_record(reference, db)["status"]
        _show_match(result)
        console.print(
            f"recorded referral [bold]{reference}[/] ({status}, {result.shortlist.height} homes shortlisted)"
        )
        if out:
            result.referral = result.referral.model_copy(update={"reference": reference})
            _written(
                write_report(
                    match_report(result, command="carecast referral record", inputs=[referral]), out
                )
            )

    @referral_app.command("offer")
    def referral_offer(
        reference: str,
        urn: str = typer.Option(..., "--urn"),
        on: str | None = typer.Option(None, "--on"),
        weekly_price: float | None = typer.Option(None, "--weekly-price"),
        db: str | None = DB,
    ) -> None:
        """Record a provider's offer."""
        from carecast.market.store import record_response

        status = record_response(
            reference,
            urn,
            "offer",
            on=parse_date(on, "--on"),
            weekly_price=weekly_price,
            url=_store(db),
        )
        console.print(f"{reference}: offer from {urn} recorded; status {status}")

    @referral_app.command("refuse")
    def referral_refuse(
        reference: str,
        urn: str = typer.Option(..., "--urn"),
        reason: str = typer.Option(
            ...,
            "--reason",
            help="no_vacancy, cannot_meet_needs, risk_to_others, staffing, "
            "incomplete_referral, location, cost, ofsted_concern, other",
        ),
        note: str | None = typer.Option(None, "--note"),
        on: str | None = typer.Option(None, "--on"),
        db: str | None = DB,
    ) -> None:
        """Record a provider's refusal and its reason."""
        from carecast.market.store import record_response

        status = record_response(
            reference,
            urn,
            "refusal",
            reason=reason,
            note=note,
            on=parse_date(on, "--on"),
            url=_store(db),
        )
        console.print(f"{reference}: refusal from {urn} recorded; status {status}")

    @referral_app.command("place")
    def referral_place(
        reference: str,
        urn: str = typer.Option(..., "--urn"),
        start: str = typer.Option(..., "--start"),
        weekly_price: float | None = typer.Option(None, "--weekly-price"),
        db: str | None = DB,
    ) -> None:
        """Record the final placement."""
        from carecast.market.store import record_placement

        status = record_placement(
            reference, urn, parse_date(start, "--start"), weekly_price=weekly_price, url=_store(db)
        )
        console.print(f"{reference}: placed with {urn}; status {status}")

    @referral_app.command("close")
    def referral_close(
        reference: str,
        outcome: str = typer.Option(..., "--outcome", help="withdrawn or no_placement_found"),
        db: str | None = DB,
    ) -> None:
        """Close a referral without a placement (no_placement_found counts as unmet need)."""
        from carecast.market.store import close_referral

        console.print(f"{reference}: {close_referral(reference, outcome, _store(db))}")

    @referral_app.command("show")
    def referral_show(reference: str, db: str | None = DB, out: Path | None = OUT) -> None:
        """Show one referral: status, shortlist, offers and refusals, placement."""
        import polars as pl

        from carecast.market.store import referral_record
        from carecast.outputs import Report, Section, run_metadata

        rec = referral_record(reference, _store(db))
        console.print(
            f"[bold]{rec['reference']}[/] {rec['council']}, needs {rec['need_profile']}, needed by {rec['needed_by']}: "
            f"[bold]{rec['status']}[/]"
        )
        _table("Shortlist", rec["shortlist"].drop("parts"))
        _table("Responses", rec["responses"])
        if rec["placement"]:
            console.print(
                f"placed with {rec['placement']['urn']} from {rec['placement']['start_date']}"
            )
        if out:
            placement = pl.DataFrame(
                [rec["placement"]] if rec["placement"] else [],
                schema={"urn": pl.Utf8, "start_date": pl.Date, "weekly_price": pl.Float64},
            )
            report = Report(
                f"Referral {reference}",
                run_metadata(command="carecast referral show", inputs=[]),
                [
                    Section(
                        "Referral",
                        f"Status: {rec['status']}",
                        tables={
                            "shortlist": rec["shortlist"],
                            "responses": rec["responses"],
                            "placement": placement,
                        },
                    )
                ],
                primary_table="shortlist",
            )
            _written(write_report(report, out))

    @referral_app.command("list")
    def referral_list(db: str | None = DB, out: Path | None = OUT) -> None:
        """List recorded referrals with their status and counts of offers and refusals."""
        from carecast.market.store import referrals_frame
        from carecast.outputs import Report, Section, run_metadata

        df = referrals_frame(_store(db))
        _table("Referrals", df, limit=50)
        if out:
            _written(
                write_report(
                    Report(
                        "Referrals",
                        run_metadata(command="carecast referral list"),
                        [Section("Referrals", tables={"referrals": df})],
                    ),
                    out,
                )
            )

    @referral_app.command("unmet")
    def referral_unmet(
        db: str | None = DB,
        out: Path | None = OUT,
        suppress: bool | None = typer.Option(
            None,
            "--suppress/--no-suppress",
            help="Show counts 1-4 as 'c' (default: when the referrals are more than one council's).",
        ),
    ) -> None:
        """Unmet need: referrals with no match or refused everywhere, by need profile and month."""
        from carecast.errors import InsufficientDataError
        from carecast.market.reports import unmet_report
        from carecast.market.store import referrals_frame
        from carecast.market.unmet import should_suppress, unmet_need

        refs = referrals_frame(_store(db))
        if refs.height == 0:
            raise InsufficientDataError(
                "no referrals are recorded yet",
                fix="record referrals with `carecast referral record`",
            )
        suppress = should_suppress(refs, suppress)
        tables = unmet_need(refs, suppress=suppress)
        _table("Unmet need by need profile and month", tables["by_profile_month"])
        if out:
            coverage = {
                "referrals": refs.height,
                "councils": sorted(set(refs["council"].to_list())),
                "from": str(refs["referred_on"].min()),
                "to": str(refs["referred_on"].max()),
            }
            _written(
                write_report(
                    unmet_report(
                        tables,
                        command="carecast referral unmet",
                        inputs=[],
                        suppressed=suppress,
                        coverage=coverage,
                    ),
                    out,
                )
            )

    @app.command("riskpool")
    def riskpool_cmd(
        data: Path = typer.Argument(
            ...,
            help="Placements CSV (council, weekly_cost[, weeks, year]), cleaned episodes "
            "with a weekly cost, or a forecast (council, expected_placements, mean_weekly_cost)",
        ),
        group: str | None = typer.Option(
            None, "--group", help="Partnership or region (e.g. SLCP, NELCP, London)"
        ),
        councils: str | None = typer.Option(
            None, "--councils", help="Comma-separated councils (instead of --group)"
        ),
        rule: str = typer.Option(
            "mixed", "--rule", help="Contributions by population, use (past use) or mixed"
        ),
        cover: str = typer.Option(
            "whole",
            "--cover",
            help="Pool pays the whole cost, or only the excess above the threshold",
        ),
        threshold: float | None = typer.Option(
            None, "--threshold", help="Weekly cost that makes a placement very high cost"
        ),
        population: Path | None = typer.Option(
            None, "--population", help="CSV council, population (children 0-17)"
        ),
        population_share: float | None = typer.Option(
            None, "--population-share", help="Mixed rule: weight of population"
        ),
        simulations: int | None = typer.Option(None, "--simulations"),
        charge_without_data: bool = typer.Option(
            False,
            "--charge-councils-without-data",
            help="Charge group councils with no rows in the data a share.",
        ),
        seed: int = typer.Option(RISKPOOL_SEED, "--seed"),
        out: Path | None = OUT,
    ) -> None:
        """Simulate each council's annual very-high-cost spend with and without a shared pool."""
        from carecast.services.market import RiskpoolRequest, run_riskpool

        request = RiskpoolRequest.build(
            data=data,
            group=group,
            councils=tuple(c.strip() for c in councils.split(",") if c.strip())
            if councils
            else None,
            rule=rule,
            cover=cover,
            threshold=threshold,
            population=population,
            population_share=population_share,
            simulations=simulations,
            seed=seed,
            charge_councils_without_data=charge_without_data,
        )
        with console.status("simulating the pool"):
            run = run_riskpool(request)
        _table(
            "Annual very-high-cost spend, with and without the pool",
            run.result.summary().select(
                "council",
                "contribution_share",
                "expected_cost_without_pool",
                "p95_cost_without_pool",
                "expected_cost_with_pool",
                "p95_cost_with_pool",
                "volatility_removed_pct",
            ),
            limit=60,
        )
        if out:
            _written(write_report(run.report, out))


def _ignored(directory) -> None:
    if directory.ignored_columns:
        console.print(
            f"columns not used by carecast: {', '.join(directory.ignored_columns)} (see `carecast directory columns`)"
        )


def _show_match(result) -> None:
    console.print(
        f"{result.shortlist.height} of {result.homes_considered} homes pass the hard filters"
    )
    _table(
        "Shortlist (points by part; score out of 100)",
        result.shortlist.select(
            "rank",
            "urn",
            "name",
            "type",
            "host_council",
            "score",
            "distance_home_miles",
            "ofsted_rating",
            "price_weekly",
            "vacancy_note",
        ),
        limit=10,
    )
    _table("Hard filters", result.filters.drop("rule"))
    weights = ", ".join(f"{k} {v:.0%}" for k, v in result.weights.items())
    console.print(f"weights: {weights}")
    for n in result.notes:
        console.print(f"[yellow]note:[/] {n}")
