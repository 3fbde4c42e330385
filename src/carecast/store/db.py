"""Engine, sessions and schema upgrades for the carecast store."""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from functools import cache
from importlib import resources
from pathlib import Path

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.orm import DeclarativeBase, Session, sessionmaker

URL_ENV = "CARECAST_DATABASE_URL"
DEFAULT_SQLITE = "carecast.sqlite"


class Base(DeclarativeBase):
    """Declarative base shared by every capability's tables."""


def database_url(url: str | None = None) -> str:
    """The URL in use: the argument, else ``CARECAST_DATABASE_URL``, else a local SQLite file."""
    if url:
        return url
    env = os.environ.get(URL_ENV)
    if env:
        return env
    return f"sqlite:///{Path(DEFAULT_SQLITE).resolve()}"


@cache
def get_engine(url: str | None = None) -> Engine:
    """One engine per URL (cached). SQLite gets foreign keys and WAL for concurrent readers."""
    resolved = database_url(url)
    if resolved.startswith("sqlite"):
        engine = create_engine(resolved, connect_args={"check_same_thread": False})

        @event.listens_for(engine, "connect")
        def _sqlite_pragmas(dbapi_conn, _record):  # pragma: no cover - trivial
            cur = dbapi_conn.cursor()
            cur.execute("PRAGMA foreign_keys=ON")
            cur.execute("PRAGMA journal_mode=WAL")
            cur.close()

        return engine
    return create_engine(resolved, pool_pre_ping=True)


@contextmanager
def session_scope(url: str | None = None) -> Iterator[Session]:
    """A session that commits on success and rolls back on error."""
    factory = sessionmaker(bind=get_engine(url), expire_on_commit=False)
    session = factory()
    try:
        yield session
        session.commit()
    except Exception:
        session.rollback()
        raise
    finally:
        session.close()


def alembic_config(url: str | None = None):
    """Alembic configuration pointing at the migrations shipped inside the package."""
    from alembic.config import Config

    cfg = Config()
    cfg.set_main_option("script_location", str(resources.files("carecast.store") / "migrations"))
    cfg.set_main_option("sqlalchemy.url", database_url(url).replace("%", "%%"))
    return cfg


def upgrade(url: str | None = None, revision: str = "heads") -> None:
    """Create or upgrade the schema to the latest revision of every capability's branch."""
    from alembic import command

    command.upgrade(alembic_config(url), revision)


_OPENED: set[str] = set()


def open_store(url: str | None = None) -> str:
    """The store at ``url``, upgraded to the latest schema the first time this process opens it.

    Jobs that save to the store open it once at their start (``carecast serve`` at start-up);
    reads never run a migration.
    """
    resolved = database_url(url)
    if resolved not in _OPENED:
        upgrade(resolved)
        _OPENED.add(resolved)
    return resolved
