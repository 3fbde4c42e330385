"""The words people use for carecast's identifiers, for every table, chart, sheet and page.

Placement categories and cost groups are worded by ``schema/data/categories.yaml`` (one source of
truth for the planners' names); everything else by ``outputs/data/vocabulary.yaml``. A heading
not listed is built from the id by rule, so no page ever shows ``forecast_outturn`` or ``p95``.
"""

from __future__ import annotations

import re
from functools import cache
from importlib import resources

import yaml

from carecast.schema import load_categories

_ABBREVIATIONS = {
    "pct": "%",
    "gbp": "£",
    "n": "number",
    "fy": "financial year",
    "lac": "children looked after",
    "ehcp": "EHC plans",
    "ifa": "IFA",
    "sgo": "SGO",
    "la": "council",
    "dfe": "DfE",
    "ons": "ONS",
    "send": "SEND",
    "hn": "high needs",
    "csc": "children's social care",
}
_QUANTILE = re.compile(r"^p(\d{1,2})$")


@cache
def _data() -> dict:
    text = (
        resources.files("carecast.outputs")
        .joinpath("data/vocabulary.yaml")
        .read_text(encoding="utf-8")
    )
    return yaml.safe_load(text)


@cache
def _value_words() -> dict[str, str]:
    cats = load_categories()
    return {**cats.categories, **cats.cost_groups, **_data()["values"]}


_IDENT = re.compile(r"[a-z][a-z0-9]*(?:_[a-z0-9]+)+")
_DOTTED = re.compile(r"[A-Za-z]\w*(?:\.[\w-]+)+")
_FILE_ENDINGS = {"csv", "xlsx", "xls", "yaml", "yml", "json", "parquet", "html", "txt", "xml"}


def words(value: str) -> str:
    """The words for an identifier used as a cell value or chart label (``specialist_support`` ->
    "Specialist support", ``options.n_sims`` -> "Options: number sims"); other text unchanged."""
    known = _value_words().get(value)
    if known is not None:
        return known
    if _IDENT.fullmatch(value):
        return heading(value)
    if _DOTTED.fullmatch(value) and value.rsplit(".", 1)[-1].lower() not in _FILE_ENDINGS:
        return ": ".join(
            words(part) if _IDENT.fullmatch(part) else part for part in value.split(".")
        )
    return value


def prose(text: str) -> str:
    """``text`` with every identifier in it worded ("ccn_optimised against baseline" -> "CCN optimised
    against baseline"), for notes, captions and sentences built from data."""
    if "_" not in text:
        return text
    return _IDENT.sub(lambda m: words(m.group(0)), text)


def is_identifier(value: str) -> bool:
    """True for a value the vocabulary words (used to decide a column holds identifiers)."""
    return value in _value_words()


def _ordinal(n: int) -> str:
    suffix = "th" if 10 <= n % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(n % 10, "th")
    return f"{n}{suffix}"


def _part(word: str) -> str:
    q = _QUANTILE.match(word)
    if q:
        return "median" if q.group(1) == "50" else f"{_ordinal(int(q.group(1)))} percentile"
    return _ABBREVIATIONS.get(word, word)


def heading(column: str) -> str:
    """A column's heading: the vocabulary's, else its id turned into words."""
    listed = _data()["columns"].get(column)
    if listed:
        return listed
    if column in _value_words():
        return _value_words()[column]
    parts = [_part(w) for w in re.split(r"[_:\s]+", column) if w]
    text = " ".join(parts).replace(" %", " (%)").replace(" £", " (£)")
    if text.startswith("number "):
        text = "Number of " + text[len("number ") :]
    return text[:1].upper() + text[1:] if text else column
