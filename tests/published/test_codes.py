"""Suppression codes become missing values with a reason, never zeros."""

import polars as pl

from carecast.published import codes


def test_every_code_is_missing_with_its_reason():
    cells = ["12", "c", "z", "x", "low", "u", "[x]", "", None, "n/a", "1,234"]
    out = pl.DataFrame({"t": cells}).select(codes.to_number("t"))
    values, reasons = out["value"].to_list(), out["reason"].to_list()
    assert values[0] == 12.0 and values[-1] == 1234.0
    assert all(v is None for v in values[1:-1])  # never 0
    assert reasons[1] == codes.REASONS["c"]
    assert reasons[2] == codes.REASONS["z"]
    assert reasons[3] == reasons[6] == codes.REASONS["x"]  # RO3 writes [x]
    assert reasons[4] == codes.REASONS["low"] and reasons[5] == codes.REASONS["u"]
    assert reasons[7] == reasons[8] == codes.BLANK
    assert reasons[9] == codes.UNREADABLE
    assert reasons[0] is None and reasons[-1] is None


def test_real_files_suppressed_figures_are_missing_not_zero(real):
    council = real.cla.filter(pl.col("level") == "Council")
    withheld = council.filter(pl.col("outcome").str.starts_with("missing"))
    assert withheld.height > 0 and withheld["value"].null_count() == withheld.height
    reasons = set(withheld["reason"])
    assert codes.REASONS["c"] in reasons and codes.REASONS["z"] in reasons
    # the Isles of Scilly's suppressed counts are not zeros anywhere in the panel
    from carecast.published import panel

    scilly = panel.build(real).filter(pl.col("key") == "420", pl.col("year") == 2024)
    assert scilly["stock"].to_list() == [None]
