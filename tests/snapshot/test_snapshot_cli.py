"""``carecast snapshot``: from raw SSDA903 returns to xlsx/json/html, and its errors' messages and exit codes."""

from __future__ import annotations

import json
import sys

import openpyxl
import pytest

from carecast.cli import main

EPISODE_COLS = (
    "CHILD,DECOM,RNE,LS,CIN,PLACE,PLACE_PROVIDER,DEC,REC,REASON_PLACE_CHANGE,HOME_POST,PL_POST,URN"
)
HEADER_COLS = "CHILD,SEX,DOB,ETHNIC,UPN,MOTHER,MC_DOB"
POSTCODES = {  # postcode -> (ONS LA code, lat, long)
    "SE11 4AA": ("E09000022", 51.49, -0.11),
    "SW9 7AA": ("E09000022", 51.47, -0.11),
    "CR0 1AA": ("E09000008", 51.37, -0.10),
    "ME14 1AA": ("E10000016", 51.27, 0.52),
}


def _write_return(root, council, rows):
    """rows: (child, place, provider, home postcode, placement postcode, urn, sex, ethnic)."""
    folder = root / council / "2024"
    folder.mkdir(parents=True)
    eps = [EPISODE_COLS] + [
        f"{c},01/06/2023,S,C2,N1,{pl},{pr},,,,{h},{p},{u}" for c, pl, pr, h, p, u, _, _ in rows
    ]
    hdr = [HEADER_COLS] + [f"{c},{s},01/05/2009,{e},,," for c, _, _, _, _, _, s, e in rows]
    (folder / "episodes.csv").write_text("\n".join(eps) + "\n")
    (folder / "header.csv").write_text("\n".join(hdr) + "\n")


@pytest.fixture
def returns(tmp_path):
    root = tmp_path / "returns"
    lambeth = [(f"L{i}", "K2", "PR4", "SE11 4AA", "ME14 1AA", "SC1", 1, "BCRB") for i in range(6)]
    lambeth += [(f"LC{i}", "K2", "PR4", "SW9 7AA", "CR0 1AA", "SC2", 2, "WBRI") for i in range(5)]
    lambeth += [(f"LF{i}", "U4", "PR1", "SE11 4AA", "SW9 7AA", "", 1, "WBRI") for i in range(8)]
    croydon = [(f"C{i}", "K2", "PR4", "CR0 1AA", "ME14 1AA", "SC1", 2, "WBRI") for i in range(2)]
    _write_return(root, "Lambeth", lambeth)
    _write_return(root, "Croydon", croydon)
    lines = ["pcds,oslaua,lat,long"] + [f"{k},{v[0]},{v[1]},{v[2]}" for k, v in POSTCODES.items()]
    (tmp_path / "postcodes.csv").write_text("\n".join(lines) + "\n")
    (tmp_path / "providers.csv").write_text(
        "urn,name,type,owner,host_council,places,ofsted_rating\n"
        "SC1,Oak House,childrens_home,private,Kent,6,Outstanding\n"
        "SC2,Elm House,childrens_home,private,Croydon,10,Good\n"
    )
    return root


def _err(capsys) -> str:
    """stderr with Rich's line wrapping undone."""
    return " ".join(capsys.readouterr().err.split())


def run(monkeypatch, *args):
    monkeypatch.setattr(sys, "argv", ["carecast", *map(str, args)])
    try:
        main()
    except SystemExit as exc:
        return exc.code or 0
    return 0


def test_snapshot_json_from_raw_returns(returns, tmp_path, monkeypatch, capsys):
    out = tmp_path / "snap.json"
    code = run(
        monkeypatch,
        "snapshot",
        returns,
        "--date",
        "2024-03-31",
        "--postcodes",
        tmp_path / "postcodes.csv",
        "--providers",
        tmp_path / "providers.csv",
        "--out",
        out,
    )
    assert code == 0
    doc = json.loads(out.read_text())
    assert doc["total_placements"] == 21
    # Lambeth: 6 in Kent, 5 in Croydon, 8 at home; Croydon: 2 in Kent (suppressed: two councils' data)
    assert doc["location"] == {
        "in_area": 8,
        "in_region_out_of_area": 5,
        "out_of_region": 8,
        "unknown": 0,
    }
    assert doc["suppressed"] is True and "'c'" in doc["suppression_note"]
    croydon = next(
        r for r in doc["location_by_council"] if r["council"] == "Croydon" and r["cohort"] == "all"
    )
    assert croydon["out_of_region"] == "c" and croydon["out_of_region_pct"] == "c"
    lambeth = next(
        r for r in doc["location_by_council"] if r["council"] == "Lambeth" and r["cohort"] == "all"
    )
    # the region's 21 (and 8 outside it), less Lambeth's 19 (and 6), would give Croydon's hidden 2:
    # Lambeth's figures are hidden too (secondary suppression), the region's stay shown
    assert lambeth["placements"] == "c" and lambeth["out_of_region"] == "c"
    util = next(r for r in doc["utilisation"] if r["host_council"] == "All region")
    assert (util["places"], util["used_by_region_councils"]) == (10, 5)
    assert doc["coverage"]["councils"] == ["Croydon", "Lambeth"]
    bands = {r["distance_band"]: r["placements"] for r in doc["distance"] if r["cohort"] == "all"}
    assert bands["20-50"] == 8  # SE11/CR0 to Maidstone is ~30 miles
    assert "Out of region" in capsys.readouterr().out


def test_snapshot_single_council_is_not_suppressed_and_writes_excel_and_html(
    returns, tmp_path, monkeypatch
):
    xlsx = tmp_path / "snap.xlsx"
    code = run(
        monkeypatch,
        "snapshot",
        returns,
        "--date",
        "2024-03-31",
        "--region",
        "Lambeth",
        "--postcodes",
        tmp_path / "postcodes.csv",
        "--out",
        xlsx,
    )
    assert code == 0
    wb = openpyxl.load_workbook(xlsx)
    assert {"About", "location_by_council", "typology", "distance"} <= set(wb.sheetnames)
    about = {r[0].value: r[1].value for r in wb["About"].iter_rows() if r[0].value}
    assert "not applied" in about["suppression"]
    html = tmp_path / "snap.html"
    assert (
        run(
            monkeypatch,
            "snapshot",
            returns,
            "--date",
            "2024-03-31",
            "--no-suppress",
            "--providers",
            tmp_path / "providers.csv",
            "--out",
            html,
        )
        == 0
    )
    text = html.read_text()
    assert (
        "Supply and utilisation" in text
        and "Distance from home" in text
        and "plotly" in text.lower()
    )
    assert "NOT suppressed" in text


@pytest.mark.parametrize(
    ("args", "code", "message"),
    [
        (["--date", "31/13/2024"], 2, "is not a date"),
        (["--date", "2024-03-31", "--region", "Atlantis"], 2, "neither a region nor a council"),
        (["--date", "2010-03-31"], 4, "has data covering 31/03/2010"),
        (["--date", "2024-03-31", "--out-format"], 2, ""),
    ],
)
def test_snapshot_bad_arguments(returns, tmp_path, monkeypatch, capsys, args, code, message):
    got = run(monkeypatch, "snapshot", returns, *args, "--out", tmp_path / "x.json")
    err = _err(capsys)
    assert got == code and message in err and "Traceback" not in err


def test_snapshot_bad_files(returns, tmp_path, monkeypatch, capsys):
    assert (
        run(
            monkeypatch,
            "snapshot",
            tmp_path / "nope",
            "--date",
            "2024-03-31",
            "--out",
            tmp_path / "x.json",
        )
        == 2
    )
    assert "does not exist" in _err(capsys)
    bad = tmp_path / "bad_providers.csv"
    bad.write_text("id,host_council,places\nSC1,Kent,6\n")
    assert (
        run(
            monkeypatch,
            "snapshot",
            returns,
            "--date",
            "2024-03-31",
            "--providers",
            bad,
            "--out",
            tmp_path / "x.json",
        )
        == 2
    )
    err = _err(capsys)
    assert "no urn column" in err and "What to do" in err
    bad.write_text("urn,host_council,places\nSC1,Kent,six\n")
    assert (
        run(
            monkeypatch,
            "snapshot",
            returns,
            "--date",
            "2024-03-31",
            "--providers",
            bad,
            "--out",
            tmp_path / "x.json",
        )
        == 2
    )
    assert "row 2" in _err(capsys)
    params = tmp_path / "p.yaml"
    params.write_text("typology_strategic_per_host_min: {value: -1}\n")
    assert (
        run(
            monkeypatch,
            "snapshot",
            returns,
            "--date",
            "2024-03-31",
            "--parameters",
            params,
            "--out",
            tmp_path / "x.json",
        )
        == 2
    )
    assert "typology_strategic_per_host_min" in _err(capsys)
    assert (
        run(monkeypatch, "snapshot", returns, "--date", "2024-03-31", "--out", tmp_path / "x.docx")
        == 2
    )
    assert "does not know the format" in _err(capsys)
