"""The written files: 903 format, repeats across returns, lookups, determinism, planted defects."""

from __future__ import annotations

import datetime as dt
import hashlib
from pathlib import Path

import polars as pl
import pytest

from carecast.schema.ssda903 import valid_codes
from carecast.synth import DEFECT_KINDS, generate
from carecast.synth.returns import EPISODE_COLUMNS_903, HEADER_COLUMNS, UASC_COLUMNS


def read(path: Path) -> pl.DataFrame:
    return pl.read_csv(path, infer_schema=False)


def all_rows(result, name: str) -> pl.DataFrame:
    frames = []
    for council in result.councils:
        for y in range(result.years[0], result.years[1] + 1):
            f = read(result.path / council / str(y) / f"{name}.csv").with_columns(
                pl.lit(council).alias("council"),
                pl.lit(y).alias("year"),
                (pl.int_range(pl.len()) + 2).alias("line"),
            )
            frames.append(f)
    return pl.concat(frames)


def defect_lines(result) -> pl.DataFrame:
    d = result.defects_frame().filter(pl.col("row").is_not_null())
    return d.select("council", "year", pl.col("row").alias("line"), "kind", "column")


def test_layout_and_columns(small):
    for council in small.councils:
        for y in range(2019, 2023):
            folder = small.path / council / str(y)
            assert tuple(read(folder / "episodes.csv").columns) == EPISODE_COLUMNS_903
            assert tuple(read(folder / "header.csv").columns) == HEADER_COLUMNS
            assert tuple(read(folder / "uasc.csv").columns) == UASC_COLUMNS
    assert read(small.path / "postcodes.csv").columns == ["pcd", "pcds", "oslaua", "lat", "long"]
    readme = (small.path / "README.txt").read_text()
    assert "seed 7" in readme and "entries.trend" in readme


def test_codes_and_dates_follow_the_903_format_except_planted_defects(small):
    ep = all_rows(small, "episodes").join(
        defect_lines(small), on=["council", "year", "line"], how="left"
    )
    clean = ep.filter(
        pl.col("kind").is_null()
        | pl.col("kind").is_in(["duplicate_row", "duplicate_across_returns"])
    )
    # every code is valid for the return's collection year (schema/data/ssda903.yaml)
    valid = valid_codes("episodes", list(range(small.years[0], small.years[1] + 1)))
    long = clean.unpivot(
        index=["year"],
        on=[c for c in EPISODE_COLUMNS_903 if c in set(valid["column"])],
        variable_name="field",
        value_name="code",
    ).drop_nulls("code")
    valid = valid.rename({"collection_year": "year", "column": "field"})
    bad = long.join(valid, on=["year", "field", "code"], how="anti")
    assert bad.height == 0, bad.unique()
    for col in ("DECOM", "DEC"):
        parsed = clean[col].str.strptime(pl.Date, "%d/%m/%Y", strict=False)
        assert parsed.null_count() == clean[col].null_count(), col
    assert (
        clean["DEC"].str.strptime(pl.Date, "%d/%m/%Y")
        >= clean["DECOM"].str.strptime(pl.Date, "%d/%m/%Y")
    ).all()
    hd = all_rows(small, "header")
    assert hd["DOB"].str.strptime(pl.Date, "%d/%m/%Y", strict=False).null_count() == 0
    assert set(hd["SEX"].unique()) <= {"1", "2"}
    assert hd.filter(pl.col("UPN") != "UN1")["UPN"].str.contains(r"^[A-Z]\d{12}$").all()


def test_open_episodes_repeat_in_the_next_return(small):
    ep = all_rows(small, "episodes")
    open_ = ep.filter(pl.col("DEC").is_null() & (pl.col("year") < small.years[1]))
    nxt = ep.select("council", "CHILD", "DECOM", (pl.col("year") - 1).alias("year"))
    missing = open_.join(nxt, on=["council", "CHILD", "DECOM", "year"], how="anti")
    # a DECOM shifted by a planted corrected_start breaks the match on both sides of it
    shifted = (
        small.defects_frame()
        .filter(pl.col("kind") == "corrected_start")
        .select("council", pl.col("child").alias("CHILD"))
    )
    assert open_.height > 100
    assert missing.join(shifted, on=["council", "CHILD"], how="anti").height == 0
    assert shifted.join(missing, on=["council", "CHILD"], how="anti").height == 0


def test_every_episode_row_is_in_the_truth_or_is_a_planted_defect(small):
    ep = all_rows(small, "episodes").join(
        defect_lines(small), on=["council", "year", "line"], how="left"
    )
    truth = small.episodes.select(
        "council",
        pl.col("child_id").alias("CHILD"),
        pl.col("decom").dt.strftime("%d/%m/%Y").alias("DECOM"),
        "place",
    )
    unmatched = ep.join(truth, on=["council", "CHILD", "DECOM"], how="anti")
    assert set(unmatched["kind"].unique()) <= {"corrected_start"}
    # and every truth episode appears in some file
    assert truth.join(ep, on=["council", "CHILD", "DECOM"], how="anti").height == 0


def test_postcodes_and_urns_resolve(small):
    ep = all_rows(small, "episodes")
    pcs = set(read(small.path / "postcodes.csv")["pcds"])
    assert set(ep["HOME_POST"]) <= pcs and set(ep["PL_POST"]) <= pcs
    reg = read(small.path / "providers.csv")
    assert set(ep["URN"].drop_nulls()) <= set(reg["urn"])
    assert set(reg["postcode"]) <= pcs
    assert set(reg["type"]) == {"childrens_home", "ifa", "supported", "secure"}
    # family homes are in the placing council (ONSPD oslaua = the council's ONS code)
    from carecast.schema import find_council

    lookup = read(small.path / "postcodes.csv").select(pl.col("pcds").alias("HOME_POST"), "oslaua")
    homes = ep.select("council", "HOME_POST").unique().join(lookup, on="HOME_POST")
    assert all(
        find_council(c).ons_code == o for c, o in homes.select("council", "oslaua").iter_rows()
    )


def test_planted_defects_are_where_the_record_says(small):
    d = small.defects_frame()
    assert set(d["kind"].unique()) == set(DEFECT_KINDS)
    cache: dict[str, pl.DataFrame] = {}

    def file(rel: str) -> pl.DataFrame:
        if rel not in cache:
            cache[rel] = read(small.path / rel)
        return cache[rel]

    for rec in d.iter_rows(named=True):
        f = file(rec["file"])
        if rec["kind"] == "child_without_header":
            assert rec["child"] not in set(f["CHILD"])
            assert rec["child"] in set(file(rec["file"].replace("header", "episodes"))["CHILD"])
            continue
        row = f.row(rec["row"] - 2, named=True)
        assert row["CHILD"] == rec["child"], rec
        if rec["column"]:
            assert row[rec["column"]] == rec["value"], rec
        if rec["kind"] == "duplicate_row":
            assert f.row(rec["row"] - 3) == f.row(rec["row"] - 2)
        if rec["kind"] == "duplicate_across_returns":
            before = file(rec["file"].replace(f"/{rec['year']}/", f"/{rec['year'] - 1}/"))
            assert (
                before.filter(
                    (pl.col("CHILD") == row["CHILD"]) & (pl.col("DECOM") == row["DECOM"])
                ).row(0, named=True)
                == row
            )
            assert dt.datetime.strptime(row["DEC"], "%d/%m/%Y").date() < dt.date(
                rec["year"] - 1, 4, 1
            )
        if rec["kind"] in ("late_closed", "corrected_end"):
            other, line = rec["detail"].split("corrected in ")[1].split(" row ")
            fixed = file(other).row(int(line) - 2, named=True)
            assert (fixed["CHILD"], fixed["DECOM"], fixed["DEC"]) == (
                row["CHILD"],
                row["DECOM"],
                rec["expected"],
            )
            assert row["DEC"] != rec["expected"]
        if rec["kind"] == "corrected_start":
            assert (
                small.episodes.filter(
                    (pl.col("child_id") == rec["child"])
                    & (pl.col("council") == rec["council"])
                    & (pl.col("decom").dt.strftime("%d/%m/%Y") == rec["expected"])
                ).height
                == 1
            )


def digest(folder: Path) -> dict[str, str]:
    return {
        str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(folder.rglob("*"))
        if p.is_file()
    }


def test_same_seed_gives_identical_bytes_and_another_seed_does_not(tmp_path):
    kw = dict(councils=["Lewisham"], years=(2021, 2022))
    a = generate(tmp_path / "a", seed=5, **kw)
    b = generate(tmp_path / "b", seed=5, **kw)
    c = generate(tmp_path / "c", seed=6, **kw)
    assert digest(a.path) == digest(b.path)
    assert digest(a.path) != digest(c.path)
    assert a.episodes.equals(b.episodes)


def test_rerun_replaces_a_previous_output_but_refuses_other_folders(tmp_path):
    out = tmp_path / "out"
    generate(out, councils=2, years=(2022, 2022), seed=1, defects=False)
    generate(out, councils=["Bexley"], years=(2022, 2022), seed=1, defects=False)
    assert sorted(p.name for p in out.iterdir() if p.is_dir()) == ["Bexley"]
    other = tmp_path / "other"
    other.mkdir()
    (other / "notes.txt").write_text("mine")
    from carecast.errors import InputError

    with pytest.raises(InputError, match="not empty"):
        generate(other, councils=1, years=(2022, 2022))
    assert (other / "notes.txt").read_text() == "mine"


def test_without_defects_nothing_is_planted(tmp_path):
    res = generate(
        tmp_path / "clean", councils=["Lewisham"], years=(2021, 2022), seed=2, defects=False
    )
    assert res.defects == []
    ep = all_rows(res, "episodes")
    assert ep.height == ep.unique().height


def test_more_councils_than_the_reference_list_get_synthetic_names(tmp_path):
    from carecast.schema import councils

    n = len(councils()) + 2
    from carecast.synth.geography import select_councils
    from carecast.synth.params import load_params

    chosen = select_councils(n, load_params())
    assert len({c.name for c in chosen}) == n
    assert chosen[-1].name.startswith("Synthetic Council")


def test_children_missing_a_header_row_have_one_in_another_return(small):
    gone = small.defects_frame().filter(pl.col("kind") == "child_without_header")
    headers = all_rows(small, "header")
    for rec in gone.iter_rows(named=True):
        elsewhere = headers.filter(
            (pl.col("council") == rec["council"]) & (pl.col("CHILD") == rec["child"])
        )
        assert elsewhere.height >= 1 and rec["year"] not in set(elsewhere["year"])
