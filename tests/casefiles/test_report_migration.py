"""Reports stored before issue 12 (a JSON list on the extract) become ExtractProblem rows when
the migration runs: every row kept, in line order, with what was found put through the
shape rule (old reports could hold the start of a Crime ID)."""

from datetime import date

import pytest
from django.db import connections
from django.db.migrations.executor import MigrationExecutor

from cpinspect.casefiles.redaction import WITHHELD

# The other apps' records as they were then too (before ADR 0020's versions), so that the
# models of that moment can make their rows.
BEFORE = [
    ("casefiles", "0002_extract_queue"),
    ("accounts", "0002_initial"),
    ("registry", "0001_initial"),
    ("programmes", "0004_status_change_outstanding_and_reason"),
]
AFTER = [("casefiles", "0003_extract_problems_minimisation_one_sample")]
CRIME_ID = "320930473d454d613ead909a28008a91a607c93f8b74339623a4cec4a252b0dd"


@pytest.mark.django_db(databases=["default", "owner"])
def test_old_reports_become_rows_and_lose_what_looked_like_references():
    """All on the owner's connection (migrations run as the owner role), in its test
    transaction, which is rolled back; constraints checked at once, so that the tables can
    be altered after rows went in."""
    connection = connections["owner"]
    with connection.cursor() as cursor:
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
    executor = MigrationExecutor(connection)
    executor.migrate(BEFORE)
    old = executor.loader.project_state(BEFORE).apps

    def make(app, model, **values):
        return old.get_model(app, model).objects.using("owner").create(**values)

    lead = make(
        "accounts",
        "User",
        email="lead@example.test",
        full_name="Lead",
        role="lead_inspector",
        password="!",
    )
    force = make("registry", "Force", code="E23000032", name="Kent", country="england")
    programme = make(
        "programmes",
        "Programme",
        name="2026/27",
        starts_on=date(2026, 4, 1),
        ends_on=date(2027, 3, 31),
    )
    inspection = make(
        "programmes",
        "Inspection",
        programme=programme,
        kind="child_protection",
        force=force,
        fieldwork_starts_on=date(2026, 11, 2),
        fieldwork_ends_on=date(2026, 11, 20),
        status="fieldwork",
    )
    OldExtract = old.get_model("casefiles", "Extract")
    report = [
        {"line": 5, "field": "recorded_on", "problem": "invalid_date", "severity": "reject",
         "found": CRIME_ID[:60], "expected": "a real date in the form %Y-%m"},
        {"line": 3, "field": "case_ref", "problem": "missing_reference", "severity": "reject",
         "found": "(empty)", "expected": "a Crime ID"},
        {"line": 9, "field": "recorded_on", "problem": "invalid_date", "severity": "reject",
         "found": "2019-13", "expected": "a real date in the form %Y-%m"},
        {"line": 9, "field": "council_code", "problem": "council_outside_force",
         "severity": "warning", "found": "E10000016", "expected": "a council in the force's area"},
    ]  # fmt: skip
    extract = OldExtract.objects.using("owner").create(
        inspection_id=inspection.pk,
        profile="police-uk-street",
        imported_by_id=lead.pk,
        status="refused",
        report=report,
        problem_counts={"invalid_date": 2, "missing_reference": 1, "council_outside_force": 1},
    )
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(AFTER)
    new = executor.loader.project_state(AFTER).apps
    rows = new.get_model("casefiles", "ExtractProblem").objects.using("owner")
    got = list(
        rows.filter(extract_id=extract.pk)
        .order_by("seq")
        .values_list("line", "field", "problem", "found", "kind_seq")
    )
    assert got == [
        (3, "case_ref", "missing_reference", "(empty)", 0),
        (5, "recorded_on", "invalid_date", WITHHELD, 0),
        (9, "council_code", "council_outside_force", "E10000016", 0),
        (9, "recorded_on", "invalid_date", "2019-13", 1),
    ]
    kinds = new.get_model("casefiles", "Extract").objects.using("owner").get(pk=extract.pk)
    assert {
        (k["problem"], k["field"], k["rows"], k["first_line"]) for k in kinds.problem_kinds
    } == {
        ("missing_reference", "case_ref", 1, 3),
        ("invalid_date", "recorded_on", 2, 5),
        ("council_outside_force", "council_code", 1, 9),
    }
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM information_schema.columns WHERE column_name = 'report' "
            "AND table_name IN ('casefiles_extract', 'casefiles_extractevent')"
        )
        assert cursor.fetchone()[0] == 0  # gone from the extract and from its history
