"""Persistence: SQLAlchemy 2 models and Alembic migrations over SQLite (default) or PostgreSQL.

The database is chosen by ``CARECAST_DATABASE_URL`` (e.g.
``postgresql+psycopg://user@host/db``); without it carecast uses a SQLite file
``carecast.sqlite`` in the current directory. Each capability keeps its tables in
``store/models_<capability>.py`` on the shared :class:`Base`, and its migrations on its own Alembic
branch, so ``upgrade("heads")`` brings every capability up to date.
"""

from carecast.store.db import Base, database_url, get_engine, open_store, session_scope, upgrade

__all__ = ["Base", "database_url", "get_engine", "open_store", "session_scope", "upgrade"]
