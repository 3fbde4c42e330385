"""Accounts a council can run: lockout, hash upgrade, admin disable/enable/reset/delete, changing
one's own password, the second factor, API docs behind login, and refusals in the audit log."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from carecast.store import session_scope
from carecast.store.models_web import WebAuditEvent, WebUser
from carecast.web import create_app

from .conftest import PASSWORD, csrf_of, login, totp_now
from .test_settings_security import legacy_scrypt


def _actions(settings) -> list[str]:
    with session_scope(settings.database_url) as db:
        return list(db.scalars(select(WebAuditEvent.action).order_by(WebAuditEvent.id)))


def _user(settings, email: str) -> WebUser:
    with session_scope(settings.database_url) as db:
        return db.scalar(select(WebUser).where(WebUser.email == email))


def test_twelve_wrong_passwords_lock_the_account_and_are_audited(app, settings):
    client = TestClient(app)
    for _ in range(12):
        assert login(client, "a@lewisham.test", "not the password").status_code == 401
    locked = login(client, "a@lewisham.test")  # the right password, but too late
    assert locked.status_code == 429 and "paused for 15 minutes" in locked.text
    assert int(locked.headers["retry-after"]) > 14 * 60
    assert "carecast_session" not in client.cookies
    actions = _actions(settings)
    assert actions.count("login_failed") == 12 and actions[-1] == "login_locked"
    other = TestClient(app)  # another account from the same address is not locked by it
    assert login(other, "f@lewisham.test").status_code == 303


def test_an_address_trying_many_accounts_is_slowed_down(settings):
    app = create_app(settings.model_copy(update={"address_failures": 5}))
    client = TestClient(app)
    for i in range(5):
        assert login(client, f"guess{i}@lewisham.test", "a guess at it").status_code == 401
    assert login(client, "a@lewisham.test").status_code == 429


def test_a_legacy_scrypt_hash_is_replaced_by_argon2_at_login(app, settings):
    with session_scope(settings.database_url) as db:
        db.scalar(
            select(WebUser).where(WebUser.email == "a@lewisham.test")
        ).password_hash = legacy_scrypt(PASSWORD)
    assert login(TestClient(app), "a@lewisham.test").status_code == 303
    assert _user(settings, "a@lewisham.test").password_hash.startswith("$argon2id$")
    assert login(TestClient(app), "a@lewisham.test").status_code == 303  # and the new hash works


def _admin_post(admin: TestClient, path: str, **data):
    return admin.post(path, data={"csrf_token": csrf_of(admin.get("/admin").text), **data})


def test_admin_disables_enables_resets_and_deletes_accounts(app, settings, client_for):
    admin = client_for("admin@carecast.test")
    analyst = client_for("a@lewisham.test")
    uid = _user(settings, "a@lewisham.test").id
    assert "is disabled" in _admin_post(admin, f"/admin/users/{uid}/disable").text
    assert analyst.get("/api/overview").status_code == 401  # signed out at once
    assert login(TestClient(app), "a@lewisham.test").status_code == 401
    assert "can sign in again" in _admin_post(admin, f"/admin/users/{uid}/enable").text
    short = _admin_post(admin, f"/admin/users/{uid}/reset", password="short")
    assert short.status_code == 422 and "shorter than 10" in short.text
    assert (
        "temporary password"
        in _admin_post(admin, f"/admin/users/{uid}/reset", password="temporary pass 1").text
    )
    fresh = TestClient(app)
    first = login(fresh, "a@lewisham.test", "temporary pass 1")
    assert first.headers["location"] == "/account"
    assert "Choose a new password" in fresh.get("/account").text
    wrong = _admin_post(admin, f"/admin/users/{uid}/delete", confirm="someone@else.test")
    assert wrong.status_code == 400 and "Type a@lewisham.test to confirm" in wrong.text
    assert (
        "is deleted"
        in _admin_post(admin, f"/admin/users/{uid}/delete", confirm="a@lewisham.test").text
    )
    assert _user(settings, "a@lewisham.test") is None
    assert _actions(settings)[-4:] == ["user_enabled", "password_reset", "login", "user_deleted"]
    own = _user(settings, "admin@carecast.test").id
    assert _admin_post(admin, f"/admin/users/{own}/disable").status_code == 422  # not oneself


def test_the_add_account_form_keeps_what_was_typed_on_a_mistake(client_for):
    admin = client_for("admin@carecast.test")
    bad = _admin_post(
        admin,
        "/admin/users",
        email="new@camden.test",
        password="short",
        role="council_finance",
        council="Camden",
    )
    assert bad.status_code == 422 and 'value="new@camden.test"' in bad.text
    assert (
        '<option value="council_finance" selected>' in bad.text
        and "<option selected>Camden</option>" in bad.text
    )
    assert "short" not in bad.text.split("new-password")[1][:200]  # the password is not sent back


def test_users_change_their_own_password(app, client_for):
    client = client_for("a@lewisham.test")
    other_browser = client_for("a@lewisham.test")
    token = csrf_of(client.get("/account").text)
    mismatch = client.post(
        "/account/password",
        data={
            "csrf_token": token,
            "current": PASSWORD,
            "new": "a brand new password",
            "again": "a brand new pasword",
        },
    )
    assert mismatch.status_code == 422 and "not the same" in mismatch.text
    done = client.post(
        "/account/password",
        data={
            "csrf_token": token,
            "current": PASSWORD,
            "new": "a brand new password",
            "again": "a brand new password",
        },
    )
    assert done.status_code == 200 and "Your password is changed" in done.text
    assert client.get("/api/overview").status_code != 401  # this browser stays signed in
    assert other_browser.get("/api/overview").status_code == 401  # the other one is signed out
    assert login(TestClient(app), "a@lewisham.test", "a brand new password").status_code == 303


def test_admin_needs_the_code_and_wrong_codes_are_rate_limited(app, settings):
    client = TestClient(app)
    page = client.get("/login")
    step = client.post(
        "/login",
        data={
            "email": "admin@carecast.test",
            "password": PASSWORD,
            "csrf_token": csrf_of(page.text),
        },
        follow_redirects=False,
    )
    assert step.headers["location"] == "/login/code" and "carecast_session" not in client.cookies
    assert client.get("/admin", follow_redirects=False).status_code == 303  # not signed in yet
    token = csrf_of(client.get("/login/code").text)
    for _ in range(5):
        assert (
            client.post("/login/code", data={"code": "000000", "csrf_token": token}).status_code
            == 401
        )
    limited = client.post("/login/code", data={"code": totp_now(), "csrf_token": token})
    assert limited.status_code == 429 and "paused" in limited.text
    assert _actions(settings).count("code_failed") == 5


def test_a_council_user_can_turn_on_the_second_factor_and_use_a_recovery_code(app, client_for):
    import pyotp

    client = client_for("a@lewisham.test")
    page = client.get("/account/second-factor").text
    assert "<svg" in page and "QR code" in page
    secret = page.split('data-testid="totp-secret">')[1].split("<")[0].replace(" ", "")
    enrol_token = page.split('name="enrol_token" value="')[1].split('"')[0]
    done = client.post(
        "/account/second-factor",
        data={
            "csrf_token": csrf_of(page),
            "enrol_token": enrol_token,
            "code": pyotp.TOTP(secret).now(),
        },
    )
    codes = [
        c.split("</code>")[0]
        for c in done.text.split('data-testid="recovery-codes"')[1].split("<code>")[1:]
    ]
    assert len(codes) == 10
    fresh = TestClient(app)
    page = fresh.get("/login")
    fresh.post(
        "/login",
        data={"email": "a@lewisham.test", "password": PASSWORD, "csrf_token": csrf_of(page.text)},
    )
    ok = fresh.post(
        "/login/code",
        data={"code": codes[0], "csrf_token": csrf_of(page.text)},
        follow_redirects=False,
    )
    assert ok.status_code == 303 and "carecast_session" in fresh.cookies
    again = TestClient(app)
    page = again.get("/login")
    again.post(
        "/login",
        data={"email": "a@lewisham.test", "password": PASSWORD, "csrf_token": csrf_of(page.text)},
    )
    reused = again.post("/login/code", data={"code": codes[0], "csrf_token": csrf_of(page.text)})
    assert reused.status_code == 401  # each recovery code works once


def test_api_docs_and_schema_need_login(app, client_for):
    anonymous = TestClient(app)
    assert anonymous.get("/api/openapi.json").status_code == 401
    assert anonymous.get("/api/docs").status_code == 401
    user = client_for("a@lewisham.test")
    assert "/api/overview" in user.get("/api/openapi.json").json()["paths"]
    assert "swagger" in user.get("/api/docs").text.lower()


def test_refusals_are_audited_in_one_place(with_data, client_for, settings):
    camden = client_for("b@camden.test")
    assert camden.get("/api/councils/Lewisham/children").status_code == 403
    with session_scope(settings.database_url) as db:
        event = db.scalars(select(WebAuditEvent).where(WebAuditEvent.action == "refused")).one()
    assert (
        event.user_email == "b@camden.test"
        and event.detail["path"] == "/api/councils/Lewisham/children"
    )


def test_a_rejected_upload_is_audited(app, client_for, settings):
    analyst = client_for("a@lewisham.test")
    token = csrf_of(analyst.get("/upload").text)
    res = analyst.post(
        "/upload",
        data={"csrf_token": token},
        files={"files": ("notes.txt", b"not a return", "text/plain")},
    )
    assert res.status_code >= 400
    big = b"x" * (settings.max_upload_bytes + 1)  # refused by the body limit, before any route
    too_big = analyst.post(
        "/upload", data={"csrf_token": token}, files={"files": ("e.csv", big, "text/csv")}
    )
    assert too_big.status_code == 413
    assert _actions(settings).count("upload_rejected") == 2


@pytest.mark.parametrize("fails", [True, False])
def test_failed_jobs_are_reported_to_the_audit_hook(tmp_path, fails):
    from carecast.errors import InputError
    from carecast.web.jobs import JobManager

    seen = []
    jobs = JobManager(tmp_path, workers=1, on_failure=seen.append)

    def work(progress):
        if fails:
            raise InputError("no returns", fix="upload some")
        return 1

    import time

    job = jobs.submit(
        kind="forecast", key=f"k{fails}", council="Lewisham", owner_id=1, work=work, cache=False
    )
    deadline = time.monotonic() + 10
    while not (seen if fails else job.status == "done") and time.monotonic() < deadline:
        time.sleep(0.01)
    jobs.shutdown()
    assert job.status == ("failed" if fails else "done")
    assert [j.id for j in seen] == ([job.id] if fails else [])


def test_a_code_is_accepted_once():
    import pyotp

    from carecast.store.models_web import WebUser
    from carecast.web.second_factor import accept_code

    user = WebUser(email="r@london.test", totp_secret=pyotp.random_base32())
    code = pyotp.TOTP(user.totp_secret).now()
    assert accept_code(user, code) and not accept_code(user, code)
    assert not accept_code(user, "12345") and not accept_code(user, "abcdef")
