"""Which 903 table a file or sheet holds: by its columns first, its name second.

A council's files are named every way there is (``episodes.csv``, ``SSDA903 Episodes 2019.csv``,
a sheet called ``Sheet1``), and some names contain another table's name (``sw_episodes.csv``
is the social-worker table, not the episodes). So the columns decide: a table fits when the file
has every column the table requires and its marker columns (``recognise:`` in
``schema/data/ssda903.yaml``). The name decides only

* between tables that fit equally well (a header file with only CHILD, SEX, DOB also fits UASC), or
* when no table fits: the file is then read as the table its name says, so that the missing
  column is reported against that table ("the episodes table has no DECOM column").

A file that no table fits and whose name names none is not recognised: the loader lists it and
the command fails, rather than skip it in silence.
"""

from __future__ import annotations

import re

from carecast.schema.ssda903 import TABLES, signature, table_names, table_spec


def _squash(text: str) -> str:
    return re.sub(r"[^a-z0-9]", "", text.lower())


def named_table(name: str) -> str | None:
    """The table a file or sheet name names, if any (longest matching name first).

    Names of five or more characters match anywhere in the name ("SSDA903_Episodes_2019");
    shorter ones (``oc2``, ``sw``, ``uasc``) only as a whole word, so "answers" is not "sw".
    """
    squashed = _squash(name)
    words = {_squash(w) for w in re.split(r"[^A-Za-z0-9]+|(?<=[a-z])(?=[0-9]{4})", name) if w}
    candidates = sorted(
        ((alias, table) for table, aliases in table_names().items() for alias in aliases),
        key=lambda pair: -len(pair[0]),
    )
    for alias, table in candidates:
        if (len(alias) >= 5 and alias in squashed) or alias in words:
            return table
    return None


def _fit(columns: set[str], table: str) -> tuple[int, int] | None:
    """(columns of the table present, minus columns of the table absent); None if it does not fit."""
    if not set(signature(table)) <= columns:
        return None
    wanted = set(table_spec(table).columns)
    return len(columns & wanted), -len(wanted - columns)


def recognise(columns: list[str], name: str) -> str | None:
    """The table a file or sheet with ``columns`` and ``name`` holds, or None if not recognisable."""
    cols = {str(c).strip().upper() for c in columns}
    named = named_table(name)
    fits = {t: f for t in TABLES if (f := _fit(cols, t)) is not None}
    if named is not None and named in fits:
        return named
    if fits:
        best = max(fits.values())
        tied = [t for t, f in fits.items() if f == best]
        return tied[0] if len(tied) == 1 else None
    return named
