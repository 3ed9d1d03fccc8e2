"""The assessment form's markup (its questions are drawn by a Jinja2 template, ADR 0016):
escaping, the stored answers shown checked, a read-only form once submitted, and errors tied to
their fields."""

from html.parser import HTMLParser

import pytest
from django.urls import reverse

from cpinspect.assessments import services
from tests.assessments.conftest import complete_draft

pytestmark = pytest.mark.django_db


class Fields(HTMLParser):
    """Inputs, textareas (with their text) and fieldsets (with their attributes) of a page."""

    def __init__(self, page):
        super().__init__()
        self.inputs, self.textareas, self.fieldsets, self.links = [], {}, [], []
        self._textarea = self._link = None
        self.feed(page)

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "input":
            self.inputs.append(attrs)
        elif tag == "textarea":
            self._textarea = attrs
            self.textareas[attrs["name"]] = {"attrs": attrs, "text": ""}
        elif tag == "fieldset":
            self.fieldsets.append(attrs)
        elif tag == "a":
            self._link = {"href": attrs.get("href", ""), "text": ""}
            self.links.append(self._link)

    def handle_endtag(self, tag):
        if tag == "textarea":
            self._textarea = None
        elif tag == "a":
            self._link = None

    def handle_data(self, data):
        if self._textarea is not None:
            self.textareas[self._textarea["name"]]["text"] += data
        if self._link is not None:
            self._link["text"] += data

    def radios(self, qid):
        return [i for i in self.inputs if i.get("name") == f"answer-{qid}"]


def _form(client, inspection, audit):
    url = reverse("assessments-assess", args=[inspection.pk, audit.case_id]) + "?all=1"
    return url, client.get(url)


@pytest.fixture
def mine(client, people, allocated):
    user = people["inspector"]
    client.force_login(user)
    return user, next(a for a in allocated if a.examiner_id == user.pk)


def test_writing_is_escaped_and_stored_answers_are_checked(client, inspection, mine):
    user, audit = mine
    hostile = '<script>alert("x")</script> & "quoted"'
    draft = services.Draft(
        answers={"child_seen": "no"}, notes={"child_seen": hostile}, texts={}, rationale=hostile
    )
    assessment = services.assessment_open(audit=audit, user=user)
    services.assessment_save(assessment=assessment, user=user, draft=draft, expected_version=1)
    _, response = _form(client, inspection, audit)
    page = response.content.decode()
    assert "<script>alert" not in page
    # the rationale is drawn by the Django template, the note by the Jinja2 one
    assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; &quot;quoted&quot;" in page
    assert "&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt; &amp; &#34;quoted&#34;" in page
    assert ' style="' not in page  # the Content Security Policy allows no inline style
    fields = Fields(page)
    assert fields.textareas["note-child_seen"]["text"] == hostile
    assert fields.textareas["rationale"]["text"] == hostile
    radios = fields.radios("child_seen")
    assert [r["value"] for r in radios] == ["yes", "partly", "no", "not_applicable"]
    assert [r["value"] for r in radios if "checked" in r] == ["no"]
    # the first radio carries the question's own id (the error summary links to it)
    assert radios[0]["id"] == "answer-child_seen"
    assert radios[1]["id"] == "answer-child_seen-partly"
    assert not any("disabled" in i for i in fields.inputs)


def test_a_submitted_assessment_is_read_only(client, inspection, mine):
    user, audit = mine
    assessment = services.assessment_open(audit=audit, user=user)
    services.assessment_save(
        assessment=assessment,
        user=user,
        draft=complete_draft(audit, "good"),
        expected_version=1,
        submit=True,
    )
    _, response = _form(client, inspection, audit)
    fields = Fields(response.content.decode())
    radios = [i for i in fields.inputs if i.get("type") == "radio"]
    assert len(radios) > 100
    assert all("disabled" in r for r in radios)
    assert all("disabled" in t["attrs"] for t in fields.textareas.values())
    assert "Submit the assessment" not in response.content.decode()


def test_errors_name_their_question_and_are_tied_to_its_field(client, inspection, mine):
    _, audit = mine
    url, _ = _form(client, inspection, audit)
    response = client.post(url, {"version": 1, "action": "submit", "answer-child_seen": "no"})
    assert response.status_code == 400
    fields = Fields(response.content.decode())
    summary = {
        link["href"]: link["text"] for link in fields.links if link["href"].startswith("#answer-")
    }
    assert summary["#answer-child_seen"].startswith(
        "Give an evidence note for ‘Was the child seen and spoken to?’"
    )
    qs = services.question_set_for(audit)
    unanswered = {
        href.removeprefix("#answer-"): text
        for href, text in summary.items()
        if href not in ("#answer-child_seen", "#answer-overall_grade", "#answer-rationale")
    }
    assert len(unanswered) > 10
    assert unanswered == {qid: f"Answer ‘{qs.question(qid).text}’" for qid in unanswered}
    described = [f.get("aria-describedby", "").split() for f in fields.fieldsets]
    assert any("answer-child_seen-error" in d for d in described)
