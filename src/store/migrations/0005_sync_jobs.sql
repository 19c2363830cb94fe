-- Sync jobs (definitions and schedules) and their runs: the durable queue that workers, in
-- `cerulean serve` or in `cerulean worker` processes sharing the database, claim runs from.
-- A job belongs to its user and to its source connection (and a copy's to its target
-- connection): deleting either deletes the job and its runs. Times are Unix milliseconds.
-- next_run_at is set for a scheduled job once its latest run ends, and cleared while a run is
-- queued or running, so that runs never overlap.
CREATE TABLE azure_blob_sync_jobs (
    id {{id_pk}},
    user_id BIGINT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    connection_id BIGINT NOT NULL REFERENCES azure_blob_connections (id) ON DELETE CASCADE,
    direction TEXT NOT NULL CHECK (direction IN ('download', 'upload', 'copy')),
    container TEXT NOT NULL,
    prefix TEXT NOT NULL DEFAULT '',
    local_path TEXT,
    target_connection_id BIGINT REFERENCES azure_blob_connections (id) ON DELETE CASCADE,
    target_container TEXT,
    target_prefix TEXT,
    delete_extraneous INTEGER NOT NULL DEFAULT 0 CHECK (delete_extraneous IN (0, 1)),
    max_delete BIGINT,
    compare TEXT NOT NULL DEFAULT 'size_mtime' CHECK (compare IN ('size_mtime', 'md5')),
    interval_seconds BIGINT,
    next_run_at BIGINT,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
);
CREATE INDEX azure_blob_sync_jobs_by_connection ON azure_blob_sync_jobs (connection_id, id);
CREATE INDEX azure_blob_sync_jobs_due ON azure_blob_sync_jobs (next_run_at);

-- One row per attempt: an automatic retry of a transient failure is a new row (trigger
-- 'retry', attempt + 1) that may not be claimed before run_after. A running run is held by
-- worker_id until lease_expires_at, which its worker pushes forward by heartbeat; once it has
-- passed, any worker may claim the run again and resume it.
CREATE TABLE azure_blob_sync_runs (
    id {{id_pk}},
    job_id BIGINT NOT NULL REFERENCES azure_blob_sync_jobs (id) ON DELETE CASCADE,
    status TEXT NOT NULL
        CHECK (status IN ('queued', 'running', 'succeeded', 'failed', 'cancelled')),
    run_trigger TEXT NOT NULL CHECK (run_trigger IN ('create', 'manual', 'schedule', 'retry')),
    attempt INTEGER NOT NULL DEFAULT 1,
    run_after BIGINT NOT NULL,
    cancel_requested INTEGER NOT NULL DEFAULT 0 CHECK (cancel_requested IN (0, 1)),
    worker_id TEXT,
    lease_expires_at BIGINT,
    claims INTEGER NOT NULL DEFAULT 0,
    files_total BIGINT NOT NULL DEFAULT 0,
    files_done BIGINT NOT NULL DEFAULT 0,
    files_skipped BIGINT NOT NULL DEFAULT 0,
    files_failed BIGINT NOT NULL DEFAULT 0,
    files_deleted BIGINT NOT NULL DEFAULT 0,
    bytes_total BIGINT NOT NULL DEFAULT 0,
    bytes_done BIGINT NOT NULL DEFAULT 0,
    error_code TEXT,
    error_message TEXT,
    created_at BIGINT NOT NULL,
    started_at BIGINT,
    finished_at BIGINT,
    updated_at BIGINT NOT NULL
);
CREATE INDEX azure_blob_sync_runs_by_job ON azure_blob_sync_runs (job_id, id);
CREATE INDEX azure_blob_sync_runs_claimable ON azure_blob_sync_runs (status, run_after);
-- A job has at most one run queued or running.
CREATE UNIQUE INDEX azure_blob_sync_runs_one_live ON azure_blob_sync_runs (job_id)
    WHERE status IN ('queued', 'running');
