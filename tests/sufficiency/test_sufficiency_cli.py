"""``carecast sufficiency`` end to end on synthetic returns (one council and a region), and bad input."""

import json

import pytest

CAPACITY = """\
council: {council}
as_at: 2024-03-31
foster_households:
  current_households: {households}
  approvals_per_year: 5
  deregistrations_per_year: 8
  children_per_household: 1.4
  utilisation: 0.8
homes:
  - {{name: Home A, category: residential_in_house, places: 3}}
block_contracts:
  - {{name: Block, category: residential_external, places: 4, start: 2024-04-01, end: 2026-03-31}}
"""
RUN = ("--horizon-years", "3", "--simulations", "30", "--seed", "1")


@pytest.fixture(scope="module")
def returns(tmp_path_factory):
    from carecast.ingest import load_returns
    from carecast.synth import generate

    path = tmp_path_factory.mktemp("synth")
    generate(path / "returns", councils=2, years=(2020, 2024), seed=1)
    assert sorted(load_returns(path / "returns").episodes["council"].unique()) == [
        "Lewisham",
        "Southwark",
    ]
    for council, households in (("Lewisham", 60), ("Southwark", 40)):
        (path / f"{council}.yaml").write_text(
            CAPACITY.format(council=council, households=households)
        )
    return path


def test_one_council_gap_per_category_and_year_with_a_plan(carecast, returns, tmp_path):
    out = tmp_path / "gap.json"
    r = carecast(
        "sufficiency",
        returns / "returns",
        "--capacity",
        returns / "Lewisham.yaml",
        *RUN,
        "--out",
        out,
    )
    assert r.returncode == 0, r.stderr
    doc = json.loads(out.read_text())
    rows = [x for x in doc["gap_by_year"] if x["category"] == "fostering_in_house"]
    assert len(rows) >= 3
    for x in rows:
        assert x["gap_p50"] <= x["gap_p90"]
        assert x["p50"] <= x["p90"]
    own = {x["category"] for x in doc["gap_by_year"] if x["has_own_capacity"]}
    assert own == {"fostering_in_house", "residential_in_house", "residential_external"}
    assert {p["quantile"] for p in doc["plan"]} <= {"p50", "p90"}
    assert not [p for p in doc["plan"] if p["category"] in ("kinship", "placed_with_parents")]
    assert doc["metadata"]["parameters"]["simulations"] == 30

    scenario = tmp_path / "new_home.yaml"
    scenario.write_text(
        "scenario: new_home\nlevers:\n"
        "  - {lever: capacity, start: 2025-04-01, category: residential_in_house, places: 5}\n"
    )
    html = tmp_path / "gap.html"
    r = carecast(
        "sufficiency",
        returns / "returns",
        "--capacity",
        returns / "Lewisham.yaml",
        "--scenario",
        scenario,
        *RUN,
        "--out",
        html,
    )
    assert r.returncode == 0, r.stderr
    text = html.read_text()
    assert "Demand against capacity" in text and "new_home" in text and "plotly" in text


def test_region_sums_councils_and_uses_the_provider_register(carecast, returns, tmp_path):
    out = tmp_path / "region.json"
    r = carecast(
        "sufficiency",
        returns / "returns",
        "--capacity",
        returns / "Lewisham.yaml",
        "--capacity",
        returns / "Southwark.yaml",
        "--region",
        "Lewisham,Southwark",
        *RUN,
        "--out",
        out,
    )
    assert r.returncode == 0, r.stderr
    doc = json.loads(out.read_text())
    assert doc["name"] == "Lewisham, Southwark"
    homes = [x for x in doc["register_places"] if x["type"] == "childrens_home"]
    # the whole group is in the data, so it counts all of the region's register places
    assert homes and homes[0]["attributed_places"] == homes[0]["places"]
    assert len(doc["adolescent_residential"]) >= 3 and doc["pan_regional"]
    fostering = [x for x in doc["gap_by_year"] if x["category"] == "fostering_in_house"]
    assert fostering[0]["places"] == pytest.approx((60 + 40) * 1.4 * 0.8, rel=0.05)


def test_bad_capacity_file_and_conflicting_options_exit_2(carecast, returns, tmp_path):
    bad = tmp_path / "bad.yaml"
    bad.write_text(
        CAPACITY.format(council="Lewisham", households=10).replace("residential_in_house", "castle")
    )
    r = carecast(
        "sufficiency", returns / "returns", "--capacity", bad, "--out", tmp_path / "x.json"
    )
    assert r.returncode == 2 and "castle" in r.stderr and "Traceback" not in r.stderr
    r = carecast(
        "sufficiency",
        returns / "returns",
        "--capacity",
        returns / "Lewisham.yaml",
        "--council",
        "Lewisham",
        "--region",
        "london",
        "--out",
        tmp_path / "x.json",
    )
    assert r.returncode == 2 and "not both" in r.stderr
    r = carecast(
        "sufficiency",
        returns / "returns",
        "--capacity",
        returns / "Lewisham.yaml",
        "--region",
        "Narnia",
        "--out",
        tmp_path / "x.json",
    )
    assert r.returncode != 0 and "Narnia" in r.stderr and "Traceback" not in r.stderr


def test_a_region_with_a_council_lacking_a_capacity_file_plans_no_recruitment(
    carecast, returns, tmp_path
):
    """One council's carers against two councils' demand asked for thousands of approvals a year."""
    out = tmp_path / "r.json"
    r = carecast(
        "sufficiency",
        returns / "returns",
        "--capacity",
        returns / "Lewisham.yaml",
        "--region",
        "Lewisham,Southwark",
        *RUN,
        "--out",
        out,
    )
    assert r.returncode == 0, r.stderr
    doc = json.loads(out.read_text())
    recruit = [x for x in doc["plan"] if x["unit"] == "households a year"]
    assert recruit and all(x["amount"] is None and "Southwark" in x["action"] for x in recruit)
