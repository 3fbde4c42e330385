"""Fixtures shared across capabilities: fresh databases on SQLite and (when available) PostgreSQL.

``make test`` starts a throwaway PostgreSQL server (scripts/test-services.sh) and exports
``CARECAST_TEST_POSTGRES_URL``. Each test that asks for ``store_url`` gets a brand-new database,
so tests (and pytest-xdist workers) never see each other's rows.
"""

from __future__ import annotations

import os
import uuid
from dataclasses import dataclass

import pytest

POSTGRES_ENV = "CARECAST_TEST_POSTGRES_URL"

# Consoles (Rich) are created when command modules are imported; give them a wide, fixed width so
# assertions on printed tables do not depend on the terminal the suite happens to run in.
os.environ.setdefault("COLUMNS", "200")


def _fresh_postgres_database() -> tuple[str, str]:
    from sqlalchemy import create_engine, text
    from sqlalchemy.engine import make_url

    admin_url = make_url(os.environ[POSTGRES_ENV])
    name = f"t_{uuid.uuid4().hex[:12]}"
    engine = create_engine(admin_url, isolation_level="AUTOCOMMIT")
    with engine.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    engine.dispose()
    return admin_url.set(database=name).render_as_string(hide_password=False), name


def _drop_postgres_database(name: str) -> None:
    from sqlalchemy import create_engine, text
    from sqlalchemy.engine import make_url

    engine = create_engine(make_url(os.environ[POSTGRES_ENV]), isolation_level="AUTOCOMMIT")
    with engine.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    engine.dispose()


@pytest.fixture
def sqlite_url(tmp_path) -> str:
    return f"sqlite:///{tmp_path / 'carecast.sqlite'}"


@pytest.fixture
def postgres_url():
    if not os.environ.get(POSTGRES_ENV):
        pytest.skip(f"PostgreSQL not available: set {POSTGRES_ENV} (make test starts a server)")
    url, name = _fresh_postgres_database()
    yield url
    from carecast.store.db import get_engine

    get_engine.cache_clear()
    _drop_postgres_database(name)


@pytest.fixture(params=["sqlite", "postgresql"])
def store_url(request, tmp_path):
    """A fresh, migrated-to-nothing database URL on each backend."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'carecast.sqlite'}"
    else:
        yield request.getfixturevalue("postgres_url")


@dataclass
class Run:
    """What a CLI run left behind: its exit code and what it printed."""

    returncode: int
    stdout: str
    stderr: str


@pytest.fixture
def carecast(capsys, monkeypatch):
    """Run ``carecast ...`` in-process through ``cli.main`` (errors → message and exit code)."""
    from carecast import cli

    def run(*args) -> Run:
        monkeypatch.setattr("sys.argv", ["carecast", *map(str, args)])
        capsys.readouterr()
        try:
            cli.main()
            code = 0
        except SystemExit as exc:
            code = exc.code or 0
        out = capsys.readouterr()
        return Run(code, out.out, out.err)

    return run
