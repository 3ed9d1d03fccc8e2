"""Encryption at rest of what inspectors write: the raw columns hold Fernet tokens and never
the text; key rotation keeps old notes readable, writes new ones under the new key, and
`cpinspect rotate_evidence_keys` moves everything to it; a wrong or missing key is a clear
error, never a silent plaintext."""

from io import StringIO

import pytest
from cryptography.fernet import Fernet, InvalidToken
from django.core.exceptions import ImproperlyConfigured
from django.core.management import CommandError, call_command
from django.db import connection

from cpinspect.assessments import encryption, services
from cpinspect.assessments.models import Assessment, CaseAudit, Escalation
from tests.assessments.conftest import EVIDENCE_KEY, complete_draft, submit

pytestmark = pytest.mark.django_db

KEY_A = EVIDENCE_KEY  # what the suite's fixture puts in CPINSPECT_EVIDENCE_KEYS
KEY_B = Fernet.generate_key().decode()
UNRELATED = Fernet.generate_key().decode()
ENCRYPTED = {
    "assessments.Assessment.writing",
    "assessments.CaseAudit.resolution_rationale",
    "assessments.Escalation.concern",
}


def _raw_tokens() -> list[tuple[str, int, bytes]]:
    """(model.field, id, the stored bytes) of every encrypted value, read with SQL."""
    found = []
    for model, names in encryption.encrypted_fields():
        for name in names:
            column = model._meta.get_field(name).column
            with connection.cursor() as cursor:
                cursor.execute(
                    f"SELECT id, {column} FROM {model._meta.db_table} "  # noqa: S608
                    f"WHERE {column} IS NOT NULL ORDER BY id"
                )
                found += [(f"{model._meta.label}.{name}", i, bytes(t)) for i, t in cursor]
    return found


def _rows_as_text(table: str) -> str:
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT t::text FROM {table} t")  # noqa: S608
        return "\n".join(row for (row,) in cursor)


def _rotate(*args, progress=False) -> str:
    out = StringIO()
    options = args if progress else ("--no-progress", *args)
    call_command("rotate_evidence_keys", *options, stdout=out)
    return out.getvalue()


def _use_keys(monkeypatch, *keys):
    monkeypatch.setenv(encryption.ENV, ",".join(keys))


def _write_everything(people, allocated, marker: str):
    """A submitted first examination and a moderation that disagree, resolved by the lead;
    an escalation. Every encrypted column gets a value holding ``marker``."""
    inspector, moderator, lead = people["inspector"], people["moderator"], people["lead"]
    audit = next(a for a in allocated if a.examiner_id == inspector.pk)
    draft = complete_draft(audit, "good")
    draft.notes = {qid: f"{marker} note on {qid}: the strategy meeting" for qid in draft.notes}
    draft.notes["child_seen"] = f"{marker} seen by PC Smith at school"
    draft.texts = {qid: f"{marker} free text" for qid in draft.texts}
    draft.rationale = f"{marker} rationale: the child was protected"
    assessment = services.assessment_open(audit=audit, user=inspector)
    services.assessment_save(
        assessment=assessment, user=inspector, draft=draft, expected_version=1, submit=True
    )
    audit.refresh_from_db()
    assert audit.moderator == moderator  # the inspector's first cases are moderated
    submit(audit, moderator, "inadequate")
    services.disagreement_resolve(
        audit=audit, user=lead, grade="requires_improvement", rationale=f"{marker} resolution"
    )
    services.escalation_raise(audit=audit, user=inspector, concern=f"{marker} concern: bruises")
    return audit


def _draft_note(audit, user, note):
    assessment = services.assessment_open(audit=audit, user=user)
    draft = services.Draft(answers={"child_seen": "no"}, notes={"child_seen": note}, texts={})
    return services.assessment_save(
        assessment=assessment, user=user, draft=draft, expected_version=assessment.version
    )


def test_the_raw_columns_hold_fernet_tokens_and_never_the_text(people, allocated):
    audit = _write_everything(people, allocated, "SECRET")
    tokens = _raw_tokens()
    assert {label for label, _, _ in tokens} == ENCRYPTED
    for label, row_id, token in tokens:
        assert b"SECRET" not in token and b"PC Smith" not in token, (label, row_id)
        assert b"bruises" not in token and b"rationale" not in token, (label, row_id)
        assert token.startswith(b"gAAAAA"), (label, row_id)  # Fernet's version byte, base64
        Fernet(KEY_A).decrypt(token)  # a token under the key in the environment
    assert sum(b"SECRET" in Fernet(KEY_A).decrypt(t) for _, _, t in tokens) >= 3
    # nor anywhere else in the rows, nor in the change history
    for table in (
        "assessments_assessment",
        "assessments_caseaudit",
        "assessments_escalation",
        "assessments_assessmentevent",
        "assessments_caseauditevent",
        "assessments_escalationevent",
    ):
        assert "SECRET" not in _rows_as_text(table), table
        assert "PC Smith" not in _rows_as_text(table), table
    # the application reads them back
    first = Assessment.objects.get(audit=audit, kind="first")
    assert first.writing["notes"]["child_seen"] == "SECRET seen by PC Smith at school"
    assert CaseAudit.objects.get(pk=audit.pk).resolution_rationale == "SECRET resolution"
    assert Escalation.objects.get().concern == "SECRET concern: bruises"
    # the field never serialises in clear (dumpdata, admin)
    assert Assessment._meta.get_field("writing").value_to_string(first) == "[encrypted]"


def test_rotation_keeps_old_notes_readable_and_moves_them_to_the_new_key(
    people, allocated, monkeypatch, capsys
):
    inspector = people["inspector"]
    mine = [a for a in allocated if a.examiner_id == inspector.pk]
    audit = _write_everything(people, allocated, "OLD")
    before = {(label, row_id): token for label, row_id, token in _raw_tokens()}
    assert all(Fernet(KEY_A).decrypt(t) for t in before.values())

    # a new key goes first; the old one stays
    _use_keys(monkeypatch, KEY_B, KEY_A)
    first = Assessment.objects.get(audit=audit, kind="first")
    assert first.writing["rationale"] == "OLD rationale: the child was protected"
    assert Escalation.objects.get().concern == "OLD concern: bruises"
    new = _draft_note(mine[1], inspector, "NEW note, written after the rotation began")
    new_key = ("assessments.Assessment.writing", new.pk)
    new_token = {(label, row_id): token for label, row_id, token in _raw_tokens()}[new_key]
    assert "NEW note" in Fernet(KEY_B).decrypt(new_token).decode()  # the new key alone
    old_token = before[("assessments.Assessment.writing", first.pk)]
    with pytest.raises(InvalidToken):
        Fernet(KEY_B).decrypt(old_token)

    versions = dict(Assessment.objects.values_list("pk", "version"))
    updated = dict(Assessment.objects.values_list("pk", "updated_at"))
    events = {
        model: model.pgh_event_model.objects.count()
        for model in (Assessment, CaseAudit, Escalation)
    }
    stale = len(before)  # everything written before the new key

    # a dry run counts and writes nothing
    out = _rotate("--dry-run", progress=True)
    assert "dry run: 100%|" in capsys.readouterr().err  # the progress bar
    assert f"would re-encrypt {stale} values" in out and "1 already under it" in out
    assert {(label, row_id): token for label, row_id, token in _raw_tokens()} == {
        **before,
        new_key: new_token,
    }

    out = _rotate()
    assert f"re-encrypted {stale} values under the newest key; 1 already under it" in out
    assert "0 unreadable; 3 encrypted columns." in out
    after = _raw_tokens()
    assert len(after) == stale + 1
    for label, row_id, token in after:
        Fernet(KEY_B).decrypt(token)  # every token under the new key alone
        if (label, row_id) in before:
            assert token != before[(label, row_id)]
    # nothing else moved: no new version, no new change in the history
    assert dict(Assessment.objects.values_list("pk", "version")) == versions
    assert dict(Assessment.objects.values_list("pk", "updated_at")) == updated
    assert {
        model: model.pgh_event_model.objects.count()
        for model in (Assessment, CaseAudit, Escalation)
    } == events
    # a second run has nothing to do
    assert f"re-encrypted 0 values under the newest key; {stale + 1} already" in _rotate()

    # the old key can go now
    _use_keys(monkeypatch, KEY_B)
    first = Assessment.objects.get(pk=first.pk)
    assert first.writing["notes"]["child_seen"] == "OLD seen by PC Smith at school"
    assert CaseAudit.objects.get(pk=audit.pk).resolution_rationale == "OLD resolution"
    assert Escalation.objects.get().concern == "OLD concern: bruises"
    assert Assessment.objects.get(pk=new.pk).writing["notes"]["child_seen"].startswith("NEW")

    # with only an unrelated key nothing reads, and the message says why
    _use_keys(monkeypatch, UNRELATED)
    with pytest.raises(ImproperlyConfigured, match="cannot be decrypted with the keys in"):
        Assessment.objects.get(pk=first.pk)
    with pytest.raises(ImproperlyConfigured, match="rotate_evidence_keys"):
        Escalation.objects.get()
    with pytest.raises(CommandError, match=f"{stale + 1} values cannot be decrypted with any key"):
        _rotate()


def test_rotation_skips_a_value_saved_meanwhile(people, allocated, monkeypatch):
    """A note saved by someone while the rotation runs is not overwritten by the old one."""
    audit = next(a for a in allocated if a.examiner_id == people["inspector"].pk)
    saved = _draft_note(audit, people["inspector"], "Before the rotation")
    _use_keys(monkeypatch, KEY_B, KEY_A)
    real_rotate = encryption.rotate

    def rotate_while_someone_saves(token):
        fresh = real_rotate(token)
        _draft_note(audit, people["inspector"], "Saved during the rotation")
        return fresh

    monkeypatch.setattr(encryption, "rotate", rotate_while_someone_saves)
    out = _rotate()
    assert "re-encrypted 0 values under the newest key; 1 already under it" in out
    stored = Assessment.objects.get(pk=saved.pk)
    assert stored.writing["notes"]["child_seen"] == "Saved during the rotation"


@pytest.mark.parametrize(
    "value",
    ["not-a-key", f"{KEY_B},short", "x" * 44, f"{KEY_B},,{KEY_A[:40]}"],
    ids=["not-base64", "second-too-short", "wrong-length", "second-truncated"],
)
def test_a_bad_key_is_a_clear_error(monkeypatch, value):
    monkeypatch.setenv(encryption.ENV, value)
    with pytest.raises(ImproperlyConfigured, match="holds a key that is not a Fernet key"):
        encryption.encrypt("a note")
    with pytest.raises(CommandError, match="holds a key that is not a Fernet key"):
        _rotate()


def test_no_key_outside_the_demo_and_the_tests_is_an_error(monkeypatch, settings):
    monkeypatch.delenv(encryption.ENV)
    settings.CPINSPECT_TESTING = False
    settings.DEBUG = False
    settings.CPINSPECT_DEMO = False
    with pytest.raises(ImproperlyConfigured, match="CPINSPECT_EVIDENCE_KEYS is not set"):
        encryption.encrypt("a note")
    with pytest.raises(CommandError, match="is not set"):
        _rotate()
