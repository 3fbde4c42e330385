"""``carecast serve`` and ``carecast user add|list|disable|enable|reset|delete``.

Every user command runs without a terminal (scripts, provisioning): the password comes from
``--password-file`` (``-`` for standard input) or an environment variable, and is asked for only
when standard input is a terminal.
"""

from __future__ import annotations

import getpass
import os
import sys
from pathlib import Path

import typer
from rich.console import Console

from carecast.errors import ParameterError

console = Console()
PASSWORD_ENV = "CARECAST_NEW_PASSWORD"


def read_password(password_file: str | None, password_env: str, *, prompt: str) -> str:
    """The password from a file, standard input, an environment variable or (at a terminal) a prompt."""
    if password_file == "-":
        text = sys.stdin.readline()
    elif password_file:
        path = Path(password_file)
        if not path.is_file():
            raise ParameterError(
                f"the password file {password_file} does not exist",
                fix="give the path of a file holding the password on its first line",
            )
        text = path.read_text(encoding="utf-8").splitlines()[0] if path.stat().st_size else ""
    elif os.environ.get(password_env):
        text = os.environ[password_env]
    elif sys.stdin.isatty():
        text = getpass.getpass(prompt)
    else:
        raise ParameterError(
            "no password was given and there is no terminal to ask for one",
            fix=f"pass --password-file FILE (or - to read standard input), or set {password_env}",
        )
    return text.rstrip("\r\n")


def register(app: typer.Typer) -> None:
    user_app = typer.Typer(help="Manage web accounts.", no_args_is_help=True)
    app.add_typer(user_app, name="user")

    @app.command()
    def serve(
        host: str = typer.Option("127.0.0.1", help="Address to listen on (loopback by default)."),
        port: int = typer.Option(8000, help="Port to listen on."),
        data_dir: str = typer.Option(
            None,
            help="Folder for uploaded data and cached results "
            "(default: CARECAST_DATA_DIR or ./carecast-data).",
        ),
        dev: bool = typer.Option(
            False,
            "--dev",
            help="Try it on your own computer: allows the "
            "placeholder secret key. Never for real data.",
        ),
    ) -> None:
        """Start the web app (SQLite store by default; CARECAST_DATABASE_URL for PostgreSQL)."""
        import uvicorn

        from carecast import logs
        from carecast.web import Settings, create_app

        logs.setup("INFO")  # the server's log: every job's start, end, duration and failure
        settings = Settings.from_env(data_dir=data_dir, environment="dev" if dev else None)
        if not dev:
            settings.require_real_secret()
        application = create_app(settings)
        console.print(f"carecast web app on http://{host}:{port} (data in {settings.data_dir})")
        uvicorn.run(application, host=host, port=port, log_level="info")

    password_file_option = typer.Option(
        None,
        "--password-file",
        help="File whose first line is the password; - reads it from standard input.",
    )
    password_env_option = typer.Option(
        PASSWORD_ENV,
        help="Environment variable holding the password (used when there is no --password-file).",
    )

    @user_app.command("add")
    def add(
        email: str = typer.Option(..., help="The user's work email (their login)."),
        role: str = typer.Option(
            ..., help="council_analyst, council_finance, regional_analyst, commissioner or admin."
        ),
        council: str = typer.Option(None, help="The council (for council roles)."),
        region: str = typer.Option(
            None, help="The region (for regional roles; none = all England)."
        ),
        password_file: str = password_file_option,
        password_env: str = password_env_option,
        sso_only: bool = typer.Option(
            False,
            "--sso-only",
            help="No password: the user signs in only with the council's single sign-on.",
        ),
    ) -> None:
        """Create a web account."""
        from carecast.web.accounts import create_user

        password = (
            None
            if sso_only
            else read_password(password_file, password_env, prompt="Password for the new account: ")
        )
        with _store() as db:
            user = create_user(
                db, email=email, password=password, role=role, council=council, region=region
            )
            _audit(db, "user_created", user.council, email_created=user.email, role=user.role)
            scope = user.council or user.region or "all councils (aggregates)"
            console.print(f"Created {user.email} ({user.role}, {scope}).")

    @user_app.command("list")
    def list_users() -> None:
        """Show every account, its role, scope and status."""
        from rich.table import Table
        from sqlalchemy import select

        from carecast.store.models_web import WebUser

        table = Table("Email", "Role", "Council / region", "Status", "Second step")
        with _store() as db:
            for u in db.scalars(select(WebUser).order_by(WebUser.email)):
                table.add_row(
                    u.email,
                    u.role.replace("_", " "),
                    u.council or u.region or "All",
                    "active" if u.is_active else "disabled",
                    "on" if u.totp_secret else "off",
                )
        console.print(table)

    @user_app.command("disable")
    def disable(email: str = typer.Argument(..., help="The account's email.")) -> None:
        """Stop an account signing in (and end its sessions); it can be re-enabled."""
        _set_active(email, False)

    @user_app.command("enable")
    def enable(email: str = typer.Argument(..., help="The account's email.")) -> None:
        """Let a disabled account sign in again."""
        _set_active(email, True)

    @user_app.command("reset")
    def reset(
        email: str = typer.Argument(..., help="The account's email."),
        password_file: str = password_file_option,
        password_env: str = password_env_option,
        second_factor: bool = typer.Option(
            False,
            "--second-factor",
            help="Also remove the second step "
            "(lost phone); the user sets it up again at the next sign-in.",
        ),
    ) -> None:
        """Give an account a temporary password the user must change at the next sign-in."""
        from carecast.web.accounts import find_user, reset_password

        password = read_password(
            password_file, password_env, prompt=f"Temporary password for {email}: "
        )
        with _store() as db:
            user = find_user(db, email)
            reset_password(db, user, password, second_factor=second_factor)
            _audit(
                db,
                "password_reset",
                user.council,
                account=user.email,
                second_factor_removed=second_factor,
            )
            console.print(
                f"{user.email} has a temporary password and must choose a new one at the next sign-in."
            )

    @user_app.command("delete")
    def delete(
        email: str = typer.Argument(..., help="The account's email."),
        yes: bool = typer.Option(False, "--yes", help="Do not ask for confirmation."),
    ) -> None:
        """Delete an account (its audit history stays)."""
        from carecast.web.accounts import delete_user, find_user

        if not yes:
            if not sys.stdin.isatty():
                raise ParameterError(f"deleting {email} needs confirmation", fix="add --yes")
            typer.confirm(f"Delete the account {email}?", abort=True)
        with _store() as db:
            user = find_user(db, email)
            council = user.council
            delete_user(db, user)
            _audit(db, "user_deleted", council, account=email.strip().lower())
            console.print(f"Deleted {email.strip().lower()}.")


def _store():
    """The store CARECAST_DATABASE_URL names now (resolved here, not cached under None)."""
    from carecast.store import database_url, session_scope, upgrade

    url = database_url()
    upgrade(url)
    return session_scope(url)


def _audit(db, action: str, council: str | None, **detail) -> None:
    from carecast.web import audit

    audit.record(db, action, email="(command line)", council=council, **detail)


def _set_active(email: str, active: bool) -> None:
    from carecast.web.accounts import find_user, set_active

    with _store() as db:
        user = find_user(db, email)
        set_active(db, user, active)
        _audit(db, "user_enabled" if active else "user_disabled", user.council, account=user.email)
        console.print(f"{user.email} is {'active' if active else 'disabled (and signed out)'}.")
