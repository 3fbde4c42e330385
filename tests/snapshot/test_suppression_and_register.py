"""Small-number suppression of shared outputs (DOMAIN.md §7) and reading provider registers."""

from __future__ import annotations

import json

import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from carecast.errors import InputError
from carecast.outputs import write_report
from carecast.outputs.disclosure import Protect, Sum, protect
from carecast.outputs.vocabulary import heading
from carecast.privacy import SUPPRESSED
from carecast.snapshot import load_parameters, read_providers, take_snapshot, to_report
from carecast.snapshot.providers import clean_register
from carecast.snapshot.report import published_tables

from .snapshot_builders import DATE, build, register

TWO_COUNCILS = [
    {"council": "Lambeth", "host": "Lambeth", "n": 12},
    {"council": "Lambeth", "host": "Kent", "n": 3},
    {"council": "Croydon", "host": "Kent", "n": 6},
    {"council": "Croydon", "host": "Croydon", "n": 1},
]


def _snap(specs, **kw):
    episodes, children = build(specs)
    return take_snapshot(episodes, children, date=DATE, **kw)


def test_suppression_is_on_by_default_for_several_councils_and_off_for_one():
    assert _snap(TWO_COUNCILS).suppress is True
    assert _snap(TWO_COUNCILS[:2]).suppress is False
    assert _snap(TWO_COUNCILS, suppress=False).suppress is False
    assert _snap(TWO_COUNCILS[:2], suppress=True).suppress is True


def test_counts_one_to_four_and_their_shares_become_c_and_cannot_be_recovered():
    snap = _snap(TWO_COUNCILS)
    raw = snap.frame("location_by_council").filter(pl.col("cohort") == "all")
    shown = published_tables(snap)["location_by_council"].filter(pl.col("cohort") == "all")
    parts = ("in_area", "in_region_out_of_area", "out_of_region", "unknown")
    for council in ("Lambeth", "Croydon"):
        r = raw.filter(pl.col("council") == council).row(0, named=True)
        s = shown.filter(pl.col("council") == council).row(0, named=True)
        for col in parts:
            if 0 < r[col] < 5:
                assert s[col] == SUPPRESSED
            if col != "unknown":
                assert (s[f"{col}_pct"] == SUPPRESSED) == (s[col] == SUPPRESSED)
            if s[col] != SUPPRESSED:
                assert float(s[col]) == r[col]
        # a total and all but one part would give the hidden part away
        assert sum(s[c] == SUPPRESSED for c in parts) != 1
    lambeth = shown.filter(pl.col("council") == "Lambeth").row(0, named=True)
    assert (
        lambeth["out_of_region"] == SUPPRESSED and lambeth["in_area"] == SUPPRESSED
    )  # 3 of 15, so 12 hidden too
    assert (
        str(lambeth["in_region_out_of_area"]) == "0"
    )  # zero is shown: it discloses nothing about an individual


def test_secondary_suppression_of_vacant_places_and_of_small_remainders():
    reg = register([{"urn": "SC1", "council": "Croydon", "places": 38}])
    specs = [
        *TWO_COUNCILS,
        {"council": "Lambeth", "host": "Croydon", "urn": "SC1", "n": 2},
        {
            "council": "Lambeth",
            "host": "Lambeth",
            "category": "fostering_in_house",
            "n": 8,
            "sex": 1,
        },
        {
            "council": "Lambeth",
            "host": "Lambeth",
            "category": "fostering_in_house",
            "n": 2,
            "sex": 2,
        },
    ]
    tables = published_tables(_snap(specs, providers=reg))
    croydon = tables["utilisation"].filter(pl.col("host_council") == "Croydon").row(0, named=True)
    assert croydon["places"] == 38 and croydon["used_by_region_councils"] == SUPPRESSED
    assert (
        croydon["vacant"] == SUPPRESSED and croydon["vacant_pct"] == SUPPRESSED
    )  # else 38 - 36 = 2
    fostering = (
        tables["cohort_profile"]
        .filter(pl.col("category") == "fostering_in_house")
        .row(0, named=True)
    )
    assert (
        str(fostering["with_sex"]) == "10" and fostering["male"] == SUPPRESSED
    )  # else 10 - 8 = 2 girls


def test_every_published_table_is_free_of_small_counts():
    reg = register([{"urn": "SC1", "council": "Croydon", "places": 7}])
    specs = [*TWO_COUNCILS, {"council": "Lambeth", "host": "Croydon", "urn": "SC1", "n": 2}]
    snap = _snap(specs, providers=reg)
    for name, frame in published_tables(snap).items():
        table = snap.tables[name]
        for col in table.counts:
            values = [v for v in frame[col].to_list() if v not in (SUPPRESSED, None)]
            assert all(not (0 < float(v) < 5) for v in values), (name, col)


def test_json_states_suppression_and_keeps_numbers_numeric(tmp_path):
    snap = _snap(TWO_COUNCILS)
    out = tmp_path / "s.json"
    write_report(to_report(snap), out)
    doc = json.loads(out.read_text())
    assert doc["suppressed"] is True and doc["suppression_note"]
    assert doc["location"]["in_region_out_of_area"] == 0
    assert doc["location"]["in_area"] == 13 and doc["location"]["out_of_region"] == 9
    pooled = [r for r in doc["location_pooled"] if r["cohort"] == "all" and r["scope"] == "all"]
    assert all(isinstance(r["denominator"], int) for r in pooled)
    assert doc["metadata"]["suppression"].startswith("Counts of 1 to 4")
    assert doc["total_placements"] == 22


def test_headline_answers_the_readers_questions():
    reg = register([{"urn": "SC1", "council": "Croydon", "places": 10}])
    snap = _snap(
        [
            {"council": "Lambeth", "host": "Kent", "n": 6, "distance": 60},
            {"council": "Lambeth", "host": "Croydon", "urn": "SC1", "n": 5, "distance": 8},
        ],
        providers=reg,
    )
    text = to_report(snap).sections[0].text
    assert "6 (55%) live outside London" in text
    assert "The commonest destinations outside the region are Kent (6)." in text
    assert "6 (55%) live 50+ miles from home" in text
    assert "use 5 of its 10 externally provided children's home places (50%)" in text
    assert (
        "with an Ofsted rating, 100% in the region live in homes rated good or outstanding" in text
    )


def test_headline_never_states_a_suppressed_number():
    snap = _snap([*TWO_COUNCILS, {"council": "Lambeth", "host": "Southwark", "n": 2}])
    text = to_report(snap).sections[0].text
    assert snap.suppress and "'c'" in text
    assert "c in another council in the region" in text  # 2
    assert "c live outside London" in text  # 9, hidden too: else 24 - 13 - 9 = 2
    assert "13 (54%) in their own council's area" in text


def test_register_accepts_common_column_spellings_and_counts_problems():
    raw = pl.DataFrame(
        {
            "URN": ["SC1", "SC1", "SC2", "", "SC4"],
            "Local Authority": ["Croydon", "Croydon", "kent", "Kent", None],
            "Registered Places": ["4", "4", "6", "3", "2"],
            "Overall effectiveness": [
                "Outstanding",
                "Outstanding",
                "Requires improvement to be good",
                "2",
                "4",
            ],
            "Provider type": [
                "Children's home",
                "Children's home",
                "Children's home",
                "Children's home",
                "Secure",
            ],
            "Owner": ["Private", "Private", "Local Authority", "Private", "Private"],
        }
    )
    reg = clean_register(raw, load_parameters())
    homes = {r["urn"]: r for r in reg.homes.iter_rows(named=True)}
    assert set(homes) == {"SC1", "SC2", "SC4"}
    assert homes["SC2"]["host_council"] == "Kent" and not homes["SC2"]["is_external"]
    assert homes["SC2"]["ofsted_rating"] == "Requires improvement"
    assert homes["SC4"]["ofsted_rating"] == "Inadequate" and not homes["SC4"]["is_children_home"]
    assert reg.issue_counts() == {
        "rows without a URN (not used)": 1,
        "duplicate URNs (first row kept)": 1,
        "homes with no host council (location unknown)": 1,
    }


def test_register_file_errors(tmp_path):
    params = load_parameters()
    with pytest.raises(InputError, match="does not exist"):
        read_providers(tmp_path / "none.csv", params)
    empty = tmp_path / "empty.csv"
    empty.write_text("urn,places\n")
    with pytest.raises(InputError, match="no rows"):
        read_providers(empty, params)
    neg = tmp_path / "neg.csv"
    neg.write_text("urn,places\nSC1,3\nSC2,-1\n")
    with pytest.raises(InputError, match="not a number of places") as exc:
        read_providers(neg, params)
    assert exc.value.where.row == 3 and exc.value.where.column == "places"


@settings(max_examples=40, deadline=None)
@given(st.lists(st.tuples(*[st.integers(0, 12)] * 4), min_size=1, max_size=6))
def test_no_suppressed_cell_is_the_only_unknown_of_a_relation(rows):
    """Property: after suppression every small count is hidden and no total exposes a lone hidden part."""
    frame = pl.DataFrame(rows, schema=["a", "b", "c", "d"], orient="row").with_columns(
        (pl.col("a") + pl.col("b") + pl.col("c") + pl.col("d")).alias("total"),
        (pl.col("a") + pl.col("b") + pl.col("c") + pl.col("d") + 3).alias("bigger"),
    )
    rels = [Sum("total", ("a", "b", "c", "d")), Sum("bigger", ("total",), complete=False)]
    shown = protect({"t": frame}, {"t": Protect(["a", "b", "c", "d", "total"], rels)}).tables["t"]
    for raw, out in zip(frame.iter_rows(named=True), shown.iter_rows(named=True), strict=True):
        for col in ("a", "b", "c", "d", "total"):
            if 0 < raw[col] < 5:
                assert out[col] == SUPPRESSED
        unknowns = sum(out[c] == SUPPRESSED for c in ("a", "b", "c", "d", "total"))
        assert unknowns != 1
        # 'bigger' - total = 3 is a small unshown remainder: total must be hidden unless it is 0,
        # and then it must not be recoverable as the sum of shown parts
        assert raw["total"] == 0 or out["total"] == SUPPRESSED
        assert raw["total"] == 0 or unknowns >= 2


def test_suppressed_tables_keep_numbers_in_excel_and_html(tmp_path):
    import openpyxl

    snap = _snap([*TWO_COUNCILS, {"council": "Lambeth", "host": "Southwark", "n": 2}])
    report = to_report(snap)
    write_report(report, tmp_path / "s.xlsx")
    ws = openpyxl.load_workbook(tmp_path / "s.xlsx")["location_by_council"]
    ids = report.tables()["location_by_council"].columns  # the sheet's headings are these in words
    assert [c.value for c in ws[1]] == [heading(c) for c in ids]
    header = ids
    lambeth = next(
        r for r in ws.iter_rows(min_row=2, values_only=True) if r[1] == "Lambeth" and r[0] == "all"
    )
    row = dict(zip(header, lambeth, strict=True))
    assert row["placements"] == 17 and isinstance(row["placements"], int)
    assert row["out_of_region"] == SUPPRESSED and row["out_of_region_pct"] == SUPPRESSED
    write_report(report, tmp_path / "s.html")
    html = (tmp_path / "s.html").read_text()
    assert (
        "<td>70.6%</td>" in html
    )  # Lambeth's 12 of 17 in its own area, a share shown as a percentage
