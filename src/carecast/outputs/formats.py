"""How a column should look to a finance officer, guessed once from its name.

Money columns (``*cost*``, ``*spend*``, ``*budget*``, ``*saving*``, ``*_gbp``) show as pounds;
share columns (``*_pct``, ``*share*``, ``*rate_of*``) as percentages held as fractions 0-1.
"""

from __future__ import annotations

from carecast.privacy import SUPPRESSED

_MONEY = ("cost", "spend", "budget", "saving", "_gbp", "outturn", "variance", "price", "commitment")
_SHARE = ("_pct", "share", "coverage_of", "utilisation")


_PLAIN = ("year", "fy", "urn", "dfe_number", "_id", "code")


def is_plain(name: str) -> bool:
    """Identifiers and years: shown as written, never with thousands separators."""
    n = name.lower()
    return n in ("fy", "id", "year") or any(n.endswith(k) or n.startswith(k) for k in _PLAIN)


def is_money(name: str) -> bool:
    n = name.lower()
    return any(k in n for k in _MONEY)


def is_share(name: str) -> bool:
    n = name.lower()
    return any(k in n for k in _SHARE)


def suppressed_numbers(values: list) -> list | None:
    """A text column of numbers with small-number suppression ("c", see carecast.privacy), as numbers
    and "c"; None when the column is not one (identifiers and ordinary text are left alone)."""
    present = [v for v in values if v is not None]
    if not present or not all(isinstance(v, str) for v in present) or SUPPRESSED not in present:
        return None
    out: list = []
    for v in values:
        if v is None or v == SUPPRESSED:
            out.append(v)
            continue
        try:
            number = float(v)
        except ValueError:
            return None
        out.append(int(number) if number.is_integer() and "." not in v else number)
    return out
