"""Factories for set-ups many tests repeat: a force's extract imported through the real
service and a sample drawn from it, each a call with the defaults the suite uses."""

from cpinspect.casefiles import sampling
from cpinspect.casefiles import services as casefiles_services
from tests.casefiles.conftest import TODAY, synthetic_csv


def imported_extract(inspection, user, *, rows: int = 400, seed: int = 11):
    """A synthetic extract of ``rows`` cases for ``inspection``, imported by ``user``."""
    return casefiles_services.extract_import(
        inspection=inspection,
        user=user,
        data=synthetic_csv(rows, seed=seed),
        profile_name="canonical",
        via="cli",
        today=TODAY,
    )


def drawn_sample(
    inspection,
    user,
    *,
    rows: int = 400,
    extract_seed: int = 11,
    size: int = 21,
    method: str = "equal",
    minimum: int = 1,
    seed: int = 42,
):
    """An extract imported and a sample of ``size`` drawn from it (``method``: equal or
    proportional allocation across the themes, at least ``minimum`` each)."""
    extract = imported_extract(inspection, user, rows=rows, seed=extract_seed)
    return casefiles_services.sample_draw(
        extract=extract,
        user=user,
        design=sampling.Design(size=size, method=method, minimum=minimum),
        seed=seed,
    )
