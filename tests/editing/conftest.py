"""The worlds other apps' tests build, reused here: the audit's drawn sample (and its keys),
findings' next programme, the reports' quick inspection in reporting, the planning world
with a published plan."""

from tests.assessments.conftest import audit_env, sample  # noqa: F401
from tests.findings.conftest import next_programme  # noqa: F401
from tests.reports.conftest import quick_inspection  # noqa: F401
from tests.scheduling.conftest import planning, published, solved  # noqa: F401
