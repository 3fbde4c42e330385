"""The cleaned tables every analysis reads: the contract between ``ingest`` and the rest.

``ingest`` produces, and ``synth`` can produce directly, two Polars tables:

* **children**: one row per (council, child_id) with sex, date of birth, ethnicity and UASC flag;
* **episodes**: one row per cleaned episode, keyed on (council, child_id, decom), with the raw
  903 fields (lower-case names), derived fields (category, cost group, period of care, ages,
  distance) and provenance (the file and row it came from, and the cleaning rules applied).

``dec`` is null for an episode still open at the end of the data (right-censored, not an error).
``data_end`` on each episode is the last day the data can speak for (the end of the latest
collection year supplied for that council), so models can censor at the right date.
"""

from __future__ import annotations

import polars as pl

CHILDREN_COLUMNS: dict[str, pl.DataType] = {
    "council": pl.Utf8,  # canonical council name (schema.councils)
    "child_id": pl.Utf8,  # the council's CHILD id, or its keyed pseudonym
    "sex": pl.Int8,  # 1 male, 2 female
    "dob": pl.Date,  # day of birth (first of month when pseudonymised)
    "ethnic": pl.Utf8,  # DfE ethnicity code (WBRI = White British)
    "is_uasc": pl.Boolean,  # ever recorded as an unaccompanied asylum-seeking child
}

EPISODE_COLUMNS: dict[str, pl.DataType] = {
    "council": pl.Utf8,
    "child_id": pl.Utf8,
    "decom": pl.Date,  # episode start
    "dec": pl.Date,  # episode end, null if open
    "rne": pl.Utf8,
    "ls": pl.Utf8,
    "cin": pl.Utf8,
    "place": pl.Utf8,
    "place_provider": pl.Utf8,
    "rec": pl.Utf8,  # reason episode ceased ("X1" = care continues), null if open
    "reason_place_change": pl.Utf8,
    "home_post": pl.Utf8,
    "pl_post": pl.Utf8,
    "urn": pl.Utf8,
    # derived
    "sex": pl.Int8,
    "dob": pl.Date,
    "category": pl.Utf8,  # placement category (schema/data/categories.yaml)
    "cost_group": pl.Utf8,
    "is_short_break": pl.Boolean,  # LS V3/V4: not "in care" for demand purposes
    "is_uasc": pl.Boolean,
    "period_id": pl.Int32,  # 1, 2, ... periods of care of this child
    "period_start": pl.Date,
    "period_end": pl.Date,  # null if the period is still open
    "age_at_start": pl.Float64,  # years, at decom
    "age_at_end": pl.Float64,  # years, at dec (null if open)
    "home_la": pl.Utf8,  # council containing home postcode (when a lookup was given)
    "placement_la": pl.Utf8,  # council containing placement postcode
    "distance_miles": pl.Float64,
    "in_area": pl.Boolean,  # placed inside the placing council's own area
    "data_end": pl.Date,  # last day this council's data covers
    # provenance
    "collection_year": pl.Int32,  # the return the kept row came from
    "source_file": pl.Utf8,
    "source_row": pl.Int64,  # 1-based row in that file, header = row 1
    "repairs": pl.Utf8,  # ";"-joined rule ids applied to this episode, "" if none
}


def conform(frame: pl.DataFrame, columns: dict[str, pl.DataType]) -> pl.DataFrame:
    """Return ``frame`` with exactly ``columns`` in order: missing ones added as nulls, types cast.

    Extra columns are dropped. Used at the boundary of every producer of these tables so that
    consumers can rely on the names and types.
    """
    exprs = []
    for name, dtype in columns.items():
        if name in frame.columns:
            exprs.append(pl.col(name).cast(dtype, strict=False).alias(name))
        else:
            exprs.append(pl.lit(None, dtype=dtype).alias(name))
    return frame.select(exprs)
