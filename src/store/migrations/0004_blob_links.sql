-- Short-lived links to a blob's bytes that need no bearer token (browser downloads and
-- previews). Only the SHA-256 of the link's random token is stored, so a copy of the database
-- cannot be used to follow them. A single-use link is marked used by the request that follows
-- it; expired rows are deleted as new links are made. In the database, so that any server of
-- a scaled-out deployment honours a link another one issued.
CREATE TABLE blob_links (
    token_hash TEXT PRIMARY KEY,
    user_id BIGINT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    connection_id BIGINT NOT NULL REFERENCES azure_blob_connections (id) ON DELETE CASCADE,
    container TEXT NOT NULL,
    blob_name TEXT NOT NULL,
    inline INTEGER NOT NULL DEFAULT 0 CHECK (inline IN (0, 1)),
    single_use INTEGER NOT NULL DEFAULT 1 CHECK (single_use IN (0, 1)),
    used_at BIGINT,
    created_at BIGINT NOT NULL,
    expires_at BIGINT NOT NULL
);
CREATE INDEX blob_links_expiry ON blob_links (expires_at);
