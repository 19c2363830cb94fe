-- Accounts of Cerulean's own users. Emails are stored lower-cased, so uniqueness is
-- case-insensitive on both dialects. Booleans are 0/1 integers and times are Unix
-- milliseconds, the same on SQLite and PostgreSQL. token_version is raised when a password
-- changes or a user is deactivated, which invalidates earlier tokens.
CREATE TABLE users (
    id {{id_pk}},
    email TEXT NOT NULL UNIQUE,
    full_name TEXT,
    password_hash TEXT NOT NULL,
    is_active INTEGER NOT NULL DEFAULT 1 CHECK (is_active IN (0, 1)),
    is_superuser INTEGER NOT NULL DEFAULT 0 CHECK (is_superuser IN (0, 1)),
    token_version INTEGER NOT NULL DEFAULT 0,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
);
