"""The context of a recorded change (who, which request) cannot be rewritten.

pghistory merges metadata into a context row while a request goes on (a key may go from
missing or null to a value), so the application's role keeps UPDATE on the table; this trigger
refuses any update that changes a value already recorded.
"""

from django.db import migrations

FORWARD = """
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

CREATE TRIGGER cpinspect_context_keeps_recorded_values
    BEFORE UPDATE ON pghistory_context
    FOR EACH ROW EXECUTE FUNCTION cpinspect_context_keeps_recorded_values();
"""

BACKWARD = """
DROP TRIGGER IF EXISTS cpinspect_context_keeps_recorded_values ON pghistory_context;
DROP FUNCTION IF EXISTS cpinspect_context_keeps_recorded_values();
"""


class Migration(migrations.Migration):
    dependencies = [
        ("audittrail", "0001_initial"),
        ("pghistory", "0007_auto_20250421_0444"),
    ]

    operations = [migrations.RunSQL(FORWARD, BACKWARD)]
