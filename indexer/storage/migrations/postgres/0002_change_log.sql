-- Change log of vacancies for the durable FAISS index (indexer/vacancy_index.py).
-- Every insert, update and delete of a vacancy writes one row in the same transaction, by
-- trigger, so no writer can forget it. Writers are serialised on one advisory lock (per
-- schema) taken before the sequence number is drawn, so sequence order is commit order: a
-- reader that has seen seq N has seen everything below N (no gaps appear behind it later).
CREATE TABLE vacancy_changes (
    seq bigserial PRIMARY KEY,
    vacancy_id text NOT NULL,
    op char(1) NOT NULL CHECK (op IN ('U', 'D')),
    at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX ix_vchanges_vacancy ON vacancy_changes(vacancy_id, seq);

CREATE FUNCTION cmatch_log_vacancy_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_advisory_xact_lock(hashtext('cmatch.vacancy_changes:' || TG_TABLE_SCHEMA));
    IF TG_OP = 'DELETE' THEN
        INSERT INTO vacancy_changes (vacancy_id, op) VALUES (OLD.id, 'D');
        RETURN OLD;
    END IF;
    IF TG_OP = 'UPDATE' AND NEW.checksum = OLD.checksum THEN
        RETURN NEW;
    END IF;
    INSERT INTO vacancy_changes (vacancy_id, op) VALUES (NEW.id, 'U');
    RETURN NEW;
END $$;

CREATE TRIGGER trg_vacancy_change AFTER INSERT OR UPDATE OR DELETE ON vacancies
    FOR EACH ROW EXECUTE FUNCTION cmatch_log_vacancy_change();

-- Vacancies that existed before this migration are changes too (the index starts from them).
INSERT INTO vacancy_changes (vacancy_id, op) SELECT id, 'U' FROM vacancies ORDER BY id;
