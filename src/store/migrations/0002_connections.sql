-- Each user's Azure Blob Storage connections. `credentials` holds the secret part, sealed by
-- the credential vault (v1:<key id>:<base64>) and bound to this row's user_id and id, so a
-- value copied into another row fails to open. sync_preferences is the client's JSON text.
CREATE TABLE azure_blob_connections (
    id {{id_pk}},
    user_id BIGINT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    name TEXT NOT NULL,
    account_name TEXT NOT NULL,
    auth_type TEXT NOT NULL,
    credentials TEXT NOT NULL,
    endpoint TEXT NOT NULL,
    container_name TEXT,
    is_active INTEGER NOT NULL DEFAULT 1 CHECK (is_active IN (0, 1)),
    sync_preferences TEXT,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL,
    UNIQUE (user_id, name)
);

-- Failed sign-ins, per subject ("email:<address>" or "ip:<address>"), for throttling; rows
-- older than the throttling window are deleted as new ones arrive. In the database, so that
-- every server of a scaled-out deployment counts the same failures.
CREATE TABLE login_failures (
    id {{id_pk}},
    subject TEXT NOT NULL,
    failed_at BIGINT NOT NULL
);
CREATE INDEX login_failures_subject ON login_failures (subject, failed_at);
