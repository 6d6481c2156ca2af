"""SQLite 0002: the audit log, with an insert and a delete trigger per audited table.

The triggers of both tables are one template (written here once); ``SQL`` is the text that runs
and that the ledger's checksum covers, the same text this migration always had.
"""

HEADER = """\
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

"""

TRIGGERS = """\
CREATE TRIGGER IF NOT EXISTS trg_{entity}_audit_ins BEFORE INSERT ON {table}
BEGIN
    INSERT INTO audit_log (actor, action, entity, entity_id, checksum)
    VALUES ('app', CASE WHEN EXISTS (SELECT 1 FROM {table} WHERE id = NEW.id) THEN 'update' ELSE 'insert' END,
            '{entity}', NEW.id, NEW.checksum);
END;
CREATE TRIGGER IF NOT EXISTS trg_{entity}_audit_del AFTER DELETE ON {table}
BEGIN
    INSERT INTO audit_log (actor, action, entity, entity_id, checksum) VALUES ('app', 'delete', '{entity}', OLD.id, OLD.checksum);
END;
"""

SQL = HEADER + "".join(TRIGGERS.format(entity=e, table=t) for e, t in (("vacancy", "vacancies"),
                                                                        ("portfolio", "portfolios")))
