"""A context row (who made a change, in which request) is closed once the transaction that
wrote it has ended (ADR 0018).

pghistory writes a request's context row with the first change of the request and merges more
metadata into it (an UPDATE) only when its metadata changes later in the same request: in
CP Inspect that happens only while the row is new (a sign-in sets the user). Migration 0002
refused changing a value already recorded, but a key that was missing or null (a change with
no user) could still be filled in afterwards by the application's role. Now an update is
allowed only while the row was written by the updating transaction itself (its ``xmin`` is a
transaction still in progress, which a visible row can only be if it is our own), and then
only to add keys.
"""

from django.db import migrations

FORWARD = """
CREATE OR REPLACE FUNCTION cpinspect_context_keeps_recorded_values() RETURNS trigger AS $$
DECLARE
    recorded text;
    written_by xid;
    ours boolean;
BEGIN
    IF NEW.id <> OLD.id OR NEW.created_at <> OLD.created_at THEN
        RAISE EXCEPTION 'The audit context of a change cannot be rewritten (id, created_at).';
    END IF;
    SELECT c.xmin INTO written_by FROM pghistory_context c WHERE c.id = OLD.id;
    -- The row's 32-bit xid in the epoch of the current transaction; an older one is either
    -- committed, too old to know (NULL) or "in the future" (an error): all refused.
    ours := pg_xact_status(
        ((pg_current_xact_id()::text::bigint & ~4294967295::bigint)
         | written_by::text::bigint)::text::xid8
    ) = 'in progress';
    IF ours IS NOT TRUE THEN
        RAISE EXCEPTION 'The audit context of a change cannot be rewritten (it was recorded by an earlier transaction).';
    END IF;
    FOR recorded IN SELECT jsonb_object_keys(OLD.metadata) LOOP
        IF OLD.metadata -> recorded <> 'null'::jsonb
           AND (NEW.metadata -> recorded) IS DISTINCT FROM (OLD.metadata -> recorded) THEN
            RAISE EXCEPTION 'The audit context of a change cannot be rewritten (%).', recorded;
        END IF;
    END LOOP;
    RETURN NEW;
END
$$ LANGUAGE plpgsql;
"""

# 0002's function, as it was.
BACKWARD = """
CREATE OR REPLACE FUNCTION cpinspect_context_keeps_recorded_values() RETURNS trigger AS $$
DECLARE
    recorded text;
BEGIN
    IF NEW.id <> OLD.id OR NEW.created_at <> OLD.created_at THEN
        RAISE EXCEPTION 'The audit context of a change cannot be rewritten (id, created_at).';
    END IF;
    FOR recorded IN SELECT jsonb_object_keys(OLD.metadata) LOOP
        IF OLD.metadata -> recorded <> 'null'::jsonb
           AND (NEW.metadata -> recorded) IS DISTINCT FROM (OLD.metadata -> recorded) THEN
            RAISE EXCEPTION 'The audit context of a change cannot be rewritten (%).', recorded;
        END IF;
    END LOOP;
    RETURN NEW;
END
$$ LANGUAGE plpgsql;
"""


class Migration(migrations.Migration):
    dependencies = [("audittrail", "0002_context_keeps_recorded_values")]

    operations = [migrations.RunSQL(FORWARD, BACKWARD)]
