"""Privacy rules for children's records (DOMAIN.md §7), in one place.

* :func:`pseudonymise_ids` — keyed HMAC-SHA256 of (council, child id); the key is the council's,
  read from ``CARECAST_PSEUDONYM_KEY`` or a key file, never stored in outputs.
* :func:`suppress_small` — counts 1-4 in shared outputs become "c", and so do percentages
  computed from them; zero is shown (it discloses nothing about an individual).
"""

from __future__ import annotations

import hashlib
import hmac
import os
from pathlib import Path

import polars as pl

from carecast.errors import ParameterError

KEY_ENV = "CARECAST_PSEUDONYM_KEY"
SUPPRESSED = "c"
SUPPRESSION_NOTE = "Counts of 1 to 4, and percentages calculated from them, are shown as 'c' to protect children's privacy."


def load_key(key_file: str | Path | None = None) -> bytes:
    """The pseudonymisation key, from ``key_file`` or the environment variable ``CARECAST_PSEUDONYM_KEY``."""
    if key_file is not None:
        p = Path(key_file)
        if not p.is_file():
            raise ParameterError(
                f"key file {p} does not exist",
                fix="give the path of the file holding your council's key",
            )
        key = p.read_bytes().strip()
    else:
        key = os.environ.get(KEY_ENV, "").encode()
    if len(key) < 16:
        raise ParameterError(
            "no pseudonymisation key of at least 16 characters was given",
            fix=f"set {KEY_ENV} or pass --key-file with a secret your council keeps (e.g. 32 random characters)",
        )
    return key


def pseudonymise_ids(
    frame: pl.DataFrame, key: bytes, *, council: str = "council", child: str = "child_id"
) -> pl.DataFrame:
    """Replace ``child`` by HMAC-SHA256(key, council + '|' + child), hex, first 20 digits.

    Keyed on the council too, so the same CHILD number in two councils gives two pseudonyms.
    Computed once per distinct pair, so cost grows with children, not rows.
    """
    pairs = frame.select(council, child).unique().drop_nulls()
    digests = [
        hmac.new(key, f"{c}|{i}".encode(), hashlib.sha256).hexdigest()[:20]
        for c, i in pairs.iter_rows()
    ]
    mapping = pairs.with_columns(pl.Series("__pseudo", digests, dtype=pl.Utf8))
    return (
        frame.join(mapping, on=[council, child], how="left")
        .with_columns(pl.col("__pseudo").alias(child))
        .drop("__pseudo")
    )


def dob_to_month(frame: pl.DataFrame, column: str = "dob") -> pl.DataFrame:
    """Truncate dates of birth to the first of the month."""
    return frame.with_columns(pl.col(column).dt.truncate("1mo"))


def postcode_to_sector(expr: pl.Expr) -> pl.Expr:
    """'SE6 4RU' → 'SE6 4' (outward code + first digit of the inward code)."""
    clean = expr.str.to_uppercase().str.replace_all(r"\s+", "")
    return (
        pl.when(clean.str.len_chars() >= 5)
        .then(
            clean.str.slice(0, clean.str.len_chars() - 3)
            + pl.lit(" ")
            + clean.str.slice(clean.str.len_chars() - 3, 1)
        )
        .otherwise(None)
    )


def suppress_small(
    frame: pl.DataFrame, counts: list[str], shares: dict[str, str] | None = None, threshold: int = 5
) -> pl.DataFrame:
    """Return a copy where counts 1..threshold-1 are "c" (columns become text).

    ``shares`` maps a percentage/share column to the count column it was computed from; the
    share is suppressed wherever that count (its numerator) is suppressed.
    """
    shares = shares or {}
    small = {c: (pl.col(c) > 0) & (pl.col(c) < threshold) for c in counts}
    exprs = []
    for name in frame.columns:
        if name in small:
            exprs.append(
                pl.when(small[name])
                .then(pl.lit(SUPPRESSED))
                .otherwise(pl.col(name).cast(pl.Utf8))
                .alias(name)
            )
        elif name in shares:
            exprs.append(
                pl.when(small[shares[name]])
                .then(pl.lit(SUPPRESSED))
                .otherwise(pl.col(name).round(3).cast(pl.Utf8))
                .alias(name)
            )
        else:
            exprs.append(pl.col(name))
    return frame.select(exprs)
