"""The store migrates every capability's branch to its head on SQLite and PostgreSQL."""

from sqlalchemy import inspect

from carecast.store import get_engine, upgrade


def test_upgrade_heads_creates_alembic_version(store_url):
    upgrade(store_url)
    upgrade(store_url)  # idempotent
    tables = set(inspect(get_engine(store_url)).get_table_names())
    assert "alembic_version" in tables
