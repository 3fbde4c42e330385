"""Child-level EHCP records in the SEN2 shape: reading, validation and cleaning, nothing lost.

One row per (child, plan, setting spell): ``child_id, dob, primary_need, plan_start, plan_end,
setting, setting_start, setting_end`` and optionally ``council`` and ``annual_cost`` (a
placement's own cost, e.g. a very-high-cost INMSS place). A blank ``plan_end`` / ``setting_end``
means still open; a blank ``setting_start`` means from the plan's start.

Every row read is kept, dropped or merged, and every repair or flag is counted under a rule of
``send/data/rules.yaml`` with the file, row and column (and the value, for non-personal columns),
exactly as the SSDA903 loader does: ``kept + dropped + merged = read`` per council.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any

import polars as pl
import yaml

from carecast.errors import InputError, Location
from carecast.forecast.ages import birthday_expr
from carecast.outputs import Report, Section, run_metadata
from carecast.plumbing.dates import date_expr
from carecast.plumbing.quality import Rule, rule_rows_as_issues
from carecast.plumbing.tables import read_table
from carecast.schema import find_council
from carecast.send.params import send_params

PLAN_COLUMNS: dict[str, pl.DataType] = {
    "council": pl.Utf8,
    "child_id": pl.Utf8,
    "dob": pl.Date,
    "primary_need": pl.Utf8,  # SEN2 code, or "unknown"
    "plan_start": pl.Date,
    "plan_end": pl.Date,  # null while the plan is open
    "setting": pl.Utf8,  # one of send.yaml settings
    "setting_start": pl.Date,
    "setting_end": pl.Date,  # null while open
    "annual_cost": pl.Float64,  # the placement's own annual cost, when the file gives one
    "data_end": pl.Date,  # last day the data speaks for
    "source_file": pl.Utf8,
    "source_row": pl.Int64,  # 1-based, header = row 1
    "repairs": pl.Utf8,  # ";"-joined rule ids applied to this row
}
REQUIRED = ("child_id", "dob", "plan_start", "setting")
ALIASES = {
    "child": "child_id",
    "person_id": "child_id",
    "personid": "child_id",
    "upn": "child_id",
    "id": "child_id",
    "date_of_birth": "dob",
    "birth_date": "dob",
    "ehcp_start": "plan_start",
    "start_date": "plan_start",
    "ehcp_end": "plan_end",
    "ceased": "plan_end",
    "ceased_date": "plan_end",
    "end_date": "plan_end",
    "need": "primary_need",
    "sen_type": "primary_need",
    "placement": "setting",
    "setting_type": "setting",
    "placement_start": "setting_start",
    "placement_end": "setting_end",
    "cost": "annual_cost",
    "la": "council",
}
EVENT_SCHEMA: dict[str, pl.DataType] = {
    "uid": pl.Int64,
    "council": pl.Utf8,
    "rule_id": pl.Utf8,
    "source_file": pl.Utf8,
    "source_row": pl.Int64,
    "column": pl.Utf8,
    "value": pl.Utf8,
}
PERSONAL = {"child_id", "dob"}
EXAMPLES = 5


@cache
def rules() -> dict[str, Rule]:
    text = resources.files("carecast.send").joinpath("data/rules.yaml").read_text("utf-8")
    doc = yaml.safe_load(text)["rules"]
    return {k: Rule(k, v["action"], v["reason"], v["fix"]) for k, v in doc.items()}


def _events(
    frame: pl.DataFrame, rule_id: str, column: str | None = None, value: str | None = None
) -> pl.DataFrame:
    if rule_id not in rules():
        raise KeyError(rule_id)  # programming error: add the rule to rules.yaml
    shown = (
        pl.col(value).cast(pl.Utf8) if value and column not in PERSONAL else pl.lit(None, pl.Utf8)
    )
    return frame.select(
        pl.col("uid"),
        pl.col("council"),
        pl.lit(rule_id).alias("rule_id"),
        pl.col("source_file"),
        pl.col("source_row"),
        pl.lit(column, pl.Utf8).alias("column"),
        shown.alias("value"),
    )


@dataclass
class SendQuality:
    """What the loader did to each council's rows, and why (the SEN2 counterpart of the 903 report)."""

    events: pl.DataFrame
    rows: pl.DataFrame  # council, source_file, rows_read
    kept_uids: pl.DataFrame  # uid, council of every kept row

    def issues(self) -> pl.DataFrame:
        """Every event in the one data-quality shape (:mod:`carecast.plumbing.quality`)."""
        return rule_rows_as_issues(self.events, rules())

    def _with_rules(self) -> pl.DataFrame:
        frame = pl.DataFrame([r.__dict__ for r in rules().values()]).rename({"id": "rule_id"})
        return self.events.join(frame, on="rule_id", how="left")

    def summary(self) -> pl.DataFrame:
        """Rows per council: read, kept, repaired, flagged, dropped, merged (kept + dropped + merged = read)."""
        read = self.rows.group_by("council").agg(pl.col("rows_read").sum().alias("read"))
        kept = self.kept_uids.group_by("council").agg(pl.len().cast(pl.Int64).alias("kept"))
        ev = self._with_rules()
        ev = pl.concat(
            [
                ev.filter(pl.col("action").is_in(["dropped", "merged"])),
                ev.filter(pl.col("action").is_in(["repaired", "flagged"])).join(
                    self.kept_uids.select("uid"), on="uid", how="semi"
                ),
            ]
        )
        counts = {
            a: ev.filter(pl.col("action") == a)
            .group_by("council")
            .agg(pl.col("uid").n_unique().cast(pl.Int64).alias(a))
            for a in ("repaired", "flagged", "dropped", "merged")
        }
        out = read.join(kept, on="council", how="left")
        for frame in counts.values():
            out = out.join(frame, on="council", how="left")
        return (
            out.select("council", "read", "kept", "repaired", "flagged", "dropped", "merged")
            .with_columns(pl.exclude("council").fill_null(0).cast(pl.Int64))
            .sort("council")
        )

    def totals(self) -> dict[str, int]:
        s = self.summary()
        return {
            c: int(s[c].sum()) for c in ("read", "kept", "repaired", "flagged", "dropped", "merged")
        }

    def counts(self) -> pl.DataFrame:
        """Rows affected per (council, rule) with example file/row/column references."""
        ev = self._with_rules()
        ref = (
            pl.col("source_file")
            + pl.lit(" row ")
            + pl.col("source_row").cast(pl.Utf8)
            + pl.when(pl.col("column").is_not_null())
            .then(pl.lit(" ") + pl.col("column"))
            .otherwise(pl.lit(""))
            + pl.when(pl.col("value").is_not_null())
            .then(pl.lit("='") + pl.col("value") + pl.lit("'"))
            .otherwise(pl.lit(""))
        )
        return (
            ev.sort("source_file", "source_row")
            .with_columns(ref.alias("_ref"))
            .group_by("council", "rule_id", "action", "reason", "fix")
            .agg(
                pl.len().cast(pl.Int64).alias("count"),
                pl.col("_ref").head(EXAMPLES).str.join("; ").alias("examples"),
            )
            .select("council", "rule_id", "action", "count", "reason", "examples", "fix")
            .sort("council", "rule_id")
        )

    def to_report(self, metadata: dict[str, Any] | None = None) -> Report:
        t = self.totals()
        text = (
            f"{t['read']:,} EHCP rows read: {t['kept']:,} kept ({t['repaired']:,} of them repaired, "
            f"{t['flagged']:,} flagged), {t['dropped']:,} dropped, {t['merged']:,} merged into other rows. "
            "Every row read is kept, dropped or merged: kept + dropped + merged = read."
        )
        return Report(
            title="EHCP (SEN2) data-quality report",
            metadata=metadata or run_metadata(command="send validate"),
            sections=[
                Section("Summary by council", text=text, tables={"summary": self.summary()}),
                Section(
                    "Problems by council and rule",
                    text="Each line names the rule, how many rows it touched and example rows by file and row "
                    "number (row 1 is the column names, as in Excel).",
                    tables={"issues": self.counts()},
                    notes=["Child ids and dates of birth are never shown; use the file and row."],
                ),
                Section("Files read", tables={"files": self.rows}),
            ],
            primary_table="issues",
        )


@dataclass
class SendData:
    """Cleaned EHCP records (``PLAN_COLUMNS``) and the quality report of how they were made."""

    records: pl.DataFrame
    quality: SendQuality
    coverage: dict[str, Any] = field(default_factory=dict)


def _read_ehcp(path: Path) -> pl.DataFrame:
    frame = read_table(
        path, what="EHCP list", fix="save the EHCP list as CSV (UTF-8) with a header row"
    ).frame
    names = {}
    for c in frame.columns:
        key = c.strip().lower().replace(" ", "_").replace("-", "_")
        names[c] = ALIASES.get(key, key)
    frame = frame.rename(names)
    missing = [c for c in REQUIRED if c not in frame.columns]
    if missing:
        raise InputError(
            f"{path.name} has no column(s) {missing}",
            where=Location(file=str(path)),
            fix="give columns child_id, dob, primary_need, plan_start, plan_end, setting, setting_start, "
            "setting_end (and optionally council, annual_cost)",
        )
    return frame


def load_ehcp(
    paths: str | Path | list[str | Path],
    *,
    council: str | None = None,
    data_end: dt.date | None = None,
) -> SendData:
    """Read, validate and clean EHCP record CSVs (a file, a folder of ``*.csv`` or a list).

    ``council`` names the council for files without a ``council`` column; ``data_end`` is the last
    day the data speaks for (default: the latest date in the files).
    """
    files = _files(paths)
    frames = []
    offset = 0
    for f in files:
        raw = _read_ehcp(f)
        if "council" not in raw.columns:
            if council is None:
                raise InputError(
                    f"{f.name} has no council column and no council was given",
                    where=Location(file=str(f)),
                    fix="add a council column, or pass --council NAME",
                )
            raw = raw.with_columns(pl.lit(council).alias("council"))
        raw = raw.with_columns(
            pl.int_range(offset, offset + raw.height, dtype=pl.Int64).alias("uid"),
            pl.lit(f.name).alias("source_file"),
            pl.int_range(2, raw.height + 2, dtype=pl.Int64).alias("source_row"),
        )
        offset += raw.height
        frames.append(raw)
    raw = pl.concat(frames, how="diagonal_relaxed")
    names = {
        c: (find_council(c, required=False).name if find_council(c, required=False) else c)
        for c in raw.get_column("council").drop_nulls().unique().to_list()
    }
    raw = raw.with_columns(pl.col("council").replace(names))
    return clean_records(raw, data_end=data_end)


def _files(paths: str | Path | list[str | Path]) -> list[Path]:
    items = paths if isinstance(paths, list) else [paths]
    out: list[Path] = []
    for item in items:
        p = Path(item)
        if p.is_dir():
            out.extend(sorted(p.glob("*.csv")))
        elif p.is_file():
            out.append(p)
        else:
            raise InputError(
                f"{p} does not exist",
                where=Location(file=str(p)),
                fix="give an EHCP records CSV or a folder of them",
            )
    if not out:
        raise InputError(
            f"no CSV files found in {items}",
            fix="give an EHCP records CSV or a folder holding some",
        )
    return out


def clean_records(raw: pl.DataFrame, *, data_end: dt.date | None = None) -> SendData:
    """Apply every rule to all-text rows carrying ``uid``, ``council``, ``source_file``, ``source_row``."""
    p = send_params()
    for c in ("plan_end", "setting_start", "setting_end", "primary_need", "annual_cost"):
        if c not in raw.columns:
            raw = raw.with_columns(pl.lit(None, pl.Utf8).alias(c))
    rows = (
        raw.group_by("council", "source_file")
        .agg(pl.len().cast(pl.Int64).alias("rows_read"))
        .sort("council", "source_file")
    )
    ev: list[pl.DataFrame] = [pl.DataFrame(schema=EVENT_SCHEMA)]
    blank = {c: pl.col(c).cast(pl.Utf8).str.strip_chars().replace("", None) for c in raw.columns}
    frame = raw.with_columns(
        *(
            blank[c].alias(c)
            for c in (
                "child_id",
                "dob",
                "plan_start",
                "plan_end",
                "setting",
                "setting_start",
                "setting_end",
                "primary_need",
                "annual_cost",
            )
        )
    )
    dates = ("dob", "plan_start", "plan_end", "setting_start", "setting_end")
    frame = frame.with_columns(*(pl.col(c).alias(f"{c}__raw") for c in dates)).with_columns(
        *(date_expr(c).alias(c) for c in dates)
    )

    def drop(
        frame: pl.DataFrame, mask: pl.Expr, rule: str, column: str | None = None
    ) -> pl.DataFrame:
        gone = frame.filter(mask)
        if gone.height:
            ev.append(_events(gone, rule, column, f"{column}__raw" if column in dates else column))
        return frame.filter(~mask)

    def repair(
        frame: pl.DataFrame,
        mask: pl.Expr,
        rule: str,
        column: str | None,
        *changes: pl.Expr,
        value: str | None = None,
    ) -> pl.DataFrame:
        hit = frame.filter(mask)
        if hit.height:
            ev.append(_events(hit, rule, column, value))
            frame = frame.with_columns(
                *(
                    pl.when(mask)
                    .then(ch)
                    .otherwise(pl.col(ch.meta.output_name()))
                    .alias(ch.meta.output_name())
                    for ch in changes
                )
            )
        return frame

    frame = drop(frame, pl.col("child_id").is_null(), "MISSING_CHILD", "child_id")
    frame = drop(frame, pl.col("dob").is_null(), "BAD_DOB", "dob")
    frame = drop(frame, pl.col("plan_start").is_null(), "BAD_PLAN_START", "plan_start")
    for c in ("plan_end", "setting_start", "setting_end"):
        bad = frame.filter(pl.col(f"{c}__raw").is_not_null() & pl.col(c).is_null())
        if bad.height:
            ev.append(_events(bad, "BAD_DATE", c, f"{c}__raw"))
    frame = drop(frame, pl.col("plan_start") < pl.col("dob"), "PLAN_BEFORE_BIRTH", "plan_start")
    bday = birthday_expr("dob", p.leaving_age)
    frame = frame.with_columns(bday.alias("_limit"))
    frame = drop(
        frame, pl.col("plan_start") >= pl.col("_limit"), "PLAN_STARTS_OVER_MAX_AGE", "plan_start"
    )
    frame = repair(
        frame,
        pl.col("plan_end") < pl.col("plan_start"),
        "PLAN_END_BEFORE_START",
        "plan_end",
        pl.lit(None, pl.Date).alias("plan_end"),
        value="plan_end__raw",
    )
    # settings and needs
    code = pl.col("setting").str.to_lowercase().str.replace_all(r"\s+", " ")
    frame = frame.with_columns(code.replace_strict(p.setting_codes, default=None).alias("_setting"))
    frame = repair(
        frame,
        pl.col("setting").is_null(),
        "MISSING_SETTING",
        "setting",
        pl.lit("other").alias("_setting"),
    )
    frame = repair(
        frame,
        pl.col("setting").is_not_null() & pl.col("_setting").is_null(),
        "UNKNOWN_SETTING",
        "setting",
        pl.lit("other").alias("_setting"),
        value="setting",
    )
    need = pl.col("primary_need").str.to_uppercase().str.replace_all(r"[\s/]", "")
    frame = frame.with_columns(need.alias("primary_need"))
    frame = repair(
        frame,
        ~pl.col("primary_need").is_in(list(p.needs)) | pl.col("primary_need").is_null(),
        "UNKNOWN_NEED",
        "primary_need",
        value="primary_need",
    )
    frame = frame.with_columns(
        pl.when(pl.col("primary_need").is_in(list(p.needs)))
        .then(pl.col("primary_need"))
        .otherwise(pl.lit("unknown"))
        .alias("primary_need"),
        pl.col("_setting").alias("setting"),
        pl.coalesce("setting_start", "plan_start").alias("setting_start"),
    )
    cost = pl.col("annual_cost").str.replace_all(r"[£,\s]", "").cast(pl.Float64, strict=False)
    frame = frame.with_columns(cost.alias("_cost"))
    frame = repair(
        frame,
        pl.col("annual_cost").is_not_null() & (pl.col("_cost").is_null() | (pl.col("_cost") < 0)),
        "BAD_COST",
        "annual_cost",
        pl.lit(None, pl.Float64).alias("_cost"),
        value="annual_cost",
    )
    frame = frame.with_columns(pl.col("_cost").alias("annual_cost"))
    frame = repair(
        frame,
        pl.col("setting_end") < pl.col("setting_start"),
        "SETTING_END_BEFORE_START",
        "setting_end",
        pl.lit(None, pl.Date).alias("setting_end"),
        value="setting_end__raw",
    )
    # the end of the data: needed to know whether an open plan has passed age 25
    end = data_end or frame.select(pl.max_horizontal(*(pl.col(c).max() for c in dates[1:]))).item()
    frame = frame.with_columns(pl.lit(end, pl.Date).alias("data_end"))
    over = pl.coalesce("plan_end", "data_end") > pl.col("_limit")
    frame = repair(
        frame,
        over | (pl.coalesce("setting_end", "data_end") > pl.col("_limit")),
        "AGE_OVER_25_CUT",
        "plan_end",
        pl.min_horizontal(pl.coalesce("plan_end", "_limit"), pl.col("_limit")).alias("plan_end"),
    )
    frame = frame.with_columns(pl.min_horizontal("setting_end", "_limit").alias("setting_end"))
    frame = drop(
        frame,
        (pl.col("setting_start") >= pl.coalesce("plan_end", pl.date(9999, 1, 1)))
        | (pl.coalesce("setting_end", pl.date(9999, 1, 1)) <= pl.col("plan_start")),
        "SETTING_OUTSIDE_PLAN_DROPPED",
        "setting_start",
    )
    outside = (pl.col("setting_start") < pl.col("plan_start")) | (
        pl.col("plan_end").is_not_null()
        & pl.col("setting_end").is_not_null()
        & (pl.col("setting_end") > pl.col("plan_end"))
    )
    frame = repair(
        frame,
        outside,
        "SETTING_OUTSIDE_PLAN",
        "setting_start",
        pl.max_horizontal("setting_start", "plan_start").alias("setting_start"),
        pl.min_horizontal("setting_end", "plan_end").alias("setting_end"),
    )
    # duplicates: keep the last copy
    frame = frame.sort("uid")
    key = pl.struct("council", "child_id", "setting_start")
    dup = frame.select(key.is_duplicated() & ~key.is_last_distinct()).to_series()
    merged = frame.filter(dup)
    if merged.height:
        ev.append(_events(merged, "DUPLICATE_ROW"))
    frame = frame.filter(~dup)
    # overlapping settings: end each at the next one's start
    frame = frame.sort("council", "child_id", "setting_start").with_columns(
        pl.col("setting_start").shift(-1).over("council", "child_id").alias("_next")
    )
    frame = repair(
        frame,
        pl.col("_next").is_not_null()
        & (pl.coalesce("setting_end", pl.date(9999, 1, 1)) > pl.col("_next")),
        "OVERLAPPING_SETTINGS",
        "setting_end",
        pl.col("_next").alias("setting_end"),
    )
    frame = repair(
        frame,
        pl.col("annual_cost") > p.very_high_cost,
        "VERY_HIGH_COST",
        "annual_cost",
        value="annual_cost",
    )
    events = pl.concat(ev, how="vertical")
    soft = [r.id for r in rules().values() if r.action in ("repaired", "flagged")]
    per_row = (
        events.filter(pl.col("rule_id").is_in(soft))
        .group_by("uid")
        .agg(pl.col("rule_id").unique().sort().str.join(";").alias("repairs"))
    )
    frame = frame.join(per_row, on="uid", how="left").with_columns(pl.col("repairs").fill_null(""))
    kept_uids = frame.select("uid", "council")
    records = (
        frame.select(list(PLAN_COLUMNS))
        .cast(PLAN_COLUMNS)
        .sort("council", "child_id", "setting_start")
    )
    quality = SendQuality(events, rows, kept_uids)
    coverage = {
        "councils": sorted(records.get_column("council").unique().to_list()),
        "data_end": end.isoformat() if end else None,
        "children": records.select("council", "child_id").n_unique(),
    }
    return SendData(records, quality, coverage)
