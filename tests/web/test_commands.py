"""``carecast user add`` creates accounts (and refuses bad ones with a message and exit code 2)."""

import sys
from types import SimpleNamespace

import pytest
from sqlalchemy import select

from carecast.cli import main
from carecast.store import session_scope
from carecast.store.models_web import WebAuditEvent, WebUser
from carecast.web.security import verify_password


@pytest.fixture
def user_add(monkeypatch, capsys):
    """Run ``carecast user add ...`` in-process through the CLI's own error mapping."""

    def run(url: str, *args: str, password: str = "a long enough password"):
        monkeypatch.setenv("CARECAST_DATABASE_URL", url)
        monkeypatch.setenv("CARECAST_NEW_PASSWORD", password)
        monkeypatch.setattr(sys, "argv", ["carecast", "user", "add", *args])
        code = 0
        try:
            main()
        except SystemExit as exc:
            code = exc.code or 0
        out = capsys.readouterr()
        return SimpleNamespace(returncode=code, stdout=out.out, stderr=out.err)

    return run


def test_user_add_creates_an_account_with_a_hashed_password(sqlite_url, user_add):
    res = user_add(sqlite_url, "--email", "finance@camden.test", "--role", "council_finance", "--council", "camden")
    assert res.returncode == 0, res.stderr
    assert "Created finance@camden.test (council_finance, Camden)" in res.stdout
    with session_scope(sqlite_url) as db:
        user = db.scalar(select(WebUser))
        assert user.council == "Camden" and verify_password("a long enough password", user.password_hash)
        assert "a long enough password" not in user.password_hash
        assert db.scalar(select(WebAuditEvent.action)) == "user_created"


def test_user_add_refuses_bad_input_with_exit_code_2(sqlite_url, user_add):
    no_council = user_add(sqlite_url, "--email", "a@b.test", "--role", "council_analyst")
    assert no_council.returncode == 2 and "needs a council" in no_council.stderr and "Traceback" not in no_council.stderr
    bad_role = user_add(sqlite_url, "--email", "a@b.test", "--role", "wizard")
    assert bad_role.returncode == 2 and "is not a role" in bad_role.stderr
    short = user_add(sqlite_url, "--email", "a@b.test", "--role", "admin", password="short")
    assert short.returncode == 2 and "shorter than 10" in short.stderr
    ok = user_add(sqlite_url, "--email", "a@b.test", "--role", "admin")
    again = user_add(sqlite_url, "--email", "A@b.test", "--role", "admin")
    assert ok.returncode == 0 and again.returncode == 2 and "already exists" in again.stderr


def test_serve_builds_the_app_from_the_environment(monkeypatch, tmp_path, sqlite_url, capsys):
    import uvicorn

    seen = {}
    monkeypatch.setattr(uvicorn, "run", lambda app, **kw: seen.update(app=app, **kw))
    monkeypatch.setenv("CARECAST_DATABASE_URL", sqlite_url)
    monkeypatch.setenv("CARECAST_DATA_DIR", str(tmp_path / "d"))
    monkeypatch.setattr(sys, "argv", ["carecast", "serve", "--port", "8123"])
    try:
        main()
    except SystemExit as exc:
        assert not exc.code
    assert seen["host"] == "127.0.0.1" and seen["port"] == 8123
    assert seen["app"].state.settings.data_dir == tmp_path / "d"
    assert "http://127.0.0.1:8123" in capsys.readouterr().out


def test_serve_refuses_placeholder_secret_in_production(monkeypatch, sqlite_url, capsys):
    monkeypatch.setenv("CARECAST_DATABASE_URL", sqlite_url)
    monkeypatch.setenv("CARECAST_ENVIRONMENT", "production")
    monkeypatch.delenv("CARECAST_SECRET_KEY", raising=False)
    monkeypatch.setattr(sys, "argv", ["carecast", "serve"])
    with pytest.raises(SystemExit) as exc:
        main()
    assert exc.value.code == 2 and "CARECAST_SECRET_KEY" in capsys.readouterr().err
