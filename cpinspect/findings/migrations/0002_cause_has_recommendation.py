"""A cause of concern always carries at least one recommendation (DOMAIN.md).

The services refuse any change that would leave a cause without one; this checks it again in
the database. The trigger is deferred to the end of the transaction, because a cause is
inserted before its first recommendation (and its recommendations deleted before it).
"""

from django.db import migrations

FORWARD = """
CREATE OR REPLACE FUNCTION findings_cause_has_recommendation() RETURNS trigger AS $$
DECLARE
    cause bigint;
BEGIN
    IF TG_TABLE_NAME = 'findings_causeofconcern' THEN
        cause := NEW.id;
    ELSE
        cause := OLD.cause_of_concern_id;
    END IF;
    IF cause IS NOT NULL
       AND EXISTS (SELECT 1 FROM findings_causeofconcern WHERE id = cause)
       AND NOT EXISTS (
           SELECT 1 FROM findings_recommendation WHERE cause_of_concern_id = cause
       ) THEN
        RAISE EXCEPTION 'Cause of concern % has no recommendation: a cause of concern always carries at least one.', cause
            USING ERRCODE = 'check_violation';
    END IF;
    RETURN NULL;
END
$$ LANGUAGE plpgsql;

CREATE CONSTRAINT TRIGGER findings_cause_has_recommendation
    AFTER INSERT OR UPDATE ON findings_causeofconcern
    DEFERRABLE INITIALLY DEFERRED
    FOR EACH ROW EXECUTE FUNCTION findings_cause_has_recommendation();

CREATE CONSTRAINT TRIGGER findings_recommendation_leaves_cause
    AFTER DELETE OR UPDATE OF cause_of_concern_id ON findings_recommendation
    DEFERRABLE INITIALLY DEFERRED
    FOR EACH ROW EXECUTE FUNCTION findings_cause_has_recommendation();
"""

BACKWARD = """
DROP TRIGGER IF EXISTS findings_recommendation_leaves_cause ON findings_recommendation;
DROP TRIGGER IF EXISTS findings_cause_has_recommendation ON findings_causeofconcern;
DROP FUNCTION IF EXISTS findings_cause_has_recommendation();
"""


class Migration(migrations.Migration):
    dependencies = [("findings", "0001_initial")]

    operations = [migrations.RunSQL(FORWARD, BACKWARD)]
