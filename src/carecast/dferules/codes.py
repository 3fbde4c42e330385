"""Code lists the rules check against, with the year a list changed (from the DfE's guidance).

SEX is 1/2 until 2023-24 and M/F/U from 2024-25 (the 2024-25 903 guidance); the lists below are
what the DfE's validation rules accept, learnt from their messages and the DfE validator's rules.
"""

from __future__ import annotations

SEX_LETTERS_FROM = 2025  # first collection year whose SEX is M/F/U


def male(year: int) -> str:
    return "M" if year >= SEX_LETTERS_FROM else "1"


def female(year: int) -> str:
    return "F" if year >= SEX_LETTERS_FROM else "2"


def sexes(year: int) -> tuple[str, ...]:
    return ("M", "F", "U") if year >= SEX_LETTERS_FROM else ("1", "2")


ETHNIC = (
    "WBRI", "WIRI", "WOTH", "WIRT", "WROM", "MWBC", "MWBA", "MWAS", "MOTH", "AIND", "APKN",
    "ABAN", "AOTH", "BCRB", "BAFR", "BOTH", "CHNE", "OOTH", "REFU", "NOBT",
)
UPN_UNKNOWN = ("UN1", "UN2", "UN3", "UN4", "UN5")
UPN_PATTERN = r"^(([A-HJ-NPQRT-Z])(\d{12}|\d{11}[A-Z]))$|^(UN[1-5])$"
