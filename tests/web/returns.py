"""Small hand-made SSDA903 returns (CSV, dd/mm/YYYY) for the web tests, with a couple of defects
the loader must report. ``carecast.synth`` makes realistic ones; these stay small and fast."""

from __future__ import annotations

import datetime as dt
import io
import zipfile

PLACES = [("U4", "PR1"), ("U4", "PR4"), ("U1", "PR1"), ("K2", "PR4"), ("H5", "PR4")]
HEADER_COLS = "CHILD,SEX,DOB,ETHNIC,UPN,MOTHER,MC_DOB"
EPISODE_COLS = (
    "CHILD,DECOM,RNE,LS,CIN,PLACE,PLACE_PROVIDER,DEC,REC,REASON_PLACE_CHANGE,HOME_POST,PL_POST,URN"
)


def _d(day: dt.date | None) -> str:
    return day.strftime("%d/%m/%Y") if day else ""


def council_returns(
    prefix: str, n: int = 30, years: tuple[int, ...] = (2023, 2024)
) -> dict[str, str]:
    """{'2023/header.csv': text, ...} for the collection ``years`` (consecutive) of one council; the
    children start one after another across the years, and the last year has two defects."""
    files: dict[str, str] = {}
    children = []
    for i in range(n):
        dob = dt.date(2007 + i % 10, 1 + i % 12, 1 + i % 27)
        start = dt.date(years[0] - 1, 4, 1) + dt.timedelta(days=23 * len(years) // 2 * i)
        end = start + dt.timedelta(days=200 + 37 * i) if i % 3 == 0 else None
        children.append((f"{prefix}{i:04d}", 1 + i % 2, dob, start, end, PLACES[i % len(PLACES)]))
    for year in years:
        lo, hi = dt.date(year - 1, 4, 1), dt.date(year, 3, 31)
        header, episodes = [HEADER_COLS], [EPISODE_COLS]
        for child, sex, dob, start, end, (place, provider) in children:
            if start > hi or (end is not None and end < lo):
                continue
            header.append(f"{child},{sex},{_d(dob)},WBRI,,,")
            dec = end if end is not None and end <= hi else None
            rec = "E4A" if dec else ""
            episodes.append(f"{child},{_d(start)},S,C2,N1,{place},{provider},{_d(dec)},{rec},,,,")
        if year == years[-1]:
            episodes.append(episodes[-1])  # a duplicate row: merged, and reported
            episodes.append(
                f"{prefix}9999,{_d(dt.date(year - 1, 6, 1))},S,C2,N1,ZZ,PR1,,,,,,"
            )  # no header, bad code
        files[f"{year}/header.csv"] = "\n".join(header) + "\n"
        files[f"{year}/episodes.csv"] = "\n".join(episodes) + "\n"
    return files


def council_zip(prefix: str, n: int = 30, years: tuple[int, ...] = (2023, 2024)) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        for name, text in council_returns(prefix, n, years).items():
            z.writestr(name, text)
    return buf.getvalue()
