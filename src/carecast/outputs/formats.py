"""How a column should look to a finance officer, guessed once from its name.

Money columns (``*cost*``, ``*spend*``, ``*budget*``, ``*saving*``, ``*_gbp``) show as pounds;
share columns (``*_pct``, ``*share*``, ``*rate_of*``) as percentages held as fractions 0-1.
"""

from __future__ import annotations

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
