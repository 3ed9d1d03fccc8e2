"""Writes of the case extract pipeline: import, confirm, draw, replace, reveal.

``extract_import`` is the whole pipeline: read -> map with the profile -> validate ->
pseudonymise -> write the frame and the encrypted reference vault -> store the summary. It
runs in the background worker for the web and the API (``extract_queue`` -> ``tasks.py``)
and synchronously for the command line. Its database writes happen in one transaction
at the end, so an import lands whole, with its report, or not at all.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import logging
import time
import traceback

import numpy as np
import polars as pl
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils import timezone

from cpinspect.accounts import access
from cpinspect.audittrail.models import AccessAction
from cpinspect.audittrail.services import access_log_record
from cpinspect.casefiles import conf, frames, pseudonymise, sampling, uploads, validation
from cpinspect.casefiles.models import (
    CaseStatus,
    Extract,
    ExtractStatus,
    FrameSummary,
    Sample,
    SampledCase,
)
from cpinspect.casefiles.profiles import ProfileError, get_profile
from cpinspect.casefiles.readers import ExtractFileError, read_extract
from cpinspect.editing.versions import when_text

log = logging.getLogger(__name__)


class ImportRefused(Exception):
    pass


class SampleRefused(Exception):
    pass


def _require_team(user, inspection):
    if not access.can_manage_case_data(user, inspection):
        raise PermissionDenied("Only the inspection's team works with its case files.")


def _extract_create(*, inspection, user, data: bytes, profile_name: str, via: str, status):
    return Extract.objects.create(
        inspection=inspection,
        profile=profile_name[:100],
        imported_by=user,
        via=via,
        status=status,
        file_sha256=hashlib.sha256(data).hexdigest(),
        file_bytes=len(data),
    )


def extract_import(
    *,
    inspection,
    user,
    data: bytes,
    profile_name: str,
    accept_rejections: bool = False,
    hold_for_confirmation: bool = False,
    via: str = "web",
    today: dt.date | None = None,
    progress=None,
) -> Extract:
    """Import ``data`` into ``inspection`` now (the command line and the demo); return the
    Extract, whatever its outcome. See ``extract_run`` for what happens."""
    _require_team(user, inspection)
    extract = _extract_create(
        inspection=inspection,
        user=user,
        data=data,
        profile_name=profile_name,
        via=via,
        status=ExtractStatus.RUNNING,
    )
    return extract_run(
        extract,
        data,
        accept_rejections=accept_rejections,
        hold_for_confirmation=hold_for_confirmation,
        today=today,
        progress=progress,
    )


def extract_queue(
    *,
    inspection,
    user,
    data: bytes,
    profile_name: str,
    accept_rejections: bool = False,
    hold_for_confirmation: bool = True,
    via: str = "web",
) -> Extract:
    """Queue ``data`` for the background worker (the web and the API): the file is stored
    encrypted until the worker takes it. Returns the Extract in status ``queued``."""
    from cpinspect.casefiles.tasks import run_queued_import

    _require_team(user, inspection)
    get_profile(profile_name)  # an unknown profile is refused now, not in the worker
    extract = _extract_create(
        inspection=inspection,
        user=user,
        data=data,
        profile_name=profile_name,
        via=via,
        status=ExtractStatus.QUEUED,
    )
    uploads.store(extract, data)
    # enqueue only once the Extract row is committed, so the worker always finds it
    transaction.on_commit(
        lambda: run_queued_import.enqueue(
            extract.pk,
            accept_rejections=accept_rejections,
            hold_for_confirmation=hold_for_confirmation,
        )
    )
    log.info("extract %s queued (%s bytes)", extract.pk, len(data))
    return extract


def extract_run(
    extract: Extract,
    data: bytes,
    *,
    accept_rejections: bool = False,
    hold_for_confirmation: bool = False,
    today: dt.date | None = None,
    progress=None,
) -> Extract:
    """Read -> validate -> pseudonymise -> write frame and vault -> store the outcome.

    When more than ``conf.max_reject_share()`` of the rows are rejected and the caller has not
    accepted that: with ``hold_for_confirmation`` (web) the frame is kept but not used until
    ``extract_confirm``; otherwise (CLI) nothing lands and the status is ``refused``.
    """
    inspection = extract.inspection
    _require_team(extract.imported_by, inspection)
    started = time.perf_counter()
    Extract.objects.filter(pk=extract.pk).update(status=ExtractStatus.RUNNING)
    extract.status = ExtractStatus.RUNNING

    def step(label):
        Extract.objects.filter(pk=extract.pk).update(stage=label)
        if progress:
            progress(label)

    fpath = frames.frame_path(inspection.pk, extract.pk)
    vpath = frames.vault_path(inspection.pk, extract.pk)
    try:
        profile = get_profile(extract.profile)
        step("read")
        loaded = read_extract(data, profile)
        del data
        step("validate")
        councils = set(inspection.subject_force.councils.values_list("code", flat=True))
        checked = validation.check(
            loaded.table, profile, council_codes=councils, today=today or timezone.localdate()
        )
        step("pseudonymise")
        frame, refs = frames.build(
            checked.accepted,
            inspection_key=pseudonymise.inspection_key(inspection.pk),
        )
        step("write")
        sha = frames.write(frame, fpath)
        frames.write_vault(
            refs,
            vpath,
            key=pseudonymise.encryption_key(inspection.pk),
            context=_vault_context(extract),
        )
        del refs
        summary = frames.summary(frame)
    except (ExtractFileError, ProfileError) as exc:
        _discard(fpath, vpath)
        Extract.objects.filter(pk=extract.pk).update(
            status=ExtractStatus.FAILED,
            error=str(exc),
            finished_at=timezone.now(),
            seconds=time.perf_counter() - started,
        )
        extract.refresh_from_db()
        log.info("extract %s failed: %s", extract.pk, exc)
        return extract
    except Exception as exc:  # a bug: record it without any of the file's content
        _discard(fpath, vpath)
        Extract.objects.filter(pk=extract.pk).update(
            status=ExtractStatus.FAILED,
            error="The import failed unexpectedly; nothing was imported. Support has the details.",
            finished_at=timezone.now(),
        )
        # the exception's message may quote the file, so log only its type and where it arose
        log.error(
            "extract %s failed unexpectedly: %s\n%s",
            extract.pk,
            type(exc).__name__,
            "".join(traceback.format_tb(exc.__traceback__)),
        )
        extract.refresh_from_db()
        return extract
    share = checked.rows_rejected / checked.rows_read if checked.rows_read else 0.0
    too_many = share > conf.max_reject_share() and not accept_rejections
    if too_many and not hold_for_confirmation:
        status = ExtractStatus.REFUSED
        _discard(fpath, vpath)
    elif too_many:
        status = ExtractStatus.NEEDS_CONFIRMATION
    else:
        status = ExtractStatus.IMPORTED
    with transaction.atomic():
        extract.file_format = loaded.format
        extract.encoding = loaded.encoding
        extract.rows_read = checked.rows_read
        extract.rows_accepted = frame.height
        extract.rows_rejected = checked.rows_rejected
        extract.rows_warned = checked.rows_warned
        extract.report = checked.problems
        extract.problem_counts = validation.summarise_problems(checked.problems)
        extract.status = status
        extract.stage = ""
        extract.finished_at = timezone.now()
        extract.seconds = time.perf_counter() - started
        if status != ExtractStatus.REFUSED:
            extract.frame_path = str(fpath)
            extract.frame_sha256 = sha
            FrameSummary.objects.create(extract=extract, **summary)
        extract.save()
    log.info(
        "extract %s %s: %s rows read, %s rejected",
        extract.pk,
        status,
        checked.rows_read,
        checked.rows_rejected,
    )
    return extract


def _vault_context(extract) -> bytes:
    return f"cpinspect/vault/extract/{extract.pk}".encode()


def _discard(*paths):
    for path in paths:
        path.unlink(missing_ok=True)


@transaction.atomic
def extract_confirm(*, extract: Extract, user) -> Extract:
    _require_team(user, extract.inspection)
    _stored_decision(extract)
    if extract.status != ExtractStatus.NEEDS_CONFIRMATION:
        raise ImportRefused("This import is not waiting for confirmation.")
    extract.status = ExtractStatus.IMPORTED
    extract.save(update_fields=["status"])
    return extract


@transaction.atomic
def extract_cancel(*, extract: Extract, user) -> Extract:
    _require_team(user, extract.inspection)
    _stored_decision(extract)
    if extract.status != ExtractStatus.NEEDS_CONFIRMATION:
        raise ImportRefused("Only an import waiting for confirmation can be cancelled.")
    _discard(
        frames.frame_path(extract.inspection_id, extract.pk),
        frames.vault_path(extract.inspection_id, extract.pk),
    )
    extract.status = ExtractStatus.CANCELLED
    extract.vault_destroyed_at = timezone.now()
    extract.save(update_fields=["status", "vault_destroyed_at"])
    return extract


def _stored_decision(extract: Extract) -> None:
    """Confirm and cancel decide on the stored row, locked: one person confirming while
    another cancels must not end with an import marked confirmed whose files are gone."""
    stored = Extract.objects.select_for_update().get(pk=extract.pk)
    extract.status = stored.status


def examined_force_pseudonyms(inspection) -> set[str]:
    """Force pseudonyms of cases examined in earlier inspections of the same force."""
    force = inspection.subject_force
    return set(
        SampledCase.objects.filter(
            status=CaseStatus.SAMPLED,
            sample__inspection__fieldwork_starts_on__lt=inspection.fieldwork_starts_on,
        )
        .filter(models_q_force(force))
        .exclude(sample__inspection=inspection)
        .values_list("force_pseudonym", flat=True)
    )


def models_q_force(force):
    from django.db.models import Q

    return Q(sample__inspection__force=force) | Q(sample__inspection__council__force=force)


def sample_draw(*, extract: Extract, user, design: sampling.Design, seed: int | None = None):
    """Draw the sample; keep the encrypted references of sampled cases and reserves only."""
    inspection = extract.inspection
    _require_team(user, inspection)
    if extract.status != ExtractStatus.IMPORTED:
        raise SampleRefused("Only an imported extract can be sampled.")
    if Sample.objects.filter(extract=extract).exists():
        raise SampleRefused(
            "This extract has been sampled; the raw references of unsampled cases are gone. "
            "Import the file again to draw a new sample."
        )
    path = frames.frame_path(inspection.pk, extract.pk)
    if frames.sha256_of(path) != extract.frame_sha256:
        raise SampleRefused("The frame file does not match its recorded SHA-256.")
    if seed is None:
        seed = int(np.random.SeedSequence().entropy % (2**63))
    if design.exclude_older_than_months is not None and design.as_of is None:
        design.as_of = inspection.fieldwork_starts_on
    frame = frames.read(path)
    vpath = frames.vault_path(inspection.pk, extract.pk)
    refs = frames.read_vault(
        vpath, key=pseudonymise.encryption_key(inspection.pk), context=_vault_context(extract)
    )
    force_key = pseudonymise.force_key(inspection.subject_force.code)
    examined = (
        examined_force_pseudonyms(inspection) if design.exclude_previously_examined else set()
    )
    if examined:  # only then is every row's force pseudonym needed
        frame = frame.with_columns(
            pl.Series("force_pseudonym", pseudonymise.pseudonyms(refs, force_key))
        )
    result = sampling.draw(frame, design, seed, examined=examined)
    drawn_refs = [refs[i] for i in result.rows["row"].to_list()]
    force_pseudonyms = dict(
        zip(drawn_refs, pseudonymise.pseudonyms(drawn_refs, force_key), strict=True)
    )
    key = pseudonymise.encryption_key(inspection.pk)
    with transaction.atomic():
        # two draws at once: the second waits here, then finds the first's sample (one sample
        # per extract) instead of breaking the unique rule with a 500
        Extract.objects.select_for_update().get(pk=extract.pk)
        drawn = Sample.objects.filter(extract=extract).select_related("drawn_by").first()
        if drawn is not None:
            raise SampleRefused(
                f"{drawn.drawn_by.full_name} drew the sample from this extract "
                f"{when_text(drawn.drawn_at)}, after you opened the page: nothing was drawn."
            )
        sample = Sample.objects.create(
            inspection=inspection,
            extract=extract,
            drawn_by=user,
            seed=seed,
            frame_sha256=extract.frame_sha256,
            allocation_method=design.method,
            design=design.as_json(),
            allocation=result.allocation,
            reserves=result.reserves,
            population=result.population,
            excluded=result.excluded,
            total_size=result.total,
            software={"numpy": np.__version__, "polars": pl.__version__, "bit_generator": "PCG64"},
        )
        SampledCase.objects.bulk_create(
            [
                SampledCase(
                    sample=sample,
                    pseudonym=row["pseudonym"],
                    force_pseudonym=force_pseudonyms[refs[row["row"]]],
                    stratum=row["category"],
                    order=row["order"],
                    is_reserve=row["is_reserve"],
                    status=CaseStatus.RESERVE if row["is_reserve"] else CaseStatus.SAMPLED,
                    recorded_on=row["recorded_on"],
                    child_age=row["child_age"],
                    council_code=row["council_code"] or "",
                    frame_row=row["row"],
                    raw_ref_encrypted=pseudonymise.encrypt(
                        refs[row["row"]].encode("utf-8"), key, _case_context(sample, row)
                    ),
                )
                for row in result.rows.iter_rows(named=True)
            ]
        )
        Extract.objects.filter(pk=extract.pk).update(vault_destroyed_at=timezone.now())
        transaction.on_commit(lambda: _discard(vpath))
    del refs
    log.info("sample %s drawn: %s cases, seed %s", sample.pk, sample.total_size, seed)
    return sample


def _case_context(sample, row) -> bytes:
    return f"cpinspect/case/{sample.inspection_id}/{row['pseudonym']}".encode()


def sampled_case_mark_unusable(
    *, case: SampledCase, user, reason: str, in_audit: bool = False
) -> SampledCase | None:
    """Mark a sampled case unusable; the next reserve of its category takes its place.

    Returns the reserve brought in (None when the category has no reserve left). Once a case
    is allocated in the case-file audit, only the audit (``in_audit``) may do this: it knows
    whether the case is examined or locked, and gives the reserve to the same examiner."""
    _require_team(user, case.sample.inspection)
    if not in_audit and SampledCase.objects.filter(pk=case.pk, audit__isnull=False).exists():
        raise SampleRefused(
            "This case is allocated in the case-file audit; mark it unusable from its page there."
        )
    reason = (reason or "").strip()
    if not reason:
        raise SampleRefused("Say why the case cannot be used.")
    with transaction.atomic():
        case = SampledCase.objects.select_for_update().get(pk=case.pk)
        if case.status != CaseStatus.SAMPLED:
            raise SampleRefused("Only a case in the sample can be marked unusable.")
        reserve = (
            SampledCase.objects.select_for_update()
            .filter(sample=case.sample, stratum=case.stratum, status=CaseStatus.RESERVE)
            .order_by("order")
            .first()
        )
        case.status = CaseStatus.UNUSABLE
        case.unusable_reason = reason
        if reserve is not None:
            reserve.status = CaseStatus.SAMPLED
            reserve.save(update_fields=["status"])
            case.replaced_by = reserve
        case.save(update_fields=["status", "unusable_reason", "replaced_by"])
    return reserve


def sampled_case_reveal(*, case: SampledCase, user, via: str = "web") -> str:
    """The force's own reference of a sampled case or reserve, for the team only; logged."""
    inspection = case.sample.inspection
    if not access.can_reveal_case_reference(user, inspection):
        raise PermissionDenied("Only the inspection's team can see a force reference.")
    access_log_record(
        user=user, action=AccessAction.REVEAL, obj=case, inspection_id=inspection.pk, via=via
    )
    context = f"cpinspect/case/{inspection.pk}/{case.pseudonym}".encode()
    return pseudonymise.decrypt(
        case.raw_ref_encrypted, pseudonymise.encryption_key(inspection.pk), context
    ).decode("utf-8")
