"""Signing in, in a real browser: single sign-on through a real OpenID Connect provider on loopback
(``oidc-provider-mock``, started as a process), and the TOTP second factor.

The provider is a separate process with its own signing key, so the ID tokens carecast checks are
signed, issued and expired exactly as a real provider's would be. Two providers run: one that
issues normal tokens and one whose tokens expired ten minutes before they were issued.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import subprocess
import sys
import time
from urllib.parse import parse_qsl, urlencode, urlsplit

import httpx
import pyotp
import pytest
from sqlalchemy import select, update

from carecast.store import session_scope
from carecast.store.models_web import WebAuditEvent, WebSession
from carecast.web import Settings, create_app
from carecast.web.accounts import create_user

from .conftest import CHROMIUM, PASSWORD, add_users, code_step, free_port, password_step, served

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(
        not os.path.exists(CHROMIUM), reason=f"Chromium not installed at {CHROMIUM}"
    ),
]
KNOWN = {
    "sub": "lewisham-0042",
    "email": "a@lewisham.test",
    "email_verified": True,
    "name": "A Analyst",
}
STRANGER = {"sub": "stranger-7", "email": "nobody@lewisham.test", "email_verified": True}


def _start_provider(token_max_age: int):
    port = free_port()
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "oidc_provider_mock",
            "--port",
            str(port),
            "--token-max-age",
            str(token_max_age),
            "--user-claims",
            json.dumps(KNOWN),
            "--user-claims",
            json.dumps(STRANGER),
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    issuer = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 30
    while True:
        try:
            if (
                httpx.get(f"{issuer}/.well-known/openid-configuration", timeout=1).status_code
                == 200
            ):
                return proc, issuer
        except httpx.HTTPError:
            pass
        assert proc.poll() is None and time.monotonic() < deadline, (
            "the OpenID provider did not start"
        )
        time.sleep(0.2)


@pytest.fixture(scope="module")
def providers():
    """Two providers on loopback: normal tokens, and tokens that are already expired."""
    started = [_start_provider(3600), _start_provider(-600)]
    yield {"lewisham": started[0][1], "expired": started[1][1]}
    for proc, _ in started:
        proc.terminate()
        proc.wait(timeout=10)


@pytest.fixture
def sso_server(store_url, tmp_path, providers):
    settings = Settings(
        environment="test",
        secret_key="browser-test-secret-key",
        database_url=store_url,
        data_dir=tmp_path / "data",
        worker_threads=1,
        oidc_providers=[
            {
                "name": "lewisham",
                "label": "Lewisham council account",
                "issuer": providers["lewisham"],
                "client_id": "carecast-test",
                "client_secret": "test-secret",
                "email_domains": ["lewisham.test"],
            },
            {
                "name": "expired",
                "label": "the expired provider",
                "issuer": providers["expired"],
                "client_id": "carecast-test",
                "client_secret": "test-secret",
            },
        ],
    )
    app = create_app(settings)
    add_users(store_url)
    with served(app) as base:
        yield base, settings


def _events(settings, action: str) -> list[WebAuditEvent]:
    with session_scope(settings.database_url) as db:
        return list(db.scalars(select(WebAuditEvent).where(WebAuditEvent.action == action)))


def _refusal(page, settings) -> dict:
    """The plain refusal page is showing; the audit log's reason for it."""
    assert page.get_by_role("heading", name="You cannot sign in to carecast").is_visible()
    refused = _events(settings, "sso_refused")
    assert len(refused) == 1 and not _events(settings, "sso_login")
    return {"email": refused[0].user_email, **refused[0].detail}


def _sso(page, base: str, button: str, who: str) -> None:
    page.goto(f"{base}/login")
    page.get_by_role("link", name=f"Sign in with {button}").click()
    page.get_by_role("heading", name="Authorize Client").wait_for()
    with page.expect_navigation(url=f"{base}/**"):
        page.get_by_role("button", name=who).click()


def test_a_known_user_signs_in_through_the_provider_and_out_again(sso_server, browser, providers):
    base, settings = sso_server
    page = browser.new_page()
    _sso(page, base, "Lewisham council account", KNOWN["sub"])
    assert page.url == f"{base}/overview", page.content()[:2000]
    assert page.get_by_text("a@lewisham.test").is_visible()
    page.get_by_role("button", name="Log out").click()
    page.get_by_role("heading", name="You are signed out of carecast").wait_for()
    link = page.get_by_role("link", name="Sign out of Lewisham council account").get_attribute(
        "href"
    )
    assert link.startswith(providers["lewisham"]) and "id_token_hint=" in link
    page.goto(f"{base}/overview")
    assert "/login" in page.url
    assert _events(settings, "sso_login")[0].user_email == "a@lewisham.test"

    # The provider disables the person (revokes their tokens); at the next re-check carecast signs out.
    _sso(page, base, "Lewisham council account", KNOWN["sub"])
    assert page.url == f"{base}/overview"
    assert (
        httpx.post(f"{providers['lewisham']}/users/{KNOWN['sub']}/revoke-tokens").status_code == 204
    )
    with session_scope(settings.database_url) as db:
        db.execute(
            update(WebSession).values(checked_at=dt.datetime.now(dt.UTC) - dt.timedelta(hours=1))
        )
    page.goto(f"{base}/overview")
    assert "/login" in page.url
    page.close()


def test_an_unknown_user_is_refused_with_a_plain_page(sso_server, browser):
    base, settings = sso_server
    page = browser.new_page()
    _sso(page, base, "Lewisham council account", STRANGER["sub"])
    assert page.get_by_text("You do not have a carecast account").is_visible()
    refused = _refusal(page, settings)
    assert refused["email"] == "nobody@lewisham.test" and refused["reason"] == "unknown user"
    page.goto(f"{base}/overview")
    assert "/login" in page.url
    page.close()


def test_a_disabled_user_is_refused(sso_server, browser):
    base, settings = sso_server
    from carecast.web.accounts import find_user, set_active

    with session_scope(settings.database_url) as db:
        set_active(db, find_user(db, "a@lewisham.test"), False)
    page = browser.new_page()
    _sso(page, base, "Lewisham council account", KNOWN["sub"])
    assert page.get_by_text("Your carecast account is disabled").is_visible()
    assert _refusal(page, settings)["reason"] == "disabled"
    page.close()


@pytest.mark.parametrize("param", ["state", "nonce"])
def test_a_tampered_state_or_nonce_is_refused(sso_server, browser, providers, param):
    """The authorization request is rewritten on its way to the provider, so the provider answers
    with a state carecast never issued, or signs a nonce carecast never asked for."""
    base, settings = sso_server
    page = browser.new_page()

    def tamper(route):
        parts = urlsplit(route.request.url)
        query = dict(parse_qsl(parts.query))
        query[param] = "forged-by-the-test"
        route.continue_(url=parts._replace(query=urlencode(query)).geturl())

    page.route(f"{providers['lewisham']}/oauth2/authorize*", tamper)
    _sso(page, base, "Lewisham council account", KNOWN["sub"])
    reason = _refusal(page, settings)["reason"]
    assert ("MismatchingState" in reason) if param == "state" else ("nonce" in reason)
    page.close()


def test_an_expired_id_token_is_refused(sso_server, browser):
    base, settings = sso_server
    page = browser.new_page()
    _sso(page, base, "the expired provider", KNOWN["sub"])
    assert "Expired" in _refusal(page, settings)["reason"]
    page.close()


def _log_out(page) -> None:
    with page.expect_navigation():
        page.get_by_role("button", name="Log out").click()


def test_totp_enrolment_code_recovery_code_and_wrong_codes(sso_server, browser):
    base, settings = sso_server
    with session_scope(settings.database_url) as db:
        create_user(
            db, email="r2@london.test", password=PASSWORD, role="regional_analyst", region="London"
        )
    page = browser.new_page()
    password_step(page, base, "r2@london.test")
    assert page.url == f"{base}/login/enrol"  # a regional role must set up the second step
    assert page.locator(".qr-code svg").is_visible()
    secret = page.get_by_test_id("totp-secret").inner_text().replace(" ", "")
    totp = pyotp.TOTP(secret)
    page.get_by_label("Code from the app").fill(totp.now())
    page.get_by_role("button", name="Turn on").click()
    page.get_by_role("heading", name="Keep these recovery codes").wait_for()
    codes = page.get_by_test_id("recovery-codes").locator("code").all_inner_texts()
    assert len(codes) == 10
    page.get_by_role("link", name="Continue").click()
    assert page.url == f"{base}/overview"
    _log_out(page)

    password_step(page, base, "r2@london.test")  # with a code from the app
    assert page.url == f"{base}/login/code"
    code_step(page, totp.now())
    assert page.url == f"{base}/overview"
    _log_out(page)

    password_step(page, base, "r2@london.test")  # with a recovery code
    code_step(page, codes[3])
    assert page.url == f"{base}/overview"
    _log_out(page)

    password_step(page, base, "r2@london.test")  # wrong codes, then refused even with the right one
    for _ in range(5):
        code_step(page, "123456" if totp.now() != "123456" else "654321")
        assert page.get_by_text("That code is not right").is_visible()
    code_step(page, totp.now())
    assert page.get_by_text("paused for 15 minutes").is_visible()
    assert page.url == f"{base}/login/code"
    assert len(_events(settings, "code_failed")) == 5 and _events(settings, "login_locked")
    page.close()
