-- Accounts, API and session tokens, record owners, consents (issue 13). The audit actor is
-- already the per-transaction setting `cmatch.actor` (0003).
CREATE TABLE accounts (
    name text PRIMARY KEY,
    role text NOT NULL CHECK (role IN ('jobseeker', 'employer', 'counsellor', 'admin')),
    organisation text NOT NULL DEFAULT '',
    password_hash text,
    created_at text NOT NULL DEFAULT to_char(now() AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"')
);
CREATE TABLE api_tokens (
    token_hash text PRIMARY KEY,
    account text NOT NULL REFERENCES accounts(name) ON DELETE CASCADE,
    kind text NOT NULL CHECK (kind IN ('api', 'session')),
    created_at text NOT NULL DEFAULT to_char(now() AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"'),
    expires_at text
);
CREATE INDEX ix_tokens_account ON api_tokens(account);
CREATE TABLE record_owners (
    entity text NOT NULL CHECK (entity IN ('vacancy', 'portfolio')),
    entity_id text NOT NULL,
    owner text NOT NULL,
    PRIMARY KEY (entity, entity_id)
);
CREATE INDEX ix_owners_owner ON record_owners(owner);
CREATE TABLE consents (
    portfolio_id text NOT NULL,
    counsellor text NOT NULL,
    granted_at text NOT NULL DEFAULT to_char(now() AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"'),
    PRIMARY KEY (portfolio_id, counsellor)
);
CREATE INDEX ix_consents_counsellor ON consents(counsellor);
