"""PostgreSQL 0001: the application store (vacancies, portfolios, their competences, exposure).

The two record tables have one definition (written here once); ``SQL`` is the text that runs
and that the ledger's checksum covers, the same text this migration always had.
"""

RECORD_TABLE = """\
CREATE TABLE {table} (
    id text PRIMARY KEY,
    doc jsonb NOT NULL,
    checksum text NOT NULL,
    synthetic boolean NOT NULL DEFAULT false,
    updated_at timestamptz NOT NULL DEFAULT now()
);
"""

HEADER = """\
-- Competentiematch application store on PostgreSQL: vacancies, portfolios, exposure.
-- Same shape as the SQLite backend (indexer/vacancy_store.py); documents are jsonb.
CREATE TABLE IF NOT EXISTS meta (key text PRIMARY KEY, value text NOT NULL);
INSERT INTO meta VALUES ('schema_version', '1') ON CONFLICT DO NOTHING;
INSERT INTO meta VALUES ('generation', '0') ON CONFLICT DO NOTHING;
INSERT INTO meta VALUES ('instance', md5(random()::text || clock_timestamp()::text)) ON CONFLICT DO NOTHING;

"""

VACANCY_COMPETENCES = """\
CREATE TABLE vacancy_competences (
    vacancy_id text NOT NULL REFERENCES vacancies(id) ON DELETE CASCADE,
    competence_id text NOT NULL,
    importance text NOT NULL,
    weight real NOT NULL,
    PRIMARY KEY (vacancy_id, competence_id)
);
CREATE INDEX ix_vc_comp ON vacancy_competences(competence_id);

"""

PORTFOLIO_COMPETENCES_AND_EXPOSURE = """\
CREATE TABLE portfolio_competences (
    portfolio_id text NOT NULL REFERENCES portfolios(id) ON DELETE CASCADE,
    competence_id text NOT NULL,
    PRIMARY KEY (portfolio_id, competence_id)
);
CREATE INDEX ix_pc_comp ON portfolio_competences(competence_id);

CREATE TABLE exposure (
    kind text NOT NULL,
    item_id text NOT NULL,
    count bigint NOT NULL,
    PRIMARY KEY (kind, item_id)
);
"""

SQL = (HEADER + RECORD_TABLE.format(table="vacancies") + VACANCY_COMPETENCES
       + RECORD_TABLE.format(table="portfolios") + PORTFOLIO_COMPETENCES_AND_EXPOSURE)
