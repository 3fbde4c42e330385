"""The DfE rules on every loaded return at once, split back by council and year."""

from __future__ import annotations

import polars as pl

from carecast.dferules import run_rules
from carecast.dferules.loaded import check_loaded_returns
from tests.dferules.conftest import GOOD_CHILD, make_return

H, E = GOOD_CHILD["header"], GOOD_CHILD["episodes"]


def _raw(returns: dict[tuple[str, int], dict[str, list[dict]]]) -> dict[str, pl.DataFrame]:
    """Ingest's raw form: each table with council, collection_year and source_row columns."""
    frames: dict[str, list[pl.DataFrame]] = {}
    for (council, year), rows in returns.items():
        for name, frame in make_return(**rows).items():
            frames.setdefault(name, []).append(
                frame.with_columns(
                    pl.lit(council).alias("council"),
                    pl.lit(year, pl.Int32).alias("collection_year"),
                    (pl.int_range(pl.len()) + 2).alias("source_row"),
                )
            )
    return {name: pl.concat(parts) for name, parts in frames.items()}


def test_each_return_gets_its_own_result_with_file_rows_and_its_own_children():
    bad = dict(H, CHILD="2", SEX="X")
    raw = _raw(
        {
            ("Barnet", 2025): {"header": [H, bad], "episodes": [E]},
            ("Camden", 2025): {"header": [H], "episodes": [E]},  # child "1" again: another child
            ("Camden", 2024): {"header": [dict(H, ETHNIC="WIRI")], "episodes": [E]},
        }
    )
    results = {(r.council, r.collection_year): r for r in check_loaded_returns(raw)}
    assert set(results) == {("Barnet", 2025), ("Camden", 2025), ("Camden", 2024)}
    barnet = results["Barnet", 2025]
    assert barnet["101"].rows == {"header": 1} and barnet["101"].examples == {"header": [3]}
    assert results["Camden", 2025]["101"].rows == {"header": 0}
    # last year's rules run where last year was loaded, and say why not elsewhere
    assert results["Camden", 2025]["204"].rows == {"header": 1}
    assert not barnet["204"].checked and "not loaded" in barnet["204"].reason


def test_a_council_checked_with_others_gets_what_it_gets_alone():
    rows = {
        "header": [H, dict(H, CHILD="2", DOB="01/01/2030")],
        "episodes": [E, dict(E, CHILD="2")],
    }
    raw = _raw({("Barnet", 2025): rows, ("Camden", 2025): {"header": [H], "episodes": [E]}})
    together = {r.council: r for r in check_loaded_returns(raw)}["Barnet"]
    alone = run_rules(make_return(**rows), 2025)
    for code in ("301", "302", "EPI", "INT03"):
        assert together[code].rows == alone[code].rows
        assert together[code].children == alone[code].children
