"""Run inside an installation (``cpinspect shell -c``) by test_backup_restore.py: it prints, as
JSON, what that installation can read with its own keys and files. The test compares the
answers of the backed-up installation and of the restored one.

    prepare  add what the demo lacks: an extract imported but not sampled (its frame and its
             vault kept) and one queued for the worker (its encrypted upload waiting)
    facts    read-only: published reports' hashes recomputed, every encrypted value
             decrypted, every stored file read back with the keys
    reveal   reveal sampled cases through the service, as the team does (access-logged), and
             recompute their pseudonyms from the revealed references
"""

import hashlib
import json
import sys

from django.db import transaction


def _lead_and_inspection():
    from cpinspect.programmes.models import Inspection, Status, TeamRole

    inspection = Inspection.objects.filter(
        status=Status.FIELDWORK, extracts__sample__isnull=False
    ).first()
    return inspection.team.get(role=TeamRole.LEAD).user, inspection


def prepare():
    from cpinspect.casefiles import generator, services
    from cpinspect.casefiles.demo import add_demo_extract

    lead, inspection = _lead_and_inspection()
    kept, _ = add_demo_extract(inspection, lead, rows=400, seed=7, draw=False)
    frame = generator.generate(
        rows=50,
        seed=8,
        councils=sorted(inspection.subject_force.councils.values_list("code", flat=True)),
    )
    with transaction.atomic():
        queued = services.extract_queue(
            inspection=inspection,
            user=lead,
            data=frame.write_csv().encode("utf-8"),
            profile_name="canonical",
        )
    return {"kept": kept.pk, "kept_status": kept.status, "queued": queued.pk}


def _digest(rows) -> str:
    return hashlib.sha256(json.dumps(rows, sort_keys=True, default=str).encode()).hexdigest()


def facts():
    from cpinspect.assessments import encryption
    from cpinspect.casefiles import frames, pseudonymise, storage, uploads
    from cpinspect.casefiles.models import Extract
    from cpinspect.reports import rendering
    from cpinspect.reports.models import FINAL_STATUSES, Report

    reports = []
    for report in Report.objects.filter(status__in=FINAL_STATUSES).order_by("pk"):
        reports.append(
            {
                "id": report.pk,
                "content": rendering.sha256(report.html.encode("utf-8")) == report.content_sha256,
                "pdf": rendering.sha256(bytes(report.pdf)) == report.pdf_sha256,
                "data": rendering.sha256(rendering.canonical_json(report.data))
                == report.data_sha256,
                "content_sha256": report.content_sha256,
            }
        )
    encrypted = {}
    for model, names in encryption.encrypted_fields():
        for name in names:
            rows = list(
                model._base_manager.exclude(**{f"{name}__isnull": True})
                .order_by("pk")
                .values_list("pk", name)
            )
            encrypted[f"{model._meta.label}.{name}"] = {"count": len(rows), "digest": _digest(rows)}
    files = []
    for extract in Extract.objects.order_by("pk"):
        for stored in storage.files_of(extract):
            key = pseudonymise.encryption_key(extract.inspection_id)
            if stored.kind == "frame":
                ok = frames.sha256_of(stored.path) == extract.frame_sha256
            elif stored.kind == "vault":
                context = f"cpinspect/vault/extract/{extract.pk}".encode()
                refs = frames.read_vault(stored.path, key=key, context=context)
                ok = len(refs) == extract.rows_accepted
            else:
                with uploads.open_upload(extract) as stream:
                    ok = uploads.sha256_of(stream) == extract.file_sha256
            files.append({"extract": extract.pk, "kind": stored.kind, "ok": ok})
    return {"reports": reports, "encrypted": encrypted, "files": files}


def reveal():
    from cpinspect.casefiles import pseudonymise, services
    from cpinspect.casefiles.models import SampledCase

    lead, inspection = _lead_and_inspection()
    cases = SampledCase.objects.filter(sample__inspection=inspection).order_by("pk")
    revealed, matches = [], 0
    for case in cases:
        ref = services.sampled_case_reveal(case=case, user=lead, via="cli")
        revealed.append([case.pk, ref])
        key = pseudonymise.inspection_key(inspection.pk)
        force_key = pseudonymise.force_key(inspection.subject_force.code)
        if (
            pseudonymise.pseudonym(ref, key) == case.pseudonym
            and pseudonymise.pseudonym(ref, force_key) == case.force_pseudonym
        ):
            matches += 1
    return {"cases": len(revealed), "pseudonyms_match": matches, "digest": _digest(revealed)}


def main(what: str) -> None:
    answer = {"prepare": prepare, "facts": facts, "reveal": reveal}[what]()
    sys.stdout.write("PROBE " + json.dumps(answer) + "\n")
