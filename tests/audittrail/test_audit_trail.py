"""Changes are recorded by triggers with user, time and request id; views go to the access log;
neither log can be altered by the application's database role."""

import pytest
from django.db import connections, transaction
from django.db.utils import DatabaseError, ProgrammingError
from django.urls import reverse
from pghistory.models import Events

from cpinspect.audittrail.models import AccessLogEntry
from cpinspect.audittrail.protection import append_only_tables
from cpinspect.programmes.models import Inspection

pytestmark = pytest.mark.django_db


def events_of(obj):
    return Events.objects.filter(pgh_obj_model=obj._meta.label, pgh_obj_id=str(obj.pk))


def test_insert_update_and_delete_are_recorded(reference):
    essex = reference["essex"]
    essex.name = "Essex Police"
    essex.save()
    pk = essex.councils.first().pk
    council = essex.councils.get(pk=pk)
    council.delete()
    labels = list(events_of(essex).order_by("pgh_created_at").values_list("pgh_label", flat=True))
    assert labels == ["insert", "update"]
    update = events_of(essex).get(pgh_label="update")
    assert update.pgh_diff == {"name": ["Essex", "Essex Police"], "version": [1, 2]}
    assert list(
        Events.objects.filter(pgh_obj_model="registry.Council", pgh_obj_id=str(pk))
        .values_list("pgh_label", flat=True)
        .order_by("pgh_label")
    ) == ["delete", "insert"]


def test_a_change_through_the_web_records_user_and_request_id(inspection, people, client):
    client.force_login(people["lead"])
    response = client.post(
        reverse("inspection-transition", args=[inspection.pk]),
        {
            "target": "moderation",
            "reason": "Nothing of fieldwork is in this test.",
            "version": inspection.version,
        },
        HTTP_X_REQUEST_ID="test-request-0001",
    )
    assert response.status_code == 302
    assert response["X-Request-ID"] == "test-request-0001"
    update = events_of(inspection).get(pgh_label="update", pgh_context__isnull=False)
    assert update.pgh_diff["status"] == ["fieldwork", "moderation"]
    assert update.pgh_context["user"] == people["lead"].pk
    assert update.pgh_context["request_id"] == "test-request-0001"
    assert update.pgh_context["url"] == f"/inspections/{inspection.pk}/status/"
    assert update.pgh_created_at is not None


def test_password_changes_are_not_copied_into_the_trail(people):
    user = people["inspector"]
    user.set_password("a brand new long password")
    user.save()
    for event in Events.objects.filter(pgh_obj_model="accounts.User", pgh_obj_id=str(user.pk)):
        assert "password" not in event.pgh_data


def test_viewing_an_inspection_is_access_logged(inspection, people, client):
    client.force_login(people["analyst"])
    client.get(reverse("inspection-detail", args=[inspection.pk]), HTTP_X_REQUEST_ID="view-0001")
    client.get(f"/api/inspections/{inspection.pk}/", HTTP_X_REQUEST_ID="view-0002")
    entries = list(
        AccessLogEntry.objects.order_by("pk").values_list(
            "user", "action", "object_type", "object_id", "inspection_id", "via", "request_id"
        )
    )
    expected = (
        people["analyst"].pk,
        "view",
        "programmes.inspection",
        str(inspection.pk),
        inspection.pk,
    )
    assert entries == [(*expected, "web", "view-0001"), (*expected, "api", "view-0002")]


def test_a_refused_view_is_not_logged_as_a_view(kent_inspection, people, client):
    client.force_login(people["liaison"])
    assert client.get(reverse("inspection-detail", args=[kent_inspection.pk])).status_code == 404
    assert not AccessLogEntry.objects.exists()


@pytest.fixture
def logged(inspection, people):
    from cpinspect.audittrail.services import access_log_record

    return access_log_record(
        user=people["lead"], action="view", obj=inspection, inspection_id=inspection.pk
    )


def test_every_log_table_is_protected():
    tables = append_only_tables()
    assert "audittrail_accesslogentry" in tables
    assert "registry_forceevent" in tables and "programmes_inspectionevent" in tables


APP_ROLE_ATTEMPTS = [
    "UPDATE {table} SET pgh_label = 'forged'",
    "DELETE FROM {table}",
    "TRUNCATE {table}",
    "ALTER TABLE {table} DISABLE TRIGGER ALL",
    "DROP TABLE {table}",
]


@pytest.mark.parametrize("statement", APP_ROLE_ATTEMPTS)
@pytest.mark.parametrize("table", ["programmes_inspectionevent", "audittrail_accesslogentry"])
def test_the_application_role_cannot_alter_or_delete_the_logs(statement, table, logged, inspection):
    statement = statement.format(table=table)
    if table == "audittrail_accesslogentry":
        statement = statement.replace("pgh_label", "action")
    before = _log_rows(table)
    assert before  # there is something to protect
    with (
        pytest.raises((ProgrammingError, DatabaseError)) as refused,
        transaction.atomic(),
        connections["default"].cursor() as cursor,
    ):
        cursor.execute(statement)
    assert "permission denied" in str(refused.value) or "must be owner" in str(refused.value)
    assert _log_rows(table) == before


@pytest.mark.parametrize("table", ["programmes_inspectionevent", "audittrail_accesslogentry"])
def test_the_application_role_cannot_grant_itself_the_privileges_back(table, logged):
    with connections["default"].cursor() as cursor:
        cursor.execute(f"GRANT UPDATE, DELETE, TRUNCATE ON {table} TO CURRENT_USER")
        for privilege in ("UPDATE", "DELETE", "TRUNCATE"):
            cursor.execute("SELECT has_table_privilege(current_user, %s, %s)", [table, privilege])
            assert cursor.fetchone() == (False,), privilege
        cursor.execute("SELECT has_table_privilege(current_user, %s, 'INSERT')", [table])
        assert cursor.fetchone() == (True,)


@pytest.mark.django_db(databases=["default", "owner"])
def test_even_the_owner_role_cannot_update_or_delete_log_rows():
    """The append-only triggers hold for the schema owner too (defence in depth)."""
    from cpinspect.accounts.models import User

    user = User.objects.using("owner").create(email="o@example.test", full_name="O", role="analyst")
    AccessLogEntry.objects.using("owner").create(
        user=user, action="view", object_type="x", object_id="1", via="web"
    )
    owner = connections["owner"]
    for statement in (
        "UPDATE audittrail_accesslogentry SET action = 'export'",
        "DELETE FROM audittrail_accesslogentry",
    ):
        with (
            pytest.raises(DatabaseError, match="Cannot"),
            transaction.atomic(using="owner"),
            owner.cursor() as cursor,
        ):
            cursor.execute(statement)
    assert AccessLogEntry.objects.using("owner").filter(action="view").count() == 1


def test_application_role_can_still_write_domain_data(inspection):
    Inspection.objects.filter(pk=inspection.pk).update(status="moderation")
    assert Inspection.objects.get(pk=inspection.pk).status == "moderation"


def _log_rows(table):
    with connections["default"].cursor() as cursor:
        cursor.execute(f"SELECT * FROM {table} ORDER BY 1")  # noqa: S608 (fixed names)
        return cursor.fetchall()


def test_admin_can_filter_both_logs(inspection, people, logged, client):
    client.force_login(people["administrator"])
    page = client.get(
        reverse("audit-changes"),
        {"object_type": "programmes.inspection", "object_id": inspection.pk},
    )
    assert page.status_code == 200
    # the fixture inserted it, then set its status: two events
    assert page.context["page"].paginator.count == events_of(inspection).count() == 2
    page = client.get(reverse("audit-changes"), {"person": people["lead"].pk})
    assert page.context["page"].paginator.count == 0  # fixtures ran outside any request
    page = client.get(reverse("audit-access"), {"person": people["lead"].pk})
    assert [row["who"] for row in page.context["page"].object_list] == ["Lead"]
    page = client.get(reverse("audit-access"), {"person": people["analyst"].pk})
    assert page.context["page"].paginator.count == 0
    old = {"date_from_day": "1", "date_from_month": "1", "date_from_year": "2000"}
    page = client.get(
        reverse("audit-access"),
        {**old, "date_to_day": "2", "date_to_month": "1", "date_to_year": "2000"},
    )
    assert page.context["page"].paginator.count == 0
    page = client.get(
        reverse("audit-access"),
        {"date_from_day": "nonsense", "date_from_month": "1", "date_from_year": "2000"},
    )
    assert page.status_code == 400
    assert "The from date must be a real date" in page.content.decode()


def test_partner_inspectorate_changes_are_recorded(joint_inspection, reference):
    joint_inspection.partner_inspectorates.remove(reference["cqc"])
    labels = sorted(
        Events.objects.filter(
            pgh_obj_model="programmes.Inspection_partner_inspectorates"
        ).values_list("pgh_label", flat=True)
    )
    assert labels == ["delete", "insert", "insert"]


def test_the_context_of_a_recorded_change_cannot_be_rewritten(inspection, people, client):
    client.force_login(people["lead"])
    client.post(
        reverse("inspection-transition", args=[inspection.pk]),
        {
            "target": "moderation",
            "reason": "Nothing of fieldwork is in this test.",
            "version": inspection.version,
        },
        HTTP_X_REQUEST_ID="context-0001",
    )
    update = events_of(inspection).get(pgh_label="update", pgh_context__isnull=False)
    forged = people["other_lead"].pk
    with (
        pytest.raises(DatabaseError, match="cannot be rewritten"),
        transaction.atomic(),
        connections["default"].cursor() as cursor,
    ):
        cursor.execute(
            "UPDATE pghistory_context SET metadata = jsonb_set(metadata, '{user}', %s::jsonb) "
            "WHERE id = %s",
            [str(forged), update.pgh_context_id],
        )
    with (
        pytest.raises(DatabaseError, match="permission denied"),
        transaction.atomic(),
        connections["default"].cursor() as cursor,
    ):
        cursor.execute("DELETE FROM pghistory_context")
    update = events_of(inspection).get(pgh_label="update", pgh_context__isnull=False)
    assert update.pgh_context["user"] == people["lead"].pk
