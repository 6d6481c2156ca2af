-- Audit log: who inserted, updated or deleted which vacancy or portfolio, and when.
-- Written by trigger in the writing transaction; the actor is the session setting
-- `cmatch.actor` (the repository sets it per transaction), else the database user.
CREATE TABLE audit_log (
    id bigserial PRIMARY KEY,
    at timestamptz NOT NULL DEFAULT now(),
    actor text NOT NULL,
    action text NOT NULL CHECK (action IN ('insert', 'update', 'delete')),
    entity text NOT NULL,
    entity_id text NOT NULL,
    checksum text
);
CREATE INDEX ix_audit_entity ON audit_log(entity, entity_id, id);

CREATE FUNCTION cmatch_audit() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    who text := coalesce(nullif(current_setting('cmatch.actor', true), ''), current_user);
    ent text := CASE TG_TABLE_NAME WHEN 'vacancies' THEN 'vacancy' ELSE 'portfolio' END;
BEGIN
    IF TG_OP = 'DELETE' THEN
        INSERT INTO audit_log (actor, action, entity, entity_id, checksum) VALUES (who, 'delete', ent, OLD.id, OLD.checksum);
        RETURN OLD;
    END IF;
    IF TG_OP = 'UPDATE' AND NEW.checksum = OLD.checksum THEN
        RETURN NEW;
    END IF;
    INSERT INTO audit_log (actor, action, entity, entity_id, checksum)
        VALUES (who, lower(TG_OP), ent, NEW.id, NEW.checksum);
    RETURN NEW;
END $$;

CREATE TRIGGER trg_vacancy_audit AFTER INSERT OR UPDATE OR DELETE ON vacancies
    FOR EACH ROW EXECUTE FUNCTION cmatch_audit();
CREATE TRIGGER trg_portfolio_audit AFTER INSERT OR UPDATE OR DELETE ON portfolios
    FOR EACH ROW EXECUTE FUNCTION cmatch_audit();
