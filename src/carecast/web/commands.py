"""``carecast serve`` and ``carecast user add``."""

from __future__ import annotations

import getpass
import os

import typer
from rich.console import Console

console = Console()


def register(app: typer.Typer) -> None:
    user_app = typer.Typer(help="Manage web accounts.", no_args_is_help=True)
    app.add_typer(user_app, name="user")

    @app.command()
    def serve(
        host: str = typer.Option("127.0.0.1", help="Address to listen on (loopback by default)."),
        port: int = typer.Option(8000, help="Port to listen on."),
        data_dir: str = typer.Option(None, help="Folder for uploaded data and cached results "
                                     "(default: CARECAST_DATA_DIR or ./carecast-data)."),
    ) -> None:
        """Start the web app (SQLite store by default; CARECAST_DATABASE_URL for PostgreSQL)."""
        import uvicorn

        from carecast import logs
        from carecast.web import Settings, create_app

        logs.setup("INFO")  # the server's log: every job's start, end, duration and failure
        settings = Settings.from_env(data_dir=data_dir)
        application = create_app(settings)
        console.print(f"carecast web app on http://{host}:{port} (data in {settings.data_dir})")
        uvicorn.run(application, host=host, port=port, log_level="info")

    @user_app.command("add")
    def add(
        email: str = typer.Option(..., help="The user's work email (their login)."),
        role: str = typer.Option(..., help="council_analyst, council_finance, regional_analyst, commissioner or admin."),
        council: str = typer.Option(None, help="The council (for council roles)."),
        region: str = typer.Option(None, help="The region (for regional roles; none = all England)."),
        password_env: str = typer.Option("CARECAST_NEW_PASSWORD", help="Environment variable holding the "
                                         "password; asked for if unset."),
    ) -> None:
        """Create a web account."""
        from carecast.store import session_scope, upgrade
        from carecast.web import audit
        from carecast.web.accounts import create_user

        password = os.environ.get(password_env) or getpass.getpass("Password for the new account: ")
        upgrade()
        with session_scope() as db:
            user = create_user(db, email=email, password=password, role=role, council=council, region=region)
            audit.record(db, "user_created", email="(command line)", council=user.council,
                         email_created=user.email, role=user.role)
            scope = user.council or user.region or "all councils (aggregates)"
            console.print(f"Created {user.email} ({user.role}, {scope}).")
