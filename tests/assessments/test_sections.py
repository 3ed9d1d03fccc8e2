"""The assessment in sections (ADR 0031) through the web client: task list, section pages,
save and continue / come back later, check your answers, submit; a stale section save from a
second session; the blind moderator's sections; the escalate form's error summary."""

import re

import pytest
from django.test import Client
from django.urls import reverse
from django.utils.html import escape

from cpinspect.assessments import sections, services
from cpinspect.assessments.models import Assessment
from tests.assessments.conftest import complete_draft, submit

pytestmark = pytest.mark.django_db


def _case_url(name, audit, *extra):
    return reverse(name, args=[audit.inspection_id, audit.case_id, *extra])


def _section_data(draft, section, version, action="continue"):
    data = {"version": version, "action": action}
    for q in section.questions:
        if value := draft.texts.get(q.id) or draft.answers.get(q.id):
            data[f"answer-{q.id}"] = value
        if note := draft.notes.get(q.id):
            data[f"note-{q.id}"] = note
    if sections.holds_rationale(section):
        data["rationale"] = draft.rationale
    return data


def _asked(audit):
    return sections.asked_sections(services.question_set_for(audit), services.case_facts(audit))


@pytest.fixture
def mine(people, allocated):
    return next(a for a in allocated if a.examiner_id == people["inspector"].pk)


def test_every_section_then_check_answers_then_submit(client, inspection, people, mine):
    client.force_login(people["inspector"])
    worklist = client.get(reverse("assessments-worklist", args=[inspection.pk])).content.decode()
    tasks_url = _case_url("assessments-tasks", mine)
    assert f'href="{tasks_url}"' in worklist
    # the one-page URL leads to the sections; the whole form stays on ?all=1
    response = client.get(_case_url("assessments-assess", mine))
    assert response.status_code == 302 and response.url == tasks_url
    asked = _asked(mine)
    page = client.get(tasks_url).content.decode()
    assert f"0 of {len(asked)} sections completed." in page
    assert page.count("Not started") == len(asked) and "Cannot start yet" in page
    draft = complete_draft(mine, "requires_improvement")
    version = 1
    for i, section in enumerate(asked):
        url = _case_url("assessments-section", mine, section.id)
        page = client.get(url).content.decode()
        assert f"Section {i + 1} of {len(asked)}" in page and escape(section.title) in page
        others = [escape(q.text) for s in asked if s is not section for q in s.questions]
        assert not any(f">{text}" in page for text in others)  # only this section's questions
        response = client.post(url, _section_data(draft, section, version))
        version += 1
        following = asked[i + 1] if i + 1 < len(asked) else None
        expected = (
            _case_url("assessments-section", mine, following.id)
            if following
            else _case_url("assessments-check", mine)
        )
        assert response.status_code == 302 and response.url == expected, page
    page = client.get(tasks_url).content.decode()
    assert f"{len(asked)} of {len(asked)} sections completed." in page
    assert "Cannot start yet" not in page
    check = client.get(_case_url("assessments-check", mine)).content.decode()
    assert check.count(">Change<") == sum(
        len(sections.summary_rows(*_qs_facts(mine), draft, s)) for s in asked
    )
    assert "Requires improvement" in check and escape(draft.rationale) in check
    response = client.post(_case_url("assessments-check", mine), {"version": version})
    assert response.status_code == 302
    assert response.url == reverse("assessments-worklist", args=[inspection.pk])
    stored = Assessment.objects.get(audit=mine)
    assert stored.submitted and stored.answers == draft.answers
    assert stored.overall_grade == "requires_improvement"
    worklist = client.get(reverse("assessments-worklist", args=[inspection.pk])).content.decode()
    assert "Submitted" in worklist and f'href="{tasks_url}"' not in worklist


def _qs_facts(audit):
    return services.question_set_for(audit), services.case_facts(audit)


def test_continue_with_a_missing_answer_saves_and_says_what_is_missing(client, people, mine):
    client.force_login(people["inspector"])
    first = _asked(mine)[0]
    url = _case_url("assessments-section", mine, first.id)
    response = client.post(url, {"version": 1, "action": "continue", "answer-child_seen": "yes"})
    assert response.status_code == 400
    page = response.content.decode()
    assert "Saved, but this section is not complete yet" in page
    missing = [q.id for q in first.questions if q.required and q.id != "child_seen"][0]
    assert f'href="#answer-{missing}"' in page and 'name="version" value="2"' in page
    assert Assessment.objects.get(audit=mine).answers == {"child_seen": "yes"}
    # come back later: kept, and the task list says in progress
    response = client.post(url, {"version": 2, "action": "later", "answer-child_seen": "no"})
    assert response.status_code == 302 and response.url == _case_url("assessments-tasks", mine)
    page = client.get(response.url).content.decode()
    status = re.search(rf'id="status-{first.id}">(.*?)</div>', page).group(1)
    assert "In progress" in status
    assert Assessment.objects.get(audit=mine).answers == {"child_seen": "no"}


def test_a_stale_section_save_from_a_second_session_is_refused(people, mine):
    one, two = Client(), Client()
    for session in (one, two):
        session.force_login(people["inspector"])
    first, second = _asked(mine)[:2]
    draft = complete_draft(mine)
    # session one saves the second section; both sessions then open the first at version 2
    one.post(
        _case_url("assessments-section", mine, second.id),
        _section_data(draft, second, 1, "later"),
    )
    url = _case_url("assessments-section", mine, first.id)
    for session in (one, two):
        assert 'name="version" value="2"' in session.get(url).content.decode()
    theirs = {
        "version": 2,
        "action": "later",
        "answer-child_seen": "no",
        "note-child_seen": "Only the mother was seen.",
    }
    assert one.post(url, theirs).status_code == 302
    response = two.post(url, {"version": 2, "action": "later", "answer-child_seen": "yes"})
    assert response.status_code == 409
    page = response.content.decode()
    assert "Your changes were not saved" in page and "Only the mother was seen." in page
    assert 'name="version" value="3"' in page  # a re-save is a deliberate choice
    assert 'value="yes" checked' in page  # what session two typed is still on its page
    stored = Assessment.objects.get(audit=mine)
    assert stored.answers["child_seen"] == "no" and stored.version == 3
    # nothing lost: session one's other section is still stored
    assert all(stored.answers.get(q.id) == draft.answers.get(q.id) for q in second.questions)


def test_submit_errors_link_to_the_question_on_its_section(client, people, mine):
    draft = complete_draft(mine)
    draft.rationale = ""
    assessment = services.assessment_open(audit=mine, user=people["inspector"])
    services.assessment_save(
        assessment=assessment, user=people["inspector"], draft=draft, expected_version=1
    )
    client.force_login(people["inspector"])
    response = client.post(_case_url("assessments-check", mine), {"version": 2})
    assert response.status_code == 400
    page = response.content.decode()
    holder = next(s for s in _asked(mine) if sections.holds_rationale(s))
    link = _case_url("assessments-section", mine, holder.id) + "?check=1#answer-rationale"
    assert "The assessment cannot be submitted yet" in page and f'href="{link}"' in page
    section_page = client.get(link.split("#")[0]).content.decode()
    assert 'id="answer-rationale-error"' in section_page
    assert "Give the reasons for the overall grade." in section_page
    assert not Assessment.objects.get(audit=mine).submitted


def test_the_moderators_sections_are_blind(client, people, mine, settings):
    settings.CPINSPECT_MODERATION_RULE = {"first_per_inspector": 5}
    first = complete_draft(mine, "good")
    first.rationale = "FIRST-EXAMINER-RATIONALE"
    first.notes = {**first.notes, "child_seen": "FIRST-EXAMINER-NOTE"}
    assessment = services.assessment_open(audit=mine, user=people["inspector"])
    services.assessment_save(
        assessment=assessment,
        user=people["inspector"],
        draft=first,
        expected_version=1,
        submit=True,
    )
    mine.refresh_from_db()
    assert mine.moderator == people["moderator"]
    client.force_login(people["moderator"])
    urls = [_case_url("assessments-tasks", mine), _case_url("assessments-check", mine)]
    urls += [_case_url("assessments-section", mine, s.id) for s in _asked(mine)]
    for url in urls:
        response = client.get(url)
        page = response.content.decode()
        assert response.status_code == 200, url
        assert "Blind moderation" in page
        assert "FIRST-EXAMINER" not in page, url
        assert not re.search(r"<input[^>]* checked", page), url  # no answer of theirs chosen
    asked = _asked(mine)
    second = complete_draft(mine, "inadequate")
    for i, section in enumerate(asked):
        client.post(
            _case_url("assessments-section", mine, section.id),
            _section_data(second, section, i + 1),
        )
    response = client.post(_case_url("assessments-check", mine), {"version": len(asked) + 1})
    assert response.status_code == 302
    moderation = Assessment.objects.get(audit=mine, kind="moderation")
    assert moderation.submitted and moderation.overall_grade == "inadequate"


def test_an_escalation_without_a_reason_is_an_error_summary(client, people, mine):
    client.force_login(people["inspector"])
    response = client.post(_case_url("assessments-escalate", mine), {"concern": " "})
    assert response.status_code == 400
    page = response.content.decode()
    assert "govuk-error-summary" in page and 'href="#concern"' in page
    assert 'id="concern-error"' in page and "Say why the child is at risk" in page
    assert not mine.case.escalations.exists()


def test_submit_from_check_answers_refuses_an_already_submitted_case(client, people, mine):
    submit(mine, people["inspector"])
    client.force_login(people["inspector"])
    page = client.get(_case_url("assessments-check", mine)).content.decode()
    assert "Submit the assessment" not in page and ">Change<" not in page


def test_a_missing_evidence_note_links_to_the_note_and_change_returns_to_check(
    client, people, mine
):
    client.force_login(people["inspector"])
    first = _asked(mine)[0]
    url = _case_url("assessments-section", mine, first.id)
    draft = complete_draft(mine)
    data = _section_data(draft, first, 1)
    data["answer-child_seen"] = "partly"  # needs an evidence note (core.yaml)
    data.pop("note-child_seen", None)
    response = client.post(url, data)
    page = response.content.decode()
    assert response.status_code == 400 and 'href="#note-child_seen"' in page
    assert re.search(r'<details[^>]*id="note-child_seen-details" open', page)
    # opened from check your answers ("Change"): saving goes back there, not to the next section
    page = client.get(url + "?change=1").content.decode()
    assert 'name="back_to_check" value="1"' in page
    data |= {"version": 2, "note-child_seen": "Seen at school only.", "back_to_check": "1"}
    response = client.post(url, data)
    assert response.status_code == 302 and response.url == _case_url("assessments-check", mine)
    assert Assessment.objects.get(audit=mine).writing["notes"]["child_seen"] == (
        "Seen at school only."
    )
