"""Writes of the case extract pipeline: import, confirm, draw, replace, reveal.

``extract_import`` is the whole pipeline: read -> check the file against the profile and
the inspection (columns, force, stage) -> map with the profile -> validate ->
pseudonymise -> write the frame and the encrypted reference vault -> store the summary
and the report. It runs in the background worker for the web and the API
(``extract_queue`` -> ``tasks.py``) and synchronously for the command line. Its database
writes happen in one transaction at the end, so an import lands whole, with its report, or
not at all; that transaction also supersedes (and destroys the vaults of) earlier imports.
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
from django.db import IntegrityError, connection, transaction
from django.utils import timezone

from cpinspect.accounts import access
from cpinspect.audittrail.models import AccessAction
from cpinspect.audittrail.services import access_log_record
from cpinspect.casefiles import conf, fit, frames, pseudonymise, sampling, uploads, validation
from cpinspect.casefiles.deadline import Deadline
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
from cpinspect.casefiles.redaction import SHAPE_ONLY
from cpinspect.casefiles.sealed import SealedFileError
from cpinspect.editing.versions import when_text
from cpinspect.programmes import selectors as programme_selectors
from cpinspect.programmes.models import Inspection, Status
from cpinspect.registry.models import Force

log = logging.getLogger(__name__)


class ImportRefused(Exception):
    pass


class SampleRefused(Exception):
    pass


# The stages in which a force's extract may be imported and its sample drawn: from
# planning to fieldwork. Once moderation starts, the sample is the one examined.
OPEN_STAGES = (Status.PLANNED, Status.NOTIFIED, Status.FIELDWORK)


def _require_team(user, inspection):
    if not access.can_manage_case_data(user, inspection):
        raise PermissionDenied("Only the inspection's team works with its case files.")


def stage_refusal(inspection) -> str | None:
    """Why the inspection's stage allows no import or draw now (None when it does)."""
    if inspection.status in OPEN_STAGES:
        return None
    stage = Status(inspection.status).label.lower()
    allowed = ", ".join(Status(s).label.lower() for s in OPEN_STAGES[:-1])
    return (
        f"This inspection is at the {stage} stage: case extracts are imported and samples "
        f"drawn only while it is {allowed} or in {Status(OPEN_STAGES[-1]).label.lower()}."
    )


def _require_open(inspection, refusal=None):
    message = stage_refusal(inspection)
    if message:
        raise (refusal or ImportRefused)(message)


def _locked_inspection(inspection) -> Inspection:
    """The inspection's row, locked until the transaction ends: a lifecycle move waits, so
    the stage read here holds for the writes that follow (and concurrent imports of the
    inspection land one after the other)."""
    return Inspection.objects.select_for_update(no_key=True).get(pk=inspection.pk)


AUDIT_CLOSED = (
    "The case-file audit is closed: the inspection has moved on from moderation, so its "
    "sample can no longer change. The lead inspector or a programme manager can reopen the "
    "audit from the inspection's page, giving the reason."
)


def _require_audit_open(inspection) -> None:
    """The sample is the audit's record: closed with it (ADR 0021; the database refuses it
    too). Holds the inspection's row (shared) until the transaction ends."""
    if programme_selectors.case_audit_closed(inspection, lock=True):
        raise SampleRefused(AUDIT_CLOSED)


def _extract_create(*, inspection, user, data, profile_name: str, via: str, status, file_name: str):
    """``data``: the file's bytes, or an upload received encrypted (``receiving``), whose
    SHA-256 and size were taken as it arrived."""
    receiving = getattr(data, "receiving", None)
    return Extract.objects.create(
        inspection=inspection,
        profile=profile_name[:100],
        file_name=SHAPE_ONLY.file_name(clean_file_name(file_name)),
        imported_by=user,
        via=via,
        status=status,
        file_sha256=receiving.sha256 if receiving else hashlib.sha256(data).hexdigest(),
        file_bytes=receiving.size if receiving else len(data),
    )


def clean_file_name(name: str | None) -> str:
    """The last part of an uploaded file's name, without control characters, at most 255."""
    name = (name or "").replace("\\", "/").rsplit("/", 1)[-1]
    return "".join(ch for ch in name if ch.isprintable()).strip()[:255]


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
    file_name: str = "",
) -> Extract:
    """Import ``data`` into ``inspection`` now (the command line and the demo); return the
    Extract, whatever its outcome. See ``extract_run`` for what happens. Refused
    (``ImportRefused``) when the inspection's stage takes no import."""
    _require_team(user, inspection)
    _require_open(inspection)
    extract = _extract_create(
        inspection=inspection,
        user=user,
        data=data,
        profile_name=profile_name,
        via=via,
        status=ExtractStatus.RUNNING,
        file_name=file_name,
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
    data,
    profile_name: str,
    accept_rejections: bool = False,
    hold_for_confirmation: bool = True,
    via: str = "web",
    file_name: str = "",
) -> Extract:
    """Queue ``data`` for the background worker (the web and the API): the file is stored
    encrypted until the worker takes it. ``data`` is bytes, or an upload already received
    encrypted to disk (``receiving.SealedUpload``, the web and the API), which is then
    kept for the Extract. Returns the Extract in status ``queued``."""
    from cpinspect.casefiles.tasks import run_queued_import

    _require_team(user, inspection)
    _require_open(inspection)
    get_profile(profile_name)  # an unknown profile is refused now, not in the worker
    extract = _extract_create(
        inspection=inspection,
        user=user,
        data=data,
        profile_name=profile_name,
        via=via,
        status=ExtractStatus.QUEUED,
        file_name=file_name,
    )
    receiving = getattr(data, "receiving", None)
    if receiving is not None:
        receiving.adopt(extract)
    else:
        uploads.store(extract, data)
    # enqueue only once the Extract row is committed, so the worker always finds it
    transaction.on_commit(
        lambda: run_queued_import.enqueue(
            extract.pk,
            accept_rejections=accept_rejections,
            hold_for_confirmation=hold_for_confirmation,
        )
    )
    log.info("extract %s queued (%s bytes)", extract.pk, extract.file_bytes)
    return extract


def extract_run(
    extract: Extract,
    data,
    *,
    accept_rejections: bool = False,
    hold_for_confirmation: bool = False,
    today: dt.date | None = None,
    progress=None,
) -> Extract:
    """Read -> check against the profile and inspection -> validate -> pseudonymise ->
    write frame and vault -> store the outcome, the report and the summary.

    When more than ``conf.max_reject_share()`` of the rows in scope are rejected and the
    caller has not accepted that: with ``hold_for_confirmation`` (web) the frame is kept but
    not used until ``extract_confirm``; otherwise (CLI) nothing lands and the status is
    ``refused`` (its report is kept). ``Extract.seconds`` is the whole run, to its last write.

    ``data`` is bytes or a seekable binary stream (an upload decrypted as it is read). The
    header is checked before any row is read, only the columns the profile knows are kept
    in memory, and the run stops at ``conf.import_time_limit()`` (``deadline``).
    """
    inspection = extract.inspection
    _require_team(extract.imported_by, inspection)
    started = time.perf_counter()
    Extract.objects.filter(pk=extract.pk).update(status=ExtractStatus.RUNNING)
    extract.status = ExtractStatus.RUNNING

    deadline = Deadline()

    def step(label):
        deadline(f"{STEP_WORDS.get(label, label)}")
        Extract.objects.filter(pk=extract.pk).update(stage=label)
        if progress:
            progress(label)

    fpath = frames.frame_path(inspection.pk, extract.pk)
    vpath = frames.vault_path(inspection.pk, extract.pk)
    try:
        _require_open(inspection, ExtractFileError)  # the stage may have moved in the queue
        profile = get_profile(extract.profile)
        step("read")
        loaded = read_extract(
            data,
            profile,
            on_header=lambda columns: _columns_used(columns, profile),
            deadline=deadline,
        )
        del data
        force = inspection.subject_force
        forces = list(Force.objects.values_list("name", flat=True))
        fit.force_mismatch(loaded.table, profile, force.name, forces)
        step("validate")
        councils = set(force.councils.values_list("code", flat=True))
        checked = validation.check(
            loaded.table,
            profile,
            council_codes=councils,
            today=today or timezone.localdate(),
            columns=loaded.columns,
        )
        step("pseudonymise")
        file_name = checked.guard.file_name(extract.file_name) if extract.file_name else ""
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
        problems = numbered_problems(checked.problems)
        deadline("storing the outcome")
    except (ExtractFileError, ProfileError, SealedFileError) as exc:
        _discard(fpath, vpath)
        Extract.objects.filter(pk=extract.pk).update(
            status=ExtractStatus.FAILED,
            stage="",
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
            stage="",
            error="The import failed unexpectedly; nothing was imported. Support has the details.",
            finished_at=timezone.now(),
            seconds=time.perf_counter() - started,
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
    in_scope = checked.rows_read - checked.rows_out_of_scope
    share = checked.rows_rejected / in_scope if in_scope else 0.0
    too_many = share > conf.max_reject_share() and not accept_rejections
    if too_many and not hold_for_confirmation:
        status = ExtractStatus.REFUSED
        _discard(fpath, vpath)
    elif too_many:
        status = ExtractStatus.NEEDS_CONFIRMATION
    else:
        status = ExtractStatus.IMPORTED
    with transaction.atomic():
        refusal = stage_refusal(_locked_inspection(inspection))
        if refusal:  # the inspection moved on while the file was read
            _discard(fpath, vpath)
            status = ExtractStatus.FAILED
            extract.error = refusal
        extract.file_name = file_name
        extract.file_format = loaded.format
        extract.encoding = loaded.encoding
        extract.delimiter = loaded.delimiter
        extract.rows_read = checked.rows_read
        extract.rows_accepted = frame.height if status != ExtractStatus.FAILED else 0
        extract.rows_rejected = checked.rows_rejected
        extract.rows_warned = checked.rows_warned
        extract.rows_out_of_scope = checked.rows_out_of_scope
        extract.out_of_scope = checked.out_of_scope
        extract.problem_kinds = checked.kinds
        extract.problem_counts = validation.summarise_problems(checked.kinds)
        extract.columns_kept = checked.columns_kept
        extract.columns_dropped = checked.columns_dropped
        extract.status = status
        extract.stage = ""
        extract.finished_at = timezone.now()
        if status in (ExtractStatus.IMPORTED, ExtractStatus.NEEDS_CONFIRMATION):
            extract.frame_path = str(fpath)
            extract.frame_sha256 = sha
            FrameSummary.objects.create(extract=extract, **summary)
        extract.save()
        if status != ExtractStatus.FAILED:
            _write_problems(extract, problems)
        if status == ExtractStatus.IMPORTED:
            _supersede_others(extract)
    extract.seconds = time.perf_counter() - started
    Extract.objects.filter(pk=extract.pk).update(seconds=extract.seconds)
    log.info(
        "extract %s %s: %s rows read, %s rejected, %s out of scope",
        extract.pk,
        status,
        checked.rows_read,
        checked.rows_rejected,
        checked.rows_out_of_scope,
    )
    return extract


STEP_WORDS = {
    "read": "starting to read the file",
    "validate": "starting to check the rows",
    "pseudonymise": "starting to replace references with pseudonyms",
    "write": "starting to write the sampling frame",
}


def _columns_used(columns: list[str], profile) -> list[str]:
    """Check the header (before any row is read); the columns the profile uses, in the
    file's order: the only ones kept in memory (the others are dropped, and listed)."""
    fit.header_fit(columns, profile)
    checked = {*profile.required_source_columns(), *(r["column"] for r in profile.out_of_scope)}
    used = (profile.known_columns() - set(profile.drop)) | checked
    return [c for c in columns if c in used]


def numbered_problems(problems: pl.DataFrame) -> pl.DataFrame:
    """The report's rows with their positions: ``seq`` in the whole report (by line), and
    ``kind_seq`` among the rows of the same problem, so that each page is an index range."""
    return problems.with_row_index("seq").with_columns(
        pl.int_range(pl.len(), dtype=pl.UInt32).over("problem").alias("kind_seq")
    )


def _write_problems(extract: Extract, problems: pl.DataFrame) -> None:
    """Every row of the report, in one COPY statement (no row-by-row INSERT)."""
    if problems.height == 0:
        return
    text = problems.select(
        pl.lit(extract.pk).alias("extract_id"),
        "seq",
        "kind_seq",
        "line",
        "field",
        "problem",
        pl.col("found").str.slice(0, 80),
    ).write_csv(include_header=False, quote_style="non_numeric")
    columns = "extract_id, seq, kind_seq, line, field, problem, found"
    with connection.cursor() as cursor:
        sql = f"COPY casefiles_extractproblem ({columns}) FROM STDIN WITH (FORMAT csv)"
        with cursor.copy(sql) as copy:
            copy.write(text.encode("utf-8"))


def _supersede_others(extract: Extract) -> None:
    """Earlier imports of the inspection that still hold a vault are replaced by ``extract``:
    their vaults are destroyed once this commits, and that is recorded on each."""
    others = list(
        Extract.objects.select_for_update()
        .filter(
            inspection_id=extract.inspection_id,
            status__in=[ExtractStatus.IMPORTED, ExtractStatus.NEEDS_CONFIRMATION],
            vault_destroyed_at__isnull=True,
        )
        .exclude(pk=extract.pk)
    )
    now = timezone.now()
    for other in others:
        other.status = ExtractStatus.SUPERSEDED
        other.superseded_by = extract
        other.vault_destroyed_at = now
        other.save(update_fields=["status", "superseded_by", "vault_destroyed_at"])
    paths = [frames.vault_path(o.inspection_id, o.pk) for o in others]
    if paths:
        transaction.on_commit(lambda: _discard(*paths))
        log.info("extract %s superseded %s", extract.pk, [o.pk for o in others])


def _vault_context(extract) -> bytes:
    return f"cpinspect/vault/extract/{extract.pk}".encode()


def _discard(*paths):
    for path in paths:
        path.unlink(missing_ok=True)


@transaction.atomic
def extract_confirm(*, extract: Extract, user) -> Extract:
    _require_team(user, extract.inspection)
    with transaction.atomic():
        _require_open(_locked_inspection(extract.inspection))
        locked = Extract.objects.select_for_update().get(pk=extract.pk)
        if locked.status != ExtractStatus.NEEDS_CONFIRMATION:
            raise ImportRefused(
                f"This import is not waiting for confirmation (it is "
                f"{locked.get_status_display().lower()})."
            )
        extract.status = ExtractStatus.IMPORTED
        extract.save(update_fields=["status"])
        _supersede_others(extract)
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
    from cpinspect.programmes.models import in_force_area

    return in_force_area(force, through="sample__inspection__")


def sample_in_use(inspection) -> Sample | None:
    return Sample.objects.filter(inspection=inspection, withdrawn_at__isnull=True).first()


def _refuse_second_sample(inspection, extract, redraw_reason: str) -> Sample | None:
    """The sample a redraw replaces (None for a first draw); refused unless the redraw is
    an explicit decision with its reason, before the case-file audit has begun on it."""
    current = sample_in_use(inspection)
    if current is None:
        return None
    if not redraw_reason:
        raise SampleRefused(
            f"This inspection already has a sample (drawn {current.drawn_at:%-d %b %Y} from "
            f"import {current.extract_id}). Drawing another replaces it: give the reason for "
            "the redraw, which is recorded."
        )
    if current.extract_id == extract.pk:
        raise SampleRefused(
            "The sample was drawn from this import; its other references are gone. Import the "
            "file again, then redraw from the new import."
        )
    if SampledCase.objects.filter(sample=current, audit__isnull=False).exists():
        raise SampleRefused(
            "The case-file audit has begun on the sample in use: it can no longer be redrawn."
        )
    return current


def sample_draw(
    *,
    extract: Extract,
    user,
    design: sampling.Design,
    seed: int | None = None,
    redraw_reason: str = "",
):
    """Draw the sample; keep the encrypted references of sampled cases and reserves only.

    An inspection has one sample in use. Drawing again (a redraw) needs ``redraw_reason``:
    the sample it replaces is withdrawn (its cases too, their references destroyed) and the
    new one records what it replaced and why. Two draws at once: one wins, the other is
    refused (the database allows one sample in use per inspection)."""
    inspection = extract.inspection
    _require_team(user, inspection)
    _require_open(inspection, SampleRefused)
    if programme_selectors.case_audit_closed(inspection):
        raise SampleRefused(AUDIT_CLOSED)
    redraw_reason = (redraw_reason or "").strip()
    if extract.status != ExtractStatus.IMPORTED:
        raise SampleRefused("Only an imported extract can be sampled.")
    _refuse_if_drawn(extract)
    _refuse_second_sample(inspection, extract, redraw_reason)
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
    if result.total == 0:  # the vault would be destroyed for a sample of nothing
        raise SampleRefused(_empty_draw_message(design, result))
    drawn_refs = [refs[i] for i in result.rows["row"].to_list()]
    force_pseudonyms = dict(
        zip(drawn_refs, pseudonymise.pseudonyms(drawn_refs, force_key), strict=True)
    )
    try:
        with transaction.atomic():
            sample = _sample_store(
                extract=extract,
                user=user,
                design=design,
                seed=seed,
                result=result,
                refs=refs,
                force_pseudonyms=force_pseudonyms,
                redraw_reason=redraw_reason,
            )
            transaction.on_commit(lambda: _discard(vpath))
    except IntegrityError:
        raise SampleRefused(
            "Another sample of this inspection was drawn at the same moment; this one was not "
            "kept. Reload the page to see the sample in use."
        ) from None
    del refs
    log.info("sample %s drawn: %s cases, seed %s", sample.pk, sample.total_size, seed)
    return sample


def _empty_draw_message(design, result) -> str:
    if design.method == "fixed":
        return (
            "The fixed counts draw no cases: give a count of at least 1 for one or more "
            "categories that have cases in the frame. Nothing was drawn."
        )
    if sum(result.population.values()) == 0:
        return "No case in the frame is left to sample after the exclusions. Nothing was drawn."
    return "This design draws no cases. Nothing was drawn."


def _refuse_if_drawn(extract) -> None:
    """One sample per extract: its unsampled references are destroyed by the draw. Asked
    before the draw's work and again under the inspection's lock (two draws at once)."""
    drawn = Sample.objects.filter(extract=extract).select_related("drawn_by").first()
    if drawn is not None:
        raise SampleRefused(
            f"{drawn.drawn_by.full_name} drew the sample from this extract "
            f"{when_text(drawn.drawn_at)}: nothing was drawn now. The raw references of its "
            "unsampled cases are gone; import the file again to draw a new sample."
        )


def _sample_store(
    *, extract, user, design, seed, result, refs, force_pseudonyms, redraw_reason
) -> Sample:
    """The draw's writes, in the caller's transaction, with the stage and the sample in use
    read again under the inspection's lock."""
    inspection = extract.inspection
    key = pseudonymise.encryption_key(inspection.pk)
    # The update lock first, then the audit check: two draws taking a shared lock each and
    # then both asking to upgrade it would deadlock.
    _require_open(_locked_inspection(inspection), SampleRefused)
    _require_audit_open(inspection)
    _refuse_if_drawn(extract)
    replaced = _refuse_second_sample(inspection, extract, redraw_reason)
    if replaced is not None:
        _sample_withdraw(replaced, replaced_by_extract=extract)
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
        redraw_of=replaced,
        redraw_reason=redraw_reason if replaced else "",
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
    return sample


def _sample_withdraw(sample: Sample, *, replaced_by_extract: Extract) -> None:
    """Take a sample out of use for a redraw: its cases are withdrawn and their encrypted
    references destroyed; its import is superseded by the one the new sample comes from."""
    sample = Sample.objects.select_for_update().get(pk=sample.pk)
    now = timezone.now()
    Sample.objects.filter(pk=sample.pk).update(withdrawn_at=now)
    for case in SampledCase.objects.filter(sample=sample).select_for_update():
        case.status = CaseStatus.WITHDRAWN
        case.raw_ref_encrypted = b""
        case.save(update_fields=["status", "raw_ref_encrypted"])
    Extract.objects.filter(pk=sample.extract_id).update(
        status=ExtractStatus.SUPERSEDED, superseded_by=replaced_by_extract
    )


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
        _require_audit_open(case.sample.inspection)
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
