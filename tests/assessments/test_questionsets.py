"""Question sets: the shipped files, errors with their lines, conditions, evidence rules,
snapshots and fingerprints, and the check_question_set command."""

import json
import subprocess
import sys
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from cpinspect.assessments import questionsets as qs_module
from cpinspect.assessments.questionsets import (
    AnswerProblem,
    QuestionSet,
    QuestionSetError,
    check_answers,
    load_for_theme,
    load_question_set,
    visible_answers,
    visible_questions,
)
from cpinspect.casefiles.schema import CATEGORY_SLUGS

SHIPPED = ["core", *CATEGORY_SLUGS]
ROOT = Path(__file__).resolve().parents[2]

# Line numbers in the tests below count lines of this text (line 1 is "id: sample").
VALID = """\
id: sample
version: 1
title: Sample questions
applies_to: all
sections:
  - id: first
    title: First
    questions:
      - id: child_seen
        text: Was the child seen and spoken to?
        type: yes_no
        evidence_required_when: [no, partly]
      - id: seen_alone
        text: Was the child spoken to alone?
        type: yes_no
        ask_when: {answer: child_seen, in: [yes, partly]}
      - id: route
        text: How was the case referred?
        type: single_choice
        options:
          - {value: call, label: Emergency call}
          - {value: partner, label: A partner agency}
      - id: grade
        text: How good was the response?
        type: grade
        evidence_required_when: [inadequate]
      - id: custody_aa
        text: Was the custody appropriate adult requested?
        type: yes_no
        ask_when: {case: category, in: [custody]}
        evidence_required_when: [no]
      - id: young_child
        text: For a young child, were their presentation and care recorded?
        type: yes_no
        required: false
        ask_when: {case: child_age, at_most: 4}
      - id: comments
        text: Comments
        type: free_text
        required: false
"""


def write(tmp_path, text, name="sample.yaml"):
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def problems_of(tmp_path, text):
    with pytest.raises(QuestionSetError) as caught:
        load_question_set(write(tmp_path, text))
    return [(p.line, p.problem) for p in caught.value.problems]


def changed(old, new):
    assert old in VALID, old
    return VALID.replace(old, new, 1)


# --- the shipped files ---------------------------------------------------------------------


@pytest.mark.parametrize("name", SHIPPED)
def test_every_shipped_file_loads(name):
    qs = load_question_set(qs_module.QUESTION_SETS_DIR / f"{name}.yaml")
    assert qs.id == name
    assert qs.applies_to == ("all" if name == "core" else name)
    assert qs.version >= 1
    assert qs.questions, name
    for section in qs.sections:
        assert 1 <= len(section.questions) <= 8, section.id


def test_core_covers_the_common_ground():
    core = load_question_set(qs_module.QUESTION_SETS_DIR / "core.yaml")
    assert [s.id for s in core.sections] == [
        "initial_response",
        "risk_assessment",
        "childs_voice",
        "information_sharing",
        "supervision",
        "investigation",
        "outcome",
    ]
    assert core.question("child_seen").text == "Was the child seen and spoken to?"
    assert core.question("overall_grade").type == "grade"


@pytest.mark.parametrize("theme", CATEGORY_SLUGS)
def test_each_theme_combines_with_the_core(theme):
    case_set = load_for_theme(theme)
    ids = [q.id for q in case_set.questions]
    assert len(ids) == len(set(ids))
    assert case_set.sections[:7] == case_set.core.sections
    assert case_set.sections[7:] == case_set.theme.sections
    assert case_set.versions == {"core": 1, theme: 1}


def test_custody_appropriate_adult_is_asked_only_in_custody():
    custody = load_for_theme("custody")
    shown = {q.id for q in visible_questions(custody, {"category": "custody"}, {})}
    assert "appropriate_adult_requested" in shown
    assert "appropriate_adult_present" not in shown  # only once the first is answered yes
    answers = {"appropriate_adult_requested": {"value": "yes", "note": ""}}
    shown = {q.id for q in visible_questions(custody, {"category": "custody"}, answers)}
    assert "appropriate_adult_present" in shown
    abuse = load_for_theme("domestic_abuse")
    assert "appropriate_adult_requested" not in {q.id for q in abuse.questions}


def test_shipped_versions_match_their_released_fingerprints():
    released = qs_module.released_fingerprints()
    for info in qs_module.available():
        assert (info.id, info.version) in released, (
            f"{info.id} version {info.version} is not in _released.yaml; add "
            f"'{info.version}: {info.fingerprint}' under {info.id}"
        )
        assert released[(info.id, info.version)] == info.fingerprint, (
            f"{info.id}.yaml changed without a new version: raise its version and add "
            f"'<new version>: {info.fingerprint}' under {info.id} in _released.yaml"
        )


def test_available_lists_core_then_themes():
    infos = qs_module.available()
    assert [i.id for i in infos] == SHIPPED
    assert all(len(i.fingerprint) == 64 for i in infos)


# --- errors name the file, the line and the problem ----------------------------------------

ERRORS = [
    pytest.param(
        "in: [yes, partly]}",
        "in: [yes, partly}",
        16,
        "not valid YAML",
        id="yaml-syntax",
    ),
    pytest.param(
        "        text: Was the child seen and spoken to?\n",
        "",
        9,
        "question 'child_seen' is missing 'text'",
        id="missing-key",
    ),
    pytest.param(
        "evidence_required_when: [no, partly]",
        "evidence_when: [no, partly]",
        12,
        "question 'child_seen' has unknown key 'evidence_when'; expected one of id, text, "
        "type, required, hint, options, evidence_required_when, ask_when",
        id="unknown-key",
    ),
    pytest.param(
        "        required: false\n        ask_when",
        "        required: maybe\n        ask_when",
        35,
        "question 'young_child': 'required' must be true or false, not 'maybe'",
        id="wrong-type-required",
    ),
    pytest.param(
        "        required: false\n        ask_when",
        "        required: yes\n        ask_when",
        35,
        "question 'young_child': 'required' must be true or false, not 'yes'",
        id="yes-is-not-a-boolean",
    ),
    pytest.param(
        "title: Sample questions",
        "title: [Sample, questions]",
        3,
        "'title' must be text, not a list",
        id="wrong-type-title",
    ),
    pytest.param(
        "      - id: grade\n",
        "      - id: child_seen\n",
        23,
        "question id 'child_seen' is already used on line 9",
        id="duplicate-question-id",
    ),
    pytest.param(
        "        type: single_choice\n",
        "        type: choice\n",
        19,
        "question 'route' has type 'choice'; expected one of yes_no, single_choice, grade, "
        "free_text",
        id="unknown-type",
    ),
    pytest.param(
        "        options:\n"
        "          - {value: call, label: Emergency call}\n"
        "          - {value: partner, label: A partner agency}\n",
        "",
        17,
        "question 'route' has type single_choice but no options",
        id="single-choice-without-options",
    ),
    pytest.param(
        "        type: grade\n        evidence_required_when: [inadequate]",
        "        type: grade\n        evidence_required_when: [poor]",
        26,
        "question 'grade': evidence_required_when names 'poor', which is not an answer to "
        "this question (good, requires_improvement, inadequate)",
        id="evidence-rule-impossible-answer",
    ),
    pytest.param(
        "ask_when: {answer: child_seen,",
        "ask_when: {answer: child_sen,",
        16,
        "question 'seen_alone': ask_when refers to question 'child_sen', which is not in this file",
        id="condition-unknown-question",
    ),
    pytest.param(
        "ask_when: {answer: child_seen, in: [yes, partly]}",
        "ask_when: {answer: grade, in: [good]}",
        16,
        "question 'seen_alone': ask_when refers to question 'grade', which comes later; a "
        "condition can only refer to an earlier question",
        id="condition-later-question",
    ),
    pytest.param(
        "ask_when: {answer: child_seen, in: [yes, partly]}",
        "ask_when: {answer: child_seen, in: [yes, maybe]}",
        16,
        "question 'seen_alone': ask_when: 'maybe' is not a possible value of answer "
        "'child_seen' (yes, partly, no, not_applicable)",
        id="condition-impossible-answer",
    ),
    pytest.param(
        "{case: child_age, at_most: 4}",
        "{case: age, at_most: 4}",
        36,
        "question 'young_child': ask_when refers to case field 'age'; expected one of "
        "category, child_age",
        id="condition-unknown-case-field",
    ),
    pytest.param(
        "{case: category, in: [custody]}",
        "{case: category, in: [prison]}",
        30,
        "question 'custody_aa': ask_when: 'prison' is not a possible value of case "
        "'category' (vulnerability_and_risk, domestic_abuse, missing_children, online_abuse, "
        "cse, custody, rso_management)",
        id="condition-unknown-category",
    ),
    pytest.param(
        "{case: child_age, at_most: 4}",
        "{case: child_age, at_most: 21}",
        36,
        "question 'young_child': ask_when: at_most must be an age from 0 to 17, not 21",
        id="condition-impossible-age",
    ),
    pytest.param(
        "version: 1",
        "version: 0",
        2,
        "'version' must be a positive whole number (1, 2, ...), not 0",
        id="version-zero",
    ),
    pytest.param(
        "version: 1",
        "version: 1.1",
        2,
        "'version' must be a positive whole number (1, 2, ...), not 1.1",
        id="version-not-whole",
    ),
    pytest.param(
        "version: 1\n",
        "",
        1,
        "the question set is missing 'version'",
        id="version-missing",
    ),
    pytest.param(
        "        type: free_text\n",
        "        type: free_text\n        evidence_required_when: [no]\n",
        40,
        "question 'comments' is free text, so it takes no evidence rule",
        id="free-text-with-evidence-rule",
    ),
    pytest.param(
        "        type: grade\n",
        "        type: grade\n        options: [{value: a, label: A}, {value: b, label: B}]\n",
        26,
        "question 'grade' has options, but only single_choice questions take them",
        id="options-on-a-grade",
    ),
    pytest.param(
        "        type: yes_no\n        evidence_required_when: [no, partly]",
        "        type: yes_no\n        type: grade\n        evidence_required_when: [no, partly]",
        12,
        "question 'child_seen' has 'type' twice",
        id="key-twice",
    ),
    pytest.param(
        "      - id: seen_alone",
        "      - id: Seen-Alone",
        13,
        "question 2 in section 'first': the id 'Seen-Alone' must be snake_case",
        id="id-not-snake-case",
    ),
    pytest.param(
        "applies_to: all",
        "applies_to: everyone",
        4,
        "'applies_to' is 'everyone'; expected all or a theme",
        id="applies-to-unknown",
    ),
]


@pytest.mark.parametrize(("old", "new", "line", "problem"), ERRORS)
def test_errors_name_the_line_and_the_problem(tmp_path, old, new, line, problem):
    found = problems_of(tmp_path, changed(old, new))
    assert any(at == line and text.startswith(problem) for at, text in found), found


def test_the_message_names_file_line_and_problem(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    write(tmp_path, changed("        type: yes_no\n", "        type: yesno\n"), "core.yaml")
    with pytest.raises(QuestionSetError) as caught:
        load_question_set("core.yaml")
    error = caught.value
    assert (error.file, error.line) == ("core.yaml", 11)
    assert str(error) == (
        "core.yaml, line 11: question 'child_seen' has type 'yesno'; expected one of "
        "yes_no, single_choice, grade, free_text"
    )


def test_every_problem_in_a_file_is_reported_in_line_order(tmp_path):
    text = changed("version: 1", "version: -2")
    text = text.replace("        type: single_choice\n", "        type: choice\n")
    text = text.replace("{case: child_age, at_most: 4}", "{case: age, at_most: 4}")
    lines = [line for line, _ in problems_of(tmp_path, text)]
    assert lines == [2, 19, 36]


def test_empty_and_non_mapping_files(tmp_path):
    assert problems_of(tmp_path, "") == [
        (
            1,
            "the file is empty; a question set is a mapping of id, version, title, "
            "applies_to and sections",
        )
    ]
    [(line, problem)] = problems_of(tmp_path, "- just\n- a list\n")
    assert line == 1 and problem.startswith("the question set must be a mapping")


def test_unreadable_file(tmp_path):
    with pytest.raises(QuestionSetError) as caught:
        load_question_set(tmp_path / "nowhere.yaml")
    assert caught.value.line == 1
    assert "cannot read the file: No such file or directory" in str(caught.value)


def test_a_theme_question_cannot_reuse_a_core_id(tmp_path):
    write(tmp_path, VALID, "core.yaml")
    theme = (
        VALID.replace("id: sample", "id: custody")
        .replace("applies_to: all", "applies_to: custody")
        .replace("- id: route", "- id: route_taken")
    )
    path = write(tmp_path, theme, "custody.yaml")
    with pytest.raises(QuestionSetError) as caught:
        qs_module.check_file(path)
    first = caught.value.problems[0]
    assert (first.file, first.line) == (str(path), 9)
    assert first.problem == "question id 'child_seen' is already used in the core set " + (
        "(core.yaml, line 9)"
    )


# --- conditions and evidence rules ---------------------------------------------------------


@pytest.fixture
def sample(tmp_path):
    return load_question_set(write(tmp_path, VALID))


def shown(qs, case, answers=None):
    return [q.id for q in visible_questions(qs, case, answers or {})]


def test_case_conditions(sample):
    assert shown(sample, {"category": "domestic_abuse", "child_age": 9}) == [
        "child_seen",
        "route",
        "grade",
        "comments",
    ]
    assert shown(sample, {"category": "custody", "child_age": 4}) == [
        "child_seen",
        "route",
        "grade",
        "custody_aa",
        "young_child",
        "comments",
    ]
    # An unknown age asks the question rather than miss one that may apply.
    assert "young_child" in shown(sample, {"category": "cse", "child_age": None})


def test_case_may_be_an_object(sample):
    class Case:
        category = "custody"
        child_age = 16

    assert "custody_aa" in shown(sample, Case())
    assert "young_child" not in shown(sample, Case())


def test_answer_conditions(sample):
    case = {"category": "cse", "child_age": 12}
    for value, asked in [("yes", True), ("partly", True), ("no", False), ("", False)]:
        answers = {"child_seen": {"value": value, "note": "n"}}
        assert ("seen_alone" in shown(sample, case, answers)) is asked, value
    # An invalid answer counts as no answer.
    assert "seen_alone" not in shown(sample, case, {"child_seen": {"value": "maybe"}})


CHAIN = """\
id: chain
version: 1
title: Chain
applies_to: all
sections:
  - id: only
    title: Only
    questions:
      - {id: arrested, text: "Was the child arrested?", type: yes_no}
      - id: charged
        text: Was the child charged?
        type: yes_no
        ask_when: {answer: arrested, in: [yes]}
      - id: bail_refused
        text: Was bail refused?
        type: yes_no
        ask_when: [{answer: charged, in: [yes]}, {case: child_age, at_least: 10}]
      - id: not_arrested_why
        text: Why not?
        type: single_choice
        options: [{value: voluntary, label: Voluntary interview}, {value: none, label: None}]
        ask_when: {answer: arrested, not_in: [yes, not_applicable]}
"""


def test_a_hidden_question_hides_those_that_depend_on_it(tmp_path):
    chain = load_question_set(write(tmp_path, CHAIN))
    case = {"category": "custody", "child_age": 15}
    yes = {"value": "yes", "note": ""}
    assert shown(chain, case, {"arrested": yes, "charged": yes}) == [
        "arrested",
        "charged",
        "bail_refused",
    ]
    # "charged" keeps a stale yes from before "arrested" became no: it is not asked, so
    # neither is bail_refused.
    stale = {"arrested": {"value": "no", "note": ""}, "charged": yes}
    assert shown(chain, case, stale) == ["arrested", "not_arrested_why"]
    # Every condition in a list must hold.
    young = {"category": "custody", "child_age": 9}
    assert shown(chain, young, {"arrested": yes, "charged": yes}) == ["arrested", "charged"]
    # not_in needs an answer to the earlier question.
    assert shown(chain, case, {}) == ["arrested"]


def test_a_draft_reports_only_invalid_values(sample):
    case = {"category": "custody", "child_age": 3}
    assert check_answers(sample, case, {}, submitting=False) == []
    answers = {
        "child_seen": {"value": "no", "note": ""},  # valid; a note is needed only to submit
        "route": {"value": "letter", "note": ""},
        "grade": {"value": "outstanding", "note": ""},
    }
    assert check_answers(sample, case, answers, submitting=False) == [
        AnswerProblem(
            "route",
            "'letter' is not an answer to this question; choose one of: "
            "Emergency call, A partner agency",
        ),
        AnswerProblem(
            "grade",
            "'outstanding' is not an answer to this question; choose one of: "
            "Good, Requires improvement, Inadequate",
        ),
    ]


def test_a_submission_needs_required_answers_and_evidence_notes(sample):
    case = {"category": "custody", "child_age": 3}
    answers = {
        "child_seen": {"value": "partly", "note": "   "},  # blank note: not evidence
        "grade": {"value": "inadequate", "note": "Log entry 14: no attendance for 9 hours."},
        "custody_aa": {"value": "no", "note": ""},
    }
    assert check_answers(sample, case, answers, submitting=True) == [
        AnswerProblem(
            "child_seen",
            "Give an evidence note for ‘Was the child seen and spoken to?’: one is needed when "
            "the answer is 'Partly'",
        ),
        AnswerProblem("seen_alone", "Answer ‘Was the child spoken to alone?’"),
        AnswerProblem("route", "Answer ‘How was the case referred?’"),
        AnswerProblem(
            "custody_aa",
            "Give an evidence note for ‘Was the custody appropriate adult requested?’: one is "
            "needed when the answer is 'No'",
        ),
        # young_child and comments are optional.
    ]


def test_a_complete_submission_has_no_problems(sample):
    case = {"category": "domestic_abuse", "child_age": 8}
    answers = {
        "child_seen": {"value": "yes", "note": ""},
        "seen_alone": {"value": "not_applicable", "note": ""},
        "route": {"value": "call", "note": ""},
        "grade": {"value": "good", "note": ""},
        "comments": {"value": "A thorough response.", "note": ""},
    }
    assert check_answers(sample, case, answers, submitting=True) == []


def test_answers_to_questions_not_asked_are_ignored(sample):
    case = {"category": "domestic_abuse", "child_age": 8}
    answers = {
        "child_seen": {"value": "no", "note": "Not seen: officers spoke to the mother only."},
        "seen_alone": {"value": "nonsense", "note": ""},  # hidden: child_seen is no
        "custody_aa": {"value": "no", "note": ""},  # hidden: not a custody case
        "route": {"value": "partner", "note": ""},
        "grade": {"value": "requires_improvement", "note": ""},
    }
    assert check_answers(sample, case, answers, submitting=True) == []
    assert set(visible_answers(sample, case, answers)) == {"child_seen", "route", "grade"}


def test_malformed_answers(sample):
    case = {"category": "cse", "child_age": 15}
    answers = {
        "child_seen": "yes",
        "route": {"value": "call", "note": "", "score": 3},
        "grade": {"value": 2, "note": ""},
        "comments": {"value": "x" * (qs_module.MAX_TEXT + 1), "note": ""},
        "no_such_question": {"value": "yes", "note": ""},
    }
    assert check_answers(sample, case, answers, submitting=False) == [
        AnswerProblem("child_seen", "An answer must have a value and a note"),
        AnswerProblem("route", "An answer has only a value and a note, not ['score']"),
        AnswerProblem("grade", "The answer and its note must be text"),
        AnswerProblem("comments", "The answer must be 10,000 characters or fewer"),
        AnswerProblem(
            "no_such_question", "There is no question 'no_such_question' in this question set"
        ),
    ]


# --- snapshots and fingerprints ------------------------------------------------------------


def test_snapshot_round_trip_through_json():
    stored = json.loads(json.dumps(qs_module.snapshot()))
    for theme in CATEGORY_SLUGS:
        from_files, from_snapshot = load_for_theme(theme), load_for_theme(theme, snapshot=stored)
        assert from_snapshot == from_files
        assert from_snapshot.theme.fingerprint == from_files.theme.fingerprint


def test_a_snapshot_keeps_the_old_version_when_the_file_changes(tmp_path):
    old = load_question_set(write(tmp_path, VALID))
    stored = json.loads(json.dumps(old.to_dict()))
    write(tmp_path, VALID.replace("version: 1", "version: 2").replace("Comments", "Notes"))
    new = load_question_set(tmp_path / "sample.yaml")
    kept = QuestionSet.from_dict(stored)
    assert kept == old and kept.version == 1
    assert kept.question("comments").text == "Comments"
    assert new.question("comments").text == "Notes"


def test_a_damaged_snapshot_is_refused():
    data = load_question_set(qs_module.QUESTION_SETS_DIR / "core.yaml").to_dict()
    data["sections"][0]["questions"][0]["type"] = "yesno"
    with pytest.raises(QuestionSetError, match="has type 'yesno'"):
        QuestionSet.from_dict(data)
    with pytest.raises(ValueError, match="no question set 'custody'"):
        load_for_theme("custody", snapshot={"core": {}})


def test_fingerprint_changes_with_the_content_only(tmp_path):
    base = load_question_set(write(tmp_path, VALID)).fingerprint
    assert len(base) == 64
    commented = "# A comment is not content.\n" + VALID.replace("  - id: first", "\n  - id: first")
    assert load_question_set(write(tmp_path, commented)).fingerprint == base
    reworded = VALID.replace("Comments", "Other comments")
    assert load_question_set(write(tmp_path, reworded)).fingerprint != base
    rule = VALID.replace("[no, partly]", "[no]")
    assert load_question_set(write(tmp_path, rule)).fingerprint != base
    bumped = VALID.replace("version: 1", "version: 2")
    assert load_question_set(write(tmp_path, bumped)).fingerprint != base


def test_unknown_theme():
    with pytest.raises(ValueError, match="'burglary' is not a theme"):
        load_for_theme("burglary")


# --- the command ---------------------------------------------------------------------------


def run_command(*files):
    out, err = StringIO(), StringIO()
    try:
        call_command("check_question_set", *files, stdout=out, stderr=err)
    except CommandError as exc:
        return exc, out.getvalue(), err.getvalue()
    return None, out.getvalue(), err.getvalue()


def test_command_reports_ok(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    write(tmp_path, VALID, "core.yaml")
    error, out, err = run_command("core.yaml")
    assert error is None and err == ""
    assert out == "OK core.yaml: 'Sample questions' version 1, 1 section, 7 questions\n"


def test_command_with_no_file_checks_every_shipped_set():
    error, out, _ = run_command()
    assert error is None
    lines = out.splitlines()
    assert len(lines) == len(SHIPPED)
    assert lines[0].startswith("OK ") and lines[0].endswith(
        "core.yaml: 'Core questions' version 1, 7 sections, 45 questions"
    )


def test_command_reports_every_error_and_fails(tmp_path):
    good = write(tmp_path, VALID, "good.yaml")
    bad = write(tmp_path, changed("version: 1", "version: 0").replace("at_most: 4", "at_most: x"))
    error, out, err = run_command(str(good), str(bad))
    assert error is not None and error.returncode == 1
    assert str(error) == "2 problems in 1 file."
    assert out == f"OK {good}: 'Sample questions' version 1, 1 section, 7 questions\n"
    assert err.splitlines() == [
        f"{bad}, line 2: 'version' must be a positive whole number (1, 2, ...), not 0",
        f"{bad}, line 36: question 'young_child': ask_when: at_most must be an age from 0 to "
        "17, not 'x'",
    ]


def test_console_command_exit_status(tmp_path):
    bad = write(tmp_path, changed("        type: yes_no\n", "        type: yesno\n"))
    result = subprocess.run(  # the real console entry point, for the real exit status
        [sys.executable, "-m", "cpinspect.cli", "check_question_set", str(bad)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 1
    assert f"{bad}, line 11: question 'child_seen' has type 'yesno'" in result.stderr
    assert "1 problem in 1 file." in result.stderr
