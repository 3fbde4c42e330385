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
        user = create_user(db, email="A@Lewisham.test ", password="a long password", role="council analyst",
                           council="lewisham")
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
        save_dataset(db, tmp_path, council="Lewisham", uploaded_by=who.email, content_hash="h1",
                     episodes=episodes, children=children, quality={"totals": {"read": 3}})
    with session_scope(store_url) as db:
        data = load_council(db, tmp_path, "Lewisham")
        assert data.episodes.height == 3 and data.quality["totals"]["read"] == 3
        assert data.uploaded_at.tzinfo is not None
        event = db.scalar(select(WebAuditEvent))
        assert event.action == "upload" and event.detail == {"episodes": 3}
        assert db.scalar(select(WebDataset.n_episodes)) == 3
        close_session(db, token)
    with session_scope(store_url) as db:
        assert principal_for(db, token) is None
