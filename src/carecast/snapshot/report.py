"""Turning a :class:`Snapshot` into a :class:`carecast.outputs.Report` (xlsx / csv / json / html).

Small-number suppression (DOMAIN.md §7) is applied here, to every table's child counts and the
shares computed from them, when the snapshot says so (primary and secondary: see
:mod:`carecast.outputs.disclosure`); the output then states what it hid.

JSON shape (``--out snapshot.json``)::

    {
      "date": "2024-03-31", "region": {"name": "London", "councils": [...]},
      "total_placements": 2216,                       # children looked after by region councils
      "location": {"in_area": 946, "in_region_out_of_area": 869, "out_of_region": 401, "unknown": 0},
      "suppressed": true, "suppression_note": "...",
      "coverage": {"date", "councils", "region_councils_without_data",
                   "councils_outside_region_supplied", "provider_register"},
      "metadata": {...run metadata...},
      "<table name>": [ {column: value, ...}, ... ]   # one key per table, below
    }

Tables: coverage_by_council, location_by_council, location_pooled, location_mean_of_councils,
location_by_category, top_destinations, distance, supply_by_host, supply_by_area, utilisation,
host_reach, ofsted_mix, places_per_home (these four need --providers), cohort_profile, typology,
typology_by_council, exclusions. Counts suppressed as "c" stay "c"; other counts are numbers.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import polars as pl

from carecast.outputs import Report, Section, run_metadata
from carecast.outputs.disclosure import Disclosed, Same, TotalOf, protect
from carecast.privacy import SUPPRESSED, SUPPRESSION_NOTE
from carecast.snapshot import figures
from carecast.snapshot import tables as t
from carecast.snapshot.snapshot import Snapshot

SECTIONS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("Coverage", ("coverage_by_council",)),
    (
        "Where children live",
        (
            "location_pooled",
            "location_mean_of_councils",
            "location_by_council",
            "location_by_category",
        ),
    ),
    ("Destinations", ("top_destinations", "host_reach")),
    ("Distance from home", ("distance",)),
    (
        "Supply and utilisation of the region's children's homes",
        ("supply_by_host", "supply_by_area", "utilisation", "places_per_home"),
    ),
    ("Quality: Ofsted ratings", ("ofsted_mix",)),
    ("Who is placed where: cohort profile", ("cohort_profile",)),
    ("Commissioning patterns", ("typology", "typology_by_council")),
    ("Data quality", ("exclusions",)),
)


_LOCS = ("in_area", "in_region_out_of_area", "out_of_region", "unknown")


def links(snap: Snapshot) -> list[Same | TotalOf]:
    """Where the snapshot shows the same count twice, or a count that is the sum of others shown:
    disclosure control hides cells in all of them together."""
    all_rows, res_rows = pl.col("cohort") == "all", pl.col("cohort") == "residential"
    out: list[Same | TotalOf] = [
        Same(
            "coverage_by_council",
            "placements",
            ("council",),
            "location_by_council",
            "placements",
            ("council",),
            rows_b=all_rows,
        ),
        Same(
            "coverage_by_council",
            "placements",
            ("council",),
            "typology_by_council",
            "children_looked_after",
            ("council",),
        ),
        Same(
            "cohort_profile",
            "children",
            ("category",),
            "location_by_category",
            "placements",
            ("category",),
        ),
        Same(
            "top_destinations",
            "placements",
            ("cohort", "host_council"),
            "host_reach",
            "placements",
            ("cohort", "host_council"),
        ),
        *[
            Same(
                "location_by_council",
                loc,
                ("council",),
                "typology_by_council",
                loc,
                ("council",),
                rows_a=res_rows,
            )
            for loc in _LOCS[:3]
        ],
        Same(
            "location_by_council",
            "placements",
            ("council",),
            "typology_by_council",
            "residential",
            ("council",),
            rows_a=res_rows,
        ),
    ]
    categories = ~pl.col("category").is_in(["all", "residential"])
    for col in ("placements", *_LOCS):
        out.append(
            TotalOf(
                "location_by_category",
                col,
                pl.col("category") == "all",
                "location_by_category",
                col,
                categories,
            )
        )
    for cohort in ("all", "residential"):
        by_council = pl.col("cohort") == cohort
        for loc in _LOCS:
            out.append(
                TotalOf(
                    "location_pooled",
                    "numerator",
                    (pl.col("cohort") == cohort)
                    & (pl.col("scope") == "all")
                    & (pl.col("location") == loc),
                    "location_by_council",
                    loc,
                    by_council,
                )
            )
    return out


def _hide_summaries(snap: Snapshot, published: Disclosed) -> dict[str, pl.DataFrame]:
    """Means, minima and maxima over councils are hidden where a council's share behind them is: with
    the other councils' shares shown, the mean would give the hidden one back."""
    tables = dict(published.tables)
    hidden = published.hidden
    if "location_by_council" in hidden and "location_mean_of_councils" in tables:
        mask = (
            hidden["location_by_council"]
            .select(pl.any_horizontal(f"{loc}_pct" for loc in _LOCS[:3]))
            .to_series()
        )
        cohorts = set(
            snap.tables["location_by_council"].frame.filter(mask).get_column("cohort").to_list()
        )
        tables["location_mean_of_councils"] = _withhold(
            tables["location_mean_of_councils"],
            pl.col("cohort").is_in(list(cohorts)),
            ["mean_share", "min_share", "max_share", "councils_at_0_pct", "councils_at_100_pct"],
        )
    if "typology_by_council" in hidden and "typology" in tables:
        per = snap.tables["typology_by_council"].frame
        mask = (
            hidden["typology_by_council"]
            .select(
                pl.any_horizontal(
                    "in_area_pct", "in_region_out_of_area_pct", "placements_per_region_host"
                )
            )
            .to_series()
        )
        groups = set(per.filter(mask).get_column("group").to_list())
        tables["typology"] = _withhold(
            tables["typology"],
            pl.col("group").is_in(list(groups)),
            [
                "mean_in_area_pct",
                "mean_in_region_out_of_area_pct",
                "mean_placements_per_region_host",
            ],
        )
    return tables


def _withhold(frame: pl.DataFrame, rows: pl.Expr, columns: list[str]) -> pl.DataFrame:
    return frame.with_columns(
        pl.when(rows).then(pl.lit(SUPPRESSED)).otherwise(pl.col(c).cast(pl.Utf8)).alias(c)
        for c in columns
    )


def disclosed(snap: Snapshot) -> Disclosed | None:
    """The snapshot's tables through disclosure control (None when it is one council's own output)."""
    if not snap.suppress:
        return None
    frames = {name: table.frame for name, table in snap.tables.items()}
    specs = {name: table.protect for name, table in snap.tables.items() if table.counts}
    published = protect(frames, specs, links(snap), threshold=snap.params.suppression_threshold)
    return Disclosed(_hide_summaries(snap, published), published.hidden, published.notes)


def published_tables(snap: Snapshot) -> dict[str, pl.DataFrame]:
    """The tables as they are written: through disclosure control when the snapshot is shared."""
    result = disclosed(snap)
    return (
        result.tables
        if result is not None
        else {name: table.frame for name, table in snap.tables.items()}
    )


def _count(value: int, snap: Snapshot) -> int | str:
    if snap.suppress and 0 < value < snap.params.suppression_threshold:
        return SUPPRESSED
    return value


def _num(value: Any) -> float | None:
    """A published cell as a number; None when suppressed or empty."""
    if value is None or value == SUPPRESSED:
        return None
    return float(value)


def _say(count: Any, share: Any = None) -> str:
    """'1,234 (56%)', or 'c' when the count is suppressed."""
    n = _num(count)
    if n is None:
        return SUPPRESSED
    pct = _num(share)
    return f"{n:,.0f}" + (f" ({pct:.0%})" if pct is not None else "")


def headline(snap: Snapshot, tables: dict[str, pl.DataFrame]) -> str:
    """One paragraph answering the reader's questions: how many live outside the region, where, how far,
    in homes rated what, and how much of the region's capacity its councils use.

    Built from the published (possibly suppressed) tables, so it never states a number they hide.
    """
    name = snap.region.name
    parts = [
        f"On {snap.date:%d/%m/%Y}, {len(snap.coverage)} of the {len(snap.region.members)} councils in "
        f"{name} supplied data covering {_say(_count(snap.total_placements, snap))} children looked after."
    ]
    pooled = tables["location_pooled"].filter(
        (pl.col("cohort") == "all") & (pl.col("scope") == "all")
    )
    loc = {r["location"]: r for r in pooled.iter_rows(named=True)}
    if _num(loc["in_area"]["denominator"]):
        parts.append(
            f"Of the {_say(loc['in_area']['denominator'])} whose placement location is known, "
            f"{_say(loc['out_of_region']['numerator'], loc['out_of_region']['share'])} live outside {name}, "
            f"{_say(loc['in_region_out_of_area']['numerator'], loc['in_region_out_of_area']['share'])} in another "
            f"council in the region and {_say(loc['in_area']['numerator'], loc['in_area']['share'])} in their own "
            f"council's area."
        )
    top = (
        tables["top_destinations"]
        .filter((pl.col("cohort") == "all") & ~pl.col("host_in_region"))
        .head(3)
    )
    if top.height:
        places = ", ".join(
            f"{r['host_council']} ({_say(r['placements'])})" for r in top.iter_rows(named=True)
        )
        parts.append(f"The commonest destinations outside the region are {places}.")
    dist = tables["distance"].filter(pl.col("cohort") == "all")
    far = dist.filter(pl.col("distance_band") == snap.params.distance_band_labels[-1]).row(
        0, named=True
    )
    if _num(far["denominator"]):
        parts.append(
            f"{_say(far['placements'], far['share'])} live {far['distance_band']} miles from home."
        )
    res = (
        tables["location_pooled"]
        .filter(
            (pl.col("cohort") == "residential")
            & (pl.col("scope") == "all")
            & (pl.col("location") == "out_of_region")
        )
        .row(0, named=True)
    )
    if _num(res["denominator"]):
        parts.append(
            f"Of {_say(res['denominator'])} children in residential homes, "
            f"{_say(res['numerator'], res['share'])} are outside the region."
        )
    mix = tables["ofsted_mix"]
    good = {}
    for where in ("in_region", "out_of_region"):
        shares = [
            _num(v)
            for v in mix.filter(
                (pl.col("host_location") == where)
                & pl.col("ofsted_rating").is_in(["Outstanding", "Good"])
            )["share"].to_list()
        ]
        rated = _num(mix.filter(pl.col("host_location") == where)["denominator"][0])
        if rated and all(v is not None for v in shares):
            good[where] = sum(shares)
    if good:
        sides = {"in_region": "in the region", "out_of_region": "outside it"}
        said = " and ".join(f"{v:.0%} {sides[k]}" for k, v in good.items())
        parts.append(
            f"Of children in residential homes with an Ofsted rating, {said} live in homes rated good "
            "or outstanding."
        )
    if "utilisation" in tables:
        allr = (
            tables["utilisation"].filter(pl.col("host_council") == "All region").row(0, named=True)
        )
        if _num(allr["places"]):
            parts.append(
                f"The region's councils use {_say(allr['used_by_region_councils'])} of its "
                f"{_say(allr['places'])} externally provided children's home places"
                + (
                    f" ({_num(allr['utilisation_by_region_pct']):.0%})."
                    if _num(allr["utilisation_by_region_pct"]) is not None
                    else "."
                )
            )
    if snap.suppress:
        parts.append("Small numbers are suppressed ('c').")
    return " ".join(parts)


def payload(snap: Snapshot, tables: dict[str, pl.DataFrame]) -> dict[str, Any]:
    """The documented JSON shape: total_placements, location, and each table by name."""
    doc: dict[str, Any] = {
        "date": snap.date.isoformat(),
        "region": {"name": snap.region.name, "councils": list(snap.region.members)},
        "total_placements": _count(snap.total_placements, snap),
        "location": {k: _count(v, snap) for k, v in snap.location.items()},
        "suppressed": snap.suppress,
        "suppression_note": SUPPRESSION_NOTE if snap.suppress else None,
        "coverage": coverage(snap),
    }
    for name, frame in tables.items():
        doc[name] = _typed(
            frame.to_dicts(), snap.tables[name].counts, list(snap.tables[name].derived)
        )
    return doc


def _typed(
    records: list[dict[str, Any]], counts: list[str], shares: list[str]
) -> list[dict[str, Any]]:
    """Suppression turns count and share columns into text; give JSON readers numbers back (and "c")."""
    numeric = [*counts, *shares]
    for rec in records:
        for col in numeric:
            value = rec.get(col)
            if isinstance(value, str) and value != SUPPRESSED:
                try:
                    number = float(value)
                except (
                    ValueError
                ):  # a sentence (a typology reason) withheld because it quotes a hidden count
                    continue
                rec[col] = int(number) if col in counts and number.is_integer() else number
    return records


def coverage(snap: Snapshot) -> dict[str, Any]:
    return {
        "date": snap.date.isoformat(),
        "councils": snap.coverage,
        "region_councils_without_data": [c for c in snap.region.members if c not in snap.coverage],
        "councils_outside_region_supplied": snap.other_councils,
        "provider_register": snap.register_source,
    }


def _describe(name: str, table: t.Table) -> str:
    desc = table.description.rstrip(".")
    return table.title + (f": {desc}." if desc else ".")


def to_report(snap: Snapshot, *, inputs: list[str | Path] | None = None) -> Report:
    """Build the report (tables, charts, metadata, JSON payload) for ``write_report``."""
    result = disclosed(snap)
    tables = result.tables if result is not None else published_tables(snap)
    suppressed = result.notes if result is not None else []
    threshold = snap.params.suppression_threshold if snap.suppress else None
    notes = (
        [SUPPRESSION_NOTE]
        if snap.suppress
        else [
            "Small numbers are NOT suppressed: this output holds one council's data and is for its own use."
        ]
    )
    figs: dict[str, list] = {
        "Where children live": [
            figures.location_chart(tables["location_by_council"]),
            figures.flow_map(snap.placements, region_name=snap.region.name, threshold=threshold),
        ],
        "Distance from home": [figures.distance_chart(tables["distance"])],
        "Quality: Ofsted ratings": [figures.ofsted_chart(tables["ofsted_mix"])],
    }
    if "utilisation" in tables:
        figs["Supply and utilisation of the region's children's homes"] = [
            figures.utilisation_chart(tables["utilisation"])
        ]
    sections = []
    for title, names in SECTIONS:
        present = [n for n in names if n in tables]
        if not present:
            continue
        text = (
            headline(snap, tables)
            if title == "Coverage"
            else " ".join(_describe(n, snap.tables[n]) for n in present)
        )
        section_notes = list(notes) + (suppressed if title == "Coverage" else [])
        if title == "Data quality" and snap.register_issues:
            section_notes += [
                f"Provider register: {n} {reason}" for reason, n in snap.register_issues.items()
            ]
        sections.append(
            Section(
                title=title,
                text=text,
                tables={n: tables[n] for n in present},
                figures=figs.get(title, []),
                notes=section_notes,
            )
        )
    if "utilisation" not in snap.tables:
        sections.append(
            Section(
                title="Supply and utilisation of the region's children's homes",
                text="No provider register was given (--providers), so supply, utilisation and "
                "places per home are not shown.",
            )
        )
    meta = run_metadata(
        command="snapshot",
        inputs=inputs,
        parameters={
            "date": snap.date.isoformat(),
            "region": snap.region.name,
            "suppress": snap.suppress,
            **snap.params.as_dict(),
        },
        coverage=coverage(snap),
    )
    meta["suppression"] = (
        " ".join([SUPPRESSION_NOTE, *suppressed])
        if snap.suppress
        else "not applied (single council's own output)"
    )
    return Report(
        title=f"Placement snapshot: {snap.region.name}, {snap.date:%d %B %Y}",
        metadata=meta,
        sections=sections,
        payload=payload(snap, tables),
        primary_table="location_by_council",
    )
