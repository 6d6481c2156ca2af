-- Change log of vacancies for the durable FAISS index, added to the SQLite application store
-- (whose tables are created by indexer/vacancy_store.py). Triggers write it in the writing
-- transaction, so every writer (also the plain SqliteVacancyRepository) is logged. SQLite has
-- one writer at a time, so seq order is commit order.
-- INSERT OR REPLACE removes the old row without a delete trigger (recursive_triggers off), so
-- an upsert logs one 'U'; a DELETE logs one 'D'.
CREATE TABLE IF NOT EXISTS vacancy_changes (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    vacancy_id TEXT NOT NULL,
    op TEXT NOT NULL CHECK (op IN ('U', 'D')),
    at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))
);
CREATE INDEX IF NOT EXISTS ix_vchanges_vacancy ON vacancy_changes(vacancy_id, seq);

CREATE TRIGGER IF NOT EXISTS trg_vacancy_change_ins AFTER INSERT ON vacancies
BEGIN
    INSERT INTO vacancy_changes (vacancy_id, op) VALUES (NEW.id, 'U');
END;
CREATE TRIGGER IF NOT EXISTS trg_vacancy_change_upd AFTER UPDATE ON vacancies
BEGIN
    INSERT INTO vacancy_changes (vacancy_id, op) VALUES (NEW.id, 'U');
END;
CREATE TRIGGER IF NOT EXISTS trg_vacancy_change_del AFTER DELETE ON vacancies
BEGIN
    INSERT INTO vacancy_changes (vacancy_id, op) VALUES (OLD.id, 'D');
END;

INSERT INTO vacancy_changes (vacancy_id, op) SELECT id, 'U' FROM vacancies ORDER BY id;
