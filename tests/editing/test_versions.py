"""The shared parts of safe editing (``cpinspect/editing``, ADR 0020): the version trigger,
the refusal read from the change history, one-time tokens and unique races."""

import pghistory
import pytest
from django.apps import apps
from django.contrib import admin
from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection
from django.utils import timezone

from cpinspect.editing import races, submissions, versions
from cpinspect.editing.admin import VersionedAdmin
from cpinspect.editing.models import SubmissionToken, Versioned
from cpinspect.findings import services
from cpinspect.findings.models import CauseOfConcern
from cpinspect.programmes.models import Inspection, TeamMember
from tests.findings.conftest import rec

pytestmark = pytest.mark.django_db

# Every record a person edits through a page, the API or the admin (issue 11).
EDITED = [
    "findings.Judgement",
    "findings.CauseOfConcern",
    "findings.Recommendation",
    "findings.AreaForImprovement",
    "findings.ActionPlan",
    "findings.FollowUpProposal",
    "programmes.Programme",
    "programmes.Inspection",
    "scheduling.InspectorProfile",
    "scheduling.Absence",
    "accounts.User",
    "registry.Inspectorate",
    "registry.Force",
    "registry.Council",
    "registry.PublishedGrade",
    "registry.NationalGradeTotal",
]


def _version_of(model, pk) -> int:
    return model.objects.values_list("version", flat=True).get(pk=pk)


@pytest.mark.parametrize("label", EDITED)
def test_every_edited_record_carries_a_version_kept_by_a_trigger(label):
    model = apps.get_model(label)
    assert issubclass(model, Versioned)
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM pg_trigger WHERE tgrelid = %s::regclass "
            "AND tgname LIKE 'pgtrigger_bump_version_%%' AND tgenabled = 'O'",
            [model._meta.db_table],
        )
        assert cursor.fetchone()[0] == 1
    assert "version" in {f.name for f in model.pgh_event_model._meta.fields}  # in the history


def test_every_model_the_admin_edits_is_versioned_there():
    ours = {m: a for m, a in admin.site._registry.items() if m.__module__.startswith("cpinspect.")}
    assert len(ours) == 9  # people, programmes, profiles and absences, reference data
    for model, model_admin in ours.items():
        assert issubclass(model, Versioned), model
        assert isinstance(model_admin, VersionedAdmin), model


def test_every_change_raises_the_version_by_one_whoever_makes_it(inspection, people):
    cause = services.cause_of_concern_create(
        inspection=inspection, user=people["lead"], title="A", text="T", recommendations=[rec()]
    )
    assert cause.version == 1
    cause.title = "B"
    cause.save()
    assert cause.version == _version_of(CauseOfConcern, cause.pk) == 2  # read back on save
    CauseOfConcern.objects.filter(pk=cause.pk).update(text="Changed by a query")
    assert _version_of(CauseOfConcern, cause.pk) == 3
    with connection.cursor() as cursor:  # SQL as the application's role
        cursor.execute("UPDATE findings_causeofconcern SET title = 'C' WHERE id = %s", [cause.pk])
    assert _version_of(CauseOfConcern, cause.pk) == 4
    CauseOfConcern.objects.filter(pk=cause.pk).update(title="C")  # no change: no new version
    assert _version_of(CauseOfConcern, cause.pk) == 4
    # a copy read at version 2 and saved as it was cannot set the version back
    stale = CauseOfConcern.objects.get(pk=cause.pk)
    stale.version = 2
    stale.save()
    assert _version_of(CauseOfConcern, cause.pk) == 4
    with connection.cursor() as cursor:  # nor can SQL choose a version
        cursor.execute("UPDATE findings_causeofconcern SET version = 1 WHERE id = %s", [cause.pk])
    assert _version_of(CauseOfConcern, cause.pk) == 4


def test_what_is_not_an_edit_raises_no_version(inspection, people):
    before = _version_of(Inspection, inspection.pk)
    Inspection.objects.filter(pk=inspection.pk).update(updated_at=timezone.now())
    assert _version_of(Inspection, inspection.pk) == before  # a timestamp alone
    lead = people["lead"]
    lead.last_login = timezone.now()
    lead.save(update_fields=["last_login"])  # signing in
    lead.set_password("another long password 123")
    lead.save()
    assert lead.version == 1
    lead.full_name = "Asha Patel"
    lead.save()
    assert lead.version == 2


def test_a_refusal_names_who_saved_since_and_only_what_they_changed(inspection, people):
    cause = services.cause_of_concern_create(
        inspection=inspection, user=people["lead"], title="A", text="T", recommendations=[rec()]
    )
    for who, title in (("lead", "B"), ("moderator", "C")):
        with pghistory.context(user=people[who].pk):
            cause = services.cause_of_concern_update(
                cause=cause, user=people[who], title=title, text="T", expected_version=cause.version
            )
    assert cause.version == 3
    with pytest.raises(versions.StaleEdit) as refused:
        services.cause_of_concern_update(
            cause=cause, user=people["inspector"], title="Mine", text="Mine", expected_version=1
        )
    stale = refused.value
    assert stale.by == "Lead and Moderator" and stale.current.version == 3
    assert [(c.field, c.theirs, c.yours) for c in stale.changes] == [("title", "C", "Mine")]
    assert stale.summary.startswith("Lead and Moderator changed this cause of concern at ")
    assert CauseOfConcern.objects.get(pk=cause.pk).title == "C"
    # from the version before the moderator's save, only the moderator is named
    with pytest.raises(versions.StaleEdit) as refused:
        services.cause_of_concern_update(
            cause=cause, user=people["inspector"], title="Mine", text="T", expected_version=2
        )
    assert refused.value.by == "Moderator"


def test_a_change_made_outside_a_signed_in_request_is_the_systems(inspection, people):
    cause = services.cause_of_concern_create(
        inspection=inspection, user=people["lead"], title="A", text="T", recommendations=[rec()]
    )
    CauseOfConcern.objects.filter(pk=cause.pk).update(text="By a script")
    with pytest.raises(versions.StaleEdit) as refused:
        services.cause_of_concern_update(
            cause=cause, user=people["inspector"], title="A", text="Mine", expected_version=1
        )
    assert refused.value.by == versions.NOT_A_PERSON
    assert [(c.theirs, c.yours) for c in refused.value.changes] == [("By a script", "Mine")]


def test_the_same_save_twice_is_not_a_conflict(inspection, people):
    cause = services.cause_of_concern_create(
        inspection=inspection, user=people["lead"], title="A", text="T", recommendations=[rec()]
    )
    values = {"cause": cause, "user": people["lead"], "title": "B", "text": "T"}
    services.cause_of_concern_update(**values, expected_version=1)
    again = services.cause_of_concern_update(**values, expected_version=1)  # a second click
    assert again.version == 2 and again.title == "B"


def test_a_failed_create_leaves_no_token_behind(people):
    def refused():
        raise ValidationError({"text": "Enter the text."})

    with pytest.raises(ValidationError):
        submissions.once(
            user=people["lead"], key="k1", scope="POST /x/", content_hash="h", create=refused
        )
    assert not SubmissionToken.objects.exists()
    made = submissions.once(
        user=people["lead"],
        key="k1",
        scope="POST /x/",
        content_hash="h",
        create=lambda: people["inspector"],
    )
    replay = submissions.once(
        user=people["lead"], key="k1", scope="POST /x/", content_hash="h", create=refused
    )
    assert (made.replayed, replay.replayed, replay.obj) == (False, True, people["inspector"])
    with pytest.raises(submissions.SubmissionReused):
        submissions.once(
            user=people["lead"], key="k1", scope="POST /y/", content_hash="h", create=refused
        )


def test_a_unique_violation_becomes_the_message_named_for_its_constraint(inspection, people):
    with (
        pytest.raises(ValidationError) as refused,
        races.unique_as(
            {"one_place_per_role": lambda: ValidationError({"user": "Already on the team."})}
        ),
    ):
        TeamMember.objects.create(inspection=inspection, user=people["inspector"], role="inspector")
    assert refused.value.message_dict == {"user": ["Already on the team."]}
    with pytest.raises(IntegrityError), races.unique_as({}):  # not one it knows: as it is
        TeamMember.objects.create(inspection=inspection, user=people["inspector"], role="lead")
