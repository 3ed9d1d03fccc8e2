"""The context of a recorded change (who, which request) is closed once the transaction that
wrote it has ended: a later transaction of the application's role cannot give a user to a
change made without one, nor alter anything else in it (issue #11 item 6, ADR 0018).

These need transactions that really commit, so they use their own connections as the app role
(outside the test's transaction) and remove their context rows as the owner afterwards."""

from __future__ import annotations

import json
import uuid

import psycopg
import pytest
from django.conf import settings

from cpinspect import database

pytestmark = pytest.mark.django_db

CLOSED = "recorded by an earlier transaction"


def _connect(alias: str) -> psycopg.Connection:
    conf = settings.DATABASES[alias]
    return psycopg.connect(
        host=conf["HOST"], port=conf["PORT"], user=conf["USER"], dbname=conf["NAME"]
    )


class AppSession:
    """A connection as the application's role, whose transactions commit, and the context
    rows it made (removed afterwards by the owner)."""

    def __init__(self, conn: psycopg.Connection):
        self.conn, self.made = conn, []

    def execute(self, *args):
        return self.conn.execute(*args)

    def commit(self):
        self.conn.commit()

    def rollback(self):
        self.conn.rollback()


@pytest.fixture
def app():
    with _connect("default") as conn:
        session = AppSession(conn)
        assert session.execute("SELECT current_user").fetchone() == (database.APP_ROLE,)
        yield session
        conn.rollback()
    with _connect("owner") as owner:
        owner.execute("DELETE FROM pghistory_context WHERE id = ANY(%s::uuid[])", [session.made])
        owner.commit()


def attach(conn, context_id: str, metadata: dict) -> None:
    """What pghistory does before each statement of a request, then its trigger's call."""
    conn.execute("SELECT set_config('pghistory.context_id', %s, true)", [context_id])
    conn.execute(
        "SELECT set_config('pghistory.context_metadata', %s, true)", [json.dumps(metadata)]
    )
    conn.execute("SELECT _pgh_attach_context()")


def recorded(conn, context_id: str) -> dict:
    return conn.execute(
        "SELECT metadata FROM pghistory_context WHERE id = %s", [context_id]
    ).fetchone()[0]


def new_context(app, metadata: dict) -> str:
    context_id = str(uuid.uuid4())
    app.made.append(context_id)
    attach(app, context_id, metadata)
    app.commit()
    return context_id


def test_a_user_cannot_be_given_afterwards_to_a_change_made_without_one(app, people):
    context_id = new_context(app, {"url": "/inspections/1/status/", "user": None})
    for forged in (
        "UPDATE pghistory_context SET metadata = jsonb_set(metadata, '{user}', %s::jsonb) "
        "WHERE id = %s",
        "UPDATE pghistory_context SET metadata = metadata || jsonb_build_object('user', %s::int) "
        "WHERE id = %s",
    ):
        with pytest.raises(psycopg.errors.RaiseException, match=CLOSED):
            app.execute(forged, [str(people["lead"].pk), context_id])
        app.rollback()
    with pytest.raises(psycopg.errors.RaiseException, match=CLOSED):
        attach(app, context_id, {"url": "/inspections/1/status/", "user": people["lead"].pk})
    app.rollback()
    assert recorded(app, context_id) == {"url": "/inspections/1/status/", "user": None}


def test_a_context_with_no_user_key_cannot_get_one_nor_lose_a_key(app, people):
    context_id = new_context(app, {"source": "reference data"})
    for forged in (
        "UPDATE pghistory_context SET metadata = metadata || '{\"user\": 1}' WHERE id = %s",
        "UPDATE pghistory_context SET metadata = '{}' WHERE id = %s",
        "UPDATE pghistory_context SET updated_at = now() WHERE id = %s",  # then a second try
    ):
        with pytest.raises(psycopg.errors.RaiseException, match=CLOSED):
            app.execute(forged, [context_id])
        app.rollback()
    assert recorded(app, context_id) == {"source": "reference data"}


def test_a_request_still_records_its_context_across_transactions(app, people):
    """pghistory attaches every change of a request to its one context row: a later
    transaction with the same metadata does not update it, so it is not refused."""
    metadata = {"url": "/x/", "user": people["lead"].pk, "request_id": "req-00000001"}
    context_id = new_context(app, metadata)
    attach(app, context_id, metadata)  # the request's next transaction
    app.commit()
    assert recorded(app, context_id) == metadata


def test_within_its_own_transaction_pghistory_may_still_add_the_user(app, people):
    """A sign-in sets the user part-way through a request: the row is still new then."""
    context_id = str(uuid.uuid4())
    app.made.append(context_id)
    attach(app, context_id, {"url": "/sign-in/", "user": None})
    attach(app, context_id, {"url": "/sign-in/", "user": people["lead"].pk})
    app.commit()
    assert recorded(app, context_id)["user"] == people["lead"].pk
    # but even then a recorded value is never changed
    other = str(uuid.uuid4())
    app.made.append(other)
    attach(app, other, {"url": "/a/", "user": people["lead"].pk})
    with pytest.raises(psycopg.errors.RaiseException, match="cannot be rewritten"):
        attach(app, other, {"url": "/a/", "user": people["other_lead"].pk})
    app.rollback()
