"""The database half of "a closed case-file audit is read only" (ADR 0021): a trigger on each
table of the audit's records refuses an insert, update or delete of a row whose inspection's
audit is closed (``cpinspect_case_audit_closed``, migration programmes 0004), whoever connects,
so the application's role cannot write one either. The services refuse first, with a message
for the person; this is what holds if anything gets past them."""

import pgtrigger

CLOSED_MESSAGE = (
    "The case-file audit of this inspection is closed: the inspection has moved on from "
    "moderation. Reopen the audit (a recorded move) to change it."
)


def closed_audit_guard(*, old_inspection: str, new_inspection: str) -> pgtrigger.Trigger:
    """A trigger refusing writes to the rows of a closed audit. ``old_inspection`` and
    ``new_inspection`` are SQL expressions of the inspection's id from OLD and from NEW."""
    return pgtrigger.Trigger(
        name="closed_audit_read_only",
        when=pgtrigger.Before,
        operation=pgtrigger.Insert | pgtrigger.Update | pgtrigger.Delete,
        func=f"""
IF TG_OP <> 'INSERT' AND cpinspect_case_audit_closed({old_inspection}, true) THEN
    RAISE EXCEPTION '{CLOSED_MESSAGE}' USING ERRCODE = 'check_violation';
END IF;
IF TG_OP <> 'DELETE' AND cpinspect_case_audit_closed({new_inspection}, true) THEN
    RAISE EXCEPTION '{CLOSED_MESSAGE}' USING ERRCODE = 'check_violation';
END IF;
IF TG_OP = 'DELETE' THEN
    RETURN OLD;
END IF;
RETURN NEW;
""",
    )
