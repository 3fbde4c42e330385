"""Logins, sessions, CSRF and who may see what: council A's users never see council B's children."""

from fastapi.testclient import TestClient
from sqlalchemy import select

from carecast.store import session_scope
from carecast.store.models_web import WebAuditEvent, WebSession

from .conftest import COUNCIL_A, COUNCIL_B, PASSWORD, csrf_of, login


def test_pages_need_login(app):
    client = TestClient(app)
    res = client.get("/overview", follow_redirects=False)
    assert res.status_code == 303 and res.headers["location"].startswith("/login?next=/overview")
    api = client.get("/api/overview")
    assert api.status_code == 401 and api.json()["error"] == "LoginRequired"


def test_wrong_password_is_refused_and_audited(app, settings):
    client = TestClient(app)
    res = login(client, "a@lewisham.test", "wrong password!")
    assert res.status_code == 401 and "not right" in res.text
    with session_scope(settings.database_url) as db:
        actions = [e.action for e in db.scalars(select(WebAuditEvent))]
    assert "login_failed" in actions


def test_login_without_csrf_token_is_refused(app):
    client = TestClient(app)
    client.get("/login")
    res = client.post("/login", data={"email": "a@lewisham.test", "password": PASSWORD})
    assert res.status_code == 403 and "expired" in res.text


def test_post_with_another_sessions_csrf_token_is_refused(with_data, client_for):
    a = client_for("a@lewisham.test")
    b = client_for("b@camden.test")
    token_b = csrf_of(b.get("/overview").text)
    res = a.post("/logout", data={"csrf_token": token_b}, follow_redirects=False)
    assert res.status_code == 403
    assert a.get("/overview", follow_redirects=False).status_code == 200  # still logged in


def test_session_cookie_is_httponly_and_only_its_hash_is_stored(app, settings):
    client = TestClient(app)
    res = login(client, "a@lewisham.test")
    cookie = res.headers["set-cookie"]
    assert "carecast_session=" in cookie and "HttpOnly" in cookie and "SameSite=lax" in cookie
    token = client.cookies["carecast_session"]
    with session_scope(settings.database_url) as db:
        stored = [s.token_hash for s in db.scalars(select(WebSession))]
    assert stored and token not in stored


def test_logout_ends_the_session(with_data, client_for):
    client = client_for("a@lewisham.test")
    token = csrf_of(client.get("/overview").text)
    assert (
        client.post("/logout", data={"csrf_token": token}, follow_redirects=False).status_code
        == 303
    )
    assert client.get("/api/overview").status_code == 401


def test_council_user_sees_own_children_not_another_councils(with_data, client_for):
    a = client_for("a@lewisham.test")
    own = a.get(f"/api/councils/{COUNCIL_A}/children")
    assert own.status_code == 200
    ids = [c["Child"] for c in own.json()["children"]]
    assert ids and all(i.startswith("LEW") for i in ids)
    other = a.get(f"/api/councils/{COUNCIL_B}/children")
    assert other.status_code == 403 and other.json()["error"] == "AccessDeniedError"
    page = a.get("/children")
    assert "LEW0001" in page.text and "CAM0" not in page.text
    assert (
        "CAM0" not in a.get("/overview").text
        and "CAM0" not in a.get("/downloads/children.csv").text
    )


def test_regional_user_sees_suppressed_aggregates_only(with_data, client_for):
    r = client_for("r@london.test")
    body = r.get("/api/overview").json()
    assert body["mode"] == "regional"
    councils = {row["Council"]: row for row in body["by_council"]}
    assert set(councils) == {COUNCIL_A, COUNCIL_B}
    values = [v for row in body["by_council"] for k, v in row.items() if k != "Council"]
    assert "c" in values  # Camden's small categories are suppressed
    assert all(v == "c" or int(v) == 0 or int(v) >= 5 for v in values)
    for row in body["by_council"]:  # no suppressed count can be recovered from the row total
        cells = [v for k, v in row.items() if k not in ("Council", "Total")]
        assert cells.count("c") != 1 or row["Total"] == "c"
    for council in (COUNCIL_A, COUNCIL_B):
        assert r.get(f"/api/councils/{council}/children").status_code == 403
    assert r.get("/children").status_code == 403
    assert r.get("/downloads/children.csv").status_code == 403
    text = r.get("/overview").text
    assert "LEW0" not in text and "CAM0" not in text


def test_roles_limit_actions(with_data, client_for):
    finance = client_for("f@lewisham.test")
    assert finance.get("/upload").status_code == 403
    assert finance.get("/admin").status_code == 403
    admin = client_for("admin@carecast.test")
    assert admin.get("/admin").status_code == 200
    assert admin.get("/api/councils/Lewisham/children").status_code == 403


def test_exports_are_audited_without_child_ids(with_data, client_for, settings):
    a = client_for("a@lewisham.test")
    assert a.get("/downloads/children.xlsx").status_code == 200
    with session_scope(settings.database_url) as db:
        events = list(db.scalars(select(WebAuditEvent).where(WebAuditEvent.action == "export")))
    assert events and events[-1].council == COUNCIL_A and events[-1].detail["table"] == "children"
    assert "LEW" not in str([e.detail for e in events])


def test_admin_creates_an_account_via_the_form(app, client_for):
    admin = client_for("admin@carecast.test")
    token = csrf_of(admin.get("/admin").text)
    res = admin.post(
        "/admin/users",
        data={
            "csrf_token": token,
            "email": "new@camden.test",
            "password": "a long enough pw",
            "role": "council_finance",
            "council": COUNCIL_B,
        },
    )
    assert res.status_code == 200 and "Account created for new@camden.test" in res.text
    bad = admin.post(
        "/admin/users",
        data={
            "csrf_token": token,
            "email": "x@y.test",
            "password": "short",
            "role": "council_finance",
            "council": COUNCIL_B,
        },
    )
    assert bad.status_code == 422 and "shorter than 10" in bad.text
