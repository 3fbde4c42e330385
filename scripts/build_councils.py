"""Build ``src/carecast/schema/data/councils.csv`` from the DfE's published statistics.

Codes, official names, regions and the years each council reported come from the DfE's
"Children looked after in England including adoptions" downloads (Official Statistics, OGL v3.0),
kept in ``../shared/external/dfe-published/``: every council row carries its DfE number
(``old_la_code``), ONS code (``new_la_code``), name and region for each year ending 31 March
2019-2024. From them:

* ``official_name``: the name as published, latest year ("Bristol, City of");
* ``ons_code``: the latest code; ``former_ons_codes``: earlier codes of the same DfE number
  (North Yorkshire and Somerset were re-coded when they became unitary in 2023);
* ``region``, ``london_area``: the published region (London's is published as Inner / Outer London);
* ``first_year`` / ``end_year``: the first and last year with a published figure, when
  that is not the first or last year of the files (BCP from 2020; Northamptonshire to 2021).

What the statistics do not carry is hand-kept in ``scripts/council_names.csv`` by DfE number:
carecast's short ``name`` ("Bristol"), ``other_names`` people use, the London commissioning
``partnership`` (DOMAIN.md §2), an approximate centroid (``lat``, ``lon``; maps only) and the
``former_ons_codes`` older than the statistics (Buckinghamshire's county code before 2020) and the
``successors`` of councils that no longer exist (Bournemouth, Poole and Dorset County Council
became Bournemouth, Christchurch and Poole and Dorset on 1 April 2019; Northamptonshire became
North and West Northamptonshire on 1 April 2021; Cumbria became Cumberland and Westmorland and
Furness on 1 April 2023: the structural changes orders of those years).

Run from the repository root: ``python scripts/build_councils.py`` (reads, checks, writes; prints
what changed in the council count). Standard library only, so it runs before carecast is installed.
"""

from __future__ import annotations

import csv
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
PUBLISHED = REPO.parent / "shared" / "external" / "dfe-published"
SOURCES = {  # file -> the column holding the number of children
    "cla_number_and_rate_per_10k_children_2019-2023.csv": "number",
    "cla_number_and_rate_per_10k_children_2021-2024.csv": "children_count",
}
NAMES = REPO / "scripts" / "council_names.csv"
OUT = REPO / "src" / "carecast" / "schema" / "data" / "councils.csv"
COLUMNS = [
    "name",
    "official_name",
    "ons_code",
    "dfe_number",
    "region",
    "london_area",
    "partnership",
    "lat",
    "lon",
    "former_ons_codes",
    "first_year",
    "end_year",
    "successors",
    "other_names",
]


def _published() -> list[dict]:
    rows = []
    for name, count in SOURCES.items():
        with open(PUBLISHED / name, newline="", encoding="utf-8-sig") as fh:
            for r in csv.DictReader(fh):
                if r["geographic_level"] == "Local authority":
                    r["_year"] = int(r["time_period"])
                    # a council existed in a year when its child population or its count is published:
                    # "z" (not applicable) and "x" (not available) on both mean it did not (the
                    # Isles of Scilly's counts are "z" every year, its population is not)
                    r["_counted"] = any(
                        r[c].strip().lower() not in ("z", "x", "")
                        for c in ("population_estimate", count)
                    )
                    rows.append(r)
    return rows


def build() -> list[dict]:
    rows = _published()
    years = sorted({r["_year"] for r in rows})
    with open(NAMES, newline="", encoding="utf-8") as fh:
        names = {r["dfe_number"]: r for r in csv.DictReader(fh)}
    by_number: dict[str, list[dict]] = {}
    for r in rows:
        by_number.setdefault(r["old_la_code"], []).append(r)
    missing = sorted(set(by_number) - set(names))
    if missing:
        sys.exit(f"council_names.csv has no row for DfE number(s) {missing}: add their short name")
    out = []
    for number, group in by_number.items():
        group.sort(key=lambda r: (r["_year"], r["_counted"]))
        latest = group[-1]
        counted = sorted({r["_year"] for r in group if r["_counted"]})
        codes = list(dict.fromkeys(r["new_la_code"] for r in group))
        region = latest["region_name"]
        extra = names[number]
        out.append(
            {
                "name": extra["name"],
                "official_name": latest["la_name"],
                "ons_code": codes[-1],
                "dfe_number": number,
                "region": "London" if region.endswith("London") else region,
                "london_area": region.split()[0] if region.endswith(" London") else "",
                "partnership": extra["partnership"],
                "lat": extra["lat"],
                "lon": extra["lon"],
                "former_ons_codes": ";".join(
                    dict.fromkeys(
                        [*codes[:-1], *filter(None, extra["former_ons_codes"].split(";"))]
                    )
                ),
                "first_year": counted[0] if counted and counted[0] > years[0] else "",
                "end_year": counted[-1] if counted and counted[-1] < years[-1] else "",
                "successors": extra["successors"],
                "other_names": extra["other_names"],
            }
        )
    order = list(names)  # council_names.csv's order: regions, London first, as carecast lists them
    out.sort(key=lambda r: order.index(r["dfe_number"]))
    return out


def main() -> None:
    rows = build()
    with open(OUT, "w", newline="", encoding="utf-8") as fh:
        writer = csv.DictWriter(fh, fieldnames=COLUMNS, lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)
    current = sum(1 for r in rows if not r["end_year"])
    print(
        f"{OUT.relative_to(REPO)}: {len(rows)} councils ({current} current, {len(rows) - current} since abolished)"
    )


if __name__ == "__main__":
    main()
