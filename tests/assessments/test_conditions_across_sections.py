"""A question whose condition is on an answer given in an earlier section: on its own
section's page the saved draft decides it (left out, or shown without the hint), where a
question whose condition is in its own section keeps the hint (issue 15)."""

import textwrap

import pytest

from cpinspect.assessments.forms import answer_form_sections
from cpinspect.assessments.questionsets import load_question_set
from cpinspect.assessments.services import Draft

SET = """
id: across
version: 1
title: Across sections
applies_to: all
sections:
  - id: first
    title: First
    questions:
      - id: child_seen
        text: Was the child seen?
        type: yes_no
  - id: second
    title: Second
    questions:
      - id: seen_alone
        text: Was the child seen alone?
        type: yes_no
        ask_when: {answer: child_seen, in: [yes, partly]}
      - id: recorded
        text: Was it recorded?
        type: yes_no
      - id: recorded_well
        text: Was it recorded well?
        type: yes_no
        ask_when: {answer: recorded, in: [yes]}
"""


@pytest.fixture
def question_set(tmp_path):
    path = tmp_path / "across.yaml"
    path.write_text(textwrap.dedent(SET))
    return load_question_set(path)


def _rows(question_set, answers: dict, section_id="second") -> dict[str, str]:
    """The second section's questions on its page: id -> the hint shown ("" for none)."""
    draft = Draft(answers=answers, notes={}, texts={})
    sections = answer_form_sections(question_set, {}, draft, {}, section_id=section_id)
    assert [s["id"] for s in sections] == [section_id]
    return {row["q"].id: row["condition"] for row in sections[0]["rows"]}


def test_an_earlier_no_leaves_the_question_out(question_set):
    rows = _rows(question_set, {"child_seen": "no"})
    assert "seen_alone" not in rows
    assert set(rows) == {"recorded", "recorded_well"}


def test_an_earlier_yes_asks_it_without_a_hint(question_set):
    assert _rows(question_set, {"child_seen": "yes"})["seen_alone"] == ""


def test_an_earlier_question_not_answered_yet_keeps_it_with_its_hint(question_set):
    rows = _rows(question_set, {})
    assert rows["seen_alone"].startswith("Only if you answered")


def test_a_condition_in_the_same_section_keeps_its_hint_whatever_is_saved(question_set):
    """The page cannot know what will be chosen above it before it is sent."""
    for saved in ({}, {"recorded": "no"}, {"recorded": "yes"}):
        rows = _rows(question_set, saved)
        assert rows["recorded_well"].startswith("Only if you answered"), saved


def test_the_one_page_form_still_shows_every_condition_as_a_hint(question_set):
    draft = Draft(answers={"child_seen": "no"}, notes={}, texts={})
    whole = answer_form_sections(question_set, {}, draft, {})
    shown = {row["q"].id: row["condition"] for s in whole for row in s["rows"]}
    assert shown["seen_alone"].startswith("Only if you answered")
