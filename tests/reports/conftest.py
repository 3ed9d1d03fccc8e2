from tests.assessments.conftest import (  # noqa: F401 (fixtures shared with the audit tests)
    allocated,
    audit_env,
    sample,
    second_inspector,
)
