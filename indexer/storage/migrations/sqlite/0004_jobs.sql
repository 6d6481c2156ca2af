-- Background jobs (large imports) in the application store, so that every `cmatch serve --workers N`
-- process answers GET /api/v1/jobs/{id}, whichever one runs the job.
CREATE TABLE IF NOT EXISTS jobs (
    id TEXT PRIMARY KEY,
    seq INTEGER NOT NULL,
    owner TEXT NOT NULL,
    doc TEXT NOT NULL,
    submitted_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%SZ', 'now'))
);
CREATE INDEX IF NOT EXISTS ix_jobs_owner ON jobs(owner);
CREATE INDEX IF NOT EXISTS ix_jobs_seq ON jobs(seq);
