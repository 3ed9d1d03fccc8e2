"""The national picture needs every force, council and published grade: load the shipped
reference data into the test database (the suite's ``reference`` fixture holds two forces)."""

import pytest

from cpinspect.registry.reference_data import load


@pytest.fixture
def national(db):
    load()


@pytest.fixture
def national_and_people(people):
    """The suite's people (whose fixture makes two forces first), then the full load, which
    brings those two forces into line with the files and adds the rest."""
    load()
    return people
