"""Question sets: the versioned YAML files a case file is audited against.

One file per theme (the case categories of ``casefiles/schema.py``) plus ``core.yaml``, in
``question_sets/``. A case is assessed against the core questions followed by its theme's
questions (``load_for_theme``). The format, the rules and how versions work are described in
``docs/question-sets.md``.

A bad file raises ``QuestionSetError``, which lists every problem found with its file and line.
This module has no Django models: the assessment models store ``QuestionSet.to_dict()`` (or
``snapshot()``) when fieldwork starts, and rebuild the sets with ``from_dict`` /
``load_for_theme(theme, snapshot=...)``, so a later change to a file never alters past answers.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, NamedTuple

import yaml

from cpinspect.casefiles.schema import AGE_MAX, AGE_MIN, CATEGORY_SLUGS

QUESTION_SETS_DIR = Path(__file__).resolve().parent / "question_sets"
CORE = "core"
# Every version ever released with its fingerprint; not a question set (leading underscore).
RELEASED_FILE = QUESTION_SETS_DIR / "_released.yaml"

YES_NO = (
    ("yes", "Yes"),
    ("partly", "Partly"),
    ("no", "No"),
    ("not_applicable", "Not applicable"),
)
# Ordinal, best first: agreement statistics rely on this order.
GRADES = (
    ("good", "Good"),
    ("requires_improvement", "Requires improvement"),
    ("inadequate", "Inadequate"),
)
QUESTION_TYPES = ("yes_no", "single_choice", "grade", "free_text")
CASE_FIELDS = ("category", "child_age")
MAX_TEXT = 10_000  # characters in a free-text answer or an evidence note

_ID = re.compile(r"^[a-z][a-z0-9_]{0,59}$")
_SET_KEYS = ("id", "version", "title", "applies_to", "description", "sections")
_SET_REQUIRED = {"id", "version", "title", "applies_to", "sections"}
_SECTION_KEYS = ("id", "title", "questions")
_QUESTION_KEYS = (
    "id",
    "text",
    "type",
    "required",
    "hint",
    "options",
    "evidence_required_when",
    "ask_when",
)
_QUESTION_REQUIRED = {"id", "text", "type"}
_OPERATORS = ("in", "not_in", "at_least", "at_most")


# --- errors -------------------------------------------------------------------------------


@dataclass(frozen=True)
class Problem:
    file: str
    line: int  # 1-based
    problem: str

    def __str__(self) -> str:
        return f"{self.file}, line {self.line}: {self.problem}"


class QuestionSetError(Exception):
    """A question set that cannot be used. ``file``, ``line`` and ``problem`` are the first
    problem; ``problems`` holds all of them, in line order."""

    def __init__(self, problems: Iterable[Problem]):
        self.problems = sorted(problems, key=lambda p: (p.file, p.line))
        first = self.problems[0]
        self.file, self.line, self.problem = first.file, first.line, first.problem
        super().__init__("\n".join(str(p) for p in self.problems))


# --- the question set as data --------------------------------------------------------------


@dataclass(frozen=True)
class Option:
    value: str
    label: str


@dataclass(frozen=True)
class Condition:
    """One ``ask_when`` test: on the case (``subject="case"``, ``name`` a case field) or on an
    earlier answer (``subject="answer"``, ``name`` a question id)."""

    subject: str
    name: str
    operator: str  # in, not_in (lists) or at_least, at_most (child_age only)
    value: tuple[str, ...] | int

    def to_dict(self) -> dict:
        value = list(self.value) if isinstance(self.value, tuple) else self.value
        return {self.subject: self.name, self.operator: value}


@dataclass(frozen=True)
class Question:
    id: str
    text: str
    type: str
    required: bool = True
    hint: str = ""
    options: tuple[Option, ...] = ()
    evidence_required_when: tuple[str, ...] = ()
    ask_when: tuple[Condition, ...] = ()  # all must hold
    line: int = field(default=0, compare=False, repr=False)  # where it is in its file

    @property
    def choices(self) -> tuple[tuple[str, str], ...]:
        """(value, label) of every possible answer; empty for free text."""
        if self.type == "yes_no":
            return YES_NO
        if self.type == "grade":
            return GRADES
        return tuple((o.value, o.label) for o in self.options)

    def label_of(self, value: str) -> str:
        return dict(self.choices).get(value, value)

    def to_dict(self) -> dict:
        data: dict[str, Any] = {
            "id": self.id,
            "text": self.text,
            "type": self.type,
            "required": self.required,
            "hint": self.hint,
        }
        if self.type == "single_choice":
            data["options"] = [{"value": o.value, "label": o.label} for o in self.options]
        data["evidence_required_when"] = list(self.evidence_required_when)
        data["ask_when"] = [c.to_dict() for c in self.ask_when]
        return data


@dataclass(frozen=True)
class Section:
    id: str
    title: str
    questions: tuple[Question, ...]


class _Questions:
    """What answer checking needs: the questions in the order they are asked."""

    sections: tuple[Section, ...]

    @property
    def questions(self) -> tuple[Question, ...]:
        return tuple(q for s in self.sections for q in s.questions)

    def question(self, question_id: str) -> Question:
        for q in self.questions:
            if q.id == question_id:
                return q
        raise KeyError(question_id)


@dataclass(frozen=True)
class QuestionSet(_Questions):
    id: str
    version: int
    title: str
    applies_to: str  # "all" or a theme (category slug)
    sections: tuple[Section, ...]
    description: str = ""
    source: str = field(default="", compare=False, repr=False)  # the file it came from

    def to_dict(self) -> dict:
        """The content as plain data (JSON-ready): what is stored when fieldwork starts."""
        return {
            "id": self.id,
            "version": self.version,
            "title": self.title,
            "applies_to": self.applies_to,
            "description": self.description,
            "sections": [
                {"id": s.id, "title": s.title, "questions": [q.to_dict() for q in s.questions]}
                for s in self.sections
            ],
        }

    @classmethod
    def from_dict(cls, data: Mapping) -> QuestionSet:
        """Rebuild a set from ``to_dict()`` output, checked by the same rules as a file."""
        # Going through YAML text reuses the one checker, so a damaged snapshot is refused
        # exactly as a damaged file would be.
        text = yaml.safe_dump(dict(data), sort_keys=False, allow_unicode=True)
        name = f"snapshot of {data.get('id', '?')} version {data.get('version', '?')}"
        return _parse(text, name)

    @property
    def fingerprint(self) -> str:
        """SHA-256 of the canonical JSON of the content (including id and version)."""
        canonical = json.dumps(
            self.to_dict(), sort_keys=True, separators=(",", ":"), ensure_ascii=False
        )
        return hashlib.sha256(canonical.encode("utf-8")).hexdigest()

    def summary(self) -> str:
        sections, questions = len(self.sections), len(self.questions)
        return (
            f"{self.title!r} version {self.version}, {sections} section{'s' * (sections != 1)}, "
            f"{questions} question{'s' * (questions != 1)}"
        )


@dataclass(frozen=True)
class CaseQuestionSet(_Questions):
    """What one case is assessed against: the core questions, then its theme's."""

    core: QuestionSet
    theme: QuestionSet

    @property
    def sections(self) -> tuple[Section, ...]:  # type: ignore[override]
        return self.core.sections + self.theme.sections

    @property
    def versions(self) -> dict[str, int]:
        return {self.core.id: self.core.version, self.theme.id: self.theme.version}


class SetInfo(NamedTuple):
    id: str
    version: int
    fingerprint: str


# --- reading and checking a file -----------------------------------------------------------

_BOOL_TAG = "tag:yaml.org,2002:bool"


class _Loader(yaml.SafeLoader):
    """SafeLoader that reads yes/no/on/off as text: here 'no' is an answer, not false."""


_Loader.yaml_implicit_resolvers = {
    first: [(tag, regexp) for tag, regexp in resolvers if tag != _BOOL_TAG]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}
_Loader.add_implicit_resolver(
    _BOOL_TAG, re.compile(r"^(?:true|True|TRUE|false|False|FALSE)$"), list("tTfF")
)


def _line(node: yaml.Node) -> int:
    return node.start_mark.line + 1


def _show(value: Any) -> str:
    return repr(value) if isinstance(value, str) else str(value)


class _Checker:
    """Walks the composed YAML nodes, so every problem carries the line it is on."""

    def __init__(self, source: str, loader: _Loader):
        self.source = source
        self.loader = loader
        self.problems: list[Problem] = []

    def fail(self, node_or_line: yaml.Node | int, message: str) -> None:
        line = node_or_line if isinstance(node_or_line, int) else _line(node_or_line)
        self.problems.append(Problem(self.source, line, message))

    def value(self, node: yaml.Node) -> Any:
        if isinstance(node, yaml.ScalarNode):
            return self.loader.construct_object(node)
        return None

    def mapping(
        self, node: yaml.Node, what: str, keys: tuple[str, ...], required: set[str]
    ) -> dict[str, yaml.Node] | None:
        """The mapping's values by key, after checking for missing, unknown and repeated keys."""
        if not isinstance(node, yaml.MappingNode):
            self.fail(node, f"{what} must be a mapping of {', '.join(keys)}")
            return None
        found: dict[str, yaml.Node] = {}
        for key_node, value_node in node.value:
            key = self.value(key_node)
            if key in found:
                self.fail(key_node, f"{what} has {_show(key)} twice")
            elif key not in keys:
                self.fail(
                    key_node,
                    f"{what} has unknown key {_show(key)}; expected one of {', '.join(keys)}",
                )
            else:
                found[key] = value_node
        for key in keys:
            if key in required and key not in found:
                self.fail(node, f"{what} is missing {key!r}")
        return found

    def text(self, node: yaml.Node | None, what: str, *, empty: bool = False) -> str | None:
        if node is None:
            return None
        value = self.value(node)
        if not isinstance(value, str) or (not empty and not value.strip()):
            shown = "nothing" if value is None and isinstance(node, yaml.ScalarNode) else None
            self.fail(node, f"{what} must be text, not {shown or self.describe(node)}")
            return None
        return value

    def identifier(self, node: yaml.Node | None, what: str) -> str | None:
        value = self.text(node, what)
        if value is not None and not _ID.match(value):
            self.fail(
                node,
                f"{what} {value!r} must be snake_case: lower-case letters, digits and "
                "underscores, starting with a letter, at most 60 characters",
            )
            return None
        return value

    def sequence(self, node: yaml.Node | None, what: str) -> list[yaml.Node] | None:
        if node is None:
            return None
        if not isinstance(node, yaml.SequenceNode):
            self.fail(node, f"{what} must be a list, not {self.describe(node)}")
            return None
        return list(node.value)

    def describe(self, node: yaml.Node) -> str:
        if isinstance(node, yaml.MappingNode):
            return "a mapping"
        if isinstance(node, yaml.SequenceNode):
            return "a list"
        value = self.value(node)
        return "nothing" if value is None else _show(value)


def _parse(text: str, source: str) -> QuestionSet:
    loader = _Loader(text)
    try:
        try:
            root = loader.get_single_node()
        except yaml.MarkedYAMLError as exc:
            mark = exc.problem_mark or exc.context_mark
            line = mark.line + 1 if mark else 1
            raise QuestionSetError(
                [Problem(source, line, f"not valid YAML: {exc.problem or exc.context}")]
            ) from None
        except yaml.YAMLError as exc:
            raise QuestionSetError([Problem(source, 1, f"not valid YAML: {exc}")]) from None
        if root is None:
            raise QuestionSetError(
                [
                    Problem(
                        source,
                        1,
                        "the file is empty; a question set is a mapping of "
                        "id, version, title, applies_to and sections",
                    )
                ]
            )
        checker = _Checker(source, loader)
        result = _check_set(checker, root)
    finally:
        loader.dispose()
    if checker.problems:
        raise QuestionSetError(checker.problems)
    assert result is not None
    return result


def _check_set(c: _Checker, root: yaml.Node) -> QuestionSet | None:
    top = c.mapping(root, "the question set", _SET_KEYS, _SET_REQUIRED)
    if top is None:
        return None
    set_id = c.identifier(top.get("id"), "the set's id")
    title = c.text(top.get("title"), "'title'")
    description = c.text(top.get("description"), "'description'", empty=True) or ""
    version = None
    if "version" in top:
        raw = c.value(top["version"])
        if isinstance(raw, int) and not isinstance(raw, bool) and raw >= 1:
            version = raw
        else:
            c.fail(
                top["version"],
                "'version' must be a positive whole number (1, 2, ...), "
                f"not {c.describe(top['version'])}",
            )
    applies_to = None
    if "applies_to" in top:
        applies_to = c.text(top["applies_to"], "'applies_to'")
        if applies_to is not None and applies_to != "all" and applies_to not in CATEGORY_SLUGS:
            c.fail(
                top["applies_to"],
                f"'applies_to' is {applies_to!r}; expected all or a theme: "
                + ", ".join(CATEGORY_SLUGS),
            )
            applies_to = None

    sections: list[tuple[str | None, str | None, list[dict]]] = []
    section_ids: dict[str, int] = {}
    for index, node in enumerate(c.sequence(top.get("sections"), "'sections'") or [], 1):
        entry = c.mapping(node, f"section {index}", _SECTION_KEYS, set(_SECTION_KEYS))
        if entry is None:
            continue
        sid = c.identifier(entry.get("id"), f"section {index}'s id")
        if sid is not None:
            if sid in section_ids:
                c.fail(
                    entry["id"], f"section id {sid!r} is already used on line {section_ids[sid]}"
                )
            section_ids.setdefault(sid, _line(entry["id"]))
        what = f"section {sid!r}" if sid else f"section {index}"
        stitle = c.text(entry.get("title"), f"{what}'s title")
        qnodes = c.sequence(entry.get("questions"), f"{what}'s questions")
        if qnodes is not None and not qnodes:
            c.fail(entry["questions"], f"{what} has no questions")
        sections.append(
            (sid, stitle, [_check_question(c, n, what, i) for i, n in enumerate(qnodes or [], 1)])
        )
    if isinstance(top.get("sections"), yaml.SequenceNode) and not top["sections"].value:
        c.fail(top["sections"], "the question set has no sections")

    # Conditions may only look back, so each question is checked against those before it.
    seen: dict[str, dict] = {}
    all_ids = {q["id"] for _, _, qs in sections for q in qs if q and q.get("id")}
    for _, _, questions in sections:
        for q in questions:
            if not q:
                continue
            qid = q.get("id")
            if qid in seen:
                c.fail(
                    q["id_node"], f"question id {qid!r} is already used on line {seen[qid]['line']}"
                )
            q["ask_when"] = _check_conditions(c, q, seen, all_ids)
            if qid and qid not in seen:
                seen[qid] = q

    if c.problems:
        return None
    return QuestionSet(
        id=set_id,
        version=version,
        title=title,
        applies_to=applies_to,
        description=description,
        sections=tuple(
            Section(
                id=sid,
                title=stitle,
                questions=tuple(
                    Question(
                        id=q["id"],
                        text=q["text"],
                        type=q["type"],
                        required=q["required"],
                        hint=q["hint"],
                        options=q["options"],
                        evidence_required_when=q["evidence_required_when"],
                        ask_when=q["ask_when"],
                        line=q["line"],
                    )
                    for q in questions
                ),
            )
            for sid, stitle, questions in sections
        ),
        source=c.source,
    )


def _check_question(c: _Checker, node: yaml.Node, section: str, index: int) -> dict:
    """The question's fields as a dict (conditions still as nodes); {} if it is unusable."""
    # Name the question by its id in every message, when it has a usable one.
    peeked = None
    if isinstance(node, yaml.MappingNode):
        ids = [v for k, v in node.value if isinstance(k, yaml.ScalarNode) and k.value == "id"]
        if ids and isinstance(ids[0], yaml.ScalarNode) and _ID.match(ids[0].value):
            peeked = ids[0].value
    what = f"question {peeked!r}" if peeked else f"question {index} in {section}"
    entry = c.mapping(node, what, _QUESTION_KEYS, _QUESTION_REQUIRED)
    if entry is None:
        return {}
    qid = c.identifier(entry.get("id"), f"question {index} in {section}: the id")
    q: dict[str, Any] = {
        "id": qid,
        "id_node": entry.get("id"),
        "line": _line(node),
        "what": what,
        "text": c.text(entry.get("text"), f"{what}: 'text'"),
        "hint": c.text(entry.get("hint"), f"{what}: 'hint'", empty=True) or "",
        "required": True,
        "options": (),
        "evidence_required_when": (),
        "ask_when_node": entry.get("ask_when"),
    }
    if "required" in entry:
        required = c.value(entry["required"])
        if isinstance(required, bool):
            q["required"] = required
        else:
            c.fail(
                entry["required"],
                f"{what}: 'required' must be true or false, not {c.describe(entry['required'])}",
            )
    qtype = c.text(entry.get("type"), f"{what}: 'type'")
    if qtype is not None and qtype not in QUESTION_TYPES:
        c.fail(
            entry["type"],
            f"{what} has type {qtype!r}; expected one of {', '.join(QUESTION_TYPES)}",
        )
        qtype = None
    q["type"] = qtype

    if "options" in entry and qtype not in (None, "single_choice"):
        c.fail(entry["options"], f"{what} has options, but only single_choice questions take them")
    elif qtype == "single_choice":
        q["options"] = _check_options(c, entry.get("options"), what, node)

    # The possible answers; None when the type or options are wrong (already reported).
    fixed = {"yes_no": YES_NO, "grade": GRADES, "free_text": ()}
    if qtype == "single_choice":
        q["choices"] = tuple(o.value for o in q["options"]) or None
    else:
        q["choices"] = tuple(v for v, _ in fixed[qtype]) if qtype else None

    rule = c.sequence(entry.get("evidence_required_when"), f"{what}: 'evidence_required_when'")
    if rule and qtype == "free_text":
        c.fail(
            entry["evidence_required_when"], f"{what} is free text, so it takes no evidence rule"
        )
    elif rule:
        values = []
        for item in rule:
            value = c.value(item)
            if q["choices"] is not None and value not in q["choices"]:
                c.fail(
                    item,
                    f"{what}: evidence_required_when names {c.describe(item)}, which is not an "
                    f"answer to this question ({', '.join(q['choices'])})",
                )
            elif value in values:
                c.fail(item, f"{what}: evidence_required_when names {_show(value)} twice")
            else:
                values.append(value)
        q["evidence_required_when"] = tuple(values)
    return q


def _check_options(
    c: _Checker, node: yaml.Node | None, what: str, question: yaml.Node
) -> tuple[Option, ...]:
    items = c.sequence(node, f"{what}: 'options'")
    if items is None and node is not None:
        return ()  # not a list: already reported
    if not items:
        c.fail(node or question, f"{what} has type single_choice but no options")
        return ()
    if len(items) < 2:
        c.fail(node, f"{what} has only one option; a single choice needs at least two")
    options: list[Option] = []
    for index, item in enumerate(items, 1):
        entry = c.mapping(item, f"{what}: option {index}", ("value", "label"), {"value", "label"})
        if entry is None:
            continue
        value = c.identifier(entry.get("value"), f"{what}: option {index}'s value")
        label = c.text(entry.get("label"), f"{what}: option {index}'s label")
        if value is not None and any(o.value == value for o in options):
            c.fail(entry["value"], f"{what} has the option value {value!r} twice")
        elif value is not None and label is not None:
            options.append(Option(value, label))
    return tuple(options)


def _check_conditions(
    c: _Checker, q: dict, seen: dict[str, dict], all_ids: set[str]
) -> tuple[Condition, ...]:
    node = q.get("ask_when_node")
    if node is None:
        return ()
    if isinstance(node, yaml.MappingNode):
        items = [node]
    elif isinstance(node, yaml.SequenceNode):
        items = node.value
    else:
        c.fail(node, f"{q['what']}: 'ask_when' must be a condition or a list of conditions")
        return ()
    conditions = []
    for item in items:
        condition = _check_condition(c, item, q, seen, all_ids)
        if condition is not None:
            conditions.append(condition)
    return tuple(conditions)


def _check_condition(
    c: _Checker, node: yaml.Node, q: dict, seen: dict[str, dict], all_ids: set[str]
) -> Condition | None:
    what = f"{q['what']}: ask_when"
    keys = ("case", "answer", *_OPERATORS)
    entry = c.mapping(node, what, keys, set())
    if entry is None:
        return None
    subjects = [k for k in ("case", "answer") if k in entry]
    operators = [k for k in _OPERATORS if k in entry]
    if len(subjects) != 1:
        c.fail(node, f"{what} needs exactly one of 'case' (a case field) or 'answer' (a question)")
        return None
    if len(operators) != 1:
        c.fail(node, f"{what} needs exactly one test: {', '.join(_OPERATORS)}")
        return None
    subject, operator = subjects[0], operators[0]
    name_node, test_node = entry[subject], entry[operator]
    name = c.text(name_node, f"{what}: {subject!r}")
    if name is None:
        return None

    allowed: tuple | None  # the values the test may name
    if subject == "case":
        if name not in CASE_FIELDS:
            c.fail(
                name_node,
                f"{what} refers to case field {name!r}; expected one of {', '.join(CASE_FIELDS)}",
            )
            return None
        if name == "child_age":
            if operator not in ("at_least", "at_most"):
                c.fail(test_node, f"{what}: child_age is tested with at_least or at_most")
                return None
            age = c.value(test_node)
            if not isinstance(age, int) or isinstance(age, bool) or not AGE_MIN <= age <= AGE_MAX:
                c.fail(
                    test_node,
                    f"{what}: {operator} must be an age from {AGE_MIN} to {AGE_MAX}, "
                    f"not {c.describe(test_node)}",
                )
                return None
            return Condition("case", name, operator, age)
        allowed = tuple(CATEGORY_SLUGS)
    else:
        if name == q.get("id"):
            c.fail(name_node, f"{what} refers to the question itself")
            return None
        if name not in seen:
            later = name in all_ids
            c.fail(
                name_node,
                f"{what} refers to question {name!r}, which "
                + (
                    "comes later; a condition can only refer to an earlier question"
                    if later
                    else "is not in this file"
                ),
            )
            return None
        earlier = seen[name]
        if earlier["type"] == "free_text":
            c.fail(name_node, f"{what} refers to {name!r}, a free-text question; use a choice")
            return None
        allowed = earlier["choices"]

    if operator not in ("in", "not_in"):
        c.fail(test_node, f"{what}: {subject} {name!r} is tested with in or not_in")
        return None
    values = c.sequence(test_node, f"{what}: {operator!r}")
    if not values:
        if values is not None:
            c.fail(test_node, f"{what}: {operator!r} lists no values")
        return None
    result = []
    for item in values:
        value = c.value(item)
        if allowed is not None and value not in allowed:
            c.fail(
                item,
                f"{what}: {c.describe(item)} is not a possible value of {subject} {name!r} "
                f"({', '.join(allowed)})",
            )
        else:
            result.append(value)
    if len(result) != len(values):
        return None
    return Condition(subject, name, operator, tuple(result))


# --- loading -------------------------------------------------------------------------------


def load_question_set(path: Path | str) -> QuestionSet:
    """Read and check one file. Problems are named by the path as given."""
    source = str(path)
    try:
        text = Path(path).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else type(exc).__name__
        raise QuestionSetError([Problem(source, 1, f"cannot read the file: {reason}")]) from None
    return _parse(text, source)


def combine(core: QuestionSet, theme: QuestionSet) -> CaseQuestionSet:
    """Core then theme, after checking that they fit together."""
    problems = []
    if core.applies_to != "all":
        problems.append(
            Problem(core.source, 1, f"the core set applies to {core.applies_to!r}, not all")
        )
    if theme.applies_to == "all":
        problems.append(Problem(theme.source, 1, "a theme's set cannot apply to all cases"))
    core_ids = {q.id: q for q in core.questions}
    for q in theme.questions:
        if q.id in core_ids:
            problems.append(
                Problem(
                    theme.source,
                    q.line,
                    f"question id {q.id!r} is already used in the core set "
                    f"({Path(core.source).name or 'core'}, line {core_ids[q.id].line})",
                )
            )
    if problems:
        raise QuestionSetError(problems)
    return CaseQuestionSet(core=core, theme=theme)


def check_file(path: Path | str) -> QuestionSet:
    """What ``cpinspect check_question_set`` runs: the file alone, then, for a theme's file,
    its fit with the core set next to it (or the shipped one)."""
    qs = load_question_set(path)
    if qs.applies_to != "all":
        sibling = Path(path).with_name(f"{CORE}.yaml")
        core = load_question_set(sibling if sibling.exists() else QUESTION_SETS_DIR / "core.yaml")
        combine(core, qs)
    return qs


def theme_path(theme: str) -> Path:
    if theme not in CATEGORY_SLUGS:
        raise ValueError(f"{theme!r} is not a theme; expected one of {', '.join(CATEGORY_SLUGS)}")
    return QUESTION_SETS_DIR / f"{theme}.yaml"


def shipped() -> dict[str, QuestionSet]:
    """Every question set in the repository, core first, then the themes in category order."""
    sets = {CORE: load_question_set(QUESTION_SETS_DIR / f"{CORE}.yaml")}
    for theme in CATEGORY_SLUGS:
        qs = load_question_set(theme_path(theme))
        _check_theme_file(qs, theme)
        combine(sets[CORE], qs)
        sets[theme] = qs
    return sets


def _check_theme_file(qs: QuestionSet, theme: str) -> None:
    if qs.applies_to != theme or qs.id != theme:
        raise QuestionSetError(
            [
                Problem(
                    qs.source,
                    1,
                    f"the file for theme {theme!r} must have id and applies_to "
                    f"{theme!r} (found id {qs.id!r}, applies_to {qs.applies_to!r})",
                )
            ]
        )


def available() -> list[SetInfo]:
    return [SetInfo(qs.id, qs.version, qs.fingerprint) for qs in shipped().values()]


def snapshot() -> dict[str, dict]:
    """Every shipped set as plain data, keyed by id: what an inspection fixes at fieldwork."""
    return {set_id: qs.to_dict() for set_id, qs in shipped().items()}


def load_for_theme(theme: str, *, snapshot: Mapping[str, Mapping] | None = None) -> CaseQuestionSet:
    """The questions a case of this theme is assessed against: from the files, or from a
    snapshot (``snapshot()``'s output, as stored on the inspection)."""
    path = theme_path(theme)
    if snapshot is not None:
        try:
            core_data, theme_data = snapshot[CORE], snapshot[theme]
        except KeyError as exc:
            raise ValueError(f"the snapshot has no question set {exc.args[0]!r}") from None
        core, qs = QuestionSet.from_dict(core_data), QuestionSet.from_dict(theme_data)
    else:
        core, qs = load_question_set(QUESTION_SETS_DIR / f"{CORE}.yaml"), load_question_set(path)
    _check_theme_file(qs, theme)
    return combine(core, qs)


def released_fingerprints() -> dict[tuple[str, int], str]:
    """(set id, version) -> fingerprint, for every version ever released."""
    data = yaml.safe_load(RELEASED_FILE.read_text(encoding="utf-8")) or {}
    return {
        (set_id, int(version)): fingerprint
        for set_id, versions in data.items()
        for version, fingerprint in (versions or {}).items()
    }


# --- answers -------------------------------------------------------------------------------


@dataclass(frozen=True)
class AnswerProblem:
    question_id: str
    message: str


def _case_value(case: Any, name: str) -> Any:
    if isinstance(case, Mapping):
        return case.get(name)
    return getattr(case, name, None)


def _answer_value(answers: Mapping, question_id: str) -> str:
    answer = answers.get(question_id)
    if isinstance(answer, Mapping) and isinstance(answer.get("value"), str):
        return answer["value"].strip()
    return ""


def _holds(condition: Condition, case: Any, given: Mapping[str, str]) -> bool:
    if condition.subject == "case":
        actual = _case_value(case, condition.name)
        if condition.name == "child_age":
            if actual is None:
                return True  # age unknown: ask, rather than miss a question that may apply
            age = int(actual)
            return (
                age >= condition.value
                if condition.operator == "at_least"
                else age <= condition.value
            )
    else:
        actual = given.get(condition.name)
        if actual is None:
            return False  # the earlier question is unanswered or was not asked
    inside = actual in condition.value
    return inside if condition.operator == "in" else not inside


def visible_questions(
    qs: QuestionSet | CaseQuestionSet, case: Any, answers: Mapping
) -> list[Question]:
    """The questions asked of this case, given the answers so far (``ask_when`` applied).

    ``case`` is a mapping or an object with ``category`` and ``child_age``."""
    visible = []
    given: dict[str, str] = {}  # valid answers to visible questions, for later conditions
    for q in qs.questions:
        if all(_holds(cond, case, given) for cond in q.ask_when):
            visible.append(q)
            value = _answer_value(answers, q.id)
            if value and value in dict(q.choices):
                given[q.id] = value
    return visible


def holds_on_case(condition: Condition, case: Any) -> bool:
    """Whether a condition on the case holds (answer conditions are not judged here)."""
    return condition.subject != "case" or _holds(condition, case, {})


def visible_answers(qs: QuestionSet | CaseQuestionSet, case: Any, answers: Mapping) -> dict:
    """The answers without those to questions not asked: what a submission keeps."""
    shown = {q.id for q in visible_questions(qs, case, answers)}
    return {qid: answer for qid, answer in answers.items() if qid in shown}


def check_answers(
    qs: QuestionSet | CaseQuestionSet, case: Any, answers: Mapping, *, submitting: bool
) -> list[AnswerProblem]:
    """Problems with the answers, in question order (unknown question ids last).

    ``answers`` is ``{question_id: {"value": str, "note": str}}``; an empty value is no answer.
    A draft's only problems are invalid values; a submission must also answer every required
    question asked and give the evidence notes the rules demand. Answers to questions not
    asked of this case (``ask_when`` false) are ignored."""
    known = {q.id for q in qs.questions}
    problems = []
    for q in visible_questions(qs, case, answers):
        answer = answers.get(q.id)
        if answer is None:
            answer = {}
        if not isinstance(answer, Mapping):
            problems.append(AnswerProblem(q.id, "An answer must have a value and a note"))
            continue
        extra = set(answer) - {"value", "note"}
        if extra:
            problems.append(
                AnswerProblem(q.id, f"An answer has only a value and a note, not {sorted(extra)}")
            )
        value, note = answer.get("value") or "", answer.get("note") or ""
        if not isinstance(value, str) or not isinstance(note, str):
            problems.append(AnswerProblem(q.id, "The answer and its note must be text"))
            continue
        value = value.strip()
        if len(note) > MAX_TEXT:
            problems.append(
                AnswerProblem(q.id, f"The evidence note must be {MAX_TEXT:,} characters or fewer")
            )
        if q.type == "free_text":
            if len(value) > MAX_TEXT:
                problems.append(
                    AnswerProblem(q.id, f"The answer must be {MAX_TEXT:,} characters or fewer")
                )
        elif value and value not in dict(q.choices):
            labels = ", ".join(label for _, label in q.choices)
            problems.append(
                AnswerProblem(
                    q.id, f"{value!r} is not an answer to this question; choose one of: {labels}"
                )
            )
            continue
        if not submitting:
            continue
        if not value:
            if q.required:
                problems.append(AnswerProblem(q.id, f"Answer ‘{q.text}’"))
        elif value in q.evidence_required_when and not note.strip():
            problems.append(
                AnswerProblem(
                    q.id,
                    f"Give an evidence note for ‘{q.text}’: one is needed when the answer "
                    f"is {q.label_of(value)!r}",
                )
            )
    for qid in answers:
        if qid not in known:
            problems.append(
                AnswerProblem(qid, f"There is no question {qid!r} in this question set")
            )
    return problems
