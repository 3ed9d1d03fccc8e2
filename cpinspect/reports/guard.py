"""The last check before a report is stored: its text must name no case.

The snapshot holds published figures and the findings' texts only, so a case could reach a
report only through something a person typed into a finding (a cause of concern, a
recommendation, an area for improvement). This looks, in every text of the snapshot (the
template's own wording is ours and cannot name a case), for

* anything shaped like a pseudonym (32 hexadecimal characters), and every pseudonym and force
  pseudonym of the inspections' sampled cases;
* the force's own reference of every sampled case and reserve (decrypted here, in memory, for
  the comparison only: nobody is shown it, so it is not a reveal and is not access-logged);
* the writing of every examination (notes, free text, rationale), every resolution rationale
  and every escalation's concern: a whole passage of 20 characters or more, or any run of
  8 words of one (a quotation of part of a note).

It reports *what kind* of thing it found, never the thing itself.
"""

from __future__ import annotations

import re

from cpinspect.assessments.models import Assessment, CaseAudit, Escalation
from cpinspect.casefiles import pseudonymise
from cpinspect.casefiles.models import SampledCase
from cpinspect.stats.disclosure import _PSEUDONYM

MIN_NOTE = 20  # shorter writing ("Yes", "See above") is too common to mean anything
RUN_WORDS = 8  # a run of this many words of a note, found in a finding, is a quotation
MIN_REFERENCE = 4
_SPACE = re.compile(r"\s+")
_WORD = re.compile(r"[0-9a-z']+")


class LeakFound(Exception):
    """The text would publish something about a case; the message says what kind."""


def _normal(text: str) -> str:
    return _SPACE.sub(" ", text).strip().casefold()


def _writings(value) -> list[str]:
    if isinstance(value, str):
        return [value]
    if isinstance(value, dict):
        return [w for v in value.values() for w in _writings(v)]
    if isinstance(value, list | tuple):
        return [w for v in value for w in _writings(v)]
    return []


def _references(inspection) -> list[str]:
    key = None
    refs = []
    for pseudonym, blob in SampledCase.objects.filter(sample__inspection=inspection).values_list(
        "pseudonym", "raw_ref_encrypted"
    ):
        if not blob:
            continue
        key = key or pseudonymise.encryption_key(inspection.pk)
        context = f"cpinspect/case/{inspection.pk}/{pseudonym}".encode()
        refs.append(pseudonymise.decrypt(bytes(blob), key, context).decode("utf-8"))
    return refs


def _runs(text: str) -> set[str]:
    words = _WORD.findall(text)
    return {" ".join(words[i : i + RUN_WORDS]) for i in range(len(words) - RUN_WORDS + 1)}


def texts_of(value) -> list[str]:
    """Every string in a snapshot (or any JSON-like value), keys included."""
    if isinstance(value, dict):
        return [*value.keys(), *(t for v in value.values() for t in texts_of(v))]
    return _writings(value)


def findings(texts: list[str], inspections) -> list[str]:
    """The kinds of case detail found in ``texts`` (empty when they are clean)."""
    found = []
    flat = "\n".join(_normal(t) for t in texts)
    if any(_PSEUDONYM.search(t) for t in texts):
        found.append("a case pseudonym")
    ids = [i.pk for i in inspections]
    cases = SampledCase.objects.filter(sample__inspection_id__in=ids)
    for pseudonym, force_pseudonym in cases.values_list("pseudonym", "force_pseudonym"):
        if pseudonym.casefold() in flat or force_pseudonym.casefold() in flat:
            found.append("a case pseudonym")
            break
    for inspection in inspections:
        for ref in _references(inspection):
            ref = _normal(ref)
            if len(ref) >= MIN_REFERENCE and re.search(
                rf"(?<![0-9a-z]){re.escape(ref)}(?![0-9a-z])", flat
            ):
                found.append("a force's case reference")
                break
    notes = []
    for writing in Assessment.objects.filter(audit__inspection_id__in=ids).values_list(
        "writing", flat=True
    ):
        notes += _writings(writing)
    for audit in (
        CaseAudit.objects.filter(inspection_id__in=ids)
        .exclude(resolution_rationale=None)
        .only("resolution_rationale")
    ):
        notes += _writings(audit.resolution_rationale)
    for escalation in Escalation.objects.filter(inspection_id__in=ids).only("concern"):
        notes += _writings(escalation.concern)
    runs = {run for text in texts for run in _runs(_normal(text))}
    for note in notes:
        note = _normal(note)
        if (len(note) >= MIN_NOTE and note in flat) or not runs.isdisjoint(_runs(note)):
            found.append("an inspector's note or rationale from a case file")
            break
    return sorted(set(found))


def check(texts: list[str], inspections) -> None:
    found = findings(texts, inspections)
    if found:
        raise LeakFound(
            "The report would publish "
            + " and ".join(found)
            + ". Find it in the findings (causes of concern, recommendations, areas for "
            "improvement), take it out, and build the report again."
        )
