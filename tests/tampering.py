"""Helpers for tests that tamper with the database as an adversary would.

``as_owner`` lends the test's own connection the owner role for a moment, the way an operator
with the owner's credentials would act, so that the tampering happens inside the test's
transaction (and is rolled back with it). Only the embedded server's superuser can lend it.
"""

from __future__ import annotations

import contextlib

from django.db import connections

from cpinspect import database


def _superuser(sql: str) -> None:
    with database._superuser_connection(connections["default"].settings_dict["NAME"]) as conn:
        conn.execute(sql)


@contextlib.contextmanager
def as_owner():
    """The default (app role) connection acts as the owner role inside the block."""
    app, owner = database.APP_ROLE, database.OWNER_ROLE
    _superuser(f'GRANT "{owner}" TO "{app}" WITH INHERIT FALSE, SET TRUE')
    try:
        with connections["default"].cursor() as cursor:
            # A session caches whom its role is a member of and reads the grant only once it
            # takes in other sessions' catalogue changes, which a new lock on the catalogue
            # makes it do (the test's transaction may have started before the grant).
            cursor.execute("LOCK TABLE pg_catalog.pg_auth_members IN ACCESS SHARE MODE")
            cursor.execute(f'SET LOCAL ROLE "{owner}"')
            try:
                yield cursor
            finally:
                cursor.execute("RESET ROLE")
    finally:
        _superuser(f'REVOKE "{owner}" FROM "{app}"')


def rows_of(table: str, pk) -> list:
    with connections["default"].cursor() as cursor:
        cursor.execute(f"SELECT * FROM {table} WHERE id = %s", [pk])  # noqa: S608 (fixed names)
        return cursor.fetchall()
