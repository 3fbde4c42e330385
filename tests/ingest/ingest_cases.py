"""Hand-made SSDA903 returns for the loader's tests: small, readable, one problem at a time."""

from __future__ import annotations

from pathlib import Path

EPISODE_COLS = [
    "CHILD",
    "DECOM",
    "RNE",
    "LS",
    "CIN",
    "PLACE",
    "PLACE_PROVIDER",
    "DEC",
    "REC",
    "REASON_PLACE_CHANGE",
    "HOME_POST",
    "PL_POST",
    "URN",
]
HEADER_COLS = ["CHILD", "SEX", "DOB", "ETHNIC", "UPN", "MOTHER", "MC_DOB"]


def ep(
    child,
    decom,
    dec="",
    *,
    rne="S",
    ls="C2",
    place="U4",
    provider="PR1",
    rec=None,
    cin="N1",
    home="",
    pl="",
    urn="",
):
    """One episode row; REC defaults to X1 when the episode is closed."""
    if rec is None:
        rec = "X1" if dec else ""
    return {
        "CHILD": child,
        "DECOM": decom,
        "RNE": rne,
        "LS": ls,
        "CIN": cin,
        "PLACE": place,
        "PLACE_PROVIDER": provider,
        "DEC": dec,
        "REC": rec,
        "REASON_PLACE_CHANGE": "",
        "HOME_POST": home,
        "PL_POST": pl,
        "URN": urn,
    }


def hd(child, dob="01/01/2010", sex="1", ethnic="WBRI"):
    return {
        "CHILD": child,
        "SEX": sex,
        "DOB": dob,
        "ETHNIC": ethnic,
        "UPN": "",
        "MOTHER": "",
        "MC_DOB": "",
    }


def write_csv(
    path: Path, rows: list[dict], columns: list[str] | None = None, *, encoding="utf-8"
) -> Path:
    cols = columns or (list(rows[0]) if rows else EPISODE_COLS)
    lines = [",".join(cols)] + [",".join(str(r.get(c, "")) for c in cols) for r in rows]
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(("\n".join(lines) + "\n").encode(encoding))
    return path


def write_return(
    root: Path,
    council: str,
    year: int,
    episodes: list[dict],
    header: list[dict] | None = None,
    uasc: list[dict] | None = None,
) -> Path:
    """DIR/<council>/<year>/{header,episodes,uasc}.csv; header defaults to one row per child."""
    folder = root / council / str(year)
    write_csv(folder / "episodes.csv", episodes, EPISODE_COLS)
    if header is None:
        header = [hd(c) for c in dict.fromkeys(e["CHILD"] for e in episodes if e["CHILD"])]
    if header is not False:
        write_csv(folder / "header.csv", header, HEADER_COLS)
    if uasc:
        write_csv(folder / "uasc.csv", uasc, ["CHILD", "SEX", "DOB", "DUC"])
    return folder
