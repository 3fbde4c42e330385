"""``carecast user ...`` manages accounts without a terminal (and refuses bad input with a message
and exit code 2); ``carecast serve`` refuses the placeholder secret unless ``--dev``."""

import os
import subprocess
import sys
from types import SimpleNamespace

import pytest
from sqlalchemy import select

from carecast.cli import main
from carecast.store import session_scope
from carecast.store.models_web import WebAuditEvent, WebUser
from carecast.web.security import verify_password
from tests.paths import cli


def test_user_add_creates_an_account_with_a_hashed_password(sqlite_url, user_cmd):
    res = user_cmd(
        "add",
        "--email",
        "finance@camden.test",
        "--role",
        "council_finance",
        "--council",
        "camden",
        password="a long enough password",
    )
    assert res.returncode == 0, res.stderr
    assert "Created finance@camden.test (council_finance, Camden)" in res.stdout
    with session_scope(sqlite_url) as db:
        user = db.scalar(select(WebUser))
        assert user.council == "Camden" and verify_password(
            "a long enough password", user.password_hash
        )
        assert "a long enough password" not in user.password_hash
        assert db.scalar(select(WebAuditEvent.action)) == "user_created"


def test_user_add_refuses_bad_input_with_exit_code_2(sqlite_url, user_cmd):
    pw = "a long enough password"
    no_council = user_cmd("add", "--email", "a@b.test", "--role", "council_analyst", password=pw)
    assert (
        no_council.returncode == 2
        and "needs a council" in no_council.stderr
        and "Traceback" not in no_council.stderr
    )
    bad_role = user_cmd("add", "--email", "a@b.test", "--role", "wizard", password=pw)
    assert bad_role.returncode == 2 and "is not a role" in bad_role.stderr
    short = user_cmd("add", "--email", "a@b.test", "--role", "admin", password="short")
    assert short.returncode == 2 and "shorter than 10" in short.stderr
    ok = user_cmd("add", "--email", "a@b.test", "--role", "admin", password=pw)
    again = user_cmd("add", "--email", "A@b.test", "--role", "admin", password=pw)
    assert ok.returncode == 0 and again.returncode == 2 and "already exists" in again.stderr


def test_user_add_reads_the_password_from_a_pipe(sqlite_url):
    """A real subprocess with standard input a pipe (as in a provisioning script): no prompt, no
    GetPassWarning, no exit 130."""
    env = {k: v for k, v in os.environ.items() if k != "CARECAST_NEW_PASSWORD"}
    env["CARECAST_DATABASE_URL"] = sqlite_url
    done = subprocess.run(
        [
            cli(),
            "user",
            "add",
            "--email",
            "b@lewisham.test",
            "--role",
            "council_finance",
            "--council",
            "Lewisham",
            "--password-file",
            "-",
        ],
        input="another long password\n",
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
    )
    assert done.returncode == 0 and "GetPassWarning" not in done.stderr, done.stderr
    with session_scope(sqlite_url) as db:
        assert verify_password("another long password", db.scalar(select(WebUser.password_hash)))


@pytest.fixture
def user_cmd(monkeypatch, capsys, sqlite_url):
    """``carecast user ...`` in-process through the CLI's own error mapping, with standard input a
    pipe holding ``stdin`` and the password (if any) in CARECAST_NEW_PASSWORD."""
    import io

    def run(*args: str, stdin: str = "", password: str | None = None):
        monkeypatch.setenv("CARECAST_DATABASE_URL", sqlite_url)
        if password is None:
            monkeypatch.delenv("CARECAST_NEW_PASSWORD", raising=False)
        else:
            monkeypatch.setenv("CARECAST_NEW_PASSWORD", password)
        monkeypatch.setattr(sys, "stdin", io.StringIO(stdin))
        monkeypatch.setattr(sys, "argv", ["carecast", "user", *args])
        code = 0
        try:
            main()
        except SystemExit as exc:
            code = exc.code or 0
        out = capsys.readouterr()
        return SimpleNamespace(returncode=code, stdout=out.out, stderr=out.err)

    return run


def test_user_commands_work_without_a_terminal(sqlite_url, tmp_path, user_cmd):
    pw_file = tmp_path / "pw.txt"
    pw_file.write_text("a long enough password\n")
    made = user_cmd(
        "add",
        "--email",
        "a@lewisham.test",
        "--role",
        "council_analyst",
        "--council",
        "Lewisham",
        "--password-file",
        str(pw_file),
    )
    assert made.returncode == 0, made.stderr
    assert (
        user_cmd(
            "add",
            "--email",
            "b@lewisham.test",
            "--role",
            "council_finance",
            "--council",
            "Lewisham",
            "--password-file",
            "-",
            stdin="another long password\n",
        ).returncode
        == 0
    )
    nothing = user_cmd("add", "--email", "c@lewisham.test", "--role", "admin")
    assert (
        nothing.returncode == 2
        and "no terminal" in nothing.stderr
        and "Traceback" not in nothing.stderr
    )
    assert user_cmd("disable", "a@lewisham.test").returncode == 0
    reset = user_cmd(
        "reset", "b@lewisham.test", "--password-file", "-", stdin="a temporary password\n"
    )
    assert reset.returncode == 0, reset.stderr
    with session_scope(sqlite_url) as db:
        users = {u.email: u for u in db.scalars(select(WebUser))}
        assert not users["a@lewisham.test"].is_active
        assert verify_password("a long enough password", users["a@lewisham.test"].password_hash)
        assert verify_password("a temporary password", users["b@lewisham.test"].password_hash)
        assert users["b@lewisham.test"].must_change_password
    assert user_cmd("enable", "a@lewisham.test").returncode == 0
    refused = user_cmd("delete", "a@lewisham.test")
    assert refused.returncode == 2 and "--yes" in refused.stderr
    assert user_cmd("delete", "a@lewisham.test", "--yes").returncode == 0
    missing = user_cmd("disable", "nobody@lewisham.test")
    assert missing.returncode != 0 and "no account for nobody@lewisham.test" in missing.stderr
    listing = user_cmd("list")
    assert "b@lewisham.test" in listing.stdout and "a@lewisham.test" not in listing.stdout
    with session_scope(sqlite_url) as db:
        actions = list(db.scalars(select(WebAuditEvent.action).order_by(WebAuditEvent.id)))
    assert actions == [
        "user_created",
        "user_created",
        "user_disabled",
        "password_reset",
        "user_enabled",
        "user_deleted",
    ]


def test_serve_refuses_the_placeholder_secret_unless_dev(monkeypatch, tmp_path, sqlite_url, capsys):
    import uvicorn

    monkeypatch.setattr(uvicorn, "run", lambda app, **kw: None)
    monkeypatch.setenv("CARECAST_DATABASE_URL", sqlite_url)
    monkeypatch.setenv("CARECAST_DATA_DIR", str(tmp_path / "d"))
    monkeypatch.delenv("CARECAST_SECRET_KEY", raising=False)
    monkeypatch.delenv("CARECAST_ENVIRONMENT", raising=False)
    monkeypatch.setattr(sys, "argv", ["carecast", "serve"])
    with pytest.raises(SystemExit) as exc:
        main()
    assert exc.value.code == 2 and "--dev" in capsys.readouterr().err
    monkeypatch.setattr(sys, "argv", ["carecast", "serve", "--dev"])
    try:
        main()
    except SystemExit as done:
        assert not done.code
    assert "carecast web app on" in capsys.readouterr().out


def test_serve_builds_the_app_from_the_environment(monkeypatch, tmp_path, sqlite_url, capsys):
    import uvicorn

    seen = {}
    monkeypatch.setattr(uvicorn, "run", lambda app, **kw: seen.update(app=app, **kw))
    monkeypatch.setenv("CARECAST_DATABASE_URL", sqlite_url)
    monkeypatch.setenv("CARECAST_DATA_DIR", str(tmp_path / "d"))
    monkeypatch.setenv("CARECAST_SECRET_KEY", "a-real-secret-of-at-least-32-characters-long")
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
