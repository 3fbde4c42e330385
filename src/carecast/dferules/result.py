"""What running a ruleset gives back: one outcome per rule, and a table of them for reports."""

from __future__ import annotations

from dataclasses import dataclass, field

import polars as pl

EXAMPLES = 5  # row numbers kept per table as examples
FIRST_DATA_ROW = 2  # file row of a table's first data row (row 1 is the column names, as in Excel)


@dataclass(frozen=True)
class RuleOutcome:
    """One rule's result on one return.

    ``rows`` counts flagged rows per table and ``children`` the distinct children among them.
    ``examples`` are file row numbers (row 1 is the column names, as in Excel), never child
    identifiers. ``flagged`` keeps every flagged row: 0-based positions in the tables given to
    ``run_rules``, or file row numbers for a council's share of a batched check (``loaded``).
    """

    code: str
    message: str
    checked: bool
    reason: str | None = None
    rows: dict[str, int] = field(default_factory=dict)
    children: int = 0
    examples: dict[str, list[int]] = field(default_factory=dict)
    flagged: dict[str, pl.Series] = field(default_factory=dict, repr=False, compare=False)

    @property
    def failed(self) -> bool:
        return self.checked and any(self.rows.values())

    def summary(self) -> dict:
        """The JSON entry for the report's ``dfe_rules`` section."""
        out = {
            "code": self.code,
            "checked": self.checked,
            "rows": dict(self.rows),
            "children": self.children,
        }
        if self.reason:
            out["reason"] = self.reason
        return out


@dataclass(frozen=True)
class RulesResult:
    """Every rule of one year's ruleset run on one return."""

    collection_year: int
    ruleset_year: int
    outcomes: tuple[RuleOutcome, ...]
    council: str | None = None  # whose return, when several were checked together

    def __getitem__(self, code: str) -> RuleOutcome:
        for o in self.outcomes:
            if o.code == code:
                return o
        raise KeyError(code)

    @property
    def checked(self) -> int:
        return sum(o.checked for o in self.outcomes)

    @property
    def failures(self) -> tuple[RuleOutcome, ...]:
        return tuple(o for o in self.outcomes if o.failed)

    def to_frame(self) -> pl.DataFrame:
        """One row per rule: code, message, checked, reason, rows flagged, children, examples."""
        return pl.DataFrame(
            {
                "code": [o.code for o in self.outcomes],
                "message": [o.message for o in self.outcomes],
                "checked": [o.checked for o in self.outcomes],
                "reason": [o.reason for o in self.outcomes],
                "tables": [", ".join(sorted(o.rows)) for o in self.outcomes],
                "rows": [sum(o.rows.values()) for o in self.outcomes],
                "children": [o.children for o in self.outcomes],
                "examples": [_examples_text(o.examples) for o in self.outcomes],
            },
            schema_overrides={"reason": pl.String},
        )


def _examples_text(examples: dict[str, list[int]]) -> str:
    return "; ".join(
        f"{table.replace('_', ' ')} rows {', '.join(map(str, rows))}"
        for table, rows in examples.items()
        if rows
    )
