"""SQLite 0003: accounts, tokens, record owners, consents, and audit triggers that read the actor.

The insert and delete triggers of both audited tables are one template (written here once);
``SQL`` is the text that runs and that the ledger's checksum covers, the same text this
migration always had.
"""

HEADER = """\
-- Accounts, API and session tokens, record owners, consents (issue 13), and the real actor in
-- the audit log: SQLite has no session variables, so a writer puts its actor in `write_actor`
-- inside the writing transaction (one writer at a time) and the new audit triggers read it.
CREATE TABLE IF NOT EXISTS accounts (
    name TEXT PRIMARY KEY,
    role TEXT NOT NULL CHECK (role IN ('jobseeker', 'employer', 'counsellor', 'admin')),
    organisation TEXT NOT NULL DEFAULT '',
    password_hash TEXT,
    created_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%SZ', 'now'))
);
CREATE TABLE IF NOT EXISTS api_tokens (
    token_hash TEXT PRIMARY KEY,
    account TEXT NOT NULL,
    kind TEXT NOT NULL CHECK (kind IN ('api', 'session')),
    created_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%SZ', 'now')),
    expires_at TEXT
);
CREATE INDEX IF NOT EXISTS ix_tokens_account ON api_tokens(account);
CREATE TABLE IF NOT EXISTS record_owners (
    entity TEXT NOT NULL CHECK (entity IN ('vacancy', 'portfolio')),
    entity_id TEXT NOT NULL,
    owner TEXT NOT NULL,
    PRIMARY KEY (entity, entity_id)
);
CREATE INDEX IF NOT EXISTS ix_owners_owner ON record_owners(owner);
CREATE TABLE IF NOT EXISTS consents (
    portfolio_id TEXT NOT NULL,
    counsellor TEXT NOT NULL,
    granted_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%SZ', 'now')),
    PRIMARY KEY (portfolio_id, counsellor)
);
CREATE INDEX IF NOT EXISTS ix_consents_counsellor ON consents(counsellor);
CREATE TABLE IF NOT EXISTS write_actor (id INTEGER PRIMARY KEY CHECK (id = 1), actor TEXT NOT NULL);

DROP TRIGGER IF EXISTS trg_vacancy_audit_ins;
DROP TRIGGER IF EXISTS trg_vacancy_audit_del;
DROP TRIGGER IF EXISTS trg_portfolio_audit_ins;
DROP TRIGGER IF EXISTS trg_portfolio_audit_del;
"""

TRIGGERS = """\
CREATE TRIGGER trg_{entity}_audit_ins BEFORE INSERT ON {table}
BEGIN
    INSERT INTO audit_log (actor, action, entity, entity_id, checksum)
    VALUES (coalesce((SELECT actor FROM write_actor WHERE id = 1), 'app'),
            CASE WHEN EXISTS (SELECT 1 FROM {table} WHERE id = NEW.id) THEN 'update' ELSE 'insert' END,
            '{entity}', NEW.id, NEW.checksum);
END;
CREATE TRIGGER trg_{entity}_audit_del AFTER DELETE ON {table}
BEGIN
    INSERT INTO audit_log (actor, action, entity, entity_id, checksum)
    VALUES (coalesce((SELECT actor FROM write_actor WHERE id = 1), 'app'), 'delete', '{entity}', OLD.id, OLD.checksum);
END;
"""

SQL = HEADER + "".join(TRIGGERS.format(entity=e, table=t) for e, t in (("vacancy", "vacancies"),
                                                                        ("portfolio", "portfolios")))
