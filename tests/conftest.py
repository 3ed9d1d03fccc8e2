"""Test set-up: a fresh database on the embedded PostgreSQL, migrated by the owner role.

Tests then run as the application's role (the ``default`` alias), exactly as the app does, so
database privileges (the append-only logs) are exercised for real.
"""

import os

import pytest
from django.conf import settings
from django.core.management import call_command
from django.db import connections
from django.test import TransactionTestCase

from cpinspect import database


@pytest.fixture(scope="session")
def django_db_setup(django_db_blocker):
    # One database per test run, so that two runs (or two developers) never collide.
    test_name = f"test_{settings.DATABASES['default']['NAME']}_{os.getpid()}"
    with django_db_blocker.unblock():
        for alias in ("default", "owner"):
            connections[alias].close()
            settings.DATABASES[alias]["NAME"] = test_name
            connections[alias].settings_dict["NAME"] = test_name
        database.recreate_database(settings.DATABASES["owner"])
        call_command("migrate", database="owner", verbosity=0)
        connections["owner"].close()
    yield
    with django_db_blocker.unblock():
        for alias in ("default", "owner"):
            connections[alias].close()
        database.drop_database(settings.DATABASES["owner"])


def _empty_as_owner(self):
    """After a transactional test (the two-connection race tests), whose rows are committed:
    the application's role may not truncate the append-only logs, so the owner role empties
    the database, as it migrated it. The tests themselves run as the application's role."""
    cls = type(self)
    allowed, owner = cls.databases, connections["owner"]
    wrapped = {name: getattr(owner, name) for name, _ in cls._disallowed_connection_methods}
    for name, method in wrapped.items():  # the test may not use "owner"; its teardown does
        setattr(owner, name, getattr(method, "wrapped", method))
    cls.databases = {*allowed, "owner"}
    try:
        call_command("flush", verbosity=0, interactive=False, database="owner")
    finally:
        owner.close()
        cls.databases = allowed
        for name, method in wrapped.items():
            setattr(owner, name, method)


TransactionTestCase._fixture_teardown = _empty_as_owner

pytest_plugins = ["tests.fixtures", "tests.demo_database"]
