-- Background jobs (large imports) in the application store, so that every `cmatch serve --workers N`
-- process answers GET /api/v1/jobs/{id}, whichever one runs the job.
CREATE TABLE jobs (
    id text PRIMARY KEY,
    seq bigint NOT NULL,
    owner text NOT NULL,
    doc text NOT NULL,
    submitted_at text NOT NULL DEFAULT to_char(now() AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"')
);
CREATE INDEX ix_jobs_owner ON jobs(owner);
CREATE INDEX ix_jobs_seq ON jobs(seq);
