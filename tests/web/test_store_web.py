"""The web tables on both stores (SQLite and PostgreSQL): migration, accounts, sessions, audit, data sets."""

import polars as pl
from sqlalchemy import select

from carecast.store import session_scope, upgrade
from carecast.store.models_web import WebAuditEvent, WebDataset
from carecast.web import audit
from carecast.web.accounts import (
    authenticate,
    close_session,
    create_user,
    open_session,
    principal_for,
)
from carecast.web.datastore import load_council, save_dataset


def test_accounts_sessions_audit_and_datasets_round_trip(store_url, tmp_path):
    upgrade(store_url)
    with session_scope(store_url) as db:
        user = create_user(
            db,
            email="A@Lewisham.test ",
            password="a long password",
            role="council analyst",
            council="lewisham",
        )
        assert (user.email, user.council, user.region) == ("a@lewisham.test", "Lewisham", "London")
        token = open_session(db, user, hours=1)
    with session_scope(store_url) as db:
        assert authenticate(db, "a@lewisham.test", "a long password").id == user.id
        assert authenticate(db, "a@lewisham.test", "wrong password") is None
        who = principal_for(db, token)
        assert who is not None and who.council == "Lewisham" and who.sees_child_level
        audit.record(db, "upload", user=who, council="Lewisham", episodes=3)
        episodes = pl.DataFrame({"council": ["Lewisham"] * 3, "child_id": ["1", "2", "3"]})
        children = pl.DataFrame({"council": ["Lewisham"] * 3, "child_id": ["1", "2", "3"]})
        save_dataset(
            db,
            tmp_path,
            council="Lewisham",
            uploaded_by=who.email,
            content_hash="h1",
            episodes=episodes,
            children=children,
            quality={"totals": {"read": 3}},
        )
    with session_scope(store_url) as db:
        data = load_council(db, tmp_path, "Lewisham")
        assert data.episodes.height == 3 and data.quality["totals"]["read"] == 3
        assert data.uploaded_at.tzinfo is not None
        event = db.scalar(select(WebAuditEvent))
        assert event.action == "upload" and event.detail == {"episodes": 3}
        assert db.scalar(select(WebDataset.n_rows)) == 3
        close_session(db, token)
    with session_scope(store_url) as db:
        assert principal_for(db, token) is None


def test_high_needs_uploads_move_into_the_one_dataset_table(store_url):
    """web_0003: the SEND copy of the table is folded into web_datasets with a kind, and back."""
    from alembic import command
    from sqlalchemy import inspect, text

    from carecast.store import get_engine
    from carecast.store.db import alembic_config

    upgrade(store_url, "web_0002")
    common = "council, uploaded_by, uploaded_at, content_hash, n_children, storage, quality"
    with get_engine(store_url).begin() as conn:
        conn.execute(
            text(
                f"INSERT INTO web_datasets ({common}, n_episodes) VALUES "
                "('Lewisham', 'a', '2024-01-01', 'r1', 5, 'x', '{}', 9)"
            )
        )
        for form, digest in (("records", "s1"), ("counts", "s2")):
            conn.execute(
                text(
                    f"INSERT INTO web_send_datasets ({common}, form, n_rows) VALUES "
                    f"('Lewisham', 'a', '2024-01-02', '{digest}', 2, 'y', '{{}}', '{form}', 4)"
                )
            )
    upgrade(store_url)
    assert "web_send_datasets" not in inspect(get_engine(store_url)).get_table_names()
    with session_scope(store_url) as db:
        rows = db.scalars(select(WebDataset).order_by(WebDataset.id)).all()
        assert [(r.kind, r.content_hash, r.n_rows) for r in rows] == [
            ("returns", "r1", 9),
            ("ehcp_records", "s1", 4),
            ("ehcp_counts", "s2", 4),
        ]
        assert rows[2].form == "counts"
    command.downgrade(alembic_config(store_url), "web_0002")
    with get_engine(store_url).connect() as conn:
        assert conn.execute(
            text("SELECT form, content_hash FROM web_send_datasets ORDER BY id")
        ).all() == [("records", "s1"), ("counts", "s2")]
        assert conn.execute(text("SELECT content_hash, n_episodes FROM web_datasets")).all() == [
            ("r1", 9)
        ]
    get_engine(store_url).dispose()
