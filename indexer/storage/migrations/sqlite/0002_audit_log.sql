-- Audit log on SQLite (the same table as on PostgreSQL). SQLite has no session variables, so
-- the actor is 'app'. A BEFORE INSERT trigger tells an insert from a replace (update).
CREATE TABLE IF NOT EXISTS audit_log (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
    actor TEXT NOT NULL,
    action TEXT NOT NULL CHECK (action IN ('insert', 'update', 'delete')),
    entity TEXT NOT NULL,
    entity_id TEXT NOT NULL,
    checksum TEXT
);
CREATE INDEX IF NOT EXISTS ix_audit_entity ON audit_log(entity, entity_id, id);

CREATE TRIGGER IF NOT EXISTS trg_vacancy_audit_ins BEFORE INSERT ON vacancies
BEGIN
    INSERT INTO audit_log (actor, action, entity, entity_id, checksum)
    VALUES ('app', CASE WHEN EXISTS (SELECT 1 FROM vacancies WHERE id = NEW.id) THEN 'update' ELSE 'insert' END,
            'vacancy', NEW.id, NEW.checksum);
END;
CREATE TRIGGER IF NOT EXISTS trg_vacancy_audit_del AFTER DELETE ON vacancies
BEGIN
    INSERT INTO audit_log (actor, action, entity, entity_id, checksum) VALUES ('app', 'delete', 'vacancy', OLD.id, OLD.checksum);
END;
CREATE TRIGGER IF NOT EXISTS trg_portfolio_audit_ins BEFORE INSERT ON portfolios
BEGIN
    INSERT INTO audit_log (actor, action, entity, entity_id, checksum)
    VALUES ('app', CASE WHEN EXISTS (SELECT 1 FROM portfolios WHERE id = NEW.id) THEN 'update' ELSE 'insert' END,
            'portfolio', NEW.id, NEW.checksum);
END;
CREATE TRIGGER IF NOT EXISTS trg_portfolio_audit_del AFTER DELETE ON portfolios
BEGIN
    INSERT INTO audit_log (actor, action, entity, entity_id, checksum) VALUES ('app', 'delete', 'portfolio', OLD.id, OLD.checksum);
END;
