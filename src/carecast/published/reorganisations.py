"""Councils reorganised inside the published years, and the areas their history is kept on.

How: **successors are summed back** onto the area of their predecessors. The history of a
reorganised area is the sum of its predecessors' published figures before the change and of its
successors' after it (the areas cover the same ground: Christchurch moved from Dorset county to
BCP, so only the union of Bournemouth, Poole and Dorset is the same place before and after 2019).

Why not split predecessors by population share: that assumes the successors had equal rates
before they existed, which is visibly false (Cumberland 93 children looked after per 10,000,
Westmorland and Furness 63), and the share is only known after the split, so a backtest from an
earlier year would use the future. Summing uses only published figures. A forecast made after
the change is split back to the successors by their shares of the last year's figures (kept in
the forecast's notes); one made before it is scored on the summed area.
"""

from __future__ import annotations

from dataclasses import dataclass

import polars as pl


@dataclass(frozen=True)
class Reorganisation:
    area: str  # the name history is kept under
    predecessors: tuple[str, ...]  # DfE numbers
    successors: tuple[str, ...]
    first_year: int  # first year ending 31 March the successors report

    @property
    def key(self) -> str:
        """The area's identifier: its successors' DfE numbers joined by '+'."""
        return "+".join(self.successors)


REORGANISATIONS = (
    Reorganisation(
        "Bournemouth, Christchurch and Poole with Dorset",
        predecessors=("835", "836", "837"),  # Dorset county, Poole, Bournemouth
        successors=("838", "839"),  # Dorset, Bournemouth, Christchurch and Poole
        first_year=2020,  # reorganised 1 April 2019
    ),
    Reorganisation(
        "North and West Northamptonshire",
        predecessors=("928",),
        successors=("940", "941"),
        first_year=2022,  # reorganised 1 April 2021
    ),
    Reorganisation(
        "Cumberland with Westmorland and Furness",
        predecessors=("909",),
        successors=("942", "943"),
        first_year=2024,  # Cumbria split 1 April 2023
    ),
)


def area_map() -> pl.DataFrame:
    """(dfe_number, area, area_name, role) for every council in a reorganisation."""
    rows = [
        (number, r.key, r.area, role)
        for r in REORGANISATIONS
        for role, numbers in (("predecessor", r.predecessors), ("successor", r.successors))
        for number in numbers
    ]
    return pl.DataFrame(rows, schema=["dfe_number", "area", "area_name", "role"], orient="row")


def complete_sets() -> dict[str, tuple[frozenset[str], frozenset[str]]]:
    """Per area: the predecessor set and the successor set; a year's sum is usable only over one
    of them in full."""
    return {r.key: (frozenset(r.predecessors), frozenset(r.successors)) for r in REORGANISATIONS}
