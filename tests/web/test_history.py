"""Kept history of a council's returns: an upload adds or replaces only its collection years, every
upload is a version, a rollback restores an earlier one, and another council sees none of it."""

from __future__ import annotations

import re

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from carecast.store import session_scope, upgrade
from carecast.store.models_web import WebAuditEvent, WebDataset
from carecast.web import Settings, create_app

from .conftest import add_users, csrf_of, login
from .returns import council_returns, council_zip
from .test_uploads import wait_for_job

EIGHT = tuple(range(2016, 2024))
NINE = (*EIGHT, 2024)


@pytest.fixture
def history_app(store_url, tmp_path):
    """The app on a fresh store of each backend (SQLite and PostgreSQL), with the test accounts."""
    upgrade(store_url)
    add_users(store_url)
    settings = Settings(
        environment="test",
        secret_key="test-secret-key-for-web-tests",
        database_url=store_url,
        data_dir=tmp_path / "data",
        max_upload_mb=2,
        worker_threads=1,
    )
    return create_app(settings), settings


def _client(app, email: str) -> TestClient:
    client = TestClient(app)
    assert login(client, email).status_code == 303
    return client


def _upload(client: TestClient, files: dict, year: int | None = None) -> str:
    token = csrf_of(client.get("/upload").text)
    data = {"csrf_token": token, **({"collection_year": str(year)} if year else {})}
    res = client.post("/upload", data=data, files=files, headers={"HX-Request": "true"})
    assert res.status_code == 200, res.text
    html = wait_for_job(client, res.text, timeout=120)
    assert "Returns loaded" in html, html
    return html


def _one_year(year: int, text_of=lambda name, text: text) -> list:
    """The loose files of one collection year (the last of ``NINE``), as a browser sends them."""
    files = council_returns("LEW", 30, NINE)
    return [
        ("files", (name.split("/")[1], text_of(name, files[name]).encode(), "text/csv"))
        for name in (f"{year}/header.csv", f"{year}/episodes.csv")
    ]


def _rows(settings) -> list[WebDataset]:
    with session_scope(settings.database_url) as db:
        rows = list(
            db.scalars(
                select(WebDataset).where(WebDataset.council == "Lewisham").order_by(WebDataset.id)
            )
        )
        db.expunge_all()
    return rows


def test_uploads_keep_history_and_roll_back(history_app):
    app, settings = history_app
    client = _client(app, "a@lewisham.test")
    _upload(client, {"files": ("lewisham.zip", council_zip("LEW", 30, EIGHT), "application/zip")})
    first = _rows(settings)[-1]
    assert sorted(first.years) == [str(y) for y in EIGHT]

    # one more year: nine years, two versions, the eight kept as they were
    html = _upload(client, _one_year(2024), year=2024)
    assert "Collection years added: 2024; replaced: none" in html
    rows = _rows(settings)
    assert len(rows) == 2 and sorted(rows[-1].years) == [str(y) for y in NINE]
    assert {y: rows[-1].years[y] for y in first.years} == first.years
    assert rows[-1].n_rows > first.n_rows and rows[-1].changes["episodes_added"] > 0
    nine = rows[-1]

    # a corrected 2024 return (one placement code changed): 2024 replaced, the rest kept
    def corrected(name, text):
        lines = text.splitlines()
        if name.endswith("episodes.csv"):
            lines[1] = (
                lines[1]
                .replace(",U4,", ",U1,", 1)
                .replace(",K2,", ",U1,", 1)
                .replace(",H5,", ",U1,", 1)
            )
        return "\n".join(lines) + "\n"

    html = _upload(client, _one_year(2024, corrected), year=2024)
    assert "added: none; replaced: 2024" in html and "1 changed" in html
    rows = _rows(settings)
    fixed = rows[-1]
    assert len(rows) == 3 and sorted(fixed.years) == sorted(nine.years)
    assert fixed.years["2024"] != nine.years["2024"]
    assert {y: h for y, h in fixed.years.items() if y != "2024"} == first.years
    assert fixed.changes == {
        **fixed.changes,
        "years_added": [],
        "years_replaced": ["2024"],
        "episodes_added": 0,
        "episodes_removed": 0,
        "episodes_changed": 1,
    }
    assert fixed.n_rows == nine.n_rows

    # the Upload page lists the versions, newest first, and rolls back to the first
    page = client.get("/upload").text
    assert page.count("Roll back to this version") == 2 and "3 (current)" in page
    res = client.post(
        f"/upload/versions/{first.id}/rollback",
        data={"csrf_token": csrf_of(page)},
        follow_redirects=False,
    )
    assert res.status_code == 303
    rows = _rows(settings)
    back = rows[-1]
    assert len(rows) == 4 and back.restored_from == 1
    assert (back.years, back.n_rows, back.n_children, back.content_hash) == (
        first.years,
        first.n_rows,
        first.n_children,
        first.content_hash,
    )
    assert back.changes["years_removed"] == ["2024"] and back.changes["episodes_removed"] > 0
    assert "roll-back to version 1" in client.get("/upload").text
    with session_scope(settings.database_url) as db:
        actions = [
            e.action
            for e in db.scalars(select(WebAuditEvent).where(WebAuditEvent.council == "Lewisham"))
        ]
    assert actions.count("upload") == 3 and actions.count("rollback") == 1
    # nothing uploaded was deleted: every version's stored tables and every year's return are still there
    assert all((settings.data_dir / r.storage / "episodes.parquet").is_file() for r in rows)
    kept = settings.data_dir / "councils" / "lewisham" / "returns" / "2024"
    assert {p.name for p in kept.iterdir()} == {nine.years["2024"], fixed.years["2024"]}

    # another council's analyst sees none of Lewisham's versions and cannot roll them back
    other = _client(app, "b@camden.test")
    assert "Versions" not in other.get("/upload").text
    token = csrf_of(other.get("/upload").text)
    refused = other.post(
        f"/upload/versions/{nine.id}/rollback", data={"csrf_token": token}, follow_redirects=False
    )
    assert refused.status_code == 404 and len(_rows(settings)) == 4
    # and a rollback without the CSRF token is refused
    no_token = client.post(f"/upload/versions/{nine.id}/rollback", follow_redirects=False)
    assert no_token.status_code == 403 and len(_rows(settings)) == 4
    assert re.search(r"4 \(current\)", client.get("/upload").text)


def test_upload_over_data_stored_before_versions_says_it_and_can_roll_back(
    with_data, client_for, settings
):
    """Data saved before years were kept (the fixture's) cannot be merged; the upload says so and the
    earlier data stays one click away."""
    client = client_for("a@lewisham.test")
    html = _upload(client, _one_year(2024), year=2024)
    assert "stored before returns were kept by collection year" in html
    legacy, new = _rows(settings)
    assert legacy.years is None and sorted(new.years) == ["2024"]
    page = client.get("/upload").text
    assert "not recorded" in page
    client.post(f"/upload/versions/{legacy.id}/rollback", data={"csrf_token": csrf_of(page)})
    assert _rows(settings)[-1].n_rows == legacy.n_rows == 40
