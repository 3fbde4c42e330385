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
    "WBRI",
    "WIRI",
    "WOTH",
    "WIRT",
    "WROM",
    "MWBC",
    "MWBA",
    "MWAS",
    "MOTH",
    "AIND",
    "APKN",
    "ABAN",
    "AOTH",
    "BCRB",
    "BAFR",
    "BOTH",
    "CHNE",
    "OOTH",
    "REFU",
    "NOBT",
)
UPN_UNKNOWN = ("UN1", "UN2", "UN3", "UN4", "UN5")
UPN_PATTERN = r"^(([A-HJ-NPQRT-Z])(\d{12}|\d{11}[A-Z]))$|^(UN[1-5])$"

TEMPORARY = ("T0", "T1", "T2", "T3", "T4")
ADOPTION_PLACEMENTS = ("A3", "A4", "A5", "A6")
FOSTERING_FORMER_CARERS = ("U1", "U2", "U3", "U4", "U5", "U6")
RESPITE = ("V3", "V4")
ADOPTED = ("E11", "E12")
RNE = ("S", "P", "L", "T", "U", "B")
LEGAL_STATUS = ("C1", "C2", "D1", "E1", "V2", "V3", "V4", "J1", "J2", "J3", "L1", "L2", "L3")
CIN = ("N1", "N2", "N3", "N4", "N5", "N6", "N7", "N8")
PROVIDERS = ("PR0", "PR1", "PR2", "PR3", "PR4", "PR5")
REASON_PLACE_CHANGE = (
    "CARPL",
    "CLOSE",
    "ALLEG",
    "STAND",
    "APPRR",
    "CREQB",
    "CREQO",
    "CHILD",
    "LAREQ",
    "PLACE",
    "CUSTOD",
    "OTHER",
)
REC = (
    "E11",
    "E12",
    "E2",
    "E3",
    "E4A",
    "E4B",
    "E13",
    "E41",
    "E45",
    "E46",
    "E47",
    "E48",
    "E5",
    "E6",
    "E7",
    "E8",
    "E9",
    "E14",
    "E15",
    "E16",
    "E17",
    "X1",
)
LEFT_CARE = tuple(c for c in REC if c != "X1")  # every reason that ends a period of care


def placements(year: int) -> tuple[str, ...]:
    """Valid PLACE codes. 2025-26 adds K3 and Z11-Z14 (which replace Z1) and withdraws H5, P2
    and Z1. The DfE's 2024-25 list writes K3 in lower case, so K3 is refused in 2024-25 by the
    DfE tool; carecast follows it."""
    common = (
        "A3",
        "A4",
        "A5",
        "A6",
        "K1",
        "K2",
        "P1",
        "P3",
        "R1",
        "R2",
        "R3",
        "R5",
        "S1",
        *TEMPORARY,
        *FOSTERING_FORMER_CARERS,
    )
    if year >= 2026:
        return (*common, "K3", *OTHER_PLACEMENTS_FROM_2026)
    return (*common, "H5", "P2", "Z1")


OTHER_PLACEMENTS_FROM_2026 = ("Z11", "Z12", "Z13", "Z14")  # the 2025-26 split of Z1


def no_provider_placements(year: int) -> tuple[str, ...]:
    """Placements that take no placement provider: temporary ones and Z1 (Z11-Z14 from 2025-26)."""
    return (*TEMPORARY, *OTHER_PLACEMENTS_FROM_2026) if year >= 2026 else (*TEMPORARY, "Z1")


def urn_exempt_placements(year: int) -> tuple[str, ...]:
    """Placements that need no Ofsted URN (rule 218): H5 and P2 until 2023-24, Z1 until 2024-25."""
    base = ("P1", "P3", "R1", "R2", "R5", *TEMPORARY)
    if year >= 2026:
        return (*base, *OTHER_PLACEMENTS_FROM_2026)
    if year == 2025:
        return (*base, "Z1")
    return (*base, "H5", "P2", "Z1")


# Some DfE rules still compare SEX with 1/2 in the 2024-25 list; carecast reads both forms so a
# return coded either way is checked (M/F from 2024-25, 1/2 before).
MALE_ANY = ("1", "M")
FEMALE_ANY = ("2", "F")


def urn_not_expected(year: int) -> tuple[str, ...]:
    """Placements that should have no Ofsted URN (rule 222): H5 until 2022-23, P2 until 2023-24,
    Z1 until 2024-25 (Z11-Z14 from 2025-26)."""
    base = ("P1", "P3", "R1", "R2", "R5", *TEMPORARY)
    if year >= 2026:
        return (*base, *OTHER_PLACEMENTS_FROM_2026)
    extra = {2025: ("Z1",), 2024: ("P2", "Z1")}.get(year, ("H5", "P2", "Z1"))
    return (*base, *extra)
